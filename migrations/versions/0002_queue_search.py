"""queue: saved views, sort indexes, full-text search over cases

Revision ID: 0002
Revises: 0001

Full-text search lives beside the cases table, kept by triggers, so every
writer (actions, demo generator, psql) keeps it current without knowing it:

- SQLite: FTS5 table `cases_fts` (rowid = case id) with the case number,
  subject, customer name and emails, order number and message bodies.
- PostgreSQL: `case_search(case_id, document tsvector)` with a GIN index,
  refreshed by `case_search_refresh(ids)`.

Neither is in the models' metadata: migrations/env.py tells autogenerate to
leave them alone (SEARCH_OBJECTS).
"""
from alembic import op
import sqlalchemy as sa
import model.entities.base


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# --- SQLite ------------------------------------------------------------------------
SQLITE_FTS_COLUMNS = "number, subject, people, order_number, messages"


def _sqlite_rebuild(where: str) -> str:
    """Statements that rewrite the search rows of the cases matching `where` (on alias c)."""
    return f"""
    DELETE FROM cases_fts WHERE rowid IN (SELECT c.id FROM cases c WHERE {where});
    INSERT INTO cases_fts (rowid, {SQLITE_FTS_COLUMNS})
    SELECT c.id, c.number, c.subject,
           (SELECT cu.name || ' ' || coalesce((SELECT group_concat(e.email, ' ') FROM customer_emails e
                                               WHERE e.customer_id = cu.id), '')
              FROM customers cu WHERE cu.id = c.customer_id),
           (SELECT o.number FROM order_summaries o WHERE o.id = c.order_id),
           (SELECT group_concat(m.body, ' ') FROM case_messages m WHERE m.case_id = c.id)
      FROM cases c WHERE {where};"""


SQLITE_TRIGGERS = {
    "cases_fts_ai": f"AFTER INSERT ON cases BEGIN {_sqlite_rebuild('c.id = NEW.id')} END",
    "cases_fts_au": ("AFTER UPDATE OF number, subject, customer_id, order_id ON cases "
                     f"BEGIN {_sqlite_rebuild('c.id = NEW.id')} END"),
    "cases_fts_ad": "AFTER DELETE ON cases BEGIN DELETE FROM cases_fts WHERE rowid = OLD.id; END",
    # Appending is cheaper than rebuilding a long thread for every new message.
    "case_messages_fts_ai": ("AFTER INSERT ON case_messages BEGIN "
                             "UPDATE cases_fts SET messages = coalesce(messages, '') || ' ' || NEW.body "
                             "WHERE rowid = NEW.case_id; END"),
    "customers_fts_au": f"AFTER UPDATE OF name ON customers BEGIN {_sqlite_rebuild('c.customer_id = NEW.id')} END",
    "customer_emails_fts_ai": ("AFTER INSERT ON customer_emails "
                               f"BEGIN {_sqlite_rebuild('c.customer_id = NEW.customer_id')} END"),
    "customer_emails_fts_au": ("AFTER UPDATE ON customer_emails "
                               f"BEGIN {_sqlite_rebuild('c.customer_id = NEW.customer_id')} END"),
    "customer_emails_fts_ad": ("AFTER DELETE ON customer_emails "
                               f"BEGIN {_sqlite_rebuild('c.customer_id = OLD.customer_id')} END"),
}


def _upgrade_sqlite() -> None:
    op.execute(f"CREATE VIRTUAL TABLE cases_fts USING fts5({SQLITE_FTS_COLUMNS}, "
               "tokenize = 'unicode61 remove_diacritics 2')")
    for name, body in SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    op.execute(_sqlite_rebuild("1 = 1").split(";")[1])  # backfill: the INSERT half


def _downgrade_sqlite() -> None:
    for name in SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS cases_fts")


