"""Handoff between the bot and people: waiting, answered, resolved, reopened, escalated."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.errors import DomainError
from bot.services.events import log_event
from models import AuthorKind, Conversation, ConversationStatus

WITH_PERSON = (ConversationStatus.WAITING_STAFF, ConversationStatus.ANSWERED)


class ConversationClosed(DomainError):
    """The conversation is resolved or closed; reopen it first."""

    key = "error-conversation-closed"


class AlreadyOpen(DomainError):
    """The conversation is not resolved, so there is nothing to reopen."""

    key = "error-conversation-open"


def with_person(conversation: Conversation) -> bool:
    """Tell whether the customer is talking to staff rather than to the bot."""
    return conversation.status in WITH_PERSON


async def hand_to_person(
    session: AsyncSession, conversation: Conversation, now: datetime, reason: str
) -> bool:
    """Put the conversation in the staff queue; return True if it was not there already."""
    started = conversation.status not in WITH_PERSON
    await customer_waits(conversation, now)
    if started:
        await log_event(
            session,
            "handoff",
            now,
            conversation_id=conversation.id,
            customer_id=conversation.customer_id,
            actor_kind=AuthorKind.BOT,
            reason=reason,
        )
    return started


async def customer_waits(conversation: Conversation, now: datetime) -> None:
    """Mark a customer message as waiting; the oldest unanswered one sets the clock."""
    conversation.status = ConversationStatus.WAITING_STAFF
    if conversation.waiting_since is None:
        conversation.waiting_since = now
    conversation.updated_at = now


async def staff_replied(
    session: AsyncSession, conversation: Conversation, staff_id: int, now: datetime
) -> datetime | None:
    """Record a staff answer; return how long the customer had waited since, if they had."""
    if conversation.status in (ConversationStatus.RESOLVED, ConversationStatus.CLOSED):
        raise ConversationClosed()
    waited_since = conversation.waiting_since
    conversation.status = ConversationStatus.ANSWERED
    conversation.waiting_since = None
    if conversation.first_response_at is None:
        conversation.first_response_at = now
    conversation.updated_at = now
    return waited_since


async def resolve(
    session: AsyncSession, conversation: Conversation, actor_id: int, now: datetime
) -> None:
    """Close the matter as resolved by a staff member."""
    if conversation.status in (ConversationStatus.RESOLVED, ConversationStatus.CLOSED):
        raise ConversationClosed()
    conversation.status = ConversationStatus.RESOLVED
    conversation.waiting_since = None
    conversation.resolved_at = now
    conversation.updated_at = now
    await log_event(
        session,
        "resolved",
        now,
        conversation_id=conversation.id,
        customer_id=conversation.customer_id,
        actor_kind=AuthorKind.STAFF,
        actor_telegram_id=actor_id,
    )


async def reopen(
    session: AsyncSession, conversation: Conversation, actor_id: int, actor_kind: str, now: datetime
) -> None:
    """Reopen a resolved conversation so staff can carry on."""
    if conversation.status not in (ConversationStatus.RESOLVED, ConversationStatus.CLOSED):
        raise AlreadyOpen()
    conversation.status = ConversationStatus.ANSWERED
    conversation.resolved_at = None
    conversation.closed_at = None
    conversation.updated_at = now
    await log_event(
        session,
        "reopened",
        now,
        conversation_id=conversation.id,
        customer_id=conversation.customer_id,
        actor_kind=actor_kind,
        actor_telegram_id=actor_id,
    )


async def escalate(
    session: AsyncSession,
    conversation: Conversation,
    now: datetime,
    reason: str,
    *,
    actor_kind: str = AuthorKind.SYSTEM,
    actor_id: int | None = None,
    note: str | None = None,
) -> None:
    """Send the conversation up the ladder to a manager, recording why."""
    await log_event(
        session,
        "escalated",
        now,
        conversation_id=conversation.id,
        customer_id=conversation.customer_id,
        actor_kind=actor_kind,
        actor_telegram_id=actor_id,
        reason=reason,
        data={"note": note} if note else None,
    )
