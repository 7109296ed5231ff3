"""Full-text search over message texts: SQLite FTS5 or a PostgreSQL GIN index, same results.

Words match case-insensitively as whole words or word prefixes, all of them (AND), in any
language; no stemming, so "return" finds "returned" but "купил" does not find "купить".
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from markupsafe import Markup, escape

MAX_TERMS = 8
MAX_TERM_LENGTH = 64
_WORD = re.compile(r"\w+", re.UNICODE)
# Built by migration 0002; autogenerate must not take them for strays to drop.
SEARCH_TABLE_PREFIX = "messages_fts"
SEARCH_INDEX = "ix_messages_text_search"


def include_name(name: str | None, type_: str, _parents: object = None) -> bool:
    """Alembic `include_name` hook: leave the search index objects out of comparisons."""
    if name is None:
        return True
    if type_ == "table" and name.startswith(SEARCH_TABLE_PREFIX):
        return False
    return not (type_ == "index" and name == SEARCH_INDEX)


def search_terms(query: str) -> list[str]:
    """Split a query into lowercase words; punctuation and operators are dropped."""
    words = [w.lower()[:MAX_TERM_LENGTH] for w in _WORD.findall(query)]
    return list(dict.fromkeys(words))[:MAX_TERMS]


def _fts5_query(terms: list[str]) -> str:
    # Each word quoted (FTS5 syntax cannot leak in) and used as a prefix; spaces mean AND.
    return " ".join(f'"{term}"*' for term in terms)


def _tsquery(terms: list[str]) -> str:
    # \w+ words hold none of tsquery's operators, so this cannot inject syntax.
    return " & ".join(f"{term}:*" for term in terms)


def matching_messages(
    backend: str, terms: list[str], before: int | None, limit: int
) -> sa.TextClause:
    """Return a query for (message id, conversation id) of matches, newest first."""
    if not terms:
        raise ValueError("no search terms")
    bound = before if before is not None else 2**62
    if backend == "sqlite":
        sql = (
            "SELECT m.id, m.conversation_id FROM messages_fts "
            "JOIN messages AS m ON m.id = messages_fts.rowid "
            "WHERE messages_fts MATCH :query AND messages_fts.rowid < :before "
            "ORDER BY messages_fts.rowid DESC LIMIT :limit"
        )
        query = _fts5_query(terms)
    elif backend == "postgresql":
        # The expression repeats the GIN index's; MATERIALIZED keeps the planner on that
        # index instead of walking the primary key and computing tsvectors row by row.
        sql = (
            "WITH hits AS MATERIALIZED ("
            "SELECT id, conversation_id FROM messages "
            "WHERE to_tsvector('simple', coalesce(text, '')) @@ to_tsquery('simple', :query)) "
            "SELECT id, conversation_id FROM hits WHERE id < :before "
            "ORDER BY id DESC LIMIT :limit"
        )
        query = _tsquery(terms)
    else:
        raise ValueError(f"full-text search is not available on {backend}")
    return sa.text(sql).bindparams(query=query, before=bound, limit=limit)


def matching_conversations(backend: str, terms: list[str]) -> sa.TextualSelect:
    """Return a subquery of every conversation with a matching message (for exports)."""
    if backend == "sqlite":
        sql = (
            "SELECT m.conversation_id FROM messages_fts "
            "JOIN messages AS m ON m.id = messages_fts.rowid WHERE messages_fts MATCH :query"
        )
        query = _fts5_query(terms)
    else:
        sql = (
            "SELECT conversation_id FROM messages "
            "WHERE to_tsvector('simple', coalesce(text, '')) @@ to_tsquery('simple', :query)"
        )
        query = _tsquery(terms)
    return sa.text(sql).bindparams(query=query).columns(sa.column("conversation_id"))


def newer_matches(
    backend: str, terms: list[str], conversation_ids: list[int], since: int
) -> sa.TextClause:
    """Return a query for which of these conversations have a match with id >= since."""
    if backend == "sqlite":
        # CROSS JOIN keeps the conversations' few messages as the outer loop; FTS5 then seeks
        # each rowid in the match instead of listing every match.
        sql = (
            "SELECT DISTINCT m.conversation_id FROM messages AS m CROSS JOIN messages_fts "
            "WHERE messages_fts.rowid = m.id AND m.conversation_id IN :ids AND m.id >= :since "
            "AND messages_fts MATCH :query"
        )
        query = _fts5_query(terms)
    else:
        sql = (
            "SELECT DISTINCT conversation_id FROM messages "
            "WHERE conversation_id IN :ids AND id >= :since "
            "AND to_tsvector('simple', coalesce(text, '')) @@ to_tsquery('simple', :query)"
        )
        query = _tsquery(terms)
    return (
        sa.text(sql)
        .bindparams(sa.bindparam("ids", expanding=True))
        .bindparams(ids=conversation_ids, since=since, query=query)
    )


def highlight(text: str | None, terms: list[str], width: int = 160) -> Markup:
    """Cut a snippet of a text around the first matching word, with matches marked."""
    if not text:
        return Markup("")
    if not terms:
        return escape(_cut(text, 0, width))
    pattern = re.compile(r"\b(" + "|".join(re.escape(t) for t in terms) + r")\w*", re.I)
    first = pattern.search(text)
    start = max((first.start() if first else 0) - width // 3, 0)
    snippet = _cut(text, start, width)
    out: list[str] = []
    cursor = 0
    for match in pattern.finditer(snippet):
        out.append(str(escape(snippet[cursor : match.start()])))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        cursor = match.end()
    out.append(str(escape(snippet[cursor:])))
    return Markup("".join(out))


def _cut(text: str, start: int, width: int) -> str:
    snippet = text[start : start + width]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(text) else ""
    return prefix + " ".join(snippet.split()) + suffix
