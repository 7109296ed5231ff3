"""Tickets: returns and complaints, numbered, with statuses and history in the event log."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.deadlines import cancel_deadlines, set_deadline
from bot.services.errors import DomainError
from bot.services.events import log_event
from bot.services.rules import (
    COMPLAINT_RESOLUTION,
    FOLLOW_UP,
    RETURN_DECISION,
    Promises,
    ticket_subject,
)
from models import AuthorKind, Direction, Message, Ticket, TicketKind, TicketStatus

CLOSED_STATUSES = (TicketStatus.RESOLVED, TicketStatus.REJECTED)
PREFIX = {TicketKind.RETURN: "R", TicketKind.COMPLAINT: "C"}
MAX_AMOUNT = Decimal("10000000")
# Which statuses staff may move a complaint to from each status.
COMPLAINT_MOVES = {
    TicketStatus.NEW: {TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED, TicketStatus.REJECTED},
    TicketStatus.IN_PROGRESS: {TicketStatus.RESOLVED, TicketStatus.REJECTED},
    TicketStatus.RESOLVED: {TicketStatus.IN_PROGRESS},
    TicketStatus.REJECTED: {TicketStatus.IN_PROGRESS},
}


class BadAmount(DomainError):
    """The amount could not be read as a positive sum of money."""

    key = "return-bad-amount"


class AlreadyDecided(DomainError):
    """Someone already took this decision."""

    key = "ticket-already-decided"


class BadTransition(DomainError):
    """The ticket cannot move to that status from where it is."""

    key = "ticket-bad-transition"


@dataclass(frozen=True)
class ReturnPolicy:
    """The limits that decide whether a return is approved on the spot."""

    auto_approve_limit: Decimal
    auto_approve_cap: int
    cap_window_days: int


_AMOUNT = re.compile(r"^\D*?(\d[\d\s\u00a0]*(?:[.,]\d{1,2})?)\D*$")


def parse_amount(text: str) -> Decimal:
    """Read a sum such as "1 299,50 ₽" or "$100"; raise BadAmount if it is not one."""
    match = _AMOUNT.match(text.strip())
    if match is None or re.search(r"-\s*\d", text):  # a minus sign: not money paid
        raise BadAmount()
    digits = re.sub(r"[\s\u00a0]", "", match[1]).replace(",", ".")
    try:
        amount = Decimal(digits)
    except InvalidOperation:
        raise BadAmount() from None
    if amount <= 0 or amount > MAX_AMOUNT:
        raise BadAmount()
    return amount.quantize(Decimal("0.01"))


def qualifies_for_auto_approval(amount: Decimal, recent_auto: int, policy: ReturnPolicy) -> bool:
    """Tell whether a return is small enough and the customer under the frequency cap."""
    return amount <= policy.auto_approve_limit and recent_auto < policy.auto_approve_cap


async def recent_auto_approved(
    session: AsyncSession, customer_id: int, now: datetime, window_days: int
) -> int:
    """Count the customer's returns approved on the spot within the window."""
    stmt = select(func.count()).where(
        Ticket.customer_id == customer_id,
        Ticket.kind == TicketKind.RETURN,
        Ticket.auto_approved == True,  # noqa: E712
        col(Ticket.created_at) >= now - timedelta(days=window_days),
    )
    return int((await session.exec(stmt)).one())


def _placeholder() -> str:
    """A unique stand-in number, replaced once the row's id is known."""
    return f"tmp-{uuid.uuid4().hex[:12]}"


async def _new_ticket(session: AsyncSession, ticket: Ticket) -> Ticket:
    session.add(ticket)
    await session.flush()
    ticket.number = f"{PREFIX[TicketKind(ticket.kind)]}-{ticket.id:06d}"
    await session.flush()
    return ticket


@dataclass(frozen=True)
class ReturnRequest:
    """What the customer told us about a return."""

    item: str
    purchased_when: str
    reason: str
    amount: Decimal
    photo_file_ids: tuple[str, ...] = ()


