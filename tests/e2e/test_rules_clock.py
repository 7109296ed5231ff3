"""Service rules driven by a clock the test moves: after hours, morning list, insults, ratings."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from bot.db import transaction
from bot.services.figures import compute_figures, last_days, local_today
from models import Conversation, Customer, Event, Message
from tests.e2e.conftest import (
    MANAGER_ID,
    STAFF_ID,
    FakeClock,
    Harness,
    bot_settings,
    eventually,
    start_polling,
)
from tgemulator import Emulator

pytestmark = pytest.mark.timeout(90)
MONDAY_22_MSK = datetime(2026, 11, 23, 19, 0, tzinfo=UTC)  # after closing (21:00 Moscow)


async def events(h: Harness, kind: str) -> list[Event]:
    async with transaction(h.services.sessions) as session:
        return list((await session.exec(select(Event).where(Event.kind == kind))).all())


def has(text: str):
    return lambda m: text in (m.get("text") or m.get("caption") or "")


async def clocked(emu: Emulator, database_url: str, clock: FakeClock) -> AsyncIterator[Harness]:
    services, bot, dp, stop = await start_polling(bot_settings(emu, database_url), clock)
    harness = Harness(emu, services, bot, dp, stop, {"clock": clock})
    yield harness
    await stop()


@pytest.fixture
async def shop_hours(emu, database_url, monkeypatch) -> AsyncIterator[Harness]:
    """The bot on the shop's real calendar, on Monday at 22:00 Moscow time."""
    monkeypatch.setenv("WORKING_HOURS", "mon-fri 09:00-21:00; sat 10:00-18:00")
    async for harness in clocked(emu, database_url, FakeClock(MONDAY_22_MSK)):
        yield harness


@pytest.fixture
async def open_shop(emu, database_url) -> AsyncIterator[Harness]:
    """The bot always open, with a hand-moved clock."""
    async for harness in clocked(emu, database_url, FakeClock(MONDAY_22_MSK)):
        yield harness


async def test_after_hours_promise_morning_list_and_missed_callback(shop_hours: Harness) -> None:
    h = shop_hours
    clock: FakeClock = h.extra["clock"]
    maria = h.customer(730001, "Maria", "en")
    promise = await h.say(maria, "👤 Talk to a person")
    assert "by Tuesday 24 November, 11:00" in promise["text"]
    assert promise["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    card = await h.emu.wait_for_bot_message(
        h.staff_chat, has("After hours"), thread_id=await h.wait_topic(maria)
    )
    assert "11:00" in card["text"]
    ivan = h.customer(730002, "Иван", "ru")
    promise_ru = await h.say(ivan, "👤 Позвать сотрудника")
    assert "не позднее вторника, 24 ноября, 11:00" in promise_ru["text"]
    await h.emu.send_text(ivan, "алло?")  # no second promise: the message just goes to staff
    await h.emu.wait_for_bot_message(h.staff_chat, has("алло?"), thread_id=await h.wait_topic(ivan))
    assert len([m for m in h.emu.bot_messages(ivan) if "вторника" in (m.get("text") or "")]) == 1

    clock.set(datetime(2026, 11, 24, 6, 0, 5, tzinfo=UTC))  # Tuesday 09:00:05 Moscow
    morning = await h.emu.wait_for_bot_message(h.staff_chat, has("Good morning"), timeout=8)
    assert "Maria" in morning["text"] and "Иван" in morning["text"]
    warning = await h.emu.wait_for_bot_message(MANAGER_ID, has("Nobody is on duty"))
    assert warning
    await h.press(STAFF_ID, morning, "✅ Done: Maria", chat_id=h.staff_chat)
    done = await eventually(lambda: events(h, "callback_done"))
    assert done[0].data == {"on_time": True}

    clock.set(datetime(2026, 11, 24, 8, 0, 5, tzinfo=UTC))  # 11:00:05 Moscow, Ivan not contacted
    missed = await h.emu.wait_for_bot_message(MANAGER_ID, has("Callback promise broken"), timeout=8)
    assert "Иван" in missed["text"]
    breaches = await eventually(lambda: events(h, "callback_breach"))
    assert len(breaches) == 1


