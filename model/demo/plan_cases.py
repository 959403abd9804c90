"""The case plan and the orders whose fate is forced (pure functions of the world)."""
from __future__ import annotations

import bisect
import random
from array import array
from dataclasses import dataclass

from .common import (CASE_CHANNELS, CASE_PRIORITIES, CASE_STATUSES, CASE_TYPES, DAY, HOUR, LINKED_SHARE, MINUTE,
                     _rng, _Table)
from .plan_orders import _BUSINESS_HOURS, _mix64_array, _uniforms
from .world import _World


# --- the case plan (pure): when, who, what, and what the agent did on the linked order -----
@dataclass(slots=True)
class _CasePlan:
    t: int
    customer: int           # 0: none
    order: int              # order index, -1: none
    type: str
    priority: str
    status: str
    channel: str
    h: int                  # per-case hash for texts
    primary: bool = False   # first case on its order: the one whose outcome shows on the order
    injection: str | None = None
    action_t: int = 0


_LINK_WINDOWS = {  # type: (earliest, latest) placement before the case, seconds
    "cancellation": (20 * HOUR, 10 * MINUTE), "return": (28 * DAY, 8 * DAY), "shipment": (20 * DAY, 6 * DAY),
    "claim": (25 * DAY, 6 * DAY), "payment": (30 * DAY, HOUR), "other": (60 * DAY, HOUR),
}
_TYPE_LINKED = {"shipment": 30, "return": 24, "claim": 14, "cancellation": 10, "payment": 10, "other": 12}
_TYPE_UNLINKED = {"other": 30, "payment": 18, "shipment": 16, "return": 14, "claim": 12, "cancellation": 10}
_TYPE_CODES_LINKED = _Table([(CASE_TYPES.index(k), w) for k, w in _TYPE_LINKED.items()])
_TYPE_CODES_UNLINKED = _Table([(CASE_TYPES.index(k), w) for k, w in _TYPE_UNLINKED.items()])
_CHANNEL = _Table([("email", 45), ("chat", 20), ("phone", 15), ("web", 15), ("internal", 5)])
_PRIORITY = {
    "shipment": _Table([("low", 8), ("normal", 50), ("high", 30), ("urgent", 12)]),
    "claim": _Table([("low", 8), ("normal", 52), ("high", 30), ("urgent", 10)]),
    "payment": _Table([("low", 10), ("normal", 50), ("high", 30), ("urgent", 10)]),
    "cancellation": _Table([("low", 5), ("normal", 45), ("high", 35), ("urgent", 15)]),
    "return": _Table([("low", 20), ("normal", 62), ("high", 15), ("urgent", 3)]),
    "other": _Table([("low", 40), ("normal", 52), ("high", 7), ("urgent", 1)]),
}
_STATUS_BY_AGE = [  # (max age in days, table): the open backlog is a few days of intake
    (1, _Table([("new", 45), ("open", 35), ("pending", 10), ("resolved", 8), ("closed", 2)])),
    (3, _Table([("new", 10), ("open", 30), ("pending", 20), ("resolved", 30), ("closed", 10)])),
    (14, _Table([("new", 1), ("open", 8), ("pending", 8), ("resolved", 43), ("closed", 40)])),
    (45, _Table([("open", 2), ("pending", 2), ("resolved", 21), ("closed", 75)])),
    (10 ** 9, _Table([("open", 0.3), ("pending", 0.3), ("resolved", 7.4), ("closed", 92)])),
]


def _injection(case: _CasePlan, placed: int, anchor: int) -> tuple[str | None, int]:
    """What the agent did on the linked order for this case, and when (pure: both workers agree)."""
    if not case.primary or case.status == "new" or case.order < 0:
        return None, 0
    action_t = case.t + 10 * MINUTE + case.h % (80 * MINUTE)
    if action_t >= anchor - MINUTE:
        return None, 0
    age, done = case.t - placed, case.status in ("resolved", "closed")
    if case.type == "cancellation" and age <= 20 * HOUR:
        return "cancel", action_t
    if case.type == "return" and 6 * DAY <= age <= 28 * DAY:
        return ("return" if done else "rma_open"), action_t
    if case.type == "shipment" and 6 * DAY <= age <= 40 * DAY:
        return "lost", action_t
    if case.type == "claim" and done and 6 * DAY <= age <= 28 * DAY:
        return ("claim_discount" if case.h >> 40 & 1 else "claim_return"), action_t
    return None, 0


def _pick_array(table: _Table, u):
    """_Table.pick over an array of uniforms."""
    import numpy as np

    return np.array(table.values)[(u * table.size).astype(np.int64)]


