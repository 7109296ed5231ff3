"""A small, exact world of conversations for the console's tests."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    Conversation,
    Customer,
    Event,
    Message,
    SatisfactionRating,
    StaffMember,
    Ticket,
)

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)  # a Wednesday; 15:00 in Moscow
DAY = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
STAFF_CHAT = -1001234567890
ANNA, BORIS, CLARA = 900001, 900002, 900003
_MESSAGE_IDS = itertools.count(101)


@dataclass
class World:
    """The ids of what build_world created."""

    maria: int
    ivan: int
    olga: int
    answered: int
    breached: int
    waiting: int
    faq_only: int
    photo_message: int
    note_message: int
    return_ticket: int
    complaint_ticket: int


class Builder:
    """Adds rows with explicit times, the way the bot would have written them."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, row: Any) -> Any:
        self.session.add(row)
        await self.session.flush()
        return row

    async def customer(self, telegram_id: int, name: str, language: str = "en") -> Customer:
        return await self.add(
            Customer(
                telegram_id=telegram_id,
                first_name=name,
                username=name.lower(),
                language=language,
                created_at=DAY - timedelta(days=30),
                updated_at=DAY,
            )
        )

    async def conversation(
        self, customer: Customer, opened: datetime, **values: Any
    ) -> Conversation:
        values.setdefault("language", customer.language)
        return await self.add(
            Conversation(customer_id=_id(customer), opened_at=opened, updated_at=opened, **values)
        )

    async def message(
        self,
        conv: Conversation,
        customer: Customer,
        at: datetime,
        text: str | None,
        *,
        author: str = "customer",
        author_id: int | None = None,
        staff_side: bool = False,
        relay_of: int | None = None,
        **values: Any,
    ) -> Message:
        telegram_message_id = next(_MESSAGE_IDS)
        direction = "in" if author in ("customer", "staff", "note") and relay_of is None else "out"
        return await self.add(
            Message(
                conversation_id=conv.id,
                customer_id=customer.id,
                chat_id=STAFF_CHAT if staff_side else customer.telegram_id,
                telegram_message_id=telegram_message_id,
                direction=direction,
                author_kind=author,
                author_telegram_id=author_id
                if author_id is not None
                else (customer.telegram_id if author == "customer" else None),
                text=text,
                relay_of=relay_of,
                created_at=at,
                **values,
            )
        )

    async def event(
        self, kind: str, at: datetime, conv: Conversation | None = None, **values: Any
    ) -> Event:
        if conv is not None:
            values.setdefault("conversation_id", conv.id)
            values.setdefault("customer_id", conv.customer_id)
        return await self.add(Event(kind=kind, created_at=at, **values))


def _id(row: Any) -> int:
    assert row.id is not None
    return int(row.id)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