async def test_insult_ends_the_conversation_until_a_manager_reopens(open_shop: Harness) -> None:
    h = open_shop
    user = h.customer(730003, "Troll")
    await h.say(user, "👤 Talk to a person")
    topic = await h.wait_topic(user)
    goodbye = await h.say(user, "you are all f.u.c.k.i.n.g idiots")
    assert "can't continue a conversation with insults" in goodbye["text"]
    alert = await h.emu.wait_for_bot_message(MANAGER_ID, has("was abusive"))
    assert "/log 730003" in alert["text"]
    # The managers' link leads to the topic, where staff see the closing and the words.
    assert f"/c/{str(h.staff_chat)[4:]}/{topic}" in alert["text"]
    card = await h.emu.wait_for_bot_message(h.staff_chat, has("Closed as abusive"), thread_id=topic)
    assert "you are all f.u.c.k.i.n.g idiots" in card["text"] and "staff only" in card["text"]
    mark = h.emu.mark()
    await h.emu.send_text(user, "hello? anyone?")
    marked = await h.emu.wait_for_bot_message(
        h.staff_chat, has("hello? anyone?"), thread_id=topic, since=mark
    )
    assert marked["text"].startswith("🚫 Closed as abusive, not relayed")
    with pytest.raises(TimeoutError):
        await h.emu.wait_for_bot_message(user, since=mark, timeout=1)

    mark = h.emu.mark()
    await h.emu.staff_send(STAFF_ID, topic, "/reopen")
    refused = await h.emu.wait_for_bot_message(
        h.staff_chat, has("Only a manager"), thread_id=topic, since=mark
    )
    assert refused
    await h.emu.staff_send(MANAGER_ID, topic, "/reopen")
    await h.emu.wait_for_bot_message(h.staff_chat, has("Reopened"), thread_id=topic)

    async def reopened() -> bool:  # staff are told before the reopening commits
        async with transaction(h.services.sessions) as session:
            stmt = select(Conversation).where(col(Conversation.customer_id) == Customer.id)
            stmt = stmt.where(Customer.telegram_id == user)
            found = (await session.exec(stmt)).all()
        return bool(found) and not any(c.abusive for c in found)

    assert await eventually(reopened)
    mark = h.emu.mark()
    await h.emu.send_text(user, "sorry, I was upset. where is my order?")
    copy = await h.emu.wait_for_bot_message(
        h.staff_chat, has("where is my order"), thread_id=topic, since=mark
    )
    assert copy


async def test_staff_abuse_and_manager_ban(open_shop: Harness) -> None:
    h = open_shop
    user = h.customer(730004)
    await h.say(user, "👤 Talk to a person")
    topic = await h.wait_topic(user)
    await h.emu.staff_send(STAFF_ID, topic, "/abuse")
    told = await h.emu.wait_for_bot_message(user, has("insults"))
    assert told
    await h.emu.staff_send(STAFF_ID, topic, "/ban")
    await h.emu.wait_for_bot_message(h.staff_chat, has("Only a manager"), thread_id=topic)
    await h.emu.staff_send(MANAGER_ID, topic, "/ban repeat abuser")
    await h.emu.wait_for_bot_message(h.staff_chat, has("Customer blocked"), thread_id=topic)

    async def banned() -> bool:  # staff are told before the ban commits
        async with transaction(h.services.sessions) as session:
            stmt = select(Customer).where(Customer.telegram_id == user)
            return bool((await session.exec(stmt)).one().blocked)

    assert await eventually(banned)
    refusal = await h.say(user, "let me in")
    assert "can no longer continue" in refusal["text"]
    async with transaction(h.services.sessions) as session:
        customer = (await session.exec(select(Customer).where(Customer.telegram_id == user))).one()
    assert customer.blocked and customer.blocked_reason == "repeat abuser"


