"""Listen, acknowledge, follow up: satisfaction ratings and follow-ups after resolution."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.errors import DomainError
from bot.services.events import log_event
from bot.services.handoff import escalate
from models import AuthorKind, Conversation, Direction, Message, SatisfactionRating, Ticket

LOW_SCORE = 2


class AlreadyRated(DomainError):
    """The conversation already has a rating."""

    key = "rating-already"


async def rate(
    session: AsyncSession, conversation: Conversation, score: int, now: datetime
) -> SatisfactionRating:
    """Record the customer's score; a low one goes up to a manager."""
    if not 1 <= score <= 5:
        raise ValueError(f"score {score} is not 1-5")
    existing = (
        await session.exec(
            select(SatisfactionRating).where(SatisfactionRating.conversation_id == conversation.id)
        )
    ).first()
    if existing is not None:
        raise AlreadyRated()
    assert conversation.id is not None
    rating = SatisfactionRating(
        conversation_id=conversation.id,
        customer_id=conversation.customer_id,
        score=score,
        created_at=now,
    )
    session.add(rating)
    await log_event(
        session,
        "rating",
        now,
        conversation_id=conversation.id,
        customer_id=conversation.customer_id,
        actor_kind=AuthorKind.CUSTOMER,
        data={"score": score},
    )
    if score <= LOW_SCORE:
        await escalate(session, conversation, now, "low_rating", actor_kind=AuthorKind.CUSTOMER)
    await session.flush()
    return rating


def is_low(score: int) -> bool:
    """Tell whether a score sends the conversation to a manager."""
    return score <= LOW_SCORE


async def add_comment(
    session: AsyncSession, conversation: Conversation, comment: str
) -> SatisfactionRating | None:
    """Attach the customer's comment to their rating."""
    rating = (
        await session.exec(
            select(SatisfactionRating).where(SatisfactionRating.conversation_id == conversation.id)
        )
    ).first()
    if rating is not None:
        rating.comment = comment[:2000]
    return rating


async def file_comment(
    session: AsyncSession,
    chat_id: int,
    telegram_message_id: int,
    conversation: Conversation,
    business_connection_id: str | None = None,
) -> None:
    """Log the comment's message in the rated conversation, where it belongs.

    It arrived after the resolution, so it was logged in a new conversation that is nobody's
    matter (and must not count as one opened).
    """
    await session.exec(
        sa.update(Message)
        .where(
            col(Message.chat_id) == chat_id,
            col(Message.telegram_message_id) == telegram_message_id,
            col(Message.business_connection_id) == (business_connection_id or ""),
        )
        .values(conversation_id=conversation.id)
    )


async def comment_invitation(
    session: AsyncSession, customer_id: int, texts: set[str]
) -> int | None:
    """The Telegram id of the bot's latest message to the customer with one of these texts."""
    stmt = (
        select(Message.telegram_message_id, Message.text)
        .where(
            Message.customer_id == customer_id,
            Message.direction == Direction.OUT,
            Message.author_kind == AuthorKind.BOT,
        )
        .order_by(col(Message.created_at).desc(), col(Message.id).desc())
        .limit(5)  # the invitation was the last thing the bot said, or nearly
    )
    for message_id, text in (await session.exec(stmt)).all():
        if text in texts:
            return int(message_id)
    return None


async def record_follow_up(session: AsyncSession, ticket: Ticket, ok: bool, now: datetime) -> None:
    """Store the customer's answer to the follow-up."""
    if ticket.follow_up_outcome in ("ok", "problem"):
        raise AlreadyRated()
    ticket.follow_up_outcome = "ok" if ok else "problem"
    ticket.updated_at = now
    await log_event(
        session,
        "follow_up_ok" if ok else "follow_up_problem",
        now,
        conversation_id=ticket.conversation_id,
        customer_id=ticket.customer_id,
        ticket_id=ticket.id,
        actor_kind=AuthorKind.CUSTOMER,
    )