def _plan_cases(world: _World, order_ts: array, order_cust: array) -> list[_CasePlan]:
    """When each case was opened, by whom, about what, and its status; sorted by creation (= id order)."""
    import numpy as np

    rng = _rng(world.seed, "cases-plan")
    n, anchor = world.cases, world.anchor
    u = [_uniforms(rng, n) for _ in range(12)]
    created = np.frombuffer(world.created, dtype=np.int64)
    weights = np.frombuffer(world.weights, dtype=np.float64)
    offsets = np.frombuffer(world.offsets, dtype=np.int64)
    orders_at = np.frombuffer(order_ts, dtype=np.int64)
    # 45 % in the last 30 days, 30 % in the 5 months before, the rest over the year and a half before that.
    age = np.select([u[0] < 0.45, u[0] < 0.75], [u[1] * 30, 30 + u[1] * 150], 180 + u[1] * 550) * DAY
    day_start = (anchor - age.astype(np.int64)) // DAY * DAY
    linked = (u[2] < LINKED_SHARE) & (len(order_ts) > 0)
    type_codes = np.where(linked, _pick_array(_TYPE_CODES_LINKED, u[3]), _pick_array(_TYPE_CODES_UNLINKED, u[3]))
    channels = _pick_array(_CHANNEL, u[4])
    hashes = _mix64_array((u[5] * float(1 << 62)).astype(np.uint64))
    t = day_start + _pick_array(_BUSINESS_HOURS, u[6]).astype(np.int64) * 60 + (u[7] * 60).astype(np.int64)
    # Linked cases: an order placed in the window that fits the type (wider if none is).
    earliest = np.array([_LINK_WINDOWS[CASE_TYPES[c]][0] for c in range(len(CASE_TYPES))])[type_codes]
    latest = np.array([_LINK_WINDOWS[CASE_TYPES[c]][1] for c in range(len(CASE_TYPES))])[type_codes]
    lo = np.searchsorted(orders_at, t - earliest, side="left")
    hi = np.searchsorted(orders_at, t - latest, side="right")
    wide = hi <= lo
    lo = np.where(wide, np.searchsorted(orders_at, t - 90 * DAY, side="left"), lo)
    hi = np.where(wide, np.searchsorted(orders_at, t - 10 * MINUTE, side="right"), hi)
    linked &= hi > lo
    order = np.where(linked, lo + (u[8] * (hi - lo)).astype(np.int64), -1)
    customers_of = np.frombuffer(order_cust, dtype=np.int64)
    customer = np.where(linked, customers_of[np.maximum(order, 0)] if len(order_ts) else 0, 0)
    # Other cases: a customer who had signed up, by how much they buy; some internal ones have none.
    if world.customers:
        known = np.maximum(1, np.searchsorted(created, day_start, side="right"))
        pick = np.minimum(np.searchsorted(weights, u[9] * weights[known - 1], side="right"), known - 1) + 1
        nobody = (channels == "internal") & (u[10] < 0.4)
        customer = np.where(linked, customer, np.where(nobody, 0, pick))
    has = customer > 0
    index = np.maximum(customer - 1, 0)
    t = np.where(has, t - offsets[index] if world.customers else t, t)   # business hours where the customer is
    floor = np.where(has, created[index] + HOUR if world.customers else 0, 0)
    floor = np.where(linked, np.maximum(floor, orders_at[np.maximum(order, 0)] + 10 * MINUTE) if len(order_ts)
                     else floor, floor)
    t = np.minimum(np.maximum(t, floor), anchor - 5 * MINUTE)
    priority = np.select([type_codes == c for c in range(len(CASE_TYPES))],
                         [_pick_array(_PRIORITY[name], u[11]) for name in CASE_TYPES], "")
    # Status by age: new and open work is recent, old cases are resolved or closed.
    age_days = (anchor - t) / DAY
    bucket = np.searchsorted(np.array([limit for limit, _ in _STATUS_BY_AGE]), age_days, side="right")
    bits = (hashes >> np.uint64(8)).astype(np.uint64)
    status = np.select([bucket == k for k in range(len(_STATUS_BY_AGE))],
                       [np.array(table.values)[(bits % np.uint64(table.size)).astype(np.int64)]
                        for _, table in _STATUS_BY_AGE], "")
    by_time = np.lexsort((hashes, t))
    plans = [_CasePlan(*fields) for fields in zip(
        t[by_time].tolist(), customer[by_time].tolist(), order[by_time].tolist(),
        np.array(CASE_TYPES)[type_codes[by_time]].tolist(), priority[by_time].tolist(), status[by_time].tolist(),
        channels[by_time].tolist(), hashes[by_time].tolist())]
    _cover(plans, rng)
    seen: set[int] = set()
    for case in plans:
        if case.order >= 0 and case.order not in seen:
            seen.add(case.order)
            case.primary = True
            case.injection, case.action_t = _injection(case, order_ts[case.order], anchor)
    return plans


def _cover(plans: list[_CasePlan], rng: random.Random) -> None:
    """Every type, priority, status and channel appears at least once (small demos too)."""
    if not plans:
        return
    used: set[int] = set()
    for attribute, values in (("type", CASE_TYPES), ("priority", CASE_PRIORITIES),
                              ("status", CASE_STATUSES), ("channel", CASE_CHANNELS)):
        present = {getattr(c, attribute) for c in plans}
        for value in values:
            if value in present:
                continue
            candidates = [i for i in range(len(plans)) if i not in used] or list(range(len(plans)))
            i = candidates[int(rng.random() * len(candidates))]
            used.add(i)
            setattr(plans[i], attribute, value)


# Orders that must exist even in a tiny demo: (fate, days before the anchor it is placed).
_FORCED_FATES = (("lost", 60), ("split", 45), ("pickup", 30), ("cancel", 20), ("return", 70),
                 ("rma_open", 16))


def _forced_fates(world: _World, order_ts: array, taken: set[int]) -> dict[int, str]:
    forced: dict[int, str] = {}
    n = len(order_ts)
    for fate, days_before in _FORCED_FATES:
        i = bisect.bisect_left(order_ts, world.anchor - days_before * DAY)
        for step in range(2 * n):
            j = i + (step + 1) // 2 * (1 if step % 2 else -1)
            if 0 <= j < n and j not in taken and j not in forced and order_ts[j] < world.anchor - 12 * DAY:
                forced[j] = fate
                break
            if step > 400:
                break
    return forced
