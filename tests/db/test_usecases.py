"""The use cases with a fixed `now`, on a database built by the real migrations."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.container import Services
from bot.factory import create_services
from bot.services.conversations import customer_and_conversation
from bot.services.customers import Person
from bot.services.handoff import staff_replied
from bot.services.rules import REPLY_SECOND, conversation_subject
from bot.services.tickets import ReturnRequest
from bot.usecases.answer_question import Answer, answer_question
from bot.usecases.ask_follow_up import ask_follow_up
from bot.usecases.escalate_overdue_ticket import escalate_overdue_ticket
from bot.usecases.escalate_to_managers import escalate_to_managers
from bot.usecases.go_on_duty import go_on_duty
from bot.usecases.hand_off import hand_off
from bot.usecases.miss_callback import miss_callback
from bot.usecases.miss_reply_promise import miss_reply_promise, miss_reply_promise_again
from bot.usecases.rate_conversation import rate_conversation
from bot.usecases.request_return import request_return
from models import (
    Conversation,
    Customer,
    Deadline,
    DeadlineStatus,
    Event,
    OutboxMessage,
    TicketStatus,
)
from tests.conftest import ROOT

STAFF_CHAT = -1001234567890
MANAGER = 777
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.fixture
async def services(database_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Services]:
    """The bot's services, always open, with a clock the test sets."""
    monkeypatch.setenv("WORKING_HOURS", "mon-sun 00:00-24:00")
    monkeypatch.setenv("TIMEZONE", "Europe/Moscow")
    settings = Settings.load(
        env_file=None,
        bot_token="123:abc",
        staff_chat_id=STAFF_CHAT,
        manager_ids=frozenset({MANAGER}),
        database_url=database_url,
        content_dir=ROOT / "content",
        faq_encoder="lexical",
    )
    built = await create_services(settings, auto_migrate=True, clock=lambda: NOW)
    yield built
    await built.engine.dispose()


async def _customer(session: AsyncSession, telegram_id: int = 42) -> tuple[Customer, Conversation]:
    return await customer_and_conversation(session, Person(telegram_id, "Ann"), NOW)


async def _queued(session: AsyncSession) -> list[OutboxMessage]:
    return list((await session.exec(select(OutboxMessage).order_by(OutboxMessage.id))).all())


def _texts(rows: list[OutboxMessage], chat_id: int) -> list[str]:
    return [row.payload.get("text", "") for row in rows if row.chat_id == chat_id]


async def test_a_handoff_briefs_staff_once_and_copies_every_message(services: Services) -> None:
    async with services.sessions() as session:
        customer, conversation = await _customer(session)
        first = await hand_off(
            session, services, customer, conversation, NOW, "person", copy=(42, 1)
        )
        again = await hand_off(
            session, services, customer, conversation, NOW, "customer", copy=(42, 2)
        )
        rows = await _queued(session)
    assert first.started and not again.started
    assert [row.method for row in rows] == ["SendMessage", "CopyMessage", "CopyMessage"]
    assert {row.chat_id for row in rows} == {STAFF_CHAT}
    assert [row.payload.get("message_id") for row in rows[1:]] == [1, 2]


async def test_a_missed_reply_promise_alerts_once_then_louder_and_not_once_answered(
    services: Services,
) -> None:
    async with services.sessions() as session:
        customer, conversation = await _customer(session)
        await hand_off(session, services, customer, conversation, NOW, "person")
        late = NOW + timedelta(seconds=200)
        missed = await miss_reply_promise(session, services, conversation, customer, NOW, late)
        assert missed is not None and missed.waited_seconds == 200 and missed.managers == 1
        rows = await _queued(session)
        assert len(_texts(rows, MANAGER)) == 1  # the managers' alert
        assert len(_texts(rows, customer.telegram_id)) == 1  # the holding message
        assert len(_texts(rows, STAFF_CHAT)) == 2  # the context card, the duty alert
        second = await session.exec(
            select(Deadline).where(
                Deadline.kind == REPLY_SECOND,
                Deadline.subject == conversation_subject(conversation.id),
                Deadline.status == DeadlineStatus.PENDING,
            )
        )
        assert second.first() is not None
        louder = await miss_reply_promise_again(session, services, conversation, customer, late)
        assert louder is not None and louder.managers == 1
        await staff_replied(session, conversation, 5, late)
        assert (
            await miss_reply_promise_again(session, services, conversation, customer, late) is None
        )
        assert (
            await miss_reply_promise(session, services, conversation, customer, NOW, late) is None
        )
        kinds = [e.kind for e in (await session.exec(select(Event))).all()]
    assert kinds.count("reply_breach") == 1 and kinds.count("reply_breach_second") == 1