async def test_low_rating_goes_to_a_manager(open_shop: Harness) -> None:
    h = open_shop
    user = h.customer(730005, "Nina")
    await h.say(user, "👤 Talk to a person")
    topic = await h.wait_topic(user)
    await h.emu.staff_send(STAFF_ID, topic, "Done, refunded.")
    await h.emu.wait_for_bot_message(user, has("Done, refunded."))
    await h.emu.staff_send(STAFF_ID, topic, "/resolve")
    ask = await h.emu.wait_for_bot_message(user, has("How did we do?"))
    await h.press(user, ask, "⭐")
    alert = await h.emu.wait_for_bot_message(MANAGER_ID, has("Low rating 1/5"))
    assert "Nina" in alert["text"]
    thanks = await h.emu.wait_for_bot_message(user, has("let you down"))
    assert thanks
    saved = await h.say(user, "Nobody answered for ages")
    assert "comment has been passed on" in saved["text"]
    # Passed on for real: into the topic, and, the score being low, to the managers.
    posted = await h.emu.wait_for_bot_message(
        h.staff_chat, has("Nobody answered for ages"), thread_id=topic
    )
    assert "1/5" in posted["text"]
    told = await h.emu.wait_for_bot_message(MANAGER_ID, has("Nobody answered for ages"))
    assert "Nina" in told["text"] and "low rating 1/5" in told["text"]
    ratings = await eventually(lambda: events(h, "rating"))
    assert ratings[0].data == {"score": 1}
    escalations = await eventually(lambda: events(h, "escalated"))
    assert [e.reason for e in escalations] == ["low_rating"]


async def test_follow_up_still_a_problem_reopens_and_escalates(open_shop: Harness) -> None:
    h = open_shop
    clock: FakeClock = h.extra["clock"]
    user = h.customer(730006, "Oleg")
    await h.say(user, "📝 Make a complaint")
    added = await h.say(user, "Milk was sour")
    await h.press(user, added, "Send the complaint")
    card = await h.emu.wait_for_bot_message(
        h.staff_chat, has("Complaint C-"), thread_id=await h.wait_topic(user)
    )
    # The card is posted inside the transaction that creates the ticket (an outbox would post it
    # after commit): a button pressed within milliseconds could beat the commit on PostgreSQL.
    await h.emu.wait_for_bot_message(user, has("is registered"))
    await eventually(lambda: events(h, "complaint_opened"))
    answer = await h.press(STAFF_ID, card, "✅ Resolved", chat_id=h.staff_chat)
    assert not answer.get("show_alert"), answer
    await h.emu.wait_for_bot_message(user, has("now: resolved"))
    clock.advance(days=2, seconds=5)
    question = await h.emu.wait_for_bot_message(
        user, has("Is everything all right now?"), timeout=8
    )
    await h.press(user, question, "👎 Still a problem")
    alert = await h.emu.wait_for_bot_message(MANAGER_ID, has("still a problem"))
    assert "C-" in alert["text"]
    sorry = await h.emu.wait_for_bot_message(user, has("manager will look into it"))
    assert sorry
    reasons = [e.reason for e in await eventually(lambda: events(h, "escalated"))]
    assert "follow_up_problem" in reasons


async def test_overdue_complaint_escalates(open_shop: Harness) -> None:
    h = open_shop
    clock: FakeClock = h.extra["clock"]
    user = h.customer(730007, "Vera")
    await h.say(user, "📝 Make a complaint")
    added = await h.say(user, "Wrong change given by the courier")
    await h.press(user, added, "Send the complaint")
    await h.emu.wait_for_bot_message(user, has("registered"))
    clock.advance(hours=24, seconds=5)
    alert = await h.emu.wait_for_bot_message(MANAGER_ID, has("not resolved in time"), timeout=8)
    assert "Vera" in alert["text"]


async def test_last_one_off_duty_warns_managers(open_shop: Harness) -> None:
    h = open_shop
    await h.emu.staff_send(STAFF_ID, None, "/duty on")
    await h.emu.wait_for_bot_message(h.staff_chat, has("Anna Duty is on duty"))
    await h.emu.staff_send(STAFF_ID, None, "/duty")
    listing = await h.emu.wait_for_bot_message(h.staff_chat, has("On duty:"))
    assert "Anna" in listing["text"]
    await h.emu.staff_send(STAFF_ID, None, "/duty off")
    warning = await h.emu.wait_for_bot_message(MANAGER_ID, has("Nobody is on duty"))
    assert warning