async def open_return(
    session: AsyncSession,
    customer_id: int,
    conversation_id: int | None,
    request: ReturnRequest,
    policy: ReturnPolicy,
    currency: str,
    now: datetime,
    promises: Promises,
) -> Ticket:
    """Register a return: approved on the spot when small and infrequent, else pending."""
    recent = await recent_auto_approved(session, customer_id, now, policy.cap_window_days)
    auto = qualifies_for_auto_approval(request.amount, recent, policy)
    ticket = await _new_ticket(
        session,
        Ticket(
            number=_placeholder(),
            kind=TicketKind.RETURN,
            status=TicketStatus.APPROVED if auto else TicketStatus.PENDING,
            customer_id=customer_id,
            conversation_id=conversation_id,
            description=request.item,
            purchased_when=request.purchased_when,
            reason=request.reason,
            amount=request.amount,
            currency=currency,
            photo_file_ids=list(request.photo_file_ids) or None,
            auto_approved=auto,
            decided_at=now if auto else None,
            created_at=now,
            updated_at=now,
        ),
    )
    await log_event(
        session,
        "return_opened",
        now,
        conversation_id=conversation_id,
        customer_id=customer_id,
        ticket_id=ticket.id,
        actor_kind=AuthorKind.CUSTOMER,
        data={"amount": str(request.amount), "auto_approved": auto, "recent_auto": recent},
    )
    if not auto:
        due = promises.schedule.add_working_time(now, promises.return_decision_hours * 3600)
        await set_deadline(session, RETURN_DECISION, ticket_subject(ticket.id), due, now)
    if auto:
        await log_event(
            session,
            "return_decided",
            now,
            conversation_id=conversation_id,
            customer_id=customer_id,
            ticket_id=ticket.id,
            actor_kind=AuthorKind.BOT,
            reason="auto",
            data={"status": TicketStatus.APPROVED},
        )
    return ticket


async def decide_return(
    session: AsyncSession,
    ticket: Ticket,
    approve: bool,
    staff_id: int,
    now: datetime,
    promises: Promises,
) -> Ticket:
    """Record a staff decision on a pending return; a second decision is refused."""
    if ticket.kind != TicketKind.RETURN or ticket.status != TicketStatus.PENDING:
        raise AlreadyDecided(number=ticket.number)
    ticket.status = TicketStatus.APPROVED if approve else TicketStatus.REJECTED
    ticket.decided_by = staff_id
    ticket.decided_at = now
    ticket.updated_at = now
    await log_event(
        session,
        "return_decided",
        now,
        conversation_id=ticket.conversation_id,
        customer_id=ticket.customer_id,
        ticket_id=ticket.id,
        actor_kind=AuthorKind.STAFF,
        actor_telegram_id=staff_id,
        reason="staff",
        data={"status": ticket.status},
    )
    await cancel_deadlines(session, ticket_subject(ticket.id), (RETURN_DECISION,), now)
    await _follow_up_later(session, ticket, promises, now)
    return ticket


async def _follow_up_later(
    session: AsyncSession, ticket: Ticket, promises: Promises, now: datetime
) -> None:
    """Ask the customer, a few days after a ticket is settled, whether all is well now."""
    due = now + timedelta(days=promises.follow_up_days)
    await set_deadline(session, FOLLOW_UP, ticket_subject(ticket.id), due, now)


async def choose_refund_method(
    session: AsyncSession, ticket: Ticket, method: str, now: datetime
) -> Ticket:
    """Store how an approved return is refunded; only once."""
    if ticket.status != TicketStatus.APPROVED or ticket.refund_method is not None:
        raise AlreadyDecided(number=ticket.number)
    ticket.refund_method = method
    ticket.updated_at = now
    await log_event(
        session,
        "refund_method",
        now,
        conversation_id=ticket.conversation_id,
        customer_id=ticket.customer_id,
        ticket_id=ticket.id,
        actor_kind=AuthorKind.CUSTOMER,
        data={"method": method},
    )
    return ticket


async def open_complaint(
    session: AsyncSession,
    customer_id: int,
    conversation_id: int | None,
    text: str,
    photo_file_ids: tuple[str, ...],
    now: datetime,
    promises: Promises,
) -> Ticket:
    """Register a complaint as new, due to be resolved within the working hours promised."""
    ticket = await _new_ticket(
        session,
        Ticket(
            number=_placeholder(),
            kind=TicketKind.COMPLAINT,
            status=TicketStatus.NEW,
            customer_id=customer_id,
            conversation_id=conversation_id,
            description=text,
            photo_file_ids=list(photo_file_ids) or None,
            created_at=now,
            updated_at=now,
        ),
    )
    await log_event(
        session,
        "complaint_opened",
        now,
        conversation_id=conversation_id,
        customer_id=customer_id,
        ticket_id=ticket.id,
        actor_kind=AuthorKind.CUSTOMER,
    )
    await _resolution_deadline(session, ticket, promises, now)
    return ticket


