"""analytics: covering rollup index, product/refund/case rollups, line refunds, exchange rates

Revision ID: 0004_analytics
Revises: 0002

- order_rollups: covering indexes in the order charts read (currency, kind, day, …;
  currency, category, kind, day, …); the day-only index goes (the unique key starts
  with day). order_rollup_totals: the same cells added up over categories, kept by
  triggers on order_rollups (views without a category filter read a tenth of the rows).
- product_rollups, refund_rollups, refund_size_rollups: kept by the action
  services (model.actions._common), filled here from the facts.
- change_order_lines.refunded: the money each line gave back, filled here by
  replaying each changed line's history (model.rollup_rebuild.fill_line_refunds).
- case_rollups, case_timings, case_open_counts, case_duration_buckets: kept by triggers on `cases`
  (like the queue's search index in 0002), so every writer keeps them in its
  own transaction; filled here from `cases`.
- exchange_rates: what analytics converts with when asked to (no rows here).

The backfills call model.rollup_rebuild, written for this revision's tables.
"""
from alembic import op
import sqlalchemy as sa
import model.entities.base  # noqa: F401 - the migration template's import

from model import rollup_rebuild

revision = "0004_analytics"
down_revision = "0002"
branch_labels = None
depends_on = None

CASE_COLUMNS = "created_at, resolved_at, due_at, first_response_at, status, assignee_id"
COUNTS = ("created", "resolved", "resolved_late", "open_due", "responded", "resolutions")


# --- case triggers ---------------------------------------------------------------------------------
def _case_delta(dialect: str, row: str, sign: str) -> str:
    """Statements adding `sign` × what case `row` contributes to case_rollups and case_open_counts.

    Cells are touched in key order (days ascending), so two transactions never wait on each
    other's cells in opposite orders."""
    day = lambda column: rollup_rebuild.utc_day(dialect, f"{row}.{column}")  # noqa: E731
    one = lambda condition: f"CASE WHEN {condition} THEN {sign} ELSE 0 END"  # noqa: E731
    alias, prefix = ("", "") if dialect == "sqlite" else (" AS r", "r.")
    updates = ", ".join(f"{c} = {prefix}{c} + excluded.{c}" for c in COUNTS)
    open_alias, open_prefix = ("", "") if dialect == "sqlite" else (" AS o", "o.")
    return f"""
    INSERT INTO case_rollups{alias} (day, {', '.join(COUNTS)})
    SELECT day, SUM(created), SUM(resolved), SUM(resolved_late), SUM(open_due), SUM(responded), SUM(resolutions)
      FROM (SELECT {day('created_at')} AS day, {sign} AS created, 0 AS resolved, 0 AS resolved_late,
                   0 AS open_due, {one(f'{row}.first_response_at IS NOT NULL')} AS responded,
                   {one(f'{row}.resolved_at IS NOT NULL')} AS resolutions
            UNION ALL SELECT {day('resolved_at')}, 0, {sign}, 0, 0, 0, 0 WHERE {row}.resolved_at IS NOT NULL
            UNION ALL SELECT {day('due_at')}, 0, 0, {sign}, 0, 0, 0 WHERE {row}.resolved_at > {row}.due_at
            UNION ALL SELECT {day('due_at')}, 0, 0, 0, {sign}, 0, 0
                       WHERE {row}.resolved_at IS NULL AND {row}.due_at IS NOT NULL) AS contributions
     WHERE day IS NOT NULL GROUP BY day ORDER BY day
    ON CONFLICT (day) DO UPDATE SET {updates};
    INSERT INTO case_open_counts{open_alias} (assignee_id, open_cases)
    SELECT COALESCE({row}.assignee_id, 0), {sign} WHERE {row}.status IN {rollup_rebuild.OPEN_STATUSES}
    ON CONFLICT (assignee_id) DO UPDATE SET open_cases = {open_prefix}open_cases + excluded.open_cases;
    {_duration_delta(dialect, row, sign)}"""