async def test_daily_summary_reaches_managers_at_closing(shop_hours: Harness) -> None:
    h = shop_hours
    clock: FakeClock = h.extra["clock"]
    clock.set(datetime(2026, 11, 24, 7, 0, tzinfo=UTC))  # Tuesday 10:00 Moscow, open
    user = h.customer(730008, "Dina")
    await h.say(user, "👤 Talk to a person")
    await h.emu.staff_send(STAFF_ID, await h.wait_topic(user), "Hello Dina!")
    await h.emu.wait_for_bot_message(user, has("Hello Dina!"))
    clock.set(datetime(2026, 11, 24, 18, 0, 5, tzinfo=UTC))  # Tuesday 21:00:05 Moscow, closing
    summary = await h.emu.wait_for_bot_message(MANAGER_ID, has("Day summary"), timeout=8)
    assert "24.11.2026" in summary["text"]
    assert "Customer messages: 1" in summary["text"]
    assert "Replies within 3 minutes: 100%" in summary["text"]  # the policy's words


def menu_is_back(h: Harness, user: int) -> bool:
    """The customer's reply keyboard is the main menu again, not a share-phone button."""
    keyboard = h.emu.reply_keyboard(user) or {}
    labels = [button["text"] for row in keyboard.get("keyboard", []) for button in row]
    return "👤 Talk to a person" in labels and not any(
        button.get("request_contact") for row in keyboard.get("keyboard", []) for button in row
    )


async def test_after_hours_callback_request_is_confirmed_once_with_the_menu(
    shop_hours: Harness,
) -> None:
    h = shop_hours
    user = h.customer(730011, "Lena", "en")
    ask = await h.say(user, "📞 Request a callback")
    assert ask["reply_markup"]["keyboard"][0][0].get("request_contact") is True
    mark = h.emu.mark()
    await h.emu.send_contact(user, phone_number="+79001234567")
    reply = await h.emu.wait_for_bot_message(user, since=mark)
    assert "by Tuesday 24 November, 11:00" in reply["text"] and "callback list" in reply["text"]
    assert "share your phone" not in reply["text"]
    assert menu_is_back(h, user)
    await h.emu.wait_until_delivered()
    assert len(h.emu.bot_messages(user)) == 2  # the question, then one confirmation


