"""queue: indexable sort keys on cases; Japanese (CJK) words found inside longer runs

Revision ID: 0003_queue_sort
Revises: 0002

Sorting the grid by priority, status, customer, assignee, order or tags used
expressions or joins that no index serves (a full sort of 200k rows per page).
Each now has a column on `cases` and an index ending with the id:

- `priority_rank`, `status_rank`: computed by the database from the code
  (virtual on SQLite, stored on PostgreSQL).
- `customer_name`, `assignee_name`, `order_number`, `tag_list` ("a, b, c",
  sorted, cut at 200 characters): copies kept by triggers, whoever writes the
  case, renames the customer or the user, or changes the tags. The demo
  generator's bulk load writes them itself (it sets triggers aside).

Japanese has no spaces between words, so a word-based index holds a whole
run ("注文番号の商品が届きません") as one token and a search for "商品" found
nothing. CJK runs are now searchable anywhere inside:

- SQLite: a second FTS5 table, `cases_fts_trigram` (trigram tokenizer, each
  column ending with a space), kept by the same triggers as `cases_fts`; the
  queue searches it for the CJK parts of the words, through
  `cases_fts_trigram_vocab` for parts of one or two characters. Its name
  starts with `cases_fts`, so migrations/env.py leaves it out of autogenerate.
- PostgreSQL: `case_search_cjk(case_id, grams tsvector)`, kept by
  `case_search_refresh` (which 0002's triggers call) for the cases holding CJK
  text: each CJK run's overlapping character pairs and its last character; a
  CJK word is searched as the phrase of its pairs. Named case_search_*, so
  migrations/env.py leaves it out of autogenerate.

The grid's text filters on the subject and the customer use the same trigram
index on SQLite (to narrow the cases, then LIKE) and pg_trgm GIN indexes on
PostgreSQL.
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_queue_sort'
down_revision = '0002'
branch_labels = None
depends_on = None

PRIORITY_RANK = "CASE priority WHEN 'low' THEN 1 WHEN 'normal' THEN 2 WHEN 'high' THEN 3 WHEN 'urgent' THEN 4 END"
STATUS_RANK = ("CASE status WHEN 'new' THEN 1 WHEN 'open' THEN 2 WHEN 'pending' THEN 3 WHEN 'resolved' THEN 4 "
               "WHEN 'closed' THEN 5 END")
INDEXES = {
    "ix_cases_priority_rank_id": ["priority_rank", "id"],
    "ix_cases_status_rank_id": ["status_rank", "id"],
    "ix_cases_channel_id": ["channel", "id"],
    "ix_cases_type_id": ["type", "id"],
    "ix_cases_customer_name_id": ["customer_name", "id"],
    "ix_cases_assignee_name_id": ["assignee_name", "id"],
    "ix_cases_order_number_id": ["order_number", "id"],
    "ix_cases_tag_list_id": ["tag_list", "id"],
    "ix_cases_status_due": ["status", "due_at"],
}
TAG_LIST_LENGTH = 200
# Han, kana (with the prolonged sound mark), half-width katakana, 々 and 〆: the characters
# written without spaces between words. model/queries/queue_search.py splits queries by the same set.
CJK_CLASS = r"[\u3005\u3006\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]"

# --- SQLite ----------------------------------------------------------------------------
def _sqlite_names(where: str) -> str:
    return f"""UPDATE cases SET
         customer_name = (SELECT name FROM customers WHERE id = cases.customer_id),
         assignee_name = (SELECT display_name FROM users WHERE id = cases.assignee_id),
         order_number = (SELECT number FROM order_summaries WHERE id = cases.order_id)
       WHERE {where};"""


def _sqlite_tags(case_id: str) -> str:
    # group_concat follows the ordered subquery (SQLite 3.40 has no ORDER BY inside aggregates).
    return f"""UPDATE cases SET tag_list = (
         SELECT substr(group_concat(tag, ', '), 1, {TAG_LIST_LENGTH})
           FROM (SELECT tag FROM case_tags WHERE case_id = {case_id} ORDER BY tag))
       WHERE id = {case_id};"""


TRIGRAM_COLUMNS = "number, subject, people, order_number, messages"


def _trigram_rebuild(where: str) -> str:
    """The cases_fts_trigram rows of the cases matching `where` (alias c), rewritten.

    Every column ends with a space: a word of one or two characters at the very end
    of a text then still starts a trigram, which is how short words are looked up.
    """
    return f"""
    DELETE FROM cases_fts_trigram WHERE rowid IN (SELECT c.id FROM cases c WHERE {where});
    INSERT INTO cases_fts_trigram (rowid, {TRIGRAM_COLUMNS})
    SELECT c.id, c.number || ' ', c.subject || ' ',
           (SELECT cu.name || ' ' || coalesce((SELECT group_concat(e.email, ' ') FROM customer_emails e
                                               WHERE e.customer_id = cu.id) || ' ', '')
              FROM customers cu WHERE cu.id = c.customer_id),
           (SELECT o.number || ' ' FROM order_summaries o WHERE o.id = c.order_id),
           (SELECT group_concat(m.body, ' ') || ' ' FROM case_messages m WHERE m.case_id = c.id)
      FROM cases c WHERE {where};"""


SQLITE_TRIGGERS = {
    # sort keys
    "cases_sort_keys_ai": f"AFTER INSERT ON cases BEGIN {_sqlite_names('id = NEW.id')} END",
    "cases_sort_keys_au": ("AFTER UPDATE OF customer_id, assignee_id, order_id ON cases "
                           f"BEGIN {_sqlite_names('id = NEW.id')} END"),
    "customers_sort_keys_au": ("AFTER UPDATE OF name ON customers BEGIN "
                               "UPDATE cases SET customer_name = NEW.name WHERE customer_id = NEW.id; END"),
    "users_sort_keys_au": ("AFTER UPDATE OF display_name ON users BEGIN "
                           "UPDATE cases SET assignee_name = NEW.display_name WHERE assignee_id = NEW.id; END"),
    "order_summaries_sort_keys_au": ("AFTER UPDATE OF number ON order_summaries BEGIN "
                                     "UPDATE cases SET order_number = NEW.number WHERE order_id = NEW.id; END"),
    "case_tags_sort_keys_ai": f"AFTER INSERT ON case_tags BEGIN {_sqlite_tags('NEW.case_id')} END",
    "case_tags_sort_keys_ad": f"AFTER DELETE ON case_tags BEGIN {_sqlite_tags('OLD.case_id')} END",
    "case_tags_sort_keys_au": (f"AFTER UPDATE ON case_tags BEGIN {_sqlite_tags('OLD.case_id')} "
                               f"{_sqlite_tags('NEW.case_id')} END"),
    # the trigram index, as 0002 keeps cases_fts
    "cases_fts_trigram_ai": f"AFTER INSERT ON cases BEGIN {_trigram_rebuild('c.id = NEW.id')} END",
    "cases_fts_trigram_au": ("AFTER UPDATE OF number, subject, customer_id, order_id ON cases "
                             f"BEGIN {_trigram_rebuild('c.id = NEW.id')} END"),
    "cases_fts_trigram_ad": "AFTER DELETE ON cases BEGIN DELETE FROM cases_fts_trigram WHERE rowid = OLD.id; END",
    "case_messages_fts_trigram_ai": ("AFTER INSERT ON case_messages BEGIN UPDATE cases_fts_trigram "
                                     "SET messages = coalesce(messages, '') || NEW.body || ' ' "
                                     "WHERE rowid = NEW.case_id; END"),
    "customers_fts_trigram_au": ("AFTER UPDATE OF name ON customers "
                                 f"BEGIN {_trigram_rebuild('c.customer_id = NEW.id')} END"),
    "customer_emails_fts_trigram_ai": ("AFTER INSERT ON customer_emails "
                                       f"BEGIN {_trigram_rebuild('c.customer_id = NEW.customer_id')} END"),
    "customer_emails_fts_trigram_au": ("AFTER UPDATE ON customer_emails "
                                       f"BEGIN {_trigram_rebuild('c.customer_id = NEW.customer_id')} END"),
    "customer_emails_fts_trigram_ad": ("AFTER DELETE ON customer_emails "
                                       f"BEGIN {_trigram_rebuild('c.customer_id = OLD.customer_id')} END"),
}


def _upgrade_sqlite() -> None:
    op.execute(f"CREATE VIRTUAL TABLE cases_fts_trigram USING fts5({TRIGRAM_COLUMNS}, tokenize = 'trigram')")
    op.execute("CREATE VIRTUAL TABLE cases_fts_trigram_vocab USING fts5vocab(cases_fts_trigram, 'row')")
    op.execute(_sqlite_names("1 = 1"))
    op.execute(f"""UPDATE cases SET tag_list = (
         SELECT substr(group_concat(tag, ', '), 1, {TAG_LIST_LENGTH})
           FROM (SELECT tag FROM case_tags WHERE case_id = cases.id ORDER BY tag))
       WHERE id IN (SELECT case_id FROM case_tags)""")
    op.execute(_trigram_rebuild("1 = 1").split(";")[1])  # backfill: the INSERT half
    for name, body in SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def _downgrade_sqlite() -> None:
    for name in SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS cases_fts_trigram_vocab")
    op.execute("DROP TABLE IF EXISTS cases_fts_trigram")


# --- PostgreSQL ------------------------------------------------------------------------
POSTGRES_UP = [
    """CREATE FUNCTION cases_sort_keys() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         NEW.customer_name := (SELECT name FROM customers WHERE id = NEW.customer_id);
         NEW.assignee_name := (SELECT display_name FROM users WHERE id = NEW.assignee_id);
         NEW.order_number := (SELECT number FROM order_summaries WHERE id = NEW.order_id);
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER cases_sort_keys BEFORE INSERT OR UPDATE OF customer_id, assignee_id, order_id
       ON cases FOR EACH ROW EXECUTE FUNCTION cases_sort_keys()""",
    """CREATE FUNCTION cases_sort_keys_from_source() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_TABLE_NAME = 'customers' THEN
           UPDATE cases SET customer_name = NEW.name WHERE customer_id = NEW.id;
         ELSIF TG_TABLE_NAME = 'users' THEN
           UPDATE cases SET assignee_name = NEW.display_name WHERE assignee_id = NEW.id;
         ELSE
           UPDATE cases SET order_number = NEW.number WHERE order_id = NEW.id;
         END IF;
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER cases_sort_keys_customer AFTER UPDATE OF name ON customers
       FOR EACH ROW EXECUTE FUNCTION cases_sort_keys_from_source()""",
    """CREATE TRIGGER cases_sort_keys_user AFTER UPDATE OF display_name ON users
       FOR EACH ROW EXECUTE FUNCTION cases_sort_keys_from_source()""",
    """CREATE TRIGGER cases_sort_keys_order AFTER UPDATE OF number ON order_summaries
       FOR EACH ROW EXECUTE FUNCTION cases_sort_keys_from_source()""",
    # Tags in code point order (COLLATE "C"), as SQLite and the demo generator sort them.
    f"""CREATE FUNCTION cases_tag_list(which integer) RETURNS void LANGUAGE sql AS $$
         UPDATE cases SET tag_list = (SELECT left(string_agg(tag, ', ' ORDER BY tag COLLATE "C"), {TAG_LIST_LENGTH})
                                        FROM case_tags WHERE case_id = which)
          WHERE id = which
       $$""",
    """CREATE FUNCTION cases_tag_list_on_tag() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM cases_tag_list(OLD.case_id); END IF;
         IF TG_OP IN ('UPDATE', 'INSERT') THEN PERFORM cases_tag_list(NEW.case_id); END IF;
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER cases_tag_list AFTER INSERT OR UPDATE OR DELETE ON case_tags
       FOR EACH ROW EXECUTE FUNCTION cases_tag_list_on_tag()""",
    # Backfill in one pass: one new version of each row, not four (the BEFORE trigger is not
    # fired: no column of its UPDATE OF list is set).
    f"""UPDATE cases c SET
          customer_name = (SELECT name FROM customers WHERE id = c.customer_id),
          assignee_name = (SELECT display_name FROM users WHERE id = c.assignee_id),
          order_number = (SELECT number FROM order_summaries WHERE id = c.order_id),
          tag_list = (SELECT left(string_agg(tag, ', ' ORDER BY tag COLLATE "C"), {TAG_LIST_LENGTH})
                        FROM case_tags WHERE case_id = c.id)""",
    # The grid's text filters on the subject and the customer (ILIKE '%…%', equality as ILIKE):
    # trigram indexes. pg_trgm is a trusted extension: the database owner may create it.
    # Named case_search_*, so migrations/env.py leaves them out of autogenerate.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX case_search_trgm_subject ON cases USING gin (subject gin_trgm_ops)",
    "CREATE INDEX case_search_trgm_customer_name ON cases USING gin (customer_name gin_trgm_ops)",
    # Search: CJK runs as overlapping pairs plus their last character, in order, so that a
    # CJK word is the phrase of its pairs (and one character the prefix of a pair). They live
    # in a table of their own: small rows, for the quarter of the cases written in CJK.
    f"""CREATE FUNCTION case_search_cjk_grams(body text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
         SELECT coalesce(string_agg(substr(r.run[1], g.pos, 2), ' ' ORDER BY r.ordinal, g.pos), '')
           FROM regexp_matches(body, '({CJK_CLASS}+)', 'g') WITH ORDINALITY AS r(run, ordinal)
          CROSS JOIN LATERAL generate_series(1, char_length(r.run[1])) AS g(pos)
       $$""",
    """CREATE TABLE case_search_cjk (
         case_id integer PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE,
         grams tsvector NOT NULL)""",
    "CREATE INDEX case_search_cjk_grams_index ON case_search_cjk USING gin (grams)",
    # The searchable text of cases, as 0002's case_search_refresh gathers it.
    """CREATE FUNCTION case_search_body(ids integer[]) RETURNS TABLE (id integer, body text)
       LANGUAGE sql STABLE AS $$
         SELECT c.id, concat_ws(' ', c.number, c.subject, cu.name,
                  (SELECT string_agg(e.email, ' ') FROM customer_emails e WHERE e.customer_id = c.customer_id),
                  o.number,
                  (SELECT string_agg(m.body, ' ' ORDER BY m.id) FROM case_messages m WHERE m.case_id = c.id))
           FROM cases c
           LEFT JOIN customers cu ON cu.id = c.customer_id
           LEFT JOIN order_summaries o ON o.id = c.order_id
          WHERE c.id = ANY (ids)
       $$""",
    # Every trigger of 0002 calls this: it now keeps both tables.
    """CREATE OR REPLACE FUNCTION case_search_refresh(ids integer[]) RETURNS void LANGUAGE sql AS $$
         INSERT INTO case_search (case_id, document)
         SELECT b.id, to_tsvector('simple', regexp_replace(b.body, '\W+', ' ', 'g')) FROM case_search_body(ids) b
         ON CONFLICT (case_id) DO UPDATE SET document = EXCLUDED.document;
         DELETE FROM case_search_cjk WHERE case_id = ANY (ids);
         INSERT INTO case_search_cjk (case_id, grams)
         SELECT b.id, to_tsvector('simple', g.grams)
           FROM case_search_body(ids) b CROSS JOIN LATERAL (SELECT case_search_cjk_grams(b.body) AS grams) g
          WHERE g.grams <> ''
       $$""",
    "SELECT case_search_refresh(ARRAY(SELECT id FROM cases))",
]

# 0002's function, as it was (downgrade).
SEARCH_REFRESH_0002 = """CREATE OR REPLACE FUNCTION case_search_refresh(ids integer[]) RETURNS void LANGUAGE sql AS $$
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
       $$"""

POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS case_search_trgm_customer_name",
    "DROP INDEX IF EXISTS case_search_trgm_subject",
    SEARCH_REFRESH_0002,
    "DROP FUNCTION IF EXISTS case_search_body(integer[])",
    "DROP TABLE IF EXISTS case_search_cjk",
    "DROP FUNCTION IF EXISTS case_search_cjk_grams(text)",
    "DROP TRIGGER IF EXISTS cases_tag_list ON case_tags",
    "DROP FUNCTION IF EXISTS cases_tag_list_on_tag()",
    "DROP FUNCTION IF EXISTS cases_tag_list(integer)",
    "DROP TRIGGER IF EXISTS cases_sort_keys_order ON order_summaries",
    "DROP TRIGGER IF EXISTS cases_sort_keys_user ON users",
    "DROP TRIGGER IF EXISTS cases_sort_keys_customer ON customers",
    "DROP FUNCTION IF EXISTS cases_sort_keys_from_source()",
    "DROP TRIGGER IF EXISTS cases_sort_keys ON cases",
    "DROP FUNCTION IF EXISTS cases_sort_keys()",
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    # Plain ADD COLUMN, not batch mode: recreating the table would drop its search triggers.
    # SQLite adds only virtual generated columns; PostgreSQL before 18 only stored ones.
    stored = dialect != "sqlite"
    for name, expression in (("priority_rank", PRIORITY_RANK), ("status_rank", STATUS_RANK)):
        op.add_column('cases', sa.Column(name, sa.Integer(), sa.Computed(expression, persisted=stored), nullable=True))
    op.add_column('cases', sa.Column('customer_name', sa.String(length=200), nullable=True))
    op.add_column('cases', sa.Column('assignee_name', sa.String(length=120), nullable=True))
    op.add_column('cases', sa.Column('order_number', sa.String(length=32), nullable=True))
    op.add_column('cases', sa.Column('tag_list', sa.String(length=TAG_LIST_LENGTH), nullable=True))
    if dialect == "sqlite":
        _upgrade_sqlite()
    elif dialect == "postgresql":
        for statement in POSTGRES_UP:
            op.execute(statement)
    for name, columns in INDEXES.items():
        op.create_index(name, 'cases', columns, unique=False)
    # The cases of a tag from the index alone (it replaces the index on the tag).
    op.create_index('ix_case_tags_tag_case_id', 'case_tags', ['tag', 'case_id'], unique=False)
    op.drop_index('ix_case_tags_tag', table_name='case_tags')
    # Statistics for the new indexes (SQLite: sampled, so a big table takes a second or two).
    if dialect == "sqlite":
        op.execute("PRAGMA analysis_limit = 1000")
        op.execute("ANALYZE cases")
        op.execute("ANALYZE case_tags")
    elif dialect == "postgresql":
        op.execute("ANALYZE cases")
        op.execute("ANALYZE case_tags")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_index('ix_case_tags_tag', 'case_tags', ['tag'], unique=False)
    op.drop_index('ix_case_tags_tag_case_id', table_name='case_tags')
    for name in INDEXES:
        op.drop_index(name, table_name='cases')
    if dialect == "sqlite":
        _downgrade_sqlite()
    elif dialect == "postgresql":
        for statement in POSTGRES_DOWN:
            op.execute(statement)
    for column in ('tag_list', 'order_number', 'assignee_name', 'customer_name', 'status_rank', 'priority_rank'):
        # In place (SQLite 3.35+ drops a column no index or trigger names): batch mode would
        # recreate the table without the search triggers of 0002.
        op.execute(f"ALTER TABLE cases DROP COLUMN {column}")