async def test_a_missed_callback_is_recorded_and_reaches_the_managers(services: Services) -> None:
    async with services.sessions() as session:
        customer, conversation = await _customer(session)
        told = await miss_callback(session, services, conversation, customer, NOW, NOW)
        rows = await _queued(session)
        kinds = [e.kind for e in (await session.exec(select(Event))).all()]
    assert told == 1 and len(_texts(rows, MANAGER)) == 1
    assert "callback_breach" in kinds


async def test_a_small_return_is_approved_at_once_and_a_large_one_goes_to_staff(
    services: Services,
) -> None:
    def asked(amount: str) -> ReturnRequest:
        return ReturnRequest("shoes", "this_week", "not_fit", Decimal(amount))

    async with services.sessions() as session:
        customer, conversation = await _customer(session)
        small = await request_return(session, services, customer, conversation, asked("50"), NOW)
        assert small.approved and small.waiting is None
        assert await _queued(session) == []  # nothing for staff to do
        large = await request_return(session, services, customer, conversation, asked("500"), NOW)
        rows = await _queued(session)
    assert not large.approved and large.waiting is not None and large.waiting.started
    assert len(_texts(rows, STAFF_CHAT)) == 2  # the context card, the return's card
    assert large.ticket.number in rows[-1].payload["text"]


async def test_the_last_one_off_duty_in_working_hours_warns_the_managers(
    services: Services,
) -> None:
    async with services.sessions() as session:
        on = await go_on_duty(session, services, 5, "Bo", None, True, NOW)
        assert on.changed and not on.nobody_left
        assert await _queued(session) == []
        off = await go_on_duty(session, services, 5, "Bo", None, False, NOW)
        rows = await _queued(session)
    assert off.nobody_left
    assert _texts(rows, MANAGER) == [services.staff_texts()("alert-nobody-on-duty")]


async def test_a_rating_button_for_someone_elses_conversation_changes_nothing(
    services: Services,
) -> None:
    async with services.sessions() as session:
        _, theirs = await _customer(session, 42)
        other, _ = await _customer(session, 43)
        assert theirs.id is not None
        assert await rate_conversation(session, services, other, theirs.id, 1, NOW) is None
        assert await _queued(session) == []


async def test_an_overdue_return_escalates_until_decided_and_a_follow_up_is_asked_once(
    services: Services,
) -> None:
    def asked(amount: str) -> ReturnRequest:
        return ReturnRequest("coat", "this_month", "defective", Decimal(amount))

    async with services.sessions() as session:
        customer, conversation = await _customer(session)
        pending = await request_return(session, services, customer, conversation, asked("900"), NOW)
        ticket = pending.ticket
        assert await escalate_overdue_ticket(
            session, services, ticket, customer, "return_overdue", NOW
        )
        assert len(_texts(await _queued(session), MANAGER)) == 1
        ticket.status = TicketStatus.APPROVED
        assert not await escalate_overdue_ticket(
            session, services, ticket, customer, "return_overdue", NOW
        )
        assert await ask_follow_up(session, services, ticket, customer, NOW)
        assert not await ask_follow_up(session, services, ticket, customer, NOW)
        to_customer = [r for r in await _queued(session) if r.chat_id == customer.telegram_id]
    assert len(to_customer) == 1 and ticket.number in to_customer[0].payload["text"]
    assert len(to_customer[0].payload["reply_markup"]["inline_keyboard"]) == 1


async def test_free_text_gets_small_talk_the_faq_or_a_person(services: Services) -> None:
    async with services.sessions() as session:
        customer, conversation = await _customer(session)

        async def ask(text: str, message_id: int) -> Answer:
            return await answer_question(
                session, services, customer, conversation, text, (42, message_id), NOW
            )

        hello = await ask("hello", 1)
        assert hello.outcome == "small_talk" and hello.reply and await _queued(session) == []
        faq = await ask("How long does delivery take?", 2)
        assert faq.outcome == "faq" and faq.entry_id == "delivery-time" and faq.reply
        assert await _queued(session) == []
        person = await ask("operator please", 3)
        assert person.outcome == "person" and person.waiting is not None
        rows = await _queued(session)
        kinds = [e.kind for e in (await session.exec(select(Event))).all()]
    assert [row.method for row in rows] == ["SendMessage"]  # the context card, no copy
    assert kinds.count("faq_answered") == 1


async def test_escalating_by_hand_records_who_and_why_and_tells_every_manager(
    services: Services,
) -> None:
    async with services.sessions() as session:
        customer, conversation = await _customer(session)
        told = await escalate_to_managers(
            session, services, conversation, customer, 777, "Anna", "wants the director", NOW
        )
        rows = await _queued(session)
        events = (await session.exec(select(Event).where(Event.kind == "escalated"))).all()
    assert told == 1
    assert [e.actor_telegram_id for e in events] == [777]
    assert events[0].data == {"note": "wants the director"} and events[0].reason == "staff"
    (alert,) = _texts(rows, MANAGER)
    assert "Anna" in alert and "wants the director" in alert
