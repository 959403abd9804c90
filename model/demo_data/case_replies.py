"""Demo case threads: agents' replies, customers' follow-ups and internal notes (model.demo_data)."""
from __future__ import annotations

# Agent's first public reply, by type and language.
FIRST_REPLIES = {
    "shipment": {
        "en": ["Hi {name}, thanks for reaching out. I've opened a trace with the carrier and will update you within 24 hours.\n\n{agent}",
               "Hello {name}, sorry for the wait. I can see the parcel's last scan; I'm checking with the carrier now.\n\n{agent}",
               "Hi {name}, I'm sorry your order is late. Let me look into it right away.\n\n{agent}"],
        "ja": ["{name} 様\n\nお問い合わせありがとうございます。配送業者に調査を依頼しました。24時間以内にご連絡いたします。\n\n{agent}",
               "{name} 様\n\nお待たせして申し訳ございません。最終の配送状況を確認し、配送業者に問い合わせております。\n\n{agent}",
               "{name} 様\n\nお届けが遅れており誠に申し訳ございません。至急確認いたします。\n\n{agent}"],
        "es": ["Hola {name}, gracias por escribirnos. He abierto una investigación con el transportista y te respondo en 24 horas.\n\n{agent}",
               "Hola {name}, perdona la espera. Veo el último escaneo del paquete y lo estoy consultando con el transportista.\n\n{agent}",
               "Hola {name}, siento mucho el retraso. Lo reviso ahora mismo.\n\n{agent}"],
    },
    "return": {
        "en": ["Hi {name}, of course. I'll set up the return for you; you'll receive a prepaid label by email.\n\n{agent}",
               "Hello {name}, thanks for letting us know. You're within the 30-day return window, so this is no problem.\n\n{agent}",
               "Hi {name}, sorry it didn't work out. Let me check the return options for your order.\n\n{agent}"],
        "ja": ["{name} 様\n\n承知いたしました。返品の手続きを進めます。返送用ラベルをメールでお送りします。\n\n{agent}",
               "{name} 様\n\nご連絡ありがとうございます。30日間の返品期間内ですので、問題なく返品いただけます。\n\n{agent}",
               "{name} 様\n\nご期待に沿えず申し訳ございません。返品方法を確認いたします。\n\n{agent}"],
        "es": ["Hola {name}, por supuesto. Preparo la devolución y te llegará una etiqueta prepagada por correo.\n\n{agent}",
               "Hola {name}, gracias por avisarnos. Estás dentro del plazo de 30 días, así que no hay problema.\n\n{agent}",
               "Hola {name}, siento que no te haya convencido. Reviso las opciones de devolución de tu pedido.\n\n{agent}"],
    },
    "claim": {
        "en": ["Hi {name}, I'm very sorry the item arrived like this. Could you send a photo of the damage and the box?\n\n{agent}",
               "Hello {name}, apologies for the trouble. I'll make this right; let me check what we can offer.\n\n{agent}"],
        "ja": ["{name} 様\n\nこのような状態でお届けしてしまい、誠に申し訳ございません。破損箇所と箱の写真をお送りいただけますか。\n\n{agent}",
               "{name} 様\n\nご迷惑をおかけして申し訳ございません。対応方法を確認いたします。\n\n{agent}"],
        "es": ["Hola {name}, siento mucho que el artículo haya llegado así. ¿Nos envías una foto del daño y de la caja?\n\n{agent}",
               "Hola {name}, perdona las molestias. Lo vamos a solucionar; reviso qué podemos ofrecerte.\n\n{agent}"],
    },
    "payment": {
        "en": ["Hi {name}, thanks for checking. What you see may be a temporary authorization hold; it drops off within 5 business days.\n\n{agent}",
               "Hello {name}, I've reviewed the payment on your account and I'm looking into the charge now.\n\n{agent}"],
        "ja": ["{name} 様\n\nご確認ありがとうございます。表示されているのは一時的な与信枠の確保で、5営業日ほどで解除されます。\n\n{agent}",
               "{name} 様\n\nお支払い状況を確認しております。詳細が分かり次第ご連絡いたします。\n\n{agent}"],
        "es": ["Hola {name}, gracias por consultarnos. Lo que ves puede ser una retención temporal; desaparece en 5 días hábiles.\n\n{agent}",
               "Hola {name}, he revisado el pago de tu cuenta y estoy investigando el cargo.\n\n{agent}"],
    },
    "cancellation": {
        "en": ["Hi {name}, I'm checking whether your order has been picked yet so I can cancel it.\n\n{agent}",
               "Hello {name}, no problem, let me see what can still be canceled.\n\n{agent}"],
        "ja": ["{name} 様\n\nキャンセル可能か、出荷準備の状況を確認しております。\n\n{agent}",
               "{name} 様\n\n承知いたしました。キャンセル可能な商品を確認いたします。\n\n{agent}"],
        "es": ["Hola {name}, compruebo si el pedido ya se ha preparado para poder cancelarlo.\n\n{agent}",
               "Hola {name}, sin problema, miro qué se puede cancelar todavía.\n\n{agent}"],
    },
    "other": {
        "en": ["Hi {name}, thanks for your message! Here's what I found.\n\n{agent}",
               "Hello {name}, happy to help with that.\n\n{agent}"],
        "ja": ["{name} 様\n\nお問い合わせありがとうございます。確認した内容をご案内いたします。\n\n{agent}",
               "{name} 様\n\nご連絡ありがとうございます。喜んでお手伝いいたします。\n\n{agent}"],
        "es": ["Hola {name}, ¡gracias por tu mensaje! Esto es lo que he encontrado.\n\n{agent}",
               "Hola {name}, encantados de ayudarte con eso.\n\n{agent}"],
    },
}

