"""Learning from handoffs: the questions the FAQ could not answer, and phrasings taught to it.

The FAQ handler logs `faq_unanswered` (no confident entry) with the customer's words, and
`faq_answered` with them too, so that a "didn't help" (`faq_unhelpful`) finds the question it
was about. A manager reads them grouped by similarity beside what staff then wrote, and adds
a question to an entry as a new phrasing; the bot reloads the phrasings when they change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.faq import term_of, tokens
from models import AuthorKind, Direction, Event, FaqPhrasing, Message

__all__ = [
    "Unanswered",
    "group_similar",
    "learned_phrasings",
    "phrasings_version",
    "teach",
    "unanswered",
]

UNANSWERED = "faq_unanswered"
ANSWERED = "faq_answered"
UNHELPFUL = "faq_unhelpful"
MAX_TEXT = 1000
# Two questions sharing this share of their words belong to one group.
SIMILAR = 0.5


@dataclass
class Unanswered:
    """A customer's question the bot could not answer, and what staff answered next."""

    text: str
    at: datetime
    conversation_id: int | None
    kind: str  # "miss" or "unhelpful"
    entry_id: str | None  # the entry offered (unhelpful) or the closest one (miss)
    staff_answer: str | None = None
    words: frozenset[str] = field(default_factory=frozenset)


async def learned_phrasings(session: AsyncSession) -> list[tuple[str, str]]:
    """Every taught (entry id, phrasing), oldest first."""
    rows = await session.exec(
        select(FaqPhrasing.entry_id, FaqPhrasing.text).order_by(col(FaqPhrasing.id))
    )
    return [(entry_id, text) for entry_id, text in rows.all()]


async def phrasings_version(session: AsyncSession) -> tuple[int, int]:
    """How many phrasings there are and the newest id: changes whenever one is added."""
    row = (await session.exec(select(sa.func.count(), sa.func.max(col(FaqPhrasing.id))))).one()
    return int(row[0] or 0), int(row[1] or 0)


async def teach(
    session: AsyncSession, entry_id: str, text: str, manager_id: int | None, now: datetime
) -> bool:
    """Store a phrasing for an entry; False when the entry already has it."""
    text = " ".join(text.split())[:MAX_TEXT]
    existing = await session.exec(
        select(FaqPhrasing.id).where(FaqPhrasing.entry_id == entry_id, FaqPhrasing.text == text)
    )
    if existing.first() is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(
                FaqPhrasing(entry_id=entry_id, text=text, added_by=manager_id, created_at=now)
            )
    except IntegrityError:  # taught at the same moment in another tab
        return False
    return True


async def unanswered(
    session: AsyncSession, since: datetime, taught: Sequence[tuple[str, str]] = (), limit: int = 300
) -> list[Unanswered]:
    """Questions since `since`, newest first, leaving out those already taught."""
    events = (
        await session.exec(
            select(Event)
            .where(col(Event.kind).in_((UNANSWERED, UNHELPFUL)), col(Event.created_at) >= since)
            .order_by(col(Event.created_at).desc())
            .limit(limit)
        )
    ).all()
    known = {text for _, text in taught}
    found: list[Unanswered] = []
    for event in events:
        data: dict[str, Any] = event.data or {}
        if event.kind == UNANSWERED:
            text, kind = str(data.get("text") or ""), "miss"
        else:
            text, kind = await _question_of(session, event), "unhelpful"
        entry = data.get("entry") if kind == "unhelpful" else data.get("best")
        if not text or " ".join(text.split()) in known:
            continue
        item = Unanswered(text, event.created_at, event.conversation_id, kind, entry)
        item.staff_answer = await _staff_answer(session, event.conversation_id, event.created_at)
        item.words = frozenset(t for t in map(term_of, tokens(text)) if t is not None)
        found.append(item)
    return found


async def _question_of(session: AsyncSession, unhelpful: Event) -> str:
    """The question whose answer did not help: the latest answer of that entry before it."""
    entry = (unhelpful.data or {}).get("entry")
    answers = await session.exec(
        select(Event)
        .where(
            Event.kind == ANSWERED,
            Event.conversation_id == unhelpful.conversation_id,
            col(Event.created_at) <= unhelpful.created_at,
        )
        .order_by(col(Event.created_at).desc())
        .limit(20)
    )
    for answer in answers.all():
        data = answer.data or {}
        if data.get("entry") == entry and data.get("text"):
            return str(data["text"])
    return ""


async def _staff_answer(
    session: AsyncSession, conversation_id: int | None, after: datetime
) -> str | None:
    """The first thing staff wrote to the customer after the question."""
    if conversation_id is None:
        return None
    reply = await session.exec(
        select(Message.text)
        .where(
            Message.conversation_id == conversation_id,
            Message.direction == Direction.OUT,
            Message.author_kind == AuthorKind.STAFF,
            col(Message.created_at) >= after,
        )
        .order_by(col(Message.created_at))
        .limit(1)
    )
    return reply.first()


def group_similar(items: Sequence[Unanswered]) -> list[list[Unanswered]]:
    """Greedy groups of questions sharing most of their words (lemmas), largest first."""
    groups: list[list[Unanswered]] = []
    for item in items:
        for group in groups:
            head = group[0].words
            union = head | item.words
            if union and len(head & item.words) / len(union) >= SIMILAR:
                group.append(item)
                break
        else:
            groups.append([item])
    return sorted(groups, key=len, reverse=True)