async def _resolution_deadline(
    session: AsyncSession, ticket: Ticket, promises: Promises, now: datetime
) -> None:
    """Escalate the complaint if it is not resolved within its working hours."""
    due = promises.schedule.add_working_time(now, promises.complaint_resolution_hours * 3600)
    await set_deadline(session, COMPLAINT_RESOLUTION, ticket_subject(ticket.id), due, now)


async def move_complaint(
    session: AsyncSession,
    ticket: Ticket,
    status: TicketStatus,
    staff_id: int,
    now: datetime,
    promises: Promises,
) -> Ticket:
    """Move a complaint to a new status, as staff decide."""
    if ticket.kind != TicketKind.COMPLAINT or status not in COMPLAINT_MOVES.get(
        TicketStatus(ticket.status), set()
    ):
        raise BadTransition(number=ticket.number)
    previous = ticket.status
    ticket.status = status
    ticket.updated_at = now
    ticket.resolved_at = now if status in CLOSED_STATUSES else None
    ticket.decided_by = staff_id
    await log_event(
        session,
        "ticket_status",
        now,
        conversation_id=ticket.conversation_id,
        customer_id=ticket.customer_id,
        ticket_id=ticket.id,
        actor_kind=AuthorKind.STAFF,
        actor_telegram_id=staff_id,
        data={"from": previous, "to": status},
    )
    if status in CLOSED_STATUSES:
        await cancel_deadlines(session, ticket_subject(ticket.id), (COMPLAINT_RESOLUTION,), now)
        await _follow_up_later(session, ticket, promises, now)
    else:
        await cancel_deadlines(session, ticket_subject(ticket.id), (FOLLOW_UP,), now)
        await _resolution_deadline(session, ticket, promises, now)
    return ticket


async def resolve_complaints_with(
    session: AsyncSession, conversation_id: int, staff_id: int, now: datetime, promises: Promises
) -> list[Ticket]:
    """Resolve the conversation's open complaints with it, as /resolve means; return them."""
    stmt = (
        select(Ticket)
        .where(
            Ticket.conversation_id == conversation_id,
            Ticket.kind == TicketKind.COMPLAINT,
            col(Ticket.status).not_in(CLOSED_STATUSES),
        )
        .order_by(col(Ticket.id))
    )
    open_complaints = list((await session.exec(stmt)).all())
    for ticket in open_complaints:
        await move_complaint(session, ticket, TicketStatus.RESOLVED, staff_id, now, promises)
    return open_complaints


async def card_of(
    session: AsyncSession, ticket: Ticket, staff_chat_id: int, heading: str
) -> int | None:
    """The Telegram id of the ticket's card in its topic: the latest that starts with `heading`."""
    stmt = (
        select(Message.telegram_message_id)
        .where(
            Message.customer_id == ticket.customer_id,
            Message.chat_id == staff_chat_id,
            Message.direction == Direction.OUT,
            col(Message.text).startswith(heading, autoescape=True),
        )
        .order_by(col(Message.created_at).desc(), col(Message.id).desc())
        .limit(1)
    )
    found = (await session.exec(stmt)).first()
    return int(found) if found is not None else None


async def get_ticket(session: AsyncSession, ticket_id: int) -> Ticket | None:
    """Return a ticket by id."""
    return await session.get(Ticket, ticket_id)


async def open_tickets(session: AsyncSession, customer_id: int) -> list[Ticket]:
    """Return the customer's tickets that are not finished yet, newest first."""
    stmt = (
        select(Ticket)
        .where(Ticket.customer_id == customer_id, col(Ticket.status).not_in(CLOSED_STATUSES))
        .order_by(col(Ticket.id).desc())
    )
    return list((await session.exec(stmt)).all())


async def customer_tickets(
    session: AsyncSession, customer_id: int, limit: int = 20
) -> list[Ticket]:
    """Return the customer's latest tickets, newest first."""
    stmt = (
        select(Ticket)
        .where(Ticket.customer_id == customer_id)
        .order_by(col(Ticket.id).desc())
        .limit(limit)
    )
    return list((await session.exec(stmt)).all())
