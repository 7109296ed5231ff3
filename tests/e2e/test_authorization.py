"""Authorization end to end: who may do what, and forged buttons, commands and updates."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from sqlmodel import select

from bot.db import transaction
from models import Customer, Event, SatisfactionRating, StaffMember
from tests.e2e.conftest import MANAGER_ID, STAFF_ID, eventually
from tests.e2e.test_fuzz import (
    QuietHarness,
    Watch,
    customer_row,
    fast_harness,
    inline_buttons,
    matters_of,
    outgoing_since,
    victim,
)
from tgemulator import Emulator

pytestmark = pytest.mark.timeout(90)
Json = dict[str, Any]
MEMBER_ID = 900010  # in the staff group, but neither duty staff nor a manager


@pytest.fixture
async def harness(emu: Emulator, database_url: str) -> AsyncIterator[QuietHarness]:
    """The bot polling the emulator, with no per-chat flood limit to wait for."""
    async for running in fast_harness(emu, database_url):
        yield running


def text_of(message: Json) -> str:
    """A message's text or caption."""
    return message.get("text") or message.get("caption") or ""


async def pending_return_and_complaint(h: QuietHarness, user: int) -> tuple[int, int]:
    """A customer with a return waiting for staff and a new complaint; their ticket ids."""
    await h.say(user, "↩️ Return a product")
    step = await h.say(user, "Vacuum cleaner")
    for label in ("This week", "Defective", "Skip"):
        mark = h.emu.mark()
        await h.press(user, step, label)
        step = await h.emu.wait_for_bot_message(user, since=mark)
    assert "with our staff" in (await h.say(user, "4500"))["text"]
    await h.say(user, "📝 Make a complaint")
    ask = await h.say(user, "The courier was rude")
    await h.press(user, ask, "Send the complaint")
    await h.emu.wait_for_bot_message(user, lambda m: "registered" in text_of(m))
    async with transaction(h.services.sessions) as session:
        from models import Ticket

        customer, _ = await customer_row(h, user)
        assert customer is not None
        rows = (await session.exec(select(Ticket).where(Ticket.customer_id == customer.id))).all()
    by_kind = {row.kind: row.id or 0 for row in rows}
    return by_kind["return"], by_kind["complaint"]


