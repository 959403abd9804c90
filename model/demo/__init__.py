"""Deterministic demo data: customers, orders and their whole history, cases.

    python -m model.demo --customers 300000 --orders 1000000 --cases 200000 --seed 1 [--database-url URL]

Every timestamp is relative to a fixed anchor, ANCHOR = 2026-11-01T00:00Z, so
the same seed gives the same rows whatever today's date is: orders span the
24 months before the anchor, and the cases are "current" as seen from the
anchor (open work was created in the days before it; an open case whose
`due_at` is before the anchor is breaching its SLA). `--anchor YYYY-MM-DD`
moves the whole data set (e.g. to today's date for a live demo); the rows
are then deterministic for that (seed, anchor) pair.

The generator writes into an empty, migrated database only. It never builds
ORM objects: each order is simulated with integer minor units (cents, yen)
using the same arithmetic as the services (model.money.line_tax,
discount_share, OrderItemSummary.captured_target, the money-action flow in
model.actions.flow), so the data satisfies model/INVARIANTS.md by
construction. Cases that name an order are planned first, and the agent's
action they describe (cancel, return, RMA, reship, partial refund) is what
happens to that order.

The modules, in the order the data flows through them:

    common          constants, DemoError, integer money, deterministic randomness
    users           the demo users and their password hashes
    world           name and street pools, the catalogue, each customer
    plan_orders     customers' sign-ups and the order plan
    plan_cases      the case plan and the orders whose fate is forced
    customers       customer rows
    orders          order rows (order_actions: what happens after placement;
                    order_rows: choices, the simulated order, final ids)
    cases           case rows
    chunks          the target tables and the chunk files
    workers         tasks, the offset chain and the worker processes (how it runs)
    rollups         rollup, analytics and exchange rate rows
    sqlite_loader, postgres_loader
                    copying the chunk files into the target
    generation      generate(): all of the above, in order
    cli             the command line (__main__ runs it)
"""
from .cli import main
from .common import ANCHOR, CASE_CHANNELS, CASE_PRIORITIES, CASE_STATUSES, CASE_TYPES, DemoError, _share, _tax
from .generation import generate
from .users import DEMO_USERS
