"""Insults end the conversation politely; repeat abusers can be blocked by a manager."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.events import log_event
from bot.services.handoff import escalate, stop_waiting
from models import AuthorKind, Conversation, ConversationStatus, Customer


async def end_abusive(
    session: AsyncSession,
    conversation: Conversation,
    now: datetime,
    *,
    actor_kind: str,
    actor_id: int | None,
    matched: str | None,
) -> bool:
    """Close the conversation as abusive and send it to the managers; False if already so."""
    if conversation.abusive:
        return False
    conversation.abusive = True
    await stop_waiting(session, conversation, ConversationStatus.CLOSED, now)
    conversation.closed_at = now
    await log_event(
        session,
        "abusive",
        now,
        conversation_id=conversation.id,
        customer_id=conversation.customer_id,
        actor_kind=actor_kind,
        actor_telegram_id=actor_id,
        data={"matched": matched} if matched else None,
    )
    await escalate(session, conversation, now, "insult", actor_kind=actor_kind, actor_id=actor_id)
    return True


async def lift_abuse(
    session: AsyncSession, conversation: Conversation, manager_id: int, now: datetime
) -> None:
    """A manager reopens an abusive conversation, so messages flow again."""
    conversation.abusive = False
    conversation.status = ConversationStatus.ANSWERED
    conversation.closed_at = None
    conversation.updated_at = now
    await log_event(
        session,
        "reopened",
        now,
        conversation_id=conversation.id,
        customer_id=conversation.customer_id,
        actor_kind=AuthorKind.MANAGER,
        actor_telegram_id=manager_id,
        reason="abuse_lifted",
    )


async def set_blocked(
    session: AsyncSession,
    customer: Customer,
    blocked: bool,
    manager_id: int,
    now: datetime,
    reason: str | None = None,
) -> None:
    """Block or unblock a customer, as a manager decides."""
    customer.blocked = blocked
    customer.blocked_reason = reason if blocked else None
    customer.updated_at = now
    await log_event(
        session,
        "blocked" if blocked else "unblocked",
        now,
        customer_id=customer.id,
        actor_kind=AuthorKind.MANAGER,
        actor_telegram_id=manager_id,
        # The manager's words are free text: in the data, not the indexed reason code.
        data={"note": reason} if blocked and reason else None,
    )
