"""Customer rows: customers with their emails, phones, addresses and tags."""
from __future__ import annotations

from datetime import date, timedelta

from .. import demo_data as data
from .common import CURRENCIES, DAY, LOCALES, _hash, _rng
from .world import _World


# --- customers -------------------------------------------------------------------------------------
_EMAIL_STYLES = ("{f}.{l}{n}", "{f}{l}{n}", "{f0}{l}{n}", "{l}.{f}{n}", "{f}_{n}")


def _phone(locale: int, h: int) -> str:
    if locale == 0:
        area = (212, 213, 305, 312, 415, 503, 512, 617, 702, 718, 773, 206, 404, 480, 614, 720)[h % 16]
        return f"+1 {area}-{200 + (h >> 8) % 800}-{(h >> 20) % 10000:04d}"
    if locale == 1:
        prefix = ("090", "080", "070")[h % 3] if (h >> 4) % 4 else ("03", "06", "052")[h % 3]
        width = 4 if len(prefix) == 3 else 4
        return f"{prefix}-{(h >> 8) % 9000 + 1000:0{width}d}-{(h >> 24) % 10000:04d}"
    return f"+34 6{(h >> 8) % 100:02d} {(h >> 16) % 1000:03d} {(h >> 28) % 1000:03d}"


class _CustomerWriter:
    """Customers with their emails, phones, addresses and tags, in id (= signup) order."""

    def __init__(self, world: _World):
        self.world = world

    def simulate(self, lo: int, hi: int) -> dict[str, list]:
        """Customers lo … hi-1; emails, phones and addresses numbered from 1 in this chunk."""
        world = self.world
        raw = {name: [] for name in ("customers", "customer_emails", "customer_phones", "customer_addresses",
                                     "customer_tags")}
        customers, emails, phones = raw["customers"], raw["customer_emails"], raw["customer_phones"]
        ts = world.timestamp_function()
        addresses, tag_rows = raw["customer_addresses"], raw["customer_tags"]
        r = _rng(world.seed, "customers", lo).random
        anchor = world.anchor
        for cid in range(lo, hi):
            c = world.customer(cid)
            locale = LOCALES[c.locale]
            created = world.created[cid - 1]
            birthday = None
            if r() < 0.45:
                age_days = int((18 + r() * 62) * 365.25)
                birthday = (date(1970, 1, 1) + timedelta(days=anchor // DAY - age_days)).isoformat()
            memo = data.CUSTOMER_MEMOS[locale][int(r() * len(data.CUSTOMER_MEMOS[locale]))] if r() < 0.06 else None
            customers.append((cid, c.name, locale, c.time_zone, CURRENCIES[c.locale], birthday, memo, ts(created)))
            # Emails: exactly one primary; ids appended so addresses are unique.
            n_emails = 1 if r() < 0.7 else (2 if r() < 0.73 else 3)
            f, l = c.email_first or "user", c.email_last or "customer"
            domains = data.EMAIL_DOMAINS[locale]
            for k in range(n_emails):
                style = _EMAIL_STYLES[int(r() * len(_EMAIL_STYLES))]
                local = style.format(f=f, l=l, f0=f[0], n=cid if k == 0 else f"{cid}{'xyz'[k - 1]}")
                domain = domains[int(r() * len(domains))] if k != 1 else "work.example"
                emails.append((len(emails) + 1, cid, f"{local}@{domain}", int(k == 0), int(k == 0 and r() < 0.35)))
            h = _hash(world.seed, 4, cid)
            for k in range(0 if r() < 0.28 else (1 if r() < 0.8 else 2)):
                phones.append((len(phones) + 1, cid, _phone(c.locale, h >> (k * 20)),
                               ("mobile", "home", "work")[0 if k == 0 else 1 + (h >> 60) % 2]))
            line1, line2, city, region, postal, country = c.address
            addresses.append((len(addresses) + 1, cid, "shipping", line1, line2, city, region, postal, country, 1))
            if r() < 0.35:
                other = world.address(c.locale, _hash(world.seed, 6, cid))[0] if r() < 0.5 else c.address
                addresses.append((len(addresses) + 1, cid, "billing", other[0], other[1], other[2], other[3],
                                  other[4], country, 0))
            tags = set()
            if world.raw_weights[cid - 1] >= world.vip_weight and r() < 0.85:
                tags.add("vip")
            if created >= anchor - 45 * DAY:
                tags.add("new")
            for tag, p in data.CUSTOMER_TAGS_RARE:
                if r() < p:
                    tags.add(tag)
            for tag in sorted(tags):
                tag_rows.append((cid, tag))
        return raw