# Closing replies by what the agent did on the order (see model.demo.plan_cases._injection).
RESOLUTION_REPLIES = {
    "cancel": {"en": "Your order {order} has been canceled and the payment hold released. You won't be charged.\n\n{agent}",
               "ja": "ご注文 {order} をキャンセルいたしました。お支払いの与信も解除済みで、請求は発生しません。\n\n{agent}",
               "es": "Hemos cancelado el pedido {order} y liberado la retención del pago. No se te cobrará nada.\n\n{agent}"},
    "return": {"en": "The return for {order} is processed and your refund is on its way (3-5 business days).\n\n{agent}",
               "ja": "{order} の返品処理が完了し、返金手続きをいたしました（3〜5営業日で反映されます）。\n\n{agent}",
               "es": "La devolución de {order} está procesada y el reembolso está en camino (3-5 días hábiles).\n\n{agent}"},
    "rma_open": {"en": "I've created a return authorization for {order}. Please drop the parcel off within 14 days; we'll refund once it arrives.\n\n{agent}",
                 "ja": "{order} の返品受付を作成しました。14日以内にご返送ください。到着後に返金いたします。\n\n{agent}",
                 "es": "He creado la autorización de devolución de {order}. Envía el paquete en 14 días; reembolsamos al recibirlo.\n\n{agent}"},
    "lost": {"en": "The carrier confirmed the parcel for {order} is lost. I've shipped a replacement at no cost; you'll get new tracking shortly.\n\n{agent}",
             "ja": "配送業者より {order} の荷物が紛失したと確認が取れました。無償で再発送いたしました。新しい追跡番号をお送りします。\n\n{agent}",
             "es": "El transportista confirma que el paquete de {order} se ha perdido. Te hemos enviado otro sin coste; recibirás el nuevo seguimiento.\n\n{agent}"},
    "claim_discount": {"en": "I'm sorry again. I've applied a partial refund to {order} for the damage; you can keep the item.\n\n{agent}",
                       "ja": "改めてお詫び申し上げます。{order} について一部返金の手続きをいたしました。商品はそのままお使いください。\n\n{agent}",
                       "es": "Disculpa de nuevo. He aplicado un reembolso parcial al pedido {order} por el daño; puedes quedarte el artículo.\n\n{agent}"},
    "claim_return": {"en": "I've refunded the defective item on {order}. No need to send it back.\n\n{agent}",
                     "ja": "{order} の不良品について返金いたしました。商品のご返送は不要です。\n\n{agent}",
                     "es": "He reembolsado el artículo defectuoso del pedido {order}. No hace falta que lo devuelvas.\n\n{agent}"},
    None: {"en": "Glad we could sort this out. I'll close this case now; just reply if you need anything else.\n\n{agent}",
           "ja": "解決できてよかったです。こちらのお問い合わせはクローズいたします。他にご不明な点があればご返信ください。\n\n{agent}",
           "es": "Me alegro de haberlo resuelto. Cierro el caso; responde a este mensaje si necesitas algo más.\n\n{agent}"},
}

PENDING_ASKS = {
    "en": ["Could you confirm the shipping address on the order and a phone number the carrier can use?\n\n{agent}",
           "Could you send a photo of the item and of the shipping label?\n\n{agent}",
           "Before I proceed, can you confirm which item you'd like to return?\n\n{agent}",
           "Could you send the last four digits of the card used so I can match the charge?\n\n{agent}"],
    "ja": ["ご注文のお届け先住所と、配送業者が連絡できる電話番号をご確認いただけますか。\n\n{agent}",
           "商品と送り状の写真をお送りいただけますでしょうか。\n\n{agent}",
           "手続きの前に、返品をご希望の商品をお知らせいただけますか。\n\n{agent}",
           "ご利用のカード番号の下4桁をお知らせいただけますか。\n\n{agent}"],
    "es": ["¿Puedes confirmar la dirección de envío y un teléfono para el transportista?\n\n{agent}",
           "¿Nos envías una foto del artículo y de la etiqueta de envío?\n\n{agent}",
           "Antes de seguir, ¿me confirmas qué artículo quieres devolver?\n\n{agent}",
           "¿Me indicas los cuatro últimos dígitos de la tarjeta para localizar el cargo?\n\n{agent}"],
}

