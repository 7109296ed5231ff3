"""The conversation list: filtered, searched, and paged by keyset so deep pages stay fast."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from markupsafe import Markup, escape
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.console import params
from bot.console.filters import ConversationFilter, conditions
from bot.console.params import BadParameter
from bot.console.search import highlight, matching_messages, newer_matches
from bot.services.console_auth import redact_links
from models import AuthorKind, Conversation, Customer, Event, Message, Ticket

PAGE_SIZE = 50
SEARCH_BATCH = 500
SEARCH_BATCHES = 8  # at most 4,000 matches looked at per page; the next page goes on from there
FLAG_KINDS = ("reply_breach", "callback_breach", "escalated")


class BadCursor(BadParameter):
    """A paging cursor that was not made by this console."""

    def __init__(self, cursor: str) -> None:
        super().__init__("after", "console-bad-cursor", got=params.got(cursor))


@dataclass
class ConversationRow:
    """One line of the list."""

    id: int
    customer_name: str
    customer_telegram_id: int
    customer_username: str | None
    status: str
    language: str
    abusive: bool
    opened_at: datetime
    last_message_at: datetime | None
    waiting_since: datetime | None
    message_count: int = 0
    preview: Markup = field(default_factory=Markup)
    flags: set[str] = field(default_factory=set)
    tickets: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class Page:
    """A page of the list and the cursor of the next one."""

    rows: list[ConversationRow]
    next_cursor: str | None
    scanned_out: bool = False  # the search looked at its quota of matches before filling


def _opened_cursor(opened_at: datetime, conversation_id: int) -> str:
    micros = int(opened_at.timestamp() * 1_000_000)
    return f"o{micros}.{conversation_id}"


def _read_opened_cursor(cursor: str) -> tuple[datetime, int]:
    micros, dot, conversation_id = cursor[1:].partition(".")
    try:
        if not dot:
            raise BadCursor(cursor)
        moment = datetime.fromtimestamp(params.index(micros, "after", 2**62) / 1_000_000, UTC)
        return moment, params.row_id(conversation_id, "after")
    except (BadParameter, ValueError, OverflowError, OSError):
        raise BadCursor(cursor) from None


def _read_match_cursor(cursor: str) -> int:
    try:
        return params.row_id(cursor[1:], "after")
    except BadParameter:
        raise BadCursor(cursor) from None


async def list_conversations(
    session: AsyncSession,
    flt: ConversationFilter,
    tz: ZoneInfo,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
) -> Page:
    """Return a page of conversations: newest first, or by newest matching message."""
    backend = session.get_bind().dialect.name
    if flt.terms:
        if cursor and not cursor.startswith("m"):
            raise BadCursor(cursor)
        before = _read_match_cursor(cursor) if cursor else None
        return await _search_page(session, flt, tz, backend, before, limit)
    if cursor and not cursor.startswith("o"):
        raise BadCursor(cursor)
    return await _browse_page(session, flt, tz, cursor, limit)


async def _browse_page(
    session: AsyncSession,
    flt: ConversationFilter,
    tz: ZoneInfo,
    cursor: str | None,
    limit: int,
) -> Page:
    opened, conv_id = col(Conversation.opened_at), col(Conversation.id)
    stmt = select(Conversation.id, Conversation.opened_at).where(*conditions(flt, tz))
    if cursor:
        moment, last_id = _read_opened_cursor(cursor)
        stmt = stmt.where(sa.tuple_(opened, conv_id) < sa.tuple_(moment, last_id))
    stmt = stmt.order_by(opened.desc(), conv_id.desc()).limit(limit + 1)
    found = [(cid, at) for cid, at in (await session.exec(stmt)).all() if cid is not None]
    next_cursor = None
    if len(found) > limit:
        last_id, last_at = found[limit - 1]
        next_cursor = _opened_cursor(last_at, last_id)
        found = found[:limit]
    rows = await _rows(session, [cid for cid, _ in found])
    await _latest_previews(session, rows)
    return Page(rows, next_cursor)


async def _search_page(
    session: AsyncSession,
    flt: ConversationFilter,
    tz: ZoneInfo,
    backend: str,
    before: int | None,
    limit: int,
) -> Page:
    terms = flt.terms
    connection = await session.connection()
    found: dict[int, int] = {}  # conversation -> its newest matching message in this scan
    rejected: set[int] = set()
    scan_before = before
    exhausted = False
    for _ in range(SEARCH_BATCHES):
        batch = (
            await connection.execute(matching_messages(backend, terms, scan_before, SEARCH_BATCH))
        ).all()
        fresh = list(
            dict.fromkeys(
                cid
                for _, cid in batch
                if cid is not None and cid not in found and cid not in rejected
            )
        )
        allowed = await _allowed(session, flt, tz, backend, fresh, before) if fresh else set()
        rejected.update(set(fresh) - allowed)
        for message_id, cid in batch:
            if cid in allowed and cid not in found:
                found[cid] = message_id
                if len(found) > limit:
                    break
        if len(found) > limit:
            break
        if len(batch) < SEARCH_BATCH:
            exhausted = True
            break
        scan_before = batch[-1][0]
    ordered = list(found)
    if len(ordered) > limit:
        next_cursor: str | None = f"m{found[ordered[limit]] + 1}"
        ordered = ordered[:limit]
    else:
        next_cursor = None if exhausted else f"m{scan_before}"
    rows = await _rows(session, ordered)
    await _match_previews(session, rows, found, terms)
    return Page(rows, next_cursor, scanned_out=not exhausted and len(ordered) < limit)


async def _allowed(
    session: AsyncSession,
    flt: ConversationFilter,
    tz: ZoneInfo,
    backend: str,
    candidates: list[int],
    before: int | None,
) -> set[int]:
    """Keep the candidates that pass the other filters and were not on an earlier page."""
    where = conditions(flt, tz)
    allowed = set(candidates)
    if where:
        stmt = select(Conversation.id).where(col(Conversation.id).in_(candidates), *where)
        allowed = {cid for cid in (await session.exec(stmt)).all() if cid is not None}
    if before is not None and allowed:
        connection = await session.connection()
        query = newer_matches(backend, flt.terms, sorted(allowed), before)
        shown = {cid for (cid,) in (await connection.execute(query)).all()}
        allowed -= shown
    return allowed


async def _rows(session: AsyncSession, ids: list[int]) -> list[ConversationRow]:
    """Load the conversations with their customers, flags, tickets and message counts."""
    if not ids:
        return []
    stmt = (
        select(Conversation, Customer)
        .join(Customer, col(Customer.id) == col(Conversation.customer_id))
        .where(col(Conversation.id).in_(ids))
    )
    by_id: dict[int, ConversationRow] = {}
    for conv, customer in (await session.exec(stmt)).all():
        assert conv.id is not None
        by_id[conv.id] = ConversationRow(
            id=conv.id,
            customer_name=customer.display_name,
            customer_telegram_id=customer.telegram_id,
            customer_username=customer.username,
            status=conv.status,
            language=conv.language,
            abusive=conv.abusive,
            opened_at=conv.opened_at,
            last_message_at=conv.last_message_at,
            waiting_since=conv.waiting_since,
        )
    await _flags(session, by_id)
    await _tickets(session, by_id)
    await _counts(session, by_id)
    return [by_id[i] for i in ids if i in by_id]


async def _flags(session: AsyncSession, rows: dict[int, ConversationRow]) -> None:
    stmt = (
        select(Event.conversation_id, Event.kind)
        .where(col(Event.conversation_id).in_(list(rows)), col(Event.kind).in_(FLAG_KINDS))
        .distinct()
    )
    for cid, kind in (await session.exec(stmt)).all():
        if cid in rows:
            rows[cid].flags.add(kind)


async def _tickets(session: AsyncSession, rows: dict[int, ConversationRow]) -> None:
    stmt = (
        select(Ticket.conversation_id, Ticket.number, Ticket.kind, Ticket.status)
        .where(col(Ticket.conversation_id).in_(list(rows)))
        .order_by(col(Ticket.id))
    )
    for cid, number, kind, status in (await session.exec(stmt)).all():
        if cid in rows:
            rows[cid].tickets.append((number, kind, status))


async def _counts(session: AsyncSession, rows: dict[int, ConversationRow]) -> None:
    # Copies are subtracted rather than filtered out with "relay_of IS NULL": SQLite would
    # then walk the relay_of index across nearly every message.
    originals = func.count() - func.count(col(Message.relay_of))
    stmt = (
        select(Message.conversation_id, originals)
        .where(col(Message.conversation_id).in_(list(rows)))
        .group_by(col(Message.conversation_id))
    )
    for cid, count in (await session.exec(stmt)).all():
        if cid in rows:
            rows[cid].message_count = int(count)


async def _latest_previews(session: AsyncSession, rows: list[ConversationRow]) -> None:
    """Show each conversation's latest customer message."""
    if not rows:
        return
    latest = (
        select(func.max(Message.id))
        .where(
            col(Message.conversation_id).in_([r.id for r in rows]),
            Message.author_kind == AuthorKind.CUSTOMER,
        )
        .group_by(col(Message.conversation_id))
    )
    await _previews(session, rows, col(Message.id).in_(latest), [])


async def _match_previews(
    session: AsyncSession, rows: list[ConversationRow], found: dict[int, int], terms: list[str]
) -> None:
    """Show each conversation's newest matching message, with the words marked."""
    if rows:
        await _previews(session, rows, col(Message.id).in_([found[r.id] for r in rows]), terms)


async def _previews(
    session: AsyncSession,
    rows: list[ConversationRow],
    which: Any,
    terms: list[str],
) -> None:
    stmt = select(Message.conversation_id, Message.text, Message.content_type).where(which)
    by_id = {r.id: r for r in rows}
    for cid, text, content_type in (await session.exec(stmt)).all():
        if cid in by_id:
            by_id[cid].preview = (
                highlight(redact_links(text), terms) if text else escape(f"[{content_type}]")
            )
