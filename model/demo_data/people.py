"""Demo people: customer names, time zones, taxes, e-mail domains, tags, memos and agents (model.demo_data)."""
from __future__ import annotations

# --- people -------------------------------------------------------------------------
# Extra Japanese names (kanji, romaji): Faker's ja_JP pairs are few.
JA_LAST_NAMES = [
    ("佐藤", "Sato"), ("鈴木", "Suzuki"), ("高橋", "Takahashi"), ("田中", "Tanaka"), ("渡辺", "Watanabe"),
    ("伊藤", "Ito"), ("山本", "Yamamoto"), ("中村", "Nakamura"), ("小林", "Kobayashi"), ("加藤", "Kato"),
    ("吉田", "Yoshida"), ("山田", "Yamada"), ("佐々木", "Sasaki"), ("山口", "Yamaguchi"), ("松本", "Matsumoto"),
    ("井上", "Inoue"), ("木村", "Kimura"), ("林", "Hayashi"), ("斎藤", "Saito"), ("清水", "Shimizu"),
    ("山崎", "Yamazaki"), ("森", "Mori"), ("池田", "Ikeda"), ("橋本", "Hashimoto"), ("阿部", "Abe"),
    ("石川", "Ishikawa"), ("山下", "Yamashita"), ("中島", "Nakajima"), ("石井", "Ishii"), ("小川", "Ogawa"),
    ("前田", "Maeda"), ("岡田", "Okada"), ("長谷川", "Hasegawa"), ("藤田", "Fujita"), ("後藤", "Goto"),
    ("近藤", "Kondo"), ("村上", "Murakami"), ("遠藤", "Endo"), ("青木", "Aoki"), ("坂本", "Sakamoto"),
    ("斉藤", "Saito"), ("福田", "Fukuda"), ("太田", "Ota"), ("西村", "Nishimura"), ("藤井", "Fujii"),
    ("金子", "Kaneko"), ("岡本", "Okamoto"), ("藤原", "Fujiwara"), ("中野", "Nakano"), ("三浦", "Miura"),
    ("原田", "Harada"), ("中川", "Nakagawa"), ("松田", "Matsuda"), ("竹内", "Takeuchi"), ("小野", "Ono"),
    ("田村", "Tamura"), ("中山", "Nakayama"), ("和田", "Wada"), ("石田", "Ishida"), ("森田", "Morita"),
    ("上田", "Ueda"), ("原", "Hara"), ("内田", "Uchida"), ("柴田", "Shibata"), ("酒井", "Sakai"),
    ("宮崎", "Miyazaki"), ("横山", "Yokoyama"), ("高木", "Takagi"), ("安藤", "Ando"), ("宮本", "Miyamoto"),
]
JA_FIRST_NAMES = [
    ("翔太", "Shota"), ("蓮", "Ren"), ("大翔", "Hiroto"), ("悠真", "Yuma"), ("陽翔", "Haruto"),
    ("湊", "Minato"), ("健太", "Kenta"), ("拓也", "Takuya"), ("大輔", "Daisuke"), ("直樹", "Naoki"),
    ("誠", "Makoto"), ("隆", "Takashi"), ("浩二", "Koji"), ("和也", "Kazuya"), ("修", "Osamu"),
    ("亮", "Ryo"), ("智也", "Tomoya"), ("雄一", "Yuichi"), ("学", "Manabu"), ("剛", "Tsuyoshi"),
    ("陽菜", "Hina"), ("結衣", "Yui"), ("さくら", "Sakura"), ("美咲", "Misaki"), ("葵", "Aoi"),
    ("凛", "Rin"), ("花子", "Hanako"), ("恵子", "Keiko"), ("由美", "Yumi"), ("真由美", "Mayumi"),
    ("裕子", "Yuko"), ("直美", "Naomi"), ("智子", "Tomoko"), ("久美子", "Kumiko"), ("明美", "Akemi"),
    ("愛", "Ai"), ("彩", "Aya"), ("千尋", "Chihiro"), ("七海", "Nanami"), ("美穂", "Miho"),
    ("舞", "Mai"), ("優子", "Yuko"), ("麻衣", "Mai"), ("香織", "Kaori"), ("奈々", "Nana"),
]

US_TIME_ZONES = (("America/New_York", -5), ("America/Chicago", -6), ("America/Denver", -7),
                 ("America/Los_Angeles", -8))