CUSTOMER_FOLLOW_UPS = {
    "en": ["Any update on this?", "Thanks for the quick reply!", "Here are the photos you asked for.",
           "The address is correct. My phone number is in my account.", "OK, thank you.",
           "It's been two days and I haven't heard back.", "That works for me, thanks!"],
    "ja": ["その後いかがでしょうか。", "迅速なご対応ありがとうございます。", "ご依頼の写真を添付します。",
           "住所は合っています。電話番号はアカウントに登録しています。", "承知しました。よろしくお願いします。",
           "2日経ちましたが、まだ連絡がありません。", "それで問題ありません。ありがとうございます。"],
    "es": ["¿Alguna novedad?", "¡Gracias por la respuesta tan rápida!", "Aquí tenéis las fotos que pedisteis.",
           "La dirección es correcta. Mi teléfono está en la cuenta.", "Vale, gracias.",
           "Han pasado dos días y no sé nada.", "Me parece bien, ¡gracias!"],
}

INTERNAL_NOTES = {
    "en": ["Carrier trace opened, ref #{ref}.", "Customer is VIP, handle with priority.",
           "Checked with the warehouse: parcel left on time.", "Second contact about the same issue.",
           "Refund over the approval threshold: asked a manager.", "Photos received, damage confirmed.",
           "Customer called as well; same request.", "Waiting for the carrier's answer before replying."],
    "ja": ["配送業者に調査依頼済み（受付番号 {ref}）。", "VIP顧客のため優先対応。", "倉庫に確認済み：予定通り出荷。",
           "同じ件で2回目の問い合わせ。", "承認基準額を超える返金のためマネージャーに確認中。", "写真受領、破損を確認。",
           "電話でも同じ内容の問い合わせあり。", "配送業者の回答待ち。"],
    "es": ["Investigación abierta con el transportista, ref. {ref}.", "Cliente VIP, tratar con prioridad.",
           "Confirmado con el almacén: salió a tiempo.", "Segundo contacto por el mismo tema.",
           "Reembolso por encima del umbral: consultado con un responsable.", "Fotos recibidas, daño confirmado.",
           "También ha llamado por teléfono con la misma petición.", "Esperando respuesta del transportista antes de contestar."],
}

# Internal cases without a customer (channel "internal"): (subject, first note).
INTERNAL_TOPICS = {
    "en": [("Carrier delays: Memphis hub", "UPS reports a backlog at the Memphis hub; expect 1-2 day delays on parcels shipped this week."),
           ("Website price error on a product page", "A product page showed the wrong sale price for about an hour. Check orders placed in that window."),
           ("Fraud review: cluster of new accounts", "Several new accounts ordering high-value electronics to the same address. Review before allocation."),
           ("Return label printer down at Reno DC", "Reno DC can't print return labels today; send customers QR codes instead."),
           ("Macro update: holiday return window", "Extended holiday returns apply to orders placed from Nov 1; update the reply macros."),
           ("Supplier recall notice", "Supplier notified us of a possible defect in one batch of chargers. Collect affected order numbers.")],
    "ja": [("配送遅延：関東エリア", "台風の影響で関東エリアの配送に1〜2日の遅れが出ています。"),
           ("商品ページの価格表示ミス", "商品ページのセール価格が約1時間誤って表示されていました。該当時間帯の注文を確認してください。"),
           ("不正注文の確認", "新規アカウントから同一住所宛てに高額商品の注文が続いています。引当前に確認をお願いします。"),
           ("千葉FC 返品ラベル印刷不可", "本日、千葉FCで返品ラベルが印刷できません。お客様にはQRコードをご案内してください。"),
           ("年末年始の返品期間について", "年末年始の返品期間延長が11月1日以降の注文に適用されます。定型文を更新してください。"),
           ("メーカーからのリコール連絡", "充電器の一部ロットに不具合の可能性があるとメーカーから連絡がありました。対象注文を洗い出してください。")],
    "es": [("Retrasos del transportista en Madrid", "SEUR informa de retrasos de 1-2 días en envíos desde Getafe esta semana."),
           ("Error de precio en la web", "Una ficha de producto mostró un precio rebajado incorrecto durante una hora. Revisar pedidos de esa franja."),
           ("Revisión de fraude: cuentas nuevas", "Varias cuentas nuevas piden electrónica cara a la misma dirección. Revisar antes de asignar."),
           ("Impresora de etiquetas averiada en El Prat", "Hoy no se pueden imprimir etiquetas de devolución en El Prat; enviad códigos QR."),
           ("Plazo de devolución de Navidad", "La ampliación del plazo de devolución navideño se aplica a pedidos desde el 1 de noviembre."),
           ("Aviso de retirada del proveedor", "El proveedor avisa de un posible defecto en un lote de cargadores. Reunir los pedidos afectados.")],
}
