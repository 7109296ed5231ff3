"""A conversation's transcript: messages both ways and the events between them, in order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.console import params
from bot.console.formatting import Text, english, event_text
from bot.telegram.dates import span
from models import (
    AuthorKind,
    Conversation,
    Customer,
    Event,
    Message,
    SatisfactionRating,
    StaffMember,
    Ticket,
)

HIDDEN_EVENTS = ("console_sign_in", "console_sign_out")
# The message is logged by a middleware a moment before the handler starts the reply clock.
_SLACK = timedelta(seconds=1)


@dataclass
class Wait:
    """How long a customer message waited for a person."""

    seconds: float
    open: bool = False  # still waiting now
    answered_by: str | None = None
    late: bool = False


@dataclass
class Entry:
    """One line of the transcript: a message or an event."""

    at: datetime
    message: Message | None = None
    event: Event | None = None
    author: str = ""
    place: str = ""
    relayed: bool = False
    wait: Wait | None = None
    text: str = ""
    tone: str = ""

    @property
    def is_note(self) -> bool:
        """Tell whether this is an internal staff note."""
        return self.message is not None and self.message.author_kind == AuthorKind.NOTE


@dataclass
class Transcript:
    """Everything the transcript page and the /log document show."""

    conversation: Conversation
    customer: Customer
    tickets: list[Ticket]
    rating: SatisfactionRating | None
    entries: list[Entry]
    names: dict[int, str] = field(default_factory=dict)

    @property
    def waits(self) -> list[Wait]:
        """The waits of the customer's messages for a person."""
        return [e.wait for e in self.entries if e.wait is not None]


async def load_transcript(
    session: AsyncSession,
    conversation_id: int,
    tz: ZoneInfo,
    now: datetime,
    texts: Text | None = None,
    lang: str = "en",
    *,
    reply_sla_seconds: int,
) -> Transcript | None:
    """Load a conversation's transcript, or None; events are told in `texts` (else English)."""
    conversation = await session.get(Conversation, conversation_id)
    if conversation is None:
        return None
    customer = await session.get(Customer, conversation.customer_id)
    assert customer is not None
    tickets = list(
        (
            await session.exec(
                select(Ticket)
                .where(Ticket.conversation_id == conversation_id)
                .order_by(col(Ticket.id))
            )
        ).all()
    )
    rating = (
        await session.exec(
            select(SatisfactionRating).where(SatisfactionRating.conversation_id == conversation_id)
        )
    ).first()
    messages = list(
        (
            await session.exec(
                select(Message)
                .where(Message.conversation_id == conversation_id)
                .order_by(col(Message.created_at), col(Message.id))
            )
        ).all()
    )
    events = await _events(session, conversation_id, [t.id for t in tickets if t.id])
    people = {m.author_telegram_id for m in messages if m.author_kind != AuthorKind.CUSTOMER}
    people |= {e.actor_telegram_id for e in events}
    names = await staff_names(session, {p for p in people if p})
    numbers = {t.id: t.number for t in tickets if t.id is not None}

    reply_sla = span(reply_sla_seconds, lang)

    def tell(event: Event) -> tuple[str, str]:
        return event_text(event, tz, names, numbers, texts, lang, reply_sla)

    told = texts or english()
    entries = _entries(conversation, customer, messages, events, names, numbers, tell, now, told)
    return Transcript(conversation, customer, tickets, rating, entries, names)


async def _events(
    session: AsyncSession, conversation_id: int, ticket_ids: list[int]
) -> list[Event]:
    where: Any = col(Event.conversation_id) == conversation_id
    if ticket_ids:
        where = or_(where, col(Event.ticket_id).in_(ticket_ids))
    stmt = (
        select(Event)
        .where(where, col(Event.kind).not_in(HIDDEN_EVENTS))
        .order_by(col(Event.created_at), col(Event.id))
    )
    return list((await session.exec(stmt)).all())


