"""Orders' building blocks: weighted choices, the order being simulated, and its rows with final ids."""
from __future__ import annotations

import json

from .. import demo_data as data
from .chunks import _Sink, _ZERO_MASKS
from .common import (CATEGORIES, LOCALES, L_CANCELED, L_DISCOUNT, L_ORDERED, L_PRICE, L_RETURNED, L_TAX, SCALES, _Table,
                     _money)


# --- orders ----------------------------------------------------------------------------------------
_CHANNELS = [_Table([("web", 55), ("store", 15), ("phone", 8), ("marketplace", 22)]),
             _Table([("web", 60), ("store", 12), ("phone", 5), ("marketplace", 23)]),
             _Table([("web", 58), ("store", 17), ("phone", 7), ("marketplace", 18)])]
_LINE_COUNT = _Table([(1, 50), (2, 28), (3, 14), (4, 8)])
_QUANTITY = _Table([(1, 75), (2, 17), (3, 6), (4, 1.2), (5, 0.8)])
_CARRIERS = [_Table(data.CARRIERS[l]) for l in LOCALES]
_WAREHOUSES = [data.WAREHOUSES[l] for l in LOCALES]
_METHODS = [_Table(data.PAYMENT_METHODS[l]) for l in LOCALES]
_CANCEL_REASONS = _Table(data.CANCEL_REASONS)
_DISCOUNT_PRE = _Table(data.DISCOUNT_PRE_REASONS)
_DISCOUNT_POST = _Table(data.DISCOUNT_POST_REASONS)
_SHIPPING_CREDIT = _Table(data.SHIPPING_CREDIT_REASONS)
_LOST = _Table(data.LOST_REASONS)
_RETURN_REASONS = {c: _Table(data.RETURN_REASONS_BY_CATEGORY.get(c, data.RETURN_REASONS_DEFAULT))
                   for c in CATEGORIES}
_CONDITIONS = _Table(data.RMA_CONDITIONS)
_FREE_SHIPPING = (7500, 5000, 5000)
_SHIPPING = ((599, 1299), (550, 880), (495, 995))
_MARKETPLACE_SHIPPING = (499, 500, 399)

def _tracking(carrier: str, fo_id: int, h: int) -> str:
    if carrier == "UPS":
        return f"1Z{h % 10 ** 6:06d}{fo_id:010d}"[:18]
    if carrier in ("FedEx", "Yamato Transport", "Sagawa Express"):
        return f"{(h % 90 + 10)}{fo_id:010d}"
    if carrier in ("USPS",):
        return f"9400{h % 10 ** 8:08d}{fo_id:010d}"
    if carrier in ("Japan Post", "Correos"):
        return f"{'EJ' if carrier == 'Japan Post' else 'PQ'}{fo_id:09d}{'JP' if carrier == 'Japan Post' else 'ES'}"
    return f"{carrier[:3].upper()}{fo_id:010d}"


class _Order:
    """One order during the simulation: its lines and everything that happened to it."""

    __slots__ = ("id", "customer", "profile", "currency", "channel", "pickup", "lines", "charged",
                 "ship_captured", "ship_released", "ship_refunded", "fees", "authorized", "captured", "refunded",
                 "original", "fos", "updated", "placed")

    def grand_total(self) -> int:
        total = self.charged - self.ship_released - self.ship_refunded + self.fees
        for ln in self.lines:
            total += ln[L_PRICE] * (ln[L_ORDERED] - ln[L_CANCELED] - ln[L_RETURNED]) - ln[L_DISCOUNT] + ln[L_TAX]
        return total