def _duration_delta(dialect: str, row: str, sign: str) -> str:
    alias, prefix = ("", "") if dialect == "sqlite" else (" AS b", "b.")
    parts = [f"SELECT '{measure}' AS measure, {rollup_rebuild.utc_day(dialect, f'{row}.created_at')} AS created_day, "
             f"{rollup_rebuild.duration_bucket(dialect, f'{row}.{column}', f'{row}.created_at')} AS bucket, "
             f"{sign} AS cases WHERE {row}.{column} IS NOT NULL" for measure, column in rollup_rebuild.MEASURES]
    return f"""
    INSERT INTO case_duration_buckets{alias} (measure, created_day, bucket, cases)
    SELECT measure, created_day, bucket, cases FROM ({' UNION ALL '.join(parts)}) AS durations WHERE true
     ORDER BY measure, created_day, bucket
    ON CONFLICT (measure, created_day, bucket) DO UPDATE SET cases = {prefix}cases + excluded.cases;"""


# --- order_rollups → order_rollup_totals ------------------------------------------------------------
ROLLUP_MEASURES = ("events", "units", "amount", "refunded")


def _total_delta(dialect: str, row: str, sign: str) -> str:
    """Add `sign` × the cell `row` to its four order_rollup_totals cells: its reason and channel,
    and "*" (all) for either and both."""
    alias, prefix = ("", "") if dialect == "sqlite" else (" AS t", "t.")
    values = ", ".join(f"{sign} * {row}.{m}" for m in ROLLUP_MEASURES)
    updates = ", ".join(f"{m} = {prefix}{m} + excluded.{m}" for m in ROLLUP_MEASURES)
    cells = " UNION ALL ".join(f"SELECT {level} AS level, {reason} AS reason, {channel} AS channel"
                               for level, reason, channel in rollup_rebuild.total_levels(row))
    return f"""
    INSERT INTO order_rollup_totals{alias} (currency, level, kind, day, reason, channel,
                                            {', '.join(ROLLUP_MEASURES)})
    SELECT {row}.currency, cells.level, {row}.kind, {row}.day, cells.reason, cells.channel, {values}
      FROM ({cells}) AS cells WHERE true ORDER BY cells.level
    ON CONFLICT (currency, level, kind, day, reason, channel) DO UPDATE SET {updates};"""


def _sqlite_total_triggers() -> dict[str, str]:
    return {
        "order_rollup_totals_ai": f"AFTER INSERT ON order_rollups BEGIN {_total_delta('sqlite', 'NEW', '1')} END",
        "order_rollup_totals_au": (f"AFTER UPDATE ON order_rollups BEGIN {_total_delta('sqlite', 'OLD', '-1')} "
                                   f"{_total_delta('sqlite', 'NEW', '1')} END"),
        "order_rollup_totals_ad": f"AFTER DELETE ON order_rollups BEGIN {_total_delta('sqlite', 'OLD', '-1')} END",
    }


POSTGRES_TOTALS_UP = [
    f"""CREATE FUNCTION order_rollup_totals_on_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP <> 'INSERT' THEN {_total_delta('postgresql', 'OLD', '-1')} END IF;
      IF TG_OP <> 'DELETE' THEN {_total_delta('postgresql', 'NEW', '1')} END IF;
      RETURN NULL;
    END $$""",
    """CREATE TRIGGER order_rollup_totals_rollup AFTER INSERT OR UPDATE OR DELETE ON order_rollups
       FOR EACH ROW EXECUTE FUNCTION order_rollup_totals_on_rollup()""",
]
POSTGRES_TOTALS_DOWN = ["DROP TRIGGER IF EXISTS order_rollup_totals_rollup ON order_rollups",
                        "DROP FUNCTION IF EXISTS order_rollup_totals_on_rollup()"]