US_TIME_ZONE_WEIGHTS = (47, 27, 8, 18)

# Sales tax (4 decimals, the column's precision) for the states with the most orders;
# the others get a rate derived from their code, always within 7.25 %–10.25 %.
US_STATE_TAX = {
    "CA": "0.0825", "NY": "0.0888", "TX": "0.0825", "WA": "0.1025", "IL": "0.1000", "FL": "0.0750",
    "PA": "0.0800", "OH": "0.0775", "GA": "0.0890", "NC": "0.0750", "NJ": "0.0725", "TN": "0.0955",
    "AZ": "0.0840", "MA": "0.0725", "CO": "0.0780", "LA": "0.0955", "AL": "0.0925", "AR": "0.0945",
    "OK": "0.0895", "KS": "0.0870", "NV": "0.0823", "MN": "0.0749", "MO": "0.0830", "IN": "0.0725",
}

EMAIL_DOMAINS = {  # reserved example domains only: demo data must never reach a real mailbox
    "en": ("example.com", "example.net", "example.org", "mail.example"),
    "ja": ("example.com", "mail.example", "jp.example", "example.net"),
    "es": ("example.com", "correo.example", "es.example", "example.org"),
}

CUSTOMER_TAGS_RARE = (("partnership", 0.010), ("wholesale", 0.020), ("at_risk", 0.030),
                      ("employee", 0.004), ("press", 0.002), ("b2b", 0.015), ("influencer", 0.004))

CUSTOMER_MEMOS = {
    "en": ["Prefers email over phone calls.", "Ships to office address on weekdays.",
           "Long-time customer; very patient, always polite.", "Asked not to receive marketing calls.",
           "Buys gifts in December; often needs gift receipts.", "Had two late deliveries last year.",
           "Corporate account contact for the Portland office.", "Hard of hearing: prefer chat or email.",
           "Returns sizes often: suggest the size guide.", "VIP since 2023; escalate issues to a lead."],
    "ja": ["電話よりメールでの連絡を希望。", "平日は会社宛てに配送希望。", "長年のお得意様。丁寧な対応を。",
           "営業電話は不要とのこと。", "年末にギフト購入が多い。領収書の発行を希望。",
           "昨年、配送遅延が2回あり。", "サイズ交換が多いのでサイズガイドを案内すること。",
           "法人窓口（大阪支店）のご担当者。", "VIP顧客。問題があればリーダーへエスカレーション。"],
    "es": ["Prefiere el correo electrónico a las llamadas.", "Envíos a la oficina entre semana.",
           "Cliente de muchos años, muy amable.", "No desea recibir llamadas comerciales.",
           "Compra regalos en Navidad; suele pedir ticket regalo.", "Tuvo dos entregas tardías el año pasado.",
           "Contacto de la cuenta de empresa en Valencia.", "Cambia tallas a menudo: recomendar la guía de tallas.",
           "Cliente VIP; escalar incidencias a un responsable."],
}

# --- people who use the dashboard ------------------------------------------------------
EXTRA_AGENTS = [  # agent01 … agent20: (display name, language, time zone)
    ("Alex Morgan", "en", "America/New_York"), ("Jordan Lee", "en", "America/Chicago"),
    ("Priya Shah", "en", "America/New_York"), ("Sam Rivera", "en", "America/Los_Angeles"),
    ("Taylor Brooks", "en", "America/Denver"), ("Chris Okafor", "en", "America/New_York"),
    ("Morgan Yates", "en", "America/Chicago"), ("Jamie Chen", "en", "America/Los_Angeles"),
    ("Riley Novak", "en", "America/New_York"), ("Casey Patel", "en", "America/Chicago"),
    ("佐藤 健", "ja", "Asia/Tokyo"), ("鈴木 美咲", "ja", "Asia/Tokyo"), ("高橋 翔", "ja", "Asia/Tokyo"),
    ("伊藤 彩", "ja", "Asia/Tokyo"), ("山本 大輔", "ja", "Asia/Tokyo"),
    ("Lucía Fernández", "es", "Europe/Madrid"), ("Javier Romero", "es", "Europe/Madrid"),
    ("Carmen Navarro", "es", "Europe/Madrid"), ("Pablo Ortega", "es", "Europe/Madrid"),
    ("Elena Castro", "es", "Atlantic/Canary"),
]