def _json(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _amount_text(minor: int, currency: int) -> str:
    return _money(minor, SCALES[currency])


_ORDER_TABLES = ("order_summaries", "order_item_summaries", "order_payment_summaries", "fulfillment_orders",
                 "fulfillment_order_lines", "change_orders", "change_order_lines", "credit_memos", "return_orders",
                 "return_order_lines", "pending_approvals", "audit_events")


# Audit details that name rows by id are rendered once the ids are final: (function, arguments).
def _detail_change(base, approval, change, memo, fees, reason, refund, released) -> str:
    return _json({"approval_id": approval + base["pending_approvals"] if approval else None,
                  "change_order_id": change + base["change_orders"],
                  "credit_memo_id": memo + base["credit_memos"] if memo else None,
                  "fees": fees, "reason": reason, "refund": refund, "released": released})


def _detail_lost(base, fo, reason) -> str:
    return _json({"fulfillment_order_id": fo + base["fulfillment_orders"], "reason": reason})


def _detail_reship(base, fo, lines, reason) -> str:
    offset = base["order_item_summaries"]
    return _json({"fulfillment_order_id": fo + base["fulfillment_orders"], "note": None, "reason": reason,
                  "lines": {str(line + offset): q for line, q in lines}})


def _detail_rma_create(base, rma, lines, reason) -> str:
    offset = base["order_item_summaries"]
    return _json({"lines": {str(line + offset): q for line, q in lines}, "reason": reason,
                  "return_order_id": rma + base["return_orders"]})


def _detail_rma_receive(base, rma, lines, condition) -> str:
    offset = base["order_item_summaries"]
    return _json({"condition": condition, "received": {str(line + offset): q for line, q in lines},
                  "return_order_id": rma + base["return_orders"]})


def _detail_rma_close(base, rma, change) -> str:
    return _json({"change_order_id": change + base["change_orders"], "return_order_id": rma + base["return_orders"]})


def _detail_approval(base, approval, reason, refund) -> str:
    return _json({"action": "return_items", "approval_id": approval + base["pending_approvals"], "reason": reason,
                  "refund": refund})


def _detail_approve(base, approval, refund) -> str:
    return _json({"approval_id": approval + base["pending_approvals"], "refund": refund,
                  "requested_action": "return_items"})


def _split_rows(sink: _Sink, name: str) -> tuple[list, list]:
    """(rows whose usual-zero columns are all 0, the other rows) of a table."""
    return sink.rows_for(name, _ZERO_MASKS[name]), sink.table(name)


def _finalize_orders(raw: dict, base: dict) -> _Sink:
    """Rows with chunk-local ids → rows with their final ids (and the texts that carry ids)."""
    sink = _Sink()
    b_line, b_fo, b_fo_line = base["order_item_summaries"], base["fulfillment_orders"], base["fulfillment_order_lines"]
    b_change, b_change_line = base["change_orders"], base["change_order_lines"]
    b_memo, b_rma, b_rma_line = base["credit_memos"], base["return_orders"], base["return_order_lines"]
    b_approval = base["pending_approvals"]
    zero = _ZERO_MASKS
    for r in raw["order_summaries"]:
        sink.add("order_summaries", r, zero["order_summaries"] if 0 == r[11] == r[21] == r[22] == r[23] else 0)
    plain, other = _split_rows(sink, "order_item_summaries")
    for r in raw["order_item_summaries"]:
        if 0 == r[9] == r[10] == r[12] == r[13] == r[14] == r[17]:
            plain.append((r[0] + b_line,) + r[1:])
        else:
            other.append((r[0] + b_line,) + r[1:])
    plain, other = _split_rows(sink, "order_payment_summaries")
    for r in raw["order_payment_summaries"]:
        (plain if r[5] == 0 else other).append(r)
    for r in raw["fulfillment_orders"]:
        if r[8] is None:
            sink.add("fulfillment_orders", (r[0] + b_fo,) + r[1:], zero["fulfillment_orders"] if r[7] == 0 else 0)
        else:
            sink.add("fulfillment_orders", (r[0] + b_fo,) + r[1:8] + (r[8] + b_fo,) + r[9:])
    plain, other = _split_rows(sink, "fulfillment_order_lines")
    for r in raw["fulfillment_order_lines"]:
        (plain if r[4] == 0 else other).append((r[0] + b_fo_line, r[1] + b_fo, r[2] + b_line, r[3], r[4]))
    for r in raw["change_orders"]:
        sink.add("change_orders", (r[0] + b_change,) + r[1:])
    for r in raw["change_order_lines"]:
        sink.add("change_order_lines", (r[0] + b_change_line, r[1] + b_change,
                                        None if r[2] is None else r[2] + b_line) + r[3:])
    for local, order_id, change, amount, created in raw["credit_memos"]:
        ident = local + b_memo
        sink.add("credit_memos", (ident, f"CM-{ident:08d}", order_id, change + b_change, amount, 0.0,
                                  f"RF-{ident:08d}", created))
    for local, order_id, status, reason, actor, condition, change, created, received, closed in raw["return_orders"]:
        ident = local + b_rma
        sink.add("return_orders", (ident, f"RMA-{ident:08d}", order_id, status, reason, None, actor, condition,
                                   None if change is None else change + b_change, created, received, closed))
    sink.table("return_order_lines").extend([(r[0] + b_rma_line, r[1] + b_rma, r[2] + b_line, r[3], r[4])
                                             for r in raw["return_order_lines"]])
    for (local, order_id, lines, reason, amount, currency, status, requester, decider, memo, created,
         decided) in raw["pending_approvals"]:
        arguments = json.dumps({"lines": {str(line + b_line): str(q) for line, q in lines}, "note": None,
                                "order_id": order_id, "reason": reason}, sort_keys=True)
        sink.add("pending_approvals", (local + b_approval, order_id, "return_items", arguments, amount, currency,
                                       status, requester, decider, None, "CreditMemo" if memo else None,
                                       memo + b_memo if memo else None, created, decided))
    for row in raw["audit_events"]:
        spec = row[8]
        if spec is not None and not isinstance(spec, str):
            row = row[:8] + (spec[0](base, *spec[1:]),)
        sink.add("audit_events", row)
    return sink
