"""Handoff between the bot and people: waiting, answered, resolved, reopened, escalated."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.deadlines import cancel_deadlines, pending_deadline, set_deadline
from bot.services.errors import DomainError
from bot.services.events import log_event
from bot.services.rules import CALLBACK, REPLY, REPLY_KINDS, Promises, conversation_subject
from models import AuthorKind, Conversation, ConversationStatus, Event

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


@dataclass(frozen=True)
class Waiting:
    """What the customer is promised while they wait for a person."""

    started: bool  # the conversation has just reached staff
    after_hours: bool
    reply_due: datetime | None = None  # during working hours: the 3-minute promise
    callback_due: datetime | None = None  # after hours: contacted by this time
    new_promise: bool = False  # the customer has not been told this promise yet


async def hand_to_person(
    session: AsyncSession,
    conversation: Conversation,
    now: datetime,
    reason: str,
    promises: Promises,
) -> Waiting:
    """Put the conversation in the staff queue, starting the reply clock or the callback promise."""
    started = conversation.status not in WITH_PERSON
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
    waiting = await customer_waits(session, conversation, now, promises)
    return replace(waiting, started=started)


async def customer_waits(
    session: AsyncSession, conversation: Conversation, now: datetime, promises: Promises
) -> Waiting:
    """A customer message waits for a person: the oldest unanswered one sets the clock."""
    conversation.status = ConversationStatus.WAITING_STAFF
    if conversation.waiting_since is None:
        conversation.waiting_since = now
    conversation.updated_at = now
    subject = conversation_subject(conversation.id)
    schedule = promises.schedule
    if schedule.is_open(now):
        pending = await pending_deadline(session, REPLY, subject)
        if pending is not None:
            return Waiting(False, False, reply_due=pending.due_at)
        if await breach_recorded(session, conversation, conversation.waiting_since):
            # This wait already broke the promise and was alerted (the louder second alert is
            # pending): another message must not set a deadline in the past and alert again.
            return Waiting(False, False)
        # Counted in working time, so a message at closing time is due at the next opening.
        due = schedule.add_working_time(conversation.waiting_since, promises.reply_sla_seconds)
        deadline = await set_deadline(session, REPLY, subject, due, now)
        return Waiting(False, False, reply_due=deadline.due_at)
    pending = await pending_deadline(session, CALLBACK, subject)
    if pending is not None:
        return Waiting(False, True, callback_due=pending.due_at)
    due = schedule.callback_due(now)
    await set_deadline(session, CALLBACK, subject, due, now)
    await log_event(
        session,
        "callback_promised",
        now,
        conversation_id=conversation.id,
        customer_id=conversation.customer_id,
        data={"due_at": due.isoformat()},
    )
    return Waiting(False, True, callback_due=due, new_promise=True)


async def staff_replied(
    session: AsyncSession, conversation: Conversation, staff_id: int, now: datetime
) -> None:
    """Record a staff answer: stop the reply clock and keep any callback promise."""
    if conversation.status in (ConversationStatus.RESOLVED, ConversationStatus.CLOSED):
        raise ConversationClosed()
    waited_since = conversation.waiting_since
    breached = await breach_recorded(session, conversation, waited_since)
    await stop_waiting(session, conversation, ConversationStatus.ANSWERED, now)
    if conversation.first_response_at is None:
        conversation.first_response_at = now
    if waited_since is not None:
        await log_event(
            session,
            "reply_clock_stopped",
            now,
            conversation_id=conversation.id,
            customer_id=conversation.customer_id,
            actor_kind=AuthorKind.STAFF,
            actor_telegram_id=staff_id,
            data={"waited_seconds": (now - waited_since).total_seconds(), "breached": breached},
        )
    await complete_callback(session, conversation, staff_id, now)


async def staff_decided(
    session: AsyncSession, conversation: Conversation, staff_id: int, now: datetime
) -> None:
    """A decision the customer is told about answers them, as a written reply would."""
    if conversation.status == ConversationStatus.WAITING_STAFF:
        await staff_replied(session, conversation, staff_id, now)


async def stop_waiting(
    session: AsyncSession, conversation: Conversation, status: str, now: datetime
) -> None:
    """Nobody waits any more: set the new status and cancel the reply clock."""
    conversation.status = status
    conversation.waiting_since = None
    conversation.updated_at = now
    await cancel_deadlines(session, conversation_subject(conversation.id), REPLY_KINDS, now)


async def breach_recorded(
    session: AsyncSession, conversation: Conversation, waited_since: datetime | None
) -> bool:
    """Tell whether the current wait already broke the reply promise."""
    if waited_since is None:
        return False
    stmt = select(Event.id).where(
        Event.conversation_id == conversation.id,
        Event.kind == "reply_breach",
        col(Event.created_at) >= waited_since,
    )
    return (await session.exec(stmt)).first() is not None


async def complete_callback(
    session: AsyncSession, conversation: Conversation, staff_id: int, now: datetime
) -> bool:
    """Mark a promised callback as done; return False if none was pending."""
    pending = await pending_deadline(session, CALLBACK, conversation_subject(conversation.id))
    if pending is None:
        return False
    await cancel_deadlines(session, pending.subject, (CALLBACK,), now)
    await log_event(
        session,
        "callback_done",
        now,
        conversation_id=conversation.id,
        customer_id=conversation.customer_id,
        actor_kind=AuthorKind.STAFF,
        actor_telegram_id=staff_id,
        data={"on_time": now <= pending.due_at},
    )
    return True


async def resolve(
    session: AsyncSession, conversation: Conversation, actor_id: int, now: datetime
) -> None:
    """Close the matter as resolved by a staff member."""
    if conversation.status in (ConversationStatus.RESOLVED, ConversationStatus.CLOSED):
        raise ConversationClosed()
    await stop_waiting(session, conversation, ConversationStatus.RESOLVED, now)
    conversation.resolved_at = now
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