def _case_timing(dialect: str) -> str:
    seconds = lambda column: rollup_rebuild.whole_seconds(dialect, f"NEW.{column}", "NEW.created_at")  # noqa: E731
    return f"""
    INSERT INTO case_timings (case_id, created_day, first_response_seconds, resolution_seconds)
    VALUES (NEW.id, {rollup_rebuild.utc_day(dialect, 'NEW.created_at')}, {seconds('first_response_at')},
            {seconds('resolved_at')})
    ON CONFLICT (case_id) DO UPDATE SET created_day = excluded.created_day,
        first_response_seconds = excluded.first_response_seconds, resolution_seconds = excluded.resolution_seconds;"""


def _sqlite_triggers() -> dict[str, str]:
    return {
        "case_rollups_ai": f"AFTER INSERT ON cases BEGIN {_case_delta('sqlite', 'NEW', '1')} "
                           f"{_case_timing('sqlite')} END",
        "case_rollups_au": (f"AFTER UPDATE OF {CASE_COLUMNS} ON cases BEGIN {_case_delta('sqlite', 'OLD', '-1')} "
                            f"{_case_delta('sqlite', 'NEW', '1')} {_case_timing('sqlite')} END"),
        "case_rollups_ad": (f"AFTER DELETE ON cases BEGIN {_case_delta('sqlite', 'OLD', '-1')} "
                            "DELETE FROM case_timings WHERE case_id = OLD.id; END"),
    }


def _postgres_up() -> list[str]:
    return [
        f"""CREATE FUNCTION case_rollups_on_case() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP <> 'INSERT' THEN {_case_delta('postgresql', 'OLD', '-1')} END IF;
          IF TG_OP <> 'DELETE' THEN {_case_delta('postgresql', 'NEW', '1')} {_case_timing('postgresql')} END IF;
          RETURN NULL;
        END $$""",
        f"""CREATE TRIGGER case_rollups_case AFTER INSERT OR DELETE OR UPDATE OF {CASE_COLUMNS}
            ON cases FOR EACH ROW EXECUTE FUNCTION case_rollups_on_case()""",
    ]


POSTGRES_DOWN = ["DROP TRIGGER IF EXISTS case_rollups_case ON cases", "DROP FUNCTION IF EXISTS case_rollups_on_case()"]