async def staff_names(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    """Return the names of staff members and managers by Telegram id."""
    if not ids:
        return {}
    stmt = select(StaffMember.telegram_id, StaffMember.name, StaffMember.username).where(
        col(StaffMember.telegram_id).in_(ids)
    )
    rows = (await session.exec(stmt)).all()
    return {tid: name or (f"@{user}" if user else str(tid)) for tid, name, user in rows}


def _author(message: Message, customer: Customer, names: dict[int, str], _: Text) -> str:
    kind = message.author_kind
    if kind == AuthorKind.CUSTOMER:
        return customer.display_name
    if kind == AuthorKind.BOT:
        return _("console-author-bot")
    if kind == AuthorKind.SYSTEM:
        return _("console-author-system")
    who = names.get(message.author_telegram_id or 0) or str(message.author_telegram_id or "?")
    if kind == AuthorKind.NOTE:
        return _("console-author-note", who=who)
    return _("console-author-manager", who=who) if kind == AuthorKind.MANAGER else who


def _entries(
    conversation: Conversation,
    customer: Customer,
    messages: list[Message],
    events: list[Event],
    names: dict[int, str],
    numbers: dict[int, str],
    tell: Callable[[Event], tuple[str, str]],
    now: datetime,
    texts: Text,
) -> list[Entry]:
    relayed = {m.relay_of for m in messages if m.relay_of is not None}
    clocks = [e for e in events if e.kind == "reply_clock_stopped"]
    entries: list[Entry] = []
    for message in messages:
        if message.relay_of is not None:
            continue  # the copy in the other chat; the original stands for both
        private = message.chat_id == customer.telegram_id
        entry = Entry(
            at=message.created_at,
            message=message,
            author=_author(message, customer, names, texts),
            place="customer chat" if private else "staff topic",
            relayed=message.id in relayed,
        )
        if message.author_kind == AuthorKind.CUSTOMER:
            entry.wait = _wait(message.created_at, conversation, clocks, names, now)
        entries.append(entry)
    for event in events:
        text, tone = tell(event)
        entries.append(Entry(at=event.created_at, event=event, text=text, tone=tone))
    # Stable: at the same instant a message stays before the event it caused.
    entries.sort(key=lambda e: (e.at, e.event is not None))
    return entries


def _wait(
    sent: datetime,
    conversation: Conversation,
    clocks: list[Event],
    names: dict[int, str],
    now: datetime,
) -> Wait | None:
    """Find the answer that ended this message's wait, from the bot's own reply clock."""
    for clock in clocks:
        waited = float((clock.data or {}).get("waited_seconds") or 0)
        started = clock.created_at - timedelta(seconds=waited)
        if started - _SLACK <= sent <= clock.created_at:
            who = names.get(clock.actor_telegram_id or 0) or (
                str(clock.actor_telegram_id) if clock.actor_telegram_id else None
            )
            late = bool((clock.data or {}).get("breached"))
            return Wait((clock.created_at - sent).total_seconds(), answered_by=who, late=late)
    since = conversation.waiting_since
    if since is not None and sent >= since - _SLACK:
        return Wait(max((now - sent).total_seconds(), 0.0), open=True)
    return None


async def find_conversations(session: AsyncSession, key: str, limit: int = 20) -> list[int]:
    """Return the conversations of a customer (Telegram id) or a ticket (R-/C- number)."""
    key = key.strip()
    if key.upper().startswith(("R-", "C-")):
        stmt = select(Ticket.conversation_id).where(Ticket.number == key.upper())
        found = (await session.exec(stmt)).first()
        return [found] if found is not None else []
    try:
        telegram_id = params.telegram_id(key, "customer")
    except params.BadParameter:  # '²', '--5' or past 64 bits: nobody has that id
        return []
    customer = (
        await session.exec(select(Customer.id).where(Customer.telegram_id == telegram_id))
    ).first()
    if customer is None:
        return []
    stmt_ids = (
        select(Conversation.id)
        .where(Conversation.customer_id == customer)
        .order_by(col(Conversation.id).desc())
        .limit(limit)
    )
    return sorted(cid for cid in (await session.exec(stmt_ids)).all() if cid is not None)