async def test_staff_commands_in_a_private_chat_do_nothing_staff_like(
    harness: QuietHarness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    other = await victim(h, caplog)
    before = await matters_of(h, other)
    user = h.customer(782001)
    watch = Watch(h, caplog)
    for command in (
        "/resolve",
        "/reopen",
        "/ban",
        "/unban",
        "/abuse",
        "/escalate now",
        "/canned",
        "/duty on",
        "/duty off",
        "/note secret",
    ):
        mark = h.emu.mark()
        await h.emu.send_text(user, command)
        await watch.idle()
        private = outgoing_since(h, user, mark)
        # No canned-answer picker, duty roster or staff confirmation ever shows up here.
        assert not any(inline_buttons(m) for m in private), command
        assert not any("on duty" in text_of(m) or "✅" in text_of(m) for m in private), command
    await watch.assert_clean()
    customer, conversation = await customer_row(h, user)
    assert customer is not None and conversation is not None
    assert not customer.blocked and not conversation.abusive
    assert conversation.status == "waiting_staff"  # the "commands" were passed on to staff
    async with transaction(h.services.sessions) as session:
        staff = (await session.exec(select(StaffMember))).all()
        events = (
            await session.exec(select(Event.kind).where(Event.customer_id == customer.id))
        ).all()
    assert all(member.telegram_id != user for member in staff)
    assert not {"resolved", "abusive", "blocked", "duty_on", "duty_off"} & set(events)
    assert await matters_of(h, other) == before
    assert h.emu.bot_messages(MANAGER_ID) == []  # no escalation or alert reached a manager


async def test_forged_staff_and_foreign_buttons_from_a_customer_are_refused(
    harness: QuietHarness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    owner = h.customer(782002, "Olga")
    return_id, complaint_id = await pending_return_and_complaint(h, owner)
    other = await victim(h, caplog)  # a resolved conversation and an approved return
    owner_row, owner_conversation = await customer_row(h, owner)
    assert owner_row is not None and owner_conversation is not None
    owner_matters = {"user": str(owner), "customer": str(owner_row.id)}
    before = (await matters_of(h, owner_matters), await matters_of(h, other))

    attacker = h.customer(782003, "Mallory")
    greeting = await h.say(attacker, "/start")
    # The attacker's own message that does carry buttons (the FAQ "Did this help?").
    with_buttons = await h.say(attacker, "How long does delivery take?")
    watch = Watch(h, caplog)
    forged = [
        f"rd:{return_id}:1",
        f"rd:{return_id}:0",
        f"cm:{complaint_id}:resolved",
        f"cm:{complaint_id}:rejected",
        "cn:greeting",
        f"cb:{owner_conversation.id}",
        f"rt5:{other['@C']}:1",
        f"rf:{other['@T']}:cash",
        f"fu:{other['@T']}:0",
        f"fu:{return_id}:0",
        f"rt5:{owner_conversation.id}:1",
    ]
    for message in (greeting, with_buttons):
        for data in forged:
            query = await h.emu.press_button(attacker, attacker, message["message_id"], data)
            await watch.idle()
            answer = h.emu.callback_answer(query) or {}
            assert answer.get("show_alert") and "no longer active" in answer["text"], data
    await watch.assert_clean()
    assert (await matters_of(h, owner_matters), await matters_of(h, other)) == before
    assert outgoing_since(h, owner, 0)[-1]["text"].startswith("Your complaint")  # untouched
    assert h.emu.bot_messages(MANAGER_ID) == []


async def test_a_customer_cannot_rate_another_conversation_or_choose_another_refund(
    harness: QuietHarness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    other = await victim(h, caplog)  # resolved and unrated, with an approved return
    attacker = await victim(h, caplog)  # the same, so Mallory has real buttons of her own
    user = int(attacker["user"])
    rating = next(m for m in h.emu.bot_messages(user) if "How did we do" in text_of(m))
    refund = next(m for m in h.emu.bot_messages(user) if "money back" in text_of(m))
    watch = Watch(h, caplog)
    # Each of Mallory's real buttons, rewritten to point at the other customer's matters.
    for message, data in (
        (rating, f"rt5:{other['@C']}:1"),
        (rating, f"rt5:{other['@C']}:5"),
        (refund, f"rf:{other['@T']}:cash"),
        (refund, f"rf:{other['@T']}:credit"),
    ):
        assert data not in inline_buttons(message)
        query = await h.emu.press_button(user, user, message["message_id"], data)
        await watch.idle()
        assert (h.emu.callback_answer(query) or {}).get("show_alert"), data
    # Her own buttons still work for her own matters.
    await h.press(user, refund, "💵 Cash at the pickup point")
    await h.press(user, rating, "5 ⭐")
    await watch.assert_clean()
    after = await matters_of(h, other)
    tickets, _status, _abusive, ratings = after
    assert ratings == [] and all(t[2] is None for t in tickets)  # no score, no refund method
    async with transaction(h.services.sessions) as session:
        scores = (await session.exec(select(SatisfactionRating))).all()
    assert [(s.customer_id, s.score) for s in scores] == [(int(attacker["customer"]), 5)]
    assert not any("Low rating" in text_of(m) for m in h.emu.bot_messages(MANAGER_ID))


async def test_only_managers_ban_unban_and_reopen_abusive_conversations(
    harness: QuietHarness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    h.emu.add_user(MEMBER_ID, "Eve", "Member", member_status="member")
    user = h.customer(782004, "Troll")
    await h.say(user, "👤 Talk to a person")
    topic = await h.wait_topic(user)
    watch = Watch(h, caplog)

    async def says(author: int, text: str) -> str:
        mark = h.emu.mark()
        await h.emu.staff_send(author, topic, text)
        await watch.idle()
        return " ".join(text_of(m) for m in outgoing_since(h, h.staff_chat, mark))

    async def state() -> tuple[bool, bool]:
        customer, conversation = await customer_row(h, user)
        assert customer is not None and conversation is not None
        return customer.blocked, conversation.abusive

    for author in (STAFF_ID, MEMBER_ID):
        assert "Only a manager" in await says(author, "/ban repeat abuser")
    assert await state() == (False, False)
    assert "Customer blocked" in await says(MANAGER_ID, "/ban repeat abuser")
    for author in (STAFF_ID, MEMBER_ID):
        assert "Only a manager" in await says(author, "/unban")
    assert await state() == (True, False)
    assert "unblocked" in (await says(MANAGER_ID, "/unban")).lower()
    assert "Marked as abusive" in await says(STAFF_ID, "/abuse")  # any staff may end it
    for author in (STAFF_ID, MEMBER_ID):
        assert "Only a manager" in await says(author, "/reopen")
    assert await state() == (False, True)
    assert "Reopened" in await says(MANAGER_ID, "/reopen")
    assert await state() == (False, False)
    await watch.assert_clean()


async def test_outside_a_customer_topic_the_staff_group_cannot_reach_customers(
    harness: QuietHarness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    h.emu.add_user(MEMBER_ID, "Eve", "Member", member_status="member")
    user = h.customer(782005)
    return_id, complaint_id = await pending_return_and_complaint(h, user)
    customer, conversation = await customer_row(h, user)
    assert customer is not None and conversation is not None
    who = {"user": str(user), "customer": str(customer.id)}
    before = await matters_of(h, who)
    seen = len(h.emu.bot_messages(user))
    lounge = await h.emu.staff_create_topic(STAFF_ID, "Lunch orders")  # not a customer's topic
    watch = Watch(h, caplog)
    for thread in (None, lounge["message_thread_id"]):
        for author in (MEMBER_ID, STAFF_ID, MANAGER_ID):
            for text in ("Hello customer!", "/resolve", "/ban", "/abuse", "/canned", "/reopen"):
                await h.emu.staff_send(author, thread, text)
        await watch.idle()
        anchor = h.emu.messages(h.staff_chat, thread if thread else Emulator.GENERAL)[-1]
        for data in (f"rd:{return_id}:1", f"cm:{complaint_id}:resolved", "cn:greeting"):
            query = await h.emu.press_button(MEMBER_ID, h.staff_chat, anchor["message_id"], data)
            await watch.idle()
            assert (h.emu.callback_answer(query) or {}).get("show_alert"), data
    await watch.assert_clean()
    assert len(h.emu.bot_messages(user)) == seen  # the customer heard nothing
    assert await matters_of(h, who) == before
    async with transaction(h.services.sessions) as session:
        row = (await session.exec(select(Customer).where(Customer.telegram_id == user))).one()
    assert not row.blocked


UPDATE: Json = {
    "update_id": 424242,
    "message": {
        "message_id": 1,
        "date": 0,
        "chat": {"id": 782099, "type": "private", "first_name": "Forger"},
        "from": {"id": 782099, "is_bot": False, "first_name": "Forger"},
        "text": "/start",
    },
}


async def test_the_webhook_acts_only_on_updates_with_the_secret(
    webhook_harness: QuietHarness,
) -> None:
    h = webhook_harness
    await h.emu.wait_for_call("setWebhook")
    url = f"http://127.0.0.1:{h.extra['port']}/webhook"
    secret: str = h.extra["secret"]
    header = "X-Telegram-Bot-Api-Secret-Token"
    staff_press = {
        "update_id": 424243,
        "callback_query": {
            "id": "1",
            "from": {"id": 782099, "is_bot": False, "first_name": "Forger"},
            "chat_instance": "1",
            "data": "rd:1:1",
        },
    }
    # test_foundation checks a wrong and a missing secret; these are the near misses.
    near_misses: list[dict[str, str]] = [
        {header: ""},
        {header: secret.upper()},
        {header: secret[:-1]},
        {header: secret + "x"},
        {header: secret + "\u200b"},
        {"X-Telegram-Bot-Api-Secret": secret},
    ]
    async with aiohttp.ClientSession() as http:
        for headers in near_misses:
            for update in (UPDATE, staff_press):
                async with http.post(url, json=update, headers=headers) as response:
                    assert response.status == 401, headers
        async with http.post(f"{url}?secret_token={secret}", json=UPDATE) as response:
            assert response.status == 401
        async with transaction(h.services.sessions) as session:
            assert (await session.exec(select(Customer))).all() == []  # nobody was registered
        assert [c for c in h.emu.calls if c.method == "sendMessage"] == []
        async with http.post(url, json=UPDATE, headers={header: secret}) as response:
            assert response.status == 200

    async def registered() -> list[int] | None:  # 200 means stored; it is handled just after
        async with transaction(h.services.sessions) as session:
            found = [c.telegram_id for c in (await session.exec(select(Customer))).all()]
        return found or None

    assert await eventually(registered) == [782099]


@pytest.mark.parametrize("length", [500, 4000])
async def test_a_long_ban_reason_bans_and_is_stored_whole(
    harness: QuietHarness, caplog: pytest.LogCaptureFixture, length: int
) -> None:
    h = harness
    user = h.customer(782010 + length, "Troll")
    await h.say(user, "👤 Talk to a person")
    topic = await h.wait_topic(user)
    watch = Watch(h, caplog)
    reason = ("Оскорбления и угрозы, см. переписку. " * 200)[:length]
    mark = h.emu.mark()
    await h.emu.staff_send(MANAGER_ID, topic, f"/ban {reason}")
    await watch.idle()
    replies = " ".join(text_of(m) for m in outgoing_since(h, h.staff_chat, mark))
    assert "Customer blocked" in replies
    await watch.assert_clean()
    customer, _ = await customer_row(h, user)
    assert customer is not None and customer.blocked
    assert customer.blocked_reason == reason
    async with transaction(h.services.sessions) as session:
        event = (
            await session.exec(
                select(Event).where(Event.customer_id == customer.id, Event.kind == "blocked")
            )
        ).one()
    assert event.data == {"note": reason} and event.reason is None
