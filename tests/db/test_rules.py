"""The rules with a fixed `now`, on a database built by the real migrations."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.services import tickets
from bot.services.abuse import end_abusive
from bot.services.calendar import Schedule
from bot.services.conversations import customer_and_conversation
from bot.services.customers import Person
from bot.services.duty import on_duty_members, set_duty, staff_member
from bot.services.handoff import (
    ConversationClosed,
    complete_callback,
    hand_to_person,
    resolve,
    staff_replied,
)
from bot.services.rules import CALLBACK, REPLY, Promises
from bot.services.satisfaction import AlreadyRated, rate
from bot.services.summary import summarize
from models import ConversationStatus, Deadline, DeadlineStatus, Event, TicketStatus

MSK = ZoneInfo("Europe/Moscow")
WEEKDAYS = {d: ((time(9), time(21)),) for d in range(5)}
PROMISES = Promises(
    schedule=Schedule(tz=MSK, weekly=WEEKDAYS),
    reply_sla_seconds=180,
    second_alert_seconds=180,
    complaint_resolution_hours=24,
    return_decision_hours=4,
    follow_up_days=2,
)
TUESDAY_10 = datetime(2026, 11, 24, 10, 0, tzinfo=MSK).astimezone(UTC)
TUESDAY_22 = datetime(2026, 11, 24, 22, 0, tzinfo=MSK).astimezone(UTC)


async def conversation_of(session, telegram_id: int = 1, now: datetime = TUESDAY_10):
    _, conversation = await customer_and_conversation(session, Person(telegram_id, "Ann"), now)
    return conversation


async def deadlines(session, kind: str) -> list[Deadline]:
    return list((await session.exec(select(Deadline).where(Deadline.kind == kind))).all())


async def kinds(session) -> list[str]:
    return [e.kind for e in (await session.exec(select(Event).order_by(Event.id))).all()]


async def test_in_hours_handoff_starts_a_three_minute_clock(session) -> None:
    conv = await conversation_of(session)
    waiting = await hand_to_person(session, conv, TUESDAY_10, "person", PROMISES)
    assert waiting.started and not waiting.after_hours
    assert waiting.reply_due == TUESDAY_10 + timedelta(seconds=180)
    assert conv.status == ConversationStatus.WAITING_STAFF and conv.waiting_since == TUESDAY_10


async def test_more_messages_do_not_restart_the_clock(session) -> None:
    conv = await conversation_of(session)
    await hand_to_person(session, conv, TUESDAY_10, "person", PROMISES)
    later = await hand_to_person(
        session, conv, TUESDAY_10 + timedelta(seconds=100), "customer", PROMISES
    )
    assert not later.started
    assert later.reply_due == TUESDAY_10 + timedelta(seconds=180)
    assert len(await deadlines(session, REPLY)) == 1


async def test_clock_counts_working_time_across_closing(session) -> None:
    conv = await conversation_of(session, now=TUESDAY_10)
    at_closing = datetime(2026, 11, 24, 20, 59, tzinfo=MSK).astimezone(UTC)
    waiting = await hand_to_person(session, conv, at_closing, "person", PROMISES)
    assert waiting.reply_due == datetime(2026, 11, 25, 9, 2, tzinfo=MSK).astimezone(UTC)


async def test_after_hours_promises_a_callback_by_eleven_once(session) -> None:
    conv = await conversation_of(session, now=TUESDAY_22)
    first = await hand_to_person(session, conv, TUESDAY_22, "person", PROMISES)
    assert first.after_hours and first.new_promise
    assert first.callback_due == datetime(2026, 11, 25, 11, 0, tzinfo=MSK).astimezone(UTC)
    again = await hand_to_person(
        session, conv, TUESDAY_22 + timedelta(minutes=5), "customer", PROMISES
    )
    assert again.after_hours and not again.new_promise
    assert len(await deadlines(session, CALLBACK)) == 1
    assert await deadlines(session, REPLY) == []
    assert "callback_promised" in await kinds(session)


async def test_friday_night_promise_is_monday_eleven(session) -> None:
    friday_night = datetime(2026, 11, 27, 23, 30, tzinfo=MSK).astimezone(UTC)
    conv = await conversation_of(session, now=friday_night)
    waiting = await hand_to_person(session, conv, friday_night, "person", PROMISES)
    assert waiting.callback_due == datetime(2026, 11, 30, 11, 0, tzinfo=MSK).astimezone(UTC)


async def test_staff_reply_stops_the_clock_and_keeps_the_callback(session) -> None:
    conv = await conversation_of(session, now=TUESDAY_22)
    await hand_to_person(session, conv, TUESDAY_22, "person", PROMISES)
    morning = datetime(2026, 11, 25, 9, 30, tzinfo=MSK).astimezone(UTC)
    await staff_replied(session, conv, 77, morning)
    assert conv.status == ConversationStatus.ANSWERED and conv.first_response_at == morning
    (callback,) = await deadlines(session, CALLBACK)
    assert callback.status == DeadlineStatus.CANCELLED
    done = (await session.exec(select(Event).where(Event.kind == "callback_done"))).one()
    assert done.data == {"on_time": True} and done.actor_telegram_id == 77
    stop = (await session.exec(select(Event).where(Event.kind == "reply_clock_stopped"))).one()
    assert stop.data["breached"] is False
    assert stop.data["waited_seconds"] == (morning - TUESDAY_22).total_seconds()
    assert await complete_callback(session, conv, 77, morning) is False


async def test_writing_again_after_the_alert_does_not_alert_again(session) -> None:
    conv = await conversation_of(session)
    await hand_to_person(session, conv, TUESDAY_10, "person", PROMISES)
    (reply,) = await deadlines(session, REPLY)
    reply.status = DeadlineStatus.FIRED  # the sweeper fired it and recorded the breach
    session.add(Event(kind="reply_breach", conversation_id=conv.id, created_at=reply.due_at))
    await session.flush()
    again = await hand_to_person(
        session, conv, TUESDAY_10 + timedelta(seconds=240), "customer", PROMISES
    )
    assert again.reply_due is None
    assert [d.status for d in await deadlines(session, REPLY)] == [DeadlineStatus.FIRED]
    # Once staff answered, the next wait has a promise of its own.
    await staff_replied(session, conv, 5, TUESDAY_10 + timedelta(seconds=300))
    later = TUESDAY_10 + timedelta(seconds=600)
    fresh = await hand_to_person(session, conv, later, "customer", PROMISES)
    assert fresh.reply_due == later + timedelta(seconds=180)


async def test_a_late_reply_is_counted_as_breached(session) -> None:
    conv = await conversation_of(session)
    await hand_to_person(session, conv, TUESDAY_10, "person", PROMISES)
    session.add(
        Event(
            kind="reply_breach",
            conversation_id=conv.id,
            created_at=TUESDAY_10 + timedelta(seconds=181),
        )
    )
    await staff_replied(session, conv, 5, TUESDAY_10 + timedelta(seconds=300))
    stop = (await session.exec(select(Event).where(Event.kind == "reply_clock_stopped"))).one()
    assert stop.data["breached"] is True
    (reply,) = await deadlines(session, REPLY)
    assert reply.status == DeadlineStatus.CANCELLED


async def test_resolved_conversations_refuse_replies_until_reopened(session) -> None:
    conv = await conversation_of(session)
    await hand_to_person(session, conv, TUESDAY_10, "person", PROMISES)
    await resolve(session, conv, 5, TUESDAY_10 + timedelta(minutes=1))
    with pytest.raises(ConversationClosed):
        await staff_replied(session, conv, 5, TUESDAY_10 + timedelta(minutes=2))
    with pytest.raises(ConversationClosed):
        await resolve(session, conv, 5, TUESDAY_10 + timedelta(minutes=2))


async def test_abuse_closes_and_keeps_the_conversation_current(session) -> None:
    conv = await conversation_of(session)
    await hand_to_person(session, conv, TUESDAY_10, "person", PROMISES)
    assert await end_abusive(
        session, conv, TUESDAY_10, actor_kind="bot", actor_id=None, matched="idiot"
    )
    assert not await end_abusive(
        session, conv, TUESDAY_10, actor_kind="bot", actor_id=None, matched="x"
    )
    assert conv.status == ConversationStatus.CLOSED and conv.abusive
    assert (await conversation_of(session)).id == conv.id  # no fresh start to relay through
    escalation = (await session.exec(select(Event).where(Event.kind == "escalated"))).one()
    assert escalation.reason == "insult"


LIMITS = tickets.ReturnPolicy(Decimal("100"), 3, 30)


def request(amount: str) -> tickets.ReturnRequest:
    return tickets.ReturnRequest("kettle", "this_week", "defective", Decimal(amount))


async def test_returns_are_auto_approved_up_to_the_limit_and_the_cap(session) -> None:
    conv = await conversation_of(session)
    statuses = []
    for day, amount in enumerate(["100", "20", "99.99", "10"]):
        now = TUESDAY_10 + timedelta(days=day)
        t = await tickets.open_return(
            session, conv.customer_id, conv.id, request(amount), LIMITS, "RUB", now, PROMISES
        )
        statuses.append(t.status)
    assert statuses == [TicketStatus.APPROVED] * 3 + [
        TicketStatus.PENDING
    ]  # the fourth hits the cap
    big = await tickets.open_return(
        session,
        conv.customer_id,
        conv.id,
        request("100.01"),
        LIMITS,
        "RUB",
        TUESDAY_10 + timedelta(days=40),
        PROMISES,
    )
    assert big.status == TicketStatus.PENDING and big.number.startswith("R-")
    month_later = await tickets.open_return(
        session,
        conv.customer_id,
        conv.id,
        request("5"),
        LIMITS,
        "RUB",
        TUESDAY_10 + timedelta(days=40),
        PROMISES,
    )
    assert month_later.status == TicketStatus.APPROVED  # the window moved on
    pending = await deadlines(session, "return_decision")
    assert len(pending) == 2


async def test_a_staff_decision_is_taken_once_and_schedules_the_follow_up(session) -> None:
    conv = await conversation_of(session)
    t = await tickets.open_return(
        session, conv.customer_id, conv.id, request("500"), LIMITS, "RUB", TUESDAY_10, PROMISES
    )
    (decision,) = await deadlines(session, "return_decision")
    assert decision.due_at == TUESDAY_10 + timedelta(hours=4)
    await tickets.decide_return(session, t, False, 9, TUESDAY_10 + timedelta(hours=1), PROMISES)
    with pytest.raises(tickets.AlreadyDecided):
        await tickets.decide_return(session, t, True, 9, TUESDAY_10 + timedelta(hours=2), PROMISES)
    assert (
        decision.status == DeadlineStatus.CANCELLED
        or (await deadlines(session, "return_decision"))[0].status == DeadlineStatus.CANCELLED
    )
    (follow,) = await deadlines(session, "follow_up")
    assert follow.due_at == TUESDAY_10 + timedelta(hours=1, days=2)


@pytest.mark.parametrize(
    ("text", "amount"),
    [("450", "450.00"), ("1 299,50 ₽", "1299.50"), ("$100", "100.00"), ("около 300 руб", "300.00")],
)
def test_amounts_are_read_as_people_write_them(text: str, amount: str) -> None:
    assert str(tickets.parse_amount(text)) == amount


@pytest.mark.parametrize("text", ["", "abc", "0", "-5", "12 и 13", "99999999999"])
def test_bad_amounts_are_refused(text: str) -> None:
    with pytest.raises(tickets.BadAmount):
        tickets.parse_amount(text)


async def test_complaints_move_through_statuses_with_deadlines(session) -> None:
    conv = await conversation_of(session)
    c = await tickets.open_complaint(
        session, conv.customer_id, conv.id, "rude courier", (), TUESDAY_10, PROMISES
    )
    (resolution,) = await deadlines(session, "complaint_resolution")
    # 24 working hours from Tuesday 10:00 with 12-hour days: Thursday 10:00.
    assert resolution.due_at == datetime(2026, 11, 26, 10, 0, tzinfo=MSK).astimezone(UTC)
    await tickets.move_complaint(session, c, TicketStatus.IN_PROGRESS, 9, TUESDAY_10, PROMISES)
    await tickets.move_complaint(session, c, TicketStatus.RESOLVED, 9, TUESDAY_10, PROMISES)
    with pytest.raises(tickets.BadTransition):
        await tickets.move_complaint(session, c, TicketStatus.REJECTED, 9, TUESDAY_10, PROMISES)
    assert c.resolved_at == TUESDAY_10
    assert [d.status for d in await deadlines(session, "follow_up")] == [DeadlineStatus.PENDING]


async def test_rating_low_scores_escalate_and_rating_twice_is_refused(session) -> None:
    conv = await conversation_of(session)
    await rate(session, conv, 2, TUESDAY_10)
    with pytest.raises(AlreadyRated):
        await rate(session, conv, 5, TUESDAY_10)
    assert (
        await session.exec(select(Event).where(Event.kind == "escalated"))
    ).one().reason == "low_rating"


async def test_duty_roster_knows_when_nobody_is_left(session) -> None:
    anna = await staff_member(session, 1, "Anna", None, TUESDAY_10)
    oleg = await staff_member(session, 2, "Oleg", None, TUESDAY_10)
    await set_duty(session, anna, True, TUESDAY_10)
    await set_duty(session, oleg, True, TUESDAY_10 + timedelta(minutes=1))
    assert [m.name for m in await on_duty_members(session)] == ["Anna", "Oleg"]
    assert not (await set_duty(session, anna, False, TUESDAY_10)).nobody_left
    last = await set_duty(session, oleg, False, TUESDAY_10)
    assert last.nobody_left and last.changed
    again = await set_duty(session, oleg, False, TUESDAY_10)
    assert not again.changed and not again.nobody_left


async def test_summary_counts_the_day(session) -> None:
    conv = await conversation_of(session)
    await hand_to_person(session, conv, TUESDAY_10, "person", PROMISES)
    await staff_replied(session, conv, 5, TUESDAY_10 + timedelta(seconds=60))
    await rate(session, conv, 4, TUESDAY_10 + timedelta(minutes=5))
    day = await summarize(session, TUESDAY_10 - timedelta(hours=1), TUESDAY_10 + timedelta(hours=1))
    assert day.response_median_seconds == 60
    assert day.reply_compliance == 1.0
    assert day.average_rating == 4 and day.ratings == 1
    assert day.breaches == 0
