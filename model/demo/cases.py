"""Case rows: cases in creation order, with their thread, tags and audit events."""
from __future__ import annotations

from array import array

from .. import demo_data as data
from ..entities.cases import TAG_LIST_LENGTH
from .common import DAY, HOUR, LOCALES, MINUTE, SLA_HOURS, _rng
from .plan_cases import _CasePlan
from .users import USERS
from .world import _World


# --- cases -------------------------------------------------------------------------------------------
_RESPONSE_HOURS = {"urgent": (0.1, 5), "high": (0.3, 10), "normal": (0.5, 30), "low": (1, 90)}
_FOLLOW_UP_PREFIX = {"en": "Logged by phone: ", "ja": "お電話での内容：", "es": "Registrado por teléfono: "}
_INTERNAL_PREFIX = {"en": "Customer says: ", "ja": "お客様より：", "es": "El cliente indica: "}


def _preview(text: str) -> str:
    return " ".join(text.split())[:200]


class _CaseWriter:
    """Cases in creation order (ids follow created_at), with their thread, tags and audit events."""

    def __init__(self, world: _World, order_ts: array, plans: list[_CasePlan]):
        self.world, self.order_ts, self.plans = world, order_ts, plans
        self.ts = world.timestamp_function()

    def simulate(self, lo: int, hi: int) -> dict[str, list]:
        """Cases lo+1 … hi (ids follow the plan's creation order); messages numbered from 1 in this chunk."""
        raw = {name: [] for name in ("cases", "case_messages", "case_tags", "audit_events")}
        r = _rng(self.world.seed, "cases", lo).random
        for k in range(lo, hi):
            self._case(k + 1, self.plans[k], raw, r)
        return raw

    def _case(self, case_id: int, plan: _CasePlan, raw: dict, r) -> None:
        world, anchor = self.world, self.world.anchor
        profile = world.customer(plan.customer) if plan.customer else None
        language = LOCALES[profile.locale] if profile else LOCALES[plan.h % 3]
        number = f"CS-{case_id:08d}"
        order_id = plan.order + 1 if plan.order >= 0 else None
        order_number = f"SO-{order_id:08d}" if order_id else ""
        product = world.products[world.first_products[plan.order]][1] if plan.order >= 0 else ""
        templates = data.CASE_OPENINGS[plan.type][language if order_id else f"{language}_no_order"]
        if not profile:
            templates = data.INTERNAL_TOPICS[language]
        subject, opening = templates[(plan.h >> 12) % len(templates)]
        subject = subject.format(order=order_number, product=product)[:300]
        opening = opening.format(order=order_number, product=product)
        name = profile.first if profile else ""
        agents = USERS["agents"][LOCALES.index(language)]
        assignee = None
        if plan.status != "new" and (plan.status != "open" or r() < 0.85) and r() < 0.98 or (
                plan.status in ("pending", "resolved", "closed")):
            assignee = USERS["lead"] if r() < 0.04 else agents[(plan.h >> 20) % len(agents)]
        author = assignee or agents[(plan.h >> 24) % len(agents)]
        agent_name = USERS["names"][author]
        fill = {"name": name, "agent": agent_name, "order": order_number}
        # The thread as (offset seconds, kind, author, body); statuses as (offset, before, after).
        low, high = _RESPONSE_HOURS[plan.priority]
        response = int((low + (high - low) * r() ** 1.6) * HOUR)
        if plan.injection:
            response = plan.action_t - plan.t + 5 * MINUTE
        first_kind = "note" if plan.channel == "internal" else "customer"
        first_body = opening
        if plan.channel == "internal" and profile:
            first_body = _INTERNAL_PREFIX[language] + opening
        elif plan.channel == "phone":
            first_body = _FOLLOW_UP_PREFIX[language] + opening
        thread = [(0, first_kind, author if first_kind == "note" else None, first_body)]
        statuses = []
        take = None
        if assignee is not None:
            take = int(response * (0.2 + 0.6 * r()))
        follow_ups = data.CUSTOMER_FOLLOW_UPS[language]
        notes = data.INTERNAL_NOTES[language]
        note = lambda: notes[int(r() * len(notes))].format(ref=f"{plan.h % 10 ** 8:08d}")  # noqa: E731
        if plan.status == "new":
            if profile and r() < 0.3:
                thread.append((response + int(r() * 20 * HOUR), "customer", None, follow_ups[0]))
        elif plan.status in ("open", "pending") or not profile:
            if r() < 0.4:
                thread.append((int(response * 0.6), "note", author, note()))
            if profile and (plan.status == "pending" or plan.injection or r() < 0.65):
                if plan.injection:
                    body = data.RESOLUTION_REPLIES[plan.injection][language]
                elif plan.status == "pending":
                    asks = data.PENDING_ASKS[language]
                    body = asks[int(r() * len(asks))]
                else:
                    replies = data.FIRST_REPLIES[plan.type][language]
                    body = replies[int(r() * len(replies))]
                thread.append((response, "reply", author, body.format(**fill)))
                if plan.status == "pending":
                    statuses.append((response + MINUTE, "open", "pending"))
                elif r() < 0.35:
                    thread.append((response + 2 * HOUR + int(r() * 28 * HOUR), "customer", None,
                                   follow_ups[int(r() * len(follow_ups))]))
            if plan.status in ("resolved", "closed"):      # internal cases without a customer
                end = thread[-1][0] + HOUR + int(r() * DAY)
                statuses.append((end, "open", "resolved"))
        else:
            replies = data.FIRST_REPLIES[plan.type][language]
            at = response
            if plan.injection:
                thread.append((at, "reply", author, data.RESOLUTION_REPLIES[plan.injection][language].format(**fill)))
            else:
                thread.append((at, "reply", author, replies[int(r() * len(replies))].format(**fill)))
                if r() < 0.4:
                    at += 2 * HOUR + int(r() * 30 * HOUR)
                    thread.append((at, "customer", None, follow_ups[int(r() * len(follow_ups))]))
                    if r() < 0.3:
                        at += 30 * MINUTE + int(r() * 4 * HOUR)
                        thread.append((at, "note", author, note()))
                at += 2 * HOUR + int(r() * 2 * DAY)
                thread.append((at, "reply", author, data.RESOLUTION_REPLIES[None][language].format(**fill)))
            statuses.append((at + MINUTE, "open", "resolved"))
        if plan.status == "closed":
            statuses.append((statuses[-1][0] + DAY + int(r() * 6 * DAY), "resolved", "closed"))
        # Squeeze the story in before the anchor.
        last = max([thread[-1][0]] + [s[0] for s in statuses] + ([take] if take is not None else []))
        room = anchor - MINUTE - plan.t
        if last > room:               # end somewhere in the room left, not all at the last minute
            factor = room * (0.5 + 0.45 * r()) / last
            thread = [(int(o * factor), k, a, b) for o, k, a, b in thread]
            statuses = [(int(o * factor), b, a) for o, b, a in statuses]
            take = int(take * factor) if take is not None else None
        t0 = plan.t
        first_reply = next((t0 + o for o, k, _, _ in thread if k == "reply"), None)
        resolved_at = next((t0 + o for o, _, after, in ((s[0], s[1], s[2]) for s in statuses) if after == "resolved"),
                           None)
        updated = t0 + max([thread[-1][0]] + [s[0] for s in statuses] + ([take] if take is not None else []))
        last_message = thread[-1]
        cc = None
        if plan.channel == "email" and profile and r() < 0.03:
            cc = f"{profile.email_first or 'family'}.family{plan.customer}@example.com"
        ts = self.ts
        messages = raw["case_messages"]
        for offset, kind, author_id, body in thread:
            messages.append((len(messages) + 1, case_id, kind, body, author_id, ts(t0 + offset)))
        tags = set()
        pool = data.CASE_TAGS[plan.type]
        for _ in range(int(r() * 3.2)):
            tags.add(pool[int(r() * len(pool))])
        if r() < 0.08:
            tags.add(data.GENERAL_CASE_TAGS[int(r() * len(data.GENERAL_CASE_TAGS))])
        raw["case_tags"].extend((case_id, tag) for tag in sorted(tags))
        # The queue's sort keys, as migration 0003's triggers keep them (the bulk load sets them aside).
        tag_list = ", ".join(sorted(tags))[:TAG_LIST_LENGTH] or None
        raw["cases"].append((case_id, number, subject, plan.channel, plan.status, plan.type, plan.priority,
                             plan.customer or None, order_id, assignee, cc, language, ts(t0), ts(updated),
                             ts(first_reply) if first_reply else None, ts(t0 + SLA_HOURS[plan.priority] * HOUR),
                             ts(resolved_at) if resolved_at else None, ts(t0 + last_message[0]),
                             _preview(last_message[3]), profile.name if profile else None,
                             USERS["names"][assignee] if assignee else None, order_number or None, tag_list))
        audit = raw["audit_events"]
        customer_id = plan.customer or None
        creator = author if plan.channel in ("phone", "internal") else None
        # Details as json.dumps(…, sort_keys=True) writes them (the services' format), without its cost.
        linked_by = '"text"' if order_id else "null"
        audit.append((ts(t0), creator, "case.create", order_id, case_id, customer_id, None, None,
                      f'{{"channel": "{plan.channel}", "number": "{number}", "order_linked_by": {linked_by}, '
                      f'"priority": "{plan.priority}"}}'))
        if take is not None:
            audit.append((ts(t0 + take), assignee, "case.take", order_id, case_id, customer_id, None, None,
                          f'{{"assignee_id": {assignee}}}'))
        for offset, before, after in statuses:
            audit.append((ts(t0 + offset), author, "case.status", order_id, case_id, customer_id, None, None,
                          f'{{"before_status": "{before}", "status": "{after}"}}'))