async def build_world(session: AsyncSession) -> World:
    """Four conversations: answered in time, answered late, waiting and abusive, FAQ only."""
    b = Builder(session)
    await b.add(StaffMember(telegram_id=ANNA, name="Anna", role="staff", on_duty=True))
    await b.add(StaffMember(telegram_id=CLARA, name="Clara", role="manager"))
    maria = await b.customer(710001, "Maria")
    ivan = await b.customer(710002, "Ivan", "ru")
    olga = await b.customer(710003, "Olga")

    # Answered within two minutes, resolved, rated 5; a staff note along the way.
    one = await b.conversation(maria, DAY, status="resolved", first_response_at=DAY + minutes(2))
    first = await b.message(one, maria, DAY, "My parcel is late, where is it?")
    await b.message(
        one,
        maria,
        DAY,
        "My parcel is late, where is it?",
        author="bot",
        staff_side=True,
        relay_of=first.id,
    )
    await b.event(
        "handoff", DAY + timedelta(milliseconds=2), one, reason="person", actor_kind="bot"
    )
    staff = await b.message(
        one,
        maria,
        DAY + minutes(2),
        "Sorry! It arrives tomorrow.",
        author="staff",
        author_id=ANNA,
        staff_side=True,
    )
    await b.message(
        one,
        maria,
        DAY + minutes(2),
        "Sorry! It arrives tomorrow.",
        author="staff",
        author_id=ANNA,
        relay_of=staff.id,
    )
    await b.event(
        "reply_clock_stopped",
        DAY + minutes(2),
        one,
        actor_kind="staff",
        actor_telegram_id=ANNA,
        data={"waited_seconds": 120.0, "breached": False},
    )
    note = await b.message(
        one,
        maria,
        DAY + minutes(3),
        "// regular customer, be generous",
        author="note",
        author_id=ANNA,
        staff_side=True,
    )
    await b.event(
        "callback_done",
        DAY + minutes(5),
        one,
        actor_kind="staff",
        actor_telegram_id=ANNA,
        data={"on_time": True},
    )
    await b.event("resolved", DAY + minutes(10), one, actor_kind="staff", actor_telegram_id=ANNA)
    await b.add(
        SatisfactionRating(
            conversation_id=_id(one),
            customer_id=_id(maria),
            score=5,
            comment="Quick and kind",
            created_at=DAY + minutes(11),
        )
    )
    await b.event("rating", DAY + minutes(11), one, actor_kind="customer", data={"score": 5})

    # A return answered six minutes late, with a photo.
    later = DAY + timedelta(hours=1)
    two = await b.conversation(ivan, later, status="answered", first_response_at=later + minutes(6))
    await b.message(two, ivan, later, "Хочу вернуть чайник, он протекает")
    photo = await b.message(
        two, ivan, later + minutes(1), "вот фото", content_type="photo", file_ids=["photo-file-1"]
    )
    ret = await b.add(
        Ticket(
            number="R-000001",
            kind="return",
            status="approved",
            customer_id=_id(ivan),
            conversation_id=two.id,
            description="Kettle",
            amount=Decimal("1290.00"),
            currency="RUB",
            auto_approved=True,
            decided_at=later + minutes(1),
            created_at=later + minutes(1),
            updated_at=later + minutes(1),
        )
    )
    await b.event(
        "return_opened",
        later + minutes(1),
        two,
        ticket_id=ret.id,
        actor_kind="customer",
        data={"amount": "1290.00"},
    )
    await b.event(
        "return_decided",
        later + minutes(1),
        two,
        ticket_id=ret.id,
        reason="auto",
        actor_kind="bot",
        data={"status": "approved"},
    )
    await b.event("handoff", later + minutes(1), two, reason="return", actor_kind="bot")
    await b.event(
        "reply_breach",
        later + minutes(4),
        two,
        data={"waiting_since": later.isoformat(), "due_at": (later + minutes(3)).isoformat()},
    )
    await b.message(
        two,
        ivan,
        later + minutes(6),
        "Деньги вернём сегодня.",
        author="staff",
        author_id=ANNA,
        staff_side=True,
    )
    await b.event(
        "reply_clock_stopped",
        later + minutes(6),
        two,
        actor_kind="staff",
        actor_telegram_id=ANNA,
        data={"waited_seconds": 360.0, "breached": True},
    )

    # Waiting right now, abusive, a missed callback and a complaint.
    waiting_since = NOW - minutes(5)
    three = await b.conversation(
        olga,
        waiting_since,
        status="waiting_staff",
        abusive=True,
        waiting_since=waiting_since,
        language="en",
    )
    await b.message(three, olga, waiting_since, "You are useless, I want my money back")
    complaint = await b.add(
        Ticket(
            number="C-000002",
            kind="complaint",
            status="new",
            customer_id=_id(olga),
            conversation_id=three.id,
            description="Rude courier",
            created_at=waiting_since,
            updated_at=waiting_since,
        )
    )
    await b.event(
        "complaint_opened", waiting_since, three, ticket_id=complaint.id, actor_kind="customer"
    )
    await b.event("callback_breach", waiting_since + minutes(1), three)
    await b.event(
        "escalated", waiting_since + minutes(1), three, reason="insult", actor_kind="system"
    )

    # Two days earlier: the FAQ answered and it helped.
    early = DAY - timedelta(days=2)
    four = await b.conversation(maria, early, status="with_bot")
    await b.message(four, maria, early, "How long does delivery take?")
    await b.message(
        four, maria, early + timedelta(seconds=1), "Delivery takes 2-3 days.", author="bot"
    )
    await b.event(
        "faq_answered",
        early + timedelta(seconds=1),
        four,
        data={"entry": "delivery-time", "score": 0.93},
    )
    await b.event("faq_helpful", early + minutes(1), four)
    await session.commit()
    return World(
        maria=maria.telegram_id,
        ivan=ivan.telegram_id,
        olga=olga.telegram_id,
        answered=_id(one),
        breached=_id(two),
        waiting=_id(three),
        faq_only=_id(four),
        photo_message=_id(photo),
        note_message=_id(note),
        return_ticket=_id(ret),
        complaint_ticket=_id(complaint),
    )
