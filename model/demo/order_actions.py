"""What happens to an order after placement, in the services' arithmetic (part of _OrderWriter)."""
from __future__ import annotations

from .common import (CURRENCIES, DAY, HOUR, L_ALLOCATED, L_CANCELED, L_CAPTURED, L_DISCOUNT, L_FULFILLED, L_ID,
                     L_INITIATED, L_ORDERED, L_PRICE, L_PRODUCT, L_RATE, L_REFUNDED, L_RETURNED, L_TAX, MINUTE, SCALES,
                     THRESHOLDS, _active, _captured_target, _line_total, _mix64, _money, _share, _tax)
from .order_rows import (_CONDITIONS, _LOST, _RETURN_REASONS, _amount_text, _detail_approval, _detail_approve,
                         _detail_change, _detail_lost, _detail_reship, _detail_rma_close, _detail_rma_create,
                         _detail_rma_receive, _Order, _tracking)
from .users import USERS


class _OrderActions:
    """The order actions and the money-action flow, as _OrderWriter runs them on one order."""

    def _lost(self, o: _Order, r, target: list, injected) -> None:
        """report_lost, then reship_items, then the reship goes out with the next fulfill."""
        anchor = self.world.anchor
        t_lost = injected.action_t if injected else target[10] + 5 * DAY + int(r() * 9 * DAY)
        if t_lost >= anchor or t_lost <= target[10]:
            return
        reason = "lost_in_transit" if injected else _LOST.pick(r())
        target[4], target[9] = "lost", reason
        o.updated = max(o.updated, t_lost)
        agent = self._agent(o, r)
        self._audit(t_lost, agent, "order.report_lost", o, detail=(_detail_lost, target[0], reason))
        t_reship = t_lost + (5 * MINUTE if injected else int(r() * 36 * HOUR))
        if t_reship >= anchor:
            return
        moved = {fl[0]: fl[1] for fl in target[12]}
        reship = self._new_fo(o, target[2], target[3], t_reship, moved)
        reship[7], reship[8] = 1, target[0]
        for fl in target[12]:
            fl[2] = fl[1]
        o.updated = max(o.updated, t_reship)
        self._audit(t_reship, agent, "order.reship", o, detail=(
            _detail_reship, reship[0], tuple((o.lines[i][L_ID], q) for i, q in moved.items()), reason))
        t_go = t_reship + 4 * HOUR + int(r() * 30 * HOUR)
        if t_go < anchor:
            reship[4], reship[10], reship[5] = "fulfilled", t_go, target[5]
            reship[6] = _tracking(target[5], o.id * 8 + len(o.fos), _mix64(o.id ^ self.salt))
            o.updated = max(o.updated, t_go)
            if t_go + DAY + int(r() * 3 * DAY) < anchor:
                reship[4] = "delivered"

    def _discount_amount(self, o: _Order, line, fraction_bp: int) -> int:
        net = line[L_PRICE] * _active(line) - line[L_DISCOUNT]
        step = 50 if SCALES[o.currency] == 100 else 10           # 0.50 $/€, ¥10
        amount = max(step, net * fraction_bp // 10_000 // step * step)
        return min(amount, net)

    def _pick_return(self, o: _Order, r) -> list:
        returnable = [ln for ln in o.lines if ln[L_FULFILLED] - ln[L_RETURNED] - ln[L_INITIATED] > 0]
        if not returnable:
            return []
        u = r()
        if u < 0.25:
            return [(ln, ln[L_FULFILLED] - ln[L_RETURNED] - ln[L_INITIATED]) for ln in returnable]
        ln = returnable[int(r() * len(returnable))]
        available = ln[L_FULFILLED] - ln[L_RETURNED] - ln[L_INITIATED]
        return [(ln, available if u < 0.8 or available == 1 else 1 + int(r() * (available - 1)))]

    def _new_fo(self, o: _Order, location, location_type, t, quantities: dict) -> list:
        # [id, order, location, type, status, carrier, tracking, is_reship, reship_of, lost_reason,
        #  fulfilled_at, created_at, lines [[line index, quantity, reshipped]]]
        fo = [self._id("fo"), o.id, location, location_type, "allocated", None, None, 0, None, None, 0, t,
              [[i, q, 0] for i, q in quantities.items()]]
        o.fos.append(fo)
        return fo

    def _ship(self, o: _Order, fo: list, t: int, carrier, quantities: dict) -> None:
        """fulfill(): allocated units become fulfilled; each line captures the difference to its target."""
        lines = o.lines
        first_shipment = True
        for ln in lines:
            if ln[L_FULFILLED]:
                first_shipment = False
                break
        rollups, day, channel, currency = self.rollups, t // DAY, o.channel, o.currency
        products = self.world.products
        events = 1
        for i, q in quantities.items():
            ln = lines[i]
            ln[L_ALLOCATED] -= q
            ln[L_FULFILLED] += q
            if ln[L_ORDERED] - ln[L_CANCELED] == ln[L_FULFILLED]:    # nothing left open: the target is the total
                target = ln[L_PRICE] * (ln[L_FULFILLED] - ln[L_RETURNED]) - ln[L_DISCOUNT] + ln[L_TAX]
            else:
                target = _captured_target(ln)
            amount = target - (ln[L_CAPTURED] - ln[L_REFUNDED])
            ln[L_CAPTURED] += amount
            o.captured += amount
            key = (day, "fulfilled", "", products[ln[L_PRODUCT]][2], channel, currency)
            cell = rollups.get(key)
            if cell is None:
                rollups[key] = [events, q, amount, 0]
            else:
                cell[0] += events
                cell[1] += q
                cell[2] += amount
            events = 0
            self._cell(("product", day, channel, "", products[ln[L_PRODUCT]][2], ln[L_PRODUCT], currency), q)
        outstanding = o.charged - o.ship_released - o.ship_captured
        if first_shipment and outstanding > 0:
            o.ship_captured += outstanding
            o.captured += outstanding
            self._rollup(t, "fulfilled", "", "", o, 0, 0, outstanding)
        fo[4], fo[10], fo[5] = "fulfilled", t, carrier
        if carrier:
            fo[6] = _tracking(carrier, o.id * 8 + len(o.fos), _mix64(o.id ^ self.salt))
        if t > o.updated:
            o.updated = t

    def _return(self, o: _Order, t, reason, picked, r) -> None:
        refund = self._preview_refund(o, picked)
        approval = None
        actor = self._agent(o, r)
        if refund > THRESHOLDS[o.currency]:
            if r() < 0.5:
                actor = USERS["manager"]
            else:
                approval = (actor, USERS["manager"] if r() < 0.8 else USERS["admin"],
                            t - 20 * MINUTE - int(r() * 20 * HOUR))
        self._change(o, "return", reason, t, actor, picked, approval=approval)

    def _preview_refund(self, o: _Order, picked) -> int:
        """The refund a return of `picked` would make now (what an approval request shows)."""
        refund = 0
        returning = {}
        for ln, q in picked:
            after = list(ln)
            after[L_DISCOUNT] -= _share(ln[L_DISCOUNT], _active(ln), q)
            after[L_RETURNED] += q
            after[L_TAX] = _tax(after[L_PRICE] * _active(after) - after[L_DISCOUNT], after[L_RATE])
            refund += (ln[L_CAPTURED] - ln[L_REFUNDED]) - _captured_target(after)
            returning[id(ln)] = q
        if all(_active(ln) == returning.get(id(ln), 0) for ln in o.lines):
            refund += o.ship_captured - o.ship_refunded
        return refund

    def _rma(self, o: _Order, t, reason, picked, r, keep_open: bool) -> None:
        """create_return_order → receive_return_order → close_return_order, as far as the anchor allows."""
        anchor = self.world.anchor
        ts = self.ts
        rma_id, actor = self._id("rma"), self._agent(o, r)
        entries = [[ln, q, 0, self._id("rma_line")] for ln, q in picked]
        for ln, q in picked:
            ln[L_INITIATED] += q
        o.updated = max(o.updated, t)
        self._audit(t, actor, "order.rma_create", o, detail=(
            _detail_rma_create, rma_id, tuple((ln[L_ID], q) for ln, q in picked), reason))
        status, received_at, closed_at, condition, change = "submitted", None, None, None, None
        t_received = t + 3 * DAY + int(r() * 7 * DAY)
        if t_received < anchor:
            status, received_at, condition = "received", t_received, _CONDITIONS.pick(r())
            for entry in entries:
                entry[2] = entry[1] - 1 if entry[1] > 1 and r() < 0.12 else entry[1]
            o.updated = max(o.updated, t_received)
            self._audit(t_received, actor, "order.rma_receive", o, detail=(
                _detail_rma_receive, rma_id, tuple((e[0][L_ID], e[2]) for e in entries), condition))
            t_closed = t_received + 2 * HOUR + int(r() * 3 * DAY)
            if not keep_open and t_closed < anchor:
                for ln, expected, _, _ in entries:
                    ln[L_INITIATED] -= expected
                change = self._change(o, "rma", reason, t_closed, actor, [(e[0], e[2]) for e in entries if e[2]])
                status, closed_at = "closed", t_closed
                self._audit(t_closed, actor, "order.rma_close", o, detail=(_detail_rma_close, rma_id, change))
        self.raw["return_orders"].append((
            rma_id, o.id, status, reason, actor, condition, change, ts(t),
            ts(received_at) if received_at else None, ts(closed_at) if closed_at else None))
        rows = self.raw["return_order_lines"]
        for ln, expected, received, line_id in entries:
            rows.append((line_id, rma_id, ln[L_ID], expected, received))

    def _pending_approval(self, o: _Order, t, first_ship, r) -> None:
        """A large return an agent asked for, waiting for a manager (only when it is over the threshold)."""
        if not self.world.anchor - 14 * DAY <= t < self.world.anchor or t > first_ship + 29 * DAY:
            return
        candidates = [ln for ln in o.lines if ln[L_FULFILLED] - ln[L_RETURNED] - ln[L_INITIATED] > 0]
        if not candidates:
            return
        ln = max(candidates, key=_line_total)
        quantity = ln[L_FULFILLED] - ln[L_RETURNED] - ln[L_INITIATED]
        amount = self._preview_refund(o, [(ln, quantity)])
        if amount <= THRESHOLDS[o.currency] or amount > o.captured - o.refunded:
            return
        requester = self._agent(o, r)
        reason = _RETURN_REASONS[self._category(ln)].pick(r())
        approval_id = self._id("approval")
        self.raw["pending_approvals"].append((
            approval_id, o.id, ((ln[L_ID], quantity),), reason, _money(amount, SCALES[o.currency]),
            CURRENCIES[o.currency], "pending", requester, None, None, self.world.ts(t), None))
        grand = o.grand_total()
        self._audit(t, requester, "approval.request", o, grand, grand - amount,
                    (_detail_approval, approval_id, reason, _amount_text(amount, o.currency)))

    # -- the money-action flow (model.actions.flow) in minor units
    def _change(self, o: _Order, kind: str, reason: str, t: int, actor: int, picked: list,
                shipping_credit: int = 0, approval=None) -> int:
        ts = self.ts
        before_total = o.grand_total()
        changes = []
        for ln, value in picked:
            active = ln[L_ORDERED] - ln[L_CANCELED] - ln[L_RETURNED]
            subtotal_b, discount_b, tax_b = ln[L_PRICE] * active, ln[L_DISCOUNT], ln[L_TAX]
            if kind == "discount":
                ln[L_DISCOUNT] += value
                quantity = 0
            else:
                ln[L_DISCOUNT] -= _share(ln[L_DISCOUNT], active, value)
                ln[L_CANCELED if kind == "cancel" else L_RETURNED] += value
                quantity = value
            subtotal_a = ln[L_PRICE] * _active(ln)
            ln[L_TAX] = _tax(subtotal_a - ln[L_DISCOUNT], ln[L_RATE])
            amount = (subtotal_b - discount_b + tax_b) - (subtotal_a - ln[L_DISCOUNT] + ln[L_TAX])
            refund = (ln[L_CAPTURED] - ln[L_REFUNDED]) - _captured_target(ln)
            assert refund >= 0, "a demo change would refund a negative amount"
            ln[L_REFUNDED] += refund
            changes.append((ln, quantity, subtotal_b - subtotal_a, ln[L_DISCOUNT] - discount_b, tax_b - ln[L_TAX],
                            amount, refund))
        shipping_released = shipping_refunded = 0
        if shipping_credit:
            o.ship_refunded += shipping_credit
            shipping_refunded = shipping_credit
        elif not any(_active(ln) for ln in o.lines):   # settle_shipping: nothing is left on the order
            shipping_released = o.charged - o.ship_released - o.ship_captured
            o.ship_released += shipping_released
            shipping_refunded = o.ship_captured - o.ship_refunded
            o.ship_refunded = o.ship_captured
        shipping = shipping_released + shipping_refunded
        amount = sum(c[5] for c in changes) + shipping
        refund = sum(c[6] for c in changes) + shipping_refunded
        released = amount - refund
        o.refunded += refund
        o.authorized -= released
        assert 0 <= o.refunded <= o.captured <= o.authorized
        scale = SCALES[o.currency]
        change_id = self._id("change")
        requester = approver = None
        if approval is not None:
            requester, approver, t_requested = approval
        raw = self.raw
        raw["change_orders"].append((change_id, o.id, kind, reason, None, requester or actor, _money(amount, scale),
                                     _money(released, scale), _money(refund, scale), ts(t)))
        rows = raw["change_order_lines"]
        for ln, quantity, subtotal_c, discount_c, tax_c, line_amount, line_refund in changes:
            rows.append((self._id("change_line"), change_id, ln[L_ID], quantity, _money(subtotal_c, scale),
                         _money(discount_c, scale), _money(tax_c, scale), 0, _money(line_amount, scale),
                         _money(line_refund, scale)))
        if shipping:
            rows.append((self._id("change_line"), change_id, None, 0, 0, 0, 0, _money(shipping, scale),
                         _money(shipping, scale), _money(shipping_refunded, scale)))
        memo_id = None
        if refund > 0:
            memo_id = self._id("memo")
            raw["credit_memos"].append((memo_id, o.id, change_id, _money(refund, scale), ts(t)))
        first = True
        for ln, quantity, _, _, _, line_amount, line_refund in changes:
            self._rollup(t, kind, reason, self._category(ln), o, int(first), quantity, line_amount, line_refund)
            if kind in ("return", "rma") and quantity:
                self._cell(("product", t // DAY, o.channel, reason, self._category(ln), ln[L_PRODUCT], o.currency),
                           0, quantity)
            first = False
        if shipping or first:
            self._rollup(t, kind, reason, "", o, int(first), 0, shipping, shipping_refunded)
        if refund > 0:
            self._cell(("refund", t // DAY, requester or actor or 0, kind, reason, o.channel, o.currency), 1, refund)
            self._cell(("size", t // DAY, refund, o.currency), 1)
        approval_id = None
        refund_text = _amount_text(refund, o.currency)
        if approval is not None:
            approval_id = self._id("approval")
            raw["pending_approvals"].append((
                approval_id, o.id, tuple((ln[L_ID], q) for ln, q in picked), reason, _money(refund, scale),
                CURRENCIES[o.currency], "approved", requester, approver, memo_id, ts(t_requested), ts(t)))
            self._audit(t_requested, requester, "approval.request", o, before_total, before_total - amount,
                        (_detail_approval, approval_id, reason, refund_text))
        self._audit(t, approver or actor, f"order.{kind}", o, before_total, o.grand_total(),
                    (_detail_change, approval_id, change_id, memo_id, _amount_text(0, o.currency), reason,
                     refund_text, _amount_text(released, o.currency)))
        if approval is not None:
            self._audit(t, approver, "approval.approve", o, detail=(_detail_approve, approval_id, refund_text))
        if t > o.updated:
            o.updated = t
        return change_id