async def test_phone_shared_from_the_after_hours_promise_is_confirmed(shop_hours: Harness) -> None:
    h = shop_hours
    user = h.customer(730012, "Олег", "ru")
    promise = await h.say(user, "👤 Позвать сотрудника")
    assert promise["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    mark = h.emu.mark()
    await h.emu.send_contact(user, phone_number="+79007654321")
    reply = await h.emu.wait_for_bot_message(user, since=mark)
    assert "не позднее вторника, 24 ноября, 11:00" in reply["text"]
    keyboard = h.emu.reply_keyboard(user) or {}
    assert not any(b.get("request_contact") for row in keyboard.get("keyboard", []) for b in row)
    assert any(b["text"] == "👤 Позвать сотрудника" for row in keyboard["keyboard"] for b in row)
    topic = await h.wait_topic(user)
    await h.emu.wait_for_bot_message(
        h.staff_chat,
        lambda m: m.get("contact", {}).get("phone_number") == "+79007654321",
        thread_id=topic,
    )
    async with transaction(h.services.sessions) as session:
        customer = (await session.exec(select(Customer).where(Customer.telegram_id == user))).one()
    assert customer.phone == "+79007654321"


async def test_a_staff_decision_the_customer_is_told_answers_them(open_shop: Harness) -> None:
    h = open_shop
    clock: FakeClock = h.extra["clock"]
    user = h.customer(730013, "Vera")
    await h.say(user, "↩️ Return a product")
    step = await h.say(user, "Kettle")
    await h.press(user, step, "This week")
    step = await h.emu.wait_for_bot_message(user, has("Why"))
    await h.press(user, step, "Defective")
    await h.emu.wait_for_bot_message(user, has("photo"))
    mark = h.emu.mark()
    await h.emu.send_photo(user)
    await h.emu.wait_for_bot_message(user, has("How much"), since=mark)
    assert "with our staff" in (await h.say(user, "5000"))["text"]
    topic = await h.wait_topic(user)
    card = await h.emu.wait_for_bot_message(
        h.staff_chat, lambda m: "Approve" in str(m.get("reply_markup")), thread_id=topic
    )
    mark = h.emu.mark()
    await h.press(STAFF_ID, card, "✅ Approve", chat_id=h.staff_chat)
    assert "approved" in (await h.emu.wait_for_bot_message(user, since=mark))["text"]
    stopped = await eventually(lambda: events(h, "reply_clock_stopped"))
    assert stopped[0].actor_telegram_id == STAFF_ID and stopped[0].data["breached"] is False

    clock.advance(minutes=10)  # well past the 3-minute promise: nothing may fire now
    await asyncio.sleep(1.5)  # three sweeps of the default 0.5 s
    await h.emu.wait_until_delivered()
    assert await events(h, "reply_breach") == []
    assert not [m for m in h.emu.bot_messages(user) if "Thank you for waiting" in m["text"]]
    assert not [m for m in h.emu.bot_messages(MANAGER_ID) if "Reply promise" in m["text"]]


async def test_a_rating_a_late_faq_press_and_a_managers_chat_open_no_conversation(
    open_shop: Harness,
) -> None:
    h = open_shop
    clock: FakeClock = h.extra["clock"]
    user = h.customer(730015, "Rita")
    faq = await h.say(user, "How long does delivery take?")
    assert "Did this help?" in faq["text"]
    await h.say(user, "👤 Talk to a person")
    topic = await h.wait_topic(user)
    await h.emu.staff_send(STAFF_ID, topic, "Sent today.")
    await h.emu.wait_for_bot_message(user, has("Sent today."))
    await h.emu.staff_send(STAFF_ID, topic, "/resolve")
    ask = await h.emu.wait_for_bot_message(user, has("How did we do?"))
    await h.press(user, ask, "5 ⭐")
    invite = await h.emu.wait_for_bot_message(user, has("add a comment"))
    assert invite.get("reply_markup")  # "No comment", while a comment may still come
    saved = await h.say(user, "Quick and kind")
    assert "passed on" in saved["text"]
    # The comment came: the invitation keeps no live "No comment" button.

    async def settled() -> bool:
        return not (h.emu.message(user, invite["message_id"]) or {}).get("reply_markup")

    assert await eventually(settled)
    # "Did this help?" pressed on the answer from before the resolution: about that answer.
    await h.press(user, faq, "👍 Yes")
    await h.emu.wait_for_bot_message(user, has("Glad it helped"))
    off = await h.say(MANAGER_ID, "/console")
    assert "turned off" in off["text"]  # this bot runs without CONSOLE_SECRET
    zone = ZoneInfo(h.services.settings.app.timezone)
    async with transaction(h.services.sessions) as session:
        resolved = col(Conversation.resolved_at).is_not(None)
        rated = (await session.exec(select(Conversation).where(resolved))).one()
        comment = (
            await session.exec(select(Message).where(Message.text == "Quick and kind"))
        ).one()
        started = len((await session.exec(select(Conversation))).all())
        figures = await compute_figures(
            session,
            last_days(local_today(clock.now, zone), 1, zone),
            managers=h.services.settings.telegram.manager_ids,
        )
        after = (
            await session.exec(select(Message).where(Message.conversation_id != rated.id))
        ).all()
    # The rating tap, its thanks, the comment, "passed on" and the late "Yes" all sit in the
    # rated conversation: none of them opens another; nor does the manager's /console (its
    # sign-in link is logged with no conversation).
    assert started == 1
    async with transaction(h.services.sessions) as session:
        helped = (await session.exec(select(Event).where(Event.kind == "faq_helpful"))).one()
    assert helped.conversation_id == rated.id
    assert comment.conversation_id == rated.id
    assert not [m for m in after if m.chat_id == user], [m.text for m in after]
    assert figures.total.conversations_opened == 1


async def test_a_manager_writing_a_commands_word_without_the_slash_is_a_customer(
    open_shop: Harness,
) -> None:
    """Only "/stats" is the command: "stats" from a manager is a message like anyone's."""
    h = open_shop
    reply = await h.say(MANAGER_ID, "stats")
    assert "something went wrong" not in reply["text"]

    async def logged_as_a_customers() -> bool:  # the bot handles updates concurrently
        async with transaction(h.services.sessions) as session:
            manager = (
                await session.exec(select(Customer).where(Customer.telegram_id == MANAGER_ID))
            ).first()
            asked = (await session.exec(select(Message).where(Message.text == "stats"))).first()
        return bool(manager and asked and asked.customer_id == manager.id and asked.conversation_id)

    assert await eventually(logged_as_a_customers)