# --- PostgreSQL --------------------------------------------------------------------
POSTGRES_UP = [
    """CREATE TABLE case_search (
         case_id integer PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE,
         document tsvector NOT NULL)""",
    "CREATE INDEX ix_case_search_document ON case_search USING gin (document)",
    """CREATE FUNCTION case_search_refresh(ids integer[]) RETURNS void LANGUAGE sql AS $$
         INSERT INTO case_search (case_id, document)
         -- Words are runs of \w, as the queue's search splits them: PostgreSQL's parser
         -- would keep an email as one token and read "CS-00000042" as a negative number.
         SELECT c.id, to_tsvector('simple', regexp_replace(concat_ws(' ', c.number, c.subject, cu.name,
                  (SELECT string_agg(e.email, ' ') FROM customer_emails e WHERE e.customer_id = c.customer_id),
                  o.number,
                  (SELECT string_agg(m.body, ' ' ORDER BY m.id) FROM case_messages m WHERE m.case_id = c.id)),
                  '\W+', ' ', 'g'))
           FROM cases c
           LEFT JOIN customers cu ON cu.id = c.customer_id
           LEFT JOIN order_summaries o ON o.id = c.order_id
          WHERE c.id = ANY (ids)
         ON CONFLICT (case_id) DO UPDATE SET document = EXCLUDED.document
       $$""",
    """CREATE FUNCTION case_search_on_case() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN PERFORM case_search_refresh(ARRAY[NEW.id]); RETURN NULL; END $$""",
    """CREATE FUNCTION case_search_on_message() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN PERFORM case_search_refresh(ARRAY[NEW.case_id]); RETURN NULL; END $$""",
    """CREATE FUNCTION case_search_on_customer() RETURNS trigger LANGUAGE plpgsql AS $$
       DECLARE who integer;
       BEGIN
         -- IF, not CASE: PL/pgSQL resolves every field a CASE names, and customers has no customer_id.
         IF TG_TABLE_NAME = 'customers' THEN who := NEW.id;
         ELSIF TG_OP = 'DELETE' THEN who := OLD.customer_id;
         ELSE who := NEW.customer_id;
         END IF;
         PERFORM case_search_refresh(ARRAY(SELECT id FROM cases WHERE customer_id = who));
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER case_search_case AFTER INSERT OR UPDATE OF number, subject, customer_id, order_id
       ON cases FOR EACH ROW EXECUTE FUNCTION case_search_on_case()""",
    """CREATE TRIGGER case_search_message AFTER INSERT ON case_messages
       FOR EACH ROW EXECUTE FUNCTION case_search_on_message()""",
    """CREATE TRIGGER case_search_customer AFTER UPDATE OF name ON customers
       FOR EACH ROW EXECUTE FUNCTION case_search_on_customer()""",
    """CREATE TRIGGER case_search_customer_email AFTER INSERT OR UPDATE OR DELETE ON customer_emails
       FOR EACH ROW EXECUTE FUNCTION case_search_on_customer()""",
    "SELECT case_search_refresh(ARRAY(SELECT id FROM cases))",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS case_search_customer_email ON customer_emails",
    "DROP TRIGGER IF EXISTS case_search_customer ON customers",
    "DROP TRIGGER IF EXISTS case_search_message ON case_messages",
    "DROP TRIGGER IF EXISTS case_search_case ON cases",
    "DROP FUNCTION IF EXISTS case_search_on_customer()",
    "DROP FUNCTION IF EXISTS case_search_on_message()",
    "DROP FUNCTION IF EXISTS case_search_on_case()",
    "DROP FUNCTION IF EXISTS case_search_refresh(integer[])",
    "DROP TABLE IF EXISTS case_search",
]


def upgrade() -> None:
    op.create_table('saved_views',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('query', sa.String(length=2000), nullable=False),
    sa.Column('created_at', model.entities.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_saved_views_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_views')),
    sa.UniqueConstraint('user_id', 'name', name='uq_saved_views_user_name')
    )
    with op.batch_alter_table('saved_views', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_views_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_subject', ['subject'], unique=False)
        batch_op.create_index('ix_cases_last_message_at', ['last_message_at'], unique=False)

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _upgrade_sqlite()
    elif dialect == "postgresql":
        for statement in POSTGRES_UP:
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _downgrade_sqlite()
    elif dialect == "postgresql":
        for statement in POSTGRES_DOWN:
            op.execute(statement)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_last_message_at')
        batch_op.drop_index('ix_cases_subject')
    with op.batch_alter_table('saved_views', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_views_user_id'))
    op.drop_table('saved_views')