# --- schema ----------------------------------------------------------------------------------------
def _create_tables() -> None:
    op.create_table('product_rollups',
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('grain', sa.String(length=5), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('category', sa.String(length=80), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('fulfilled_units', sa.Integer(), nullable=False),
    sa.Column('returned_units', sa.Integer(), nullable=False),
    sa.CheckConstraint("grain IN ('day', 'month')", name=op.f('ck_product_rollups_grain')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_rollups_product_id_products')),
    sa.PrimaryKeyConstraint('currency', 'grain', 'day', 'channel', 'reason', 'category', 'product_id',
                            name=op.f('pk_product_rollups')),
    sqlite_with_rowid=False
    )
    op.create_table('refund_rollups',
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('level', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('refunds', sa.Integer(), nullable=False),
    sa.Column('refunded', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.PrimaryKeyConstraint('currency', 'level', 'day', 'actor_id', 'kind', 'reason', 'channel',
                            name=op.f('pk_refund_rollups')),
    sqlite_with_rowid=False
    )
    op.create_table('refund_size_rollups',
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('refunded_minor', sa.BigInteger(), nullable=False),
    sa.Column('refunds', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('currency', 'day', 'refunded_minor', name=op.f('pk_refund_size_rollups')),
    sqlite_with_rowid=False
    )
    op.create_table('exchange_rates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('target', sa.String(length=3), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('rate', sa.Numeric(precision=18, scale=8), nullable=False),
    sa.CheckConstraint('currency <> target', name=op.f('ck_exchange_rates_two_currencies')),
    sa.CheckConstraint('rate > 0', name=op.f('ck_exchange_rates_rate_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_rates')),
    sa.UniqueConstraint('currency', 'target', 'effective_on', name='uq_exchange_rates_pair_day')
    )
    op.create_table('case_rollups',
    sa.Column('day', sa.Date(), nullable=False),
    *[sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS],
    sa.PrimaryKeyConstraint('day', name=op.f('pk_case_rollups')),
    sqlite_with_rowid=False
    )
    op.create_table('case_timings',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('created_day', sa.Date(), nullable=False),
    sa.Column('first_response_seconds', sa.BigInteger(), nullable=True),
    sa.Column('resolution_seconds', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_timings_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_timings'))
    )
    op.create_index('ix_case_timings_first_response', 'case_timings', ['first_response_seconds', 'created_day'],
                    unique=False)
    op.create_index('ix_case_timings_resolution', 'case_timings', ['resolution_seconds', 'created_day'], unique=False)
    op.create_table('case_duration_buckets',
    sa.Column('measure', sa.String(length=16), nullable=False),
    sa.Column('created_day', sa.Date(), nullable=False),
    sa.Column('bucket', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('measure', 'created_day', 'bucket', name=op.f('pk_case_duration_buckets')),
    sqlite_with_rowid=False
    )
    op.create_table('order_rollup_totals',
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('level', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('events', sa.Integer(), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('refunded', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.PrimaryKeyConstraint('currency', 'level', 'kind', 'day', 'reason', 'channel',
                            name=op.f('pk_order_rollup_totals')),
    sqlite_with_rowid=False
    )
    op.create_table('case_open_counts',
    sa.Column('assignee_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('open_cases', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('assignee_id', name=op.f('pk_case_open_counts'))
    )


def upgrade() -> None:
    _create_tables()
    with op.batch_alter_table('change_order_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refunded', sa.Numeric(precision=12, scale=2), nullable=True))
    with op.batch_alter_table('order_rollups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_rollups_day'))
        batch_op.create_index('ix_order_rollups_read', ['currency', 'kind', 'day', 'reason', 'category', 'channel',
                                                        'events', 'units', 'amount', 'refunded'], unique=False)
        batch_op.create_index('ix_order_rollups_category', ['currency', 'category', 'kind', 'day', 'reason',
                                                            'channel', 'events', 'units', 'amount', 'refunded'],
                              unique=False)

    connection = op.get_bind()
    dialect = connection.dialect.name
    if dialect == "sqlite":
        for name, body in {**_sqlite_triggers(), **_sqlite_total_triggers()}.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    elif dialect == "postgresql":
        for statement in _postgres_up() + POSTGRES_TOTALS_UP:
            op.execute(statement)
    rollup_rebuild.rebuild_order_rollup_totals(connection)
    rollup_rebuild.rebuild_case_rollups(connection)
    rollup_rebuild.rebuild_order_rollups(connection)
    rollup_rebuild.fill_line_refunds(connection)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in {**_sqlite_triggers(), **_sqlite_total_triggers()}:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        for statement in POSTGRES_DOWN + POSTGRES_TOTALS_DOWN:
            op.execute(statement)
    with op.batch_alter_table('order_rollups', schema=None) as batch_op:
        batch_op.drop_index('ix_order_rollups_category')
        batch_op.drop_index('ix_order_rollups_read')
        batch_op.create_index(batch_op.f('ix_order_rollups_day'), ['day'], unique=False)
    with op.batch_alter_table('change_order_lines', schema=None) as batch_op:
        batch_op.drop_column('refunded')
    op.drop_table('case_open_counts')
    op.drop_table('order_rollup_totals')
    op.drop_table('case_duration_buckets')
    op.drop_index('ix_case_timings_resolution', table_name='case_timings')
    op.drop_index('ix_case_timings_first_response', table_name='case_timings')
    op.drop_table('case_timings')
    op.drop_table('case_rollups')
    op.drop_table('exchange_rates')
    op.drop_table('refund_size_rollups')
    op.drop_table('refund_rollups')
    op.drop_table('product_rollups')
