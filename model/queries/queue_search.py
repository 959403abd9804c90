"""Full-text search over cases: number, subject, messages, customer name and emails, order number.

A search is the \\w runs of what was typed (at most eight), every one of which
must match. Each run is split into its CJK parts (Japanese and Chinese, written
without spaces) and the rest:

- the rest matches word prefixes ("refu" finds "refund"; accents ignored on
  SQLite) in the word index: FTS5 `cases_fts` / PostgreSQL `case_search`;
  a part of one or two characters matches a whole word only ("SO" of
  "SO-00000042"): as a prefix it would stand for thousands of words;
- a CJK part matches anywhere inside a CJK run ("商品" inside "の商品が届きません"):
  SQLite's trigram index `cases_fts_trigram` (parts of one or two characters
  through its vocabulary, as the trigram tokenizer cannot look them up), and on
  PostgreSQL the phrase of the part's overlapping character pairs in
  `case_search_cjk`, which `case_search_refresh` keeps (migration 0003).

The user's text never becomes search syntax: the runs hold only word characters
and the query is a bound parameter.
"""
from __future__ import annotations

import re

from sqlalchemy import Integer, and_, bindparam, false, text, true
from sqlalchemy.orm import Session

from ..entities import Case
from .queue_filters import QueueQueryError, without_index

MAX_SEARCH_WORDS = 8
# The characters of migration 0003's CJK_CLASS: Han, kana, half-width katakana, 々 and 〆.
CJK_CHARACTERS = "\u3005\u3006\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
CJK_PART = re.compile(f"[{CJK_CHARACTERS}]+")
PARTS = re.compile(f"[{CJK_CHARACTERS}]+|[^{CJK_CHARACTERS}]+")
MAX_SHORT_PART_TERMS = 500  # trigrams a one- or two-character CJK part may stand for
MIN_PREFIX = 3  # shorter word parts match whole words only
PREFIX_PG = ":*"


def search_words(search: str) -> list[str]:
    return re.findall(r"\w+", search)[:MAX_SEARCH_WORDS]


def search_parts(search: str) -> tuple[list[str], list[str]]:
    """(word parts, CJK parts) of the search, in order, without repeats."""
    words, cjk = {}, {}
    for word in search_words(search):
        for part in PARTS.findall(word):
            (cjk if CJK_PART.fullmatch(part) else words)[part] = None
    return list(words), list(cjk)


def search_condition(s: Session, search: str, *, indexed: bool = True):
    """A condition on cases: every word of the search matches (see the module's doc).
    `indexed=False` (many matches): SQLite tests the id case by case
    (queue_filters.without_index). PostgreSQL's planner picks between probing
    each case's search row and collecting the matches itself.
    """
    words, cjk = search_parts(search)
    if not words and not cjk:
        return true()
    if s.get_bind().dialect.name == "postgresql":
        return _postgres_condition(words, cjk)
    return _sqlite_condition(s, Case.id if indexed else without_index(Case.id), words, cjk)


def _ids(case_id, sql: str, query: str):
    # unique: a search may hold two of these (words and CJK parts), each with its own query
    return case_id.in_(text(sql).bindparams(bindparam("search_query", query, unique=True)).columns(id=Integer))


def _postgres_condition(words: list[str], cjk: list[str]):
    conditions = []
    if words:
        terms = [f"{word.lower()}{PREFIX_PG if len(word) >= MIN_PREFIX else ''}" for word in words]
        conditions.append(_ids(Case.id, "SELECT case_id FROM case_search "
                                        "WHERE document @@ to_tsquery('simple', :search_query)", " & ".join(terms)))
    if cjk:
        # A character alone: the first of a pair, or a run's last; longer: the phrase of its pairs.
        phrases = [f"{part}:*" if len(part) == 1 else "(" + " <-> ".join(part[i:i + 2] for i in range(len(part) - 1))
                   + ")" for part in cjk]
        conditions.append(_ids(Case.id, "SELECT case_id FROM case_search_cjk "
                                        "WHERE grams @@ to_tsquery('simple', :search_query)", " & ".join(phrases)))
    return and_(*conditions)


def _sqlite_condition(s: Session, case_id, words: list[str], cjk: list[str]):
    conditions = []
    if words:
        conditions.append(_ids(case_id, "SELECT rowid FROM cases_fts WHERE cases_fts MATCH :search_query",
                               " ".join(_fts5_word(word) for word in words)))
    if cjk:
        phrases = []
        for part in cjk:
            phrase = _trigram_phrase(s, part)
            if phrase is None:
                return false()
            phrases.append(phrase)
        conditions.append(_ids(case_id, "SELECT rowid FROM cases_fts_trigram "
                                        "WHERE cases_fts_trigram MATCH :search_query",
                               " AND ".join(phrases)))
    return and_(*conditions)


def _fts5_word(word: str) -> str:
    return f'"{word}"*' if len(word) >= MIN_PREFIX else f'"{word}"'


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _trigram_phrase(s: Session, part: str) -> str | None:
    """An FTS5 expression for a CJK part on the trigram index; None when nothing can match.

    Three characters or more are a phrase of trigrams. A shorter part is every
    indexed trigram that starts with it (each indexed column ends with a space,
    so a part at the very end of a text starts one too).
    """
    if len(part) >= 3:
        return _quoted(part)
    terms = s.execute(text("SELECT term FROM cases_fts_trigram_vocab WHERE term >= :low AND term < :high "
                           "ORDER BY term LIMIT :limit"),
                      {"low": part, "high": part + "\U0010ffff", "limit": MAX_SHORT_PART_TERMS + 1}).scalars().all()
    if len(terms) > MAX_SHORT_PART_TERMS:
        raise QueueQueryError(f"“{part}” is in too many cases to search for alone; add a character or a word.")
    if not terms:
        return None
    return "(" + " OR ".join(_quoted(term) for term in terms) + ")"
