"""Telegram Business end to end: customers who write to the shop's own connected account."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select

from bot.db import transaction
from bot.services.customers import find_by_telegram_id
from models import BusinessChat, BusinessConnection, Conversation, ConversationStatus
from tests.e2e.conftest import MANAGER_ID, STAFF_ID, WAIT, Harness, WallClock, eventually

pytestmark = pytest.mark.timeout(60)

OWNER = 930001

Json = dict[str, Any]


def text_of(message: Json) -> str:
    return message.get("text") or message.get("caption") or ""


class Shop:
    """The shop's connected account and helpers to act as its customers."""

    def __init__(self, h: Harness, connection_id: str) -> None:
        self.h = h
        self.emu = h.emu
        self.connection_id = connection_id

    def customer(self, user_id: int, name: str = "Olga", language: str = "en") -> int:
        # Customers of a shop account never started the bot itself.
        self.emu.add_user(user_id, name, language_code=language, started=False)
        return user_id

    def chat(self, user_id: int) -> int:
        return self.emu.business_chat(OWNER, user_id)

    async def say(self, user_id: int, text: str) -> Json:
        mark = self.emu.mark()
        await self.emu.business_send(user_id, OWNER, text)
        return await self.emu.wait_for_bot_message(self.chat(user_id), since=mark)

    async def press(self, user_id: int, message: Json, label: str) -> Json:
        query = await self.emu.press_button(
            user_id, self.chat(user_id), message["message_id"], button_text=label
        )
        return await self.emu.wait_for_callback_answer(query)

    async def bot_says(self, user_id: int, needle: str, since: int | None = None) -> Json:
        return await self.emu.wait_for_bot_message(
            self.chat(user_id), lambda m: needle in text_of(m), since=since
        )

    async def in_topic(self, user_id: int, needle: str, since: int | None = None) -> Json:
        thread = await self.h.wait_topic(user_id)
        return await self.emu.wait_for_bot_message(
            self.h.staff_chat, lambda m: needle in text_of(m), thread_id=thread, since=since
        )


@pytest.fixture
async def shop(harness: Harness) -> Shop:
    harness.emu.add_user(OWNER, "Flower", "Shop", username="flower_shop", started=False)
    connection_id = await harness.emu.connect_business(OWNER)
    await harness.emu.wait_until_delivered()

    async def stored() -> BusinessConnection | None:
        async with transaction(harness.services.sessions) as session:
            return await session.get(BusinessConnection, connection_id)

    row = await eventually(stored)
    assert row is not None and row.can_reply and row.is_enabled and row.owner_id == OWNER
    return Shop(harness, connection_id)


async def conversation_of(h: Harness, user: int) -> Conversation:
    from bot.services.conversations import latest_conversation
    from bot.services.customers import find_by_telegram_id

    async with transaction(h.services.sessions) as session:
        customer = await find_by_telegram_id(session, user)
        assert customer is not None and customer.id is not None
        conversation = await latest_conversation(session, customer.id)
        assert conversation is not None
        return conversation


async def test_managers_hear_of_the_connection(shop: Shop) -> None:
    told = await shop.emu.wait_for_bot_message(
        MANAGER_ID, lambda m: "connected to the shop account" in text_of(m)
    )
    assert "Flower Shop (@flower_shop)" in told["text"]


async def test_faq_answers_in_the_shops_chat_and_every_call_carries_the_connection(
    shop: Shop,
) -> None:
    user = shop.customer(950001)
    reply = await shop.say(user, "How long does delivery take?")
    assert "Did this help?" in reply["text"]
    assert reply["business_connection_id"] == shop.connection_id
    assert reply["from"]["id"] == OWNER  # the customer sees the shop, not a bot chat
    await shop.press(user, reply, "👍 Yes")
    await shop.bot_says(user, "Glad")
    assert shop.emu.topics() == []
    assert shop.emu.messages(user) == []  # nothing ever went to the bot's own chat
    refused = [c for c in shop.emu.rejected_calls if c.method != "getUpdates"]
    assert refused == []


async def test_handoff_staff_answer_and_the_reply_clock(shop: Shop) -> None:
    h = shop.h
    user = shop.customer(950002, "Pavel")
    await shop.emu.business_send(user, OWNER, "Talk to a person")
    card = await shop.in_topic(user, "950002")
    topic = shop.emu.topic(card["message_thread_id"])
    assert topic is not None and "💼 Flower Shop" in topic["name"]  # which account
    assert (await conversation_of(h, user)).waiting_since is not None
    mark = shop.emu.mark()
    await h.staff("We will deliver tomorrow", user, card["message_thread_id"])
    answer = await shop.bot_says(user, "We will deliver tomorrow", since=mark)
    assert answer["business_connection_id"] == shop.connection_id

    async def answered() -> Conversation | None:
        # The clock stops once the sender knows the answer went through the account.
        conversation = await conversation_of(h, user)
        return conversation if conversation.status == ConversationStatus.ANSWERED else None

    conversation = await eventually(answered)
    assert conversation is not None and conversation.waiting_since is None


async def test_a_customers_photo_reaches_the_topic_though_copy_cannot_read_the_chat(
    shop: Shop,
) -> None:
    user = shop.customer(950003)
    await shop.emu.business_send(user, OWNER, "Talk to a person")
    await shop.in_topic(user, "950003")
    mark = shop.emu.mark()
    await shop.emu.business_send_photo(user, OWNER, "the broken vase")
    copy = await shop.in_topic(user, "the broken vase", since=mark)
    assert "photo" in copy


async def test_the_owner_answering_stops_the_clock_and_quiets_the_bot(shop: Shop) -> None:
    h = shop.h
    user = shop.customer(950004, "Vera")
    await shop.emu.business_send(user, OWNER, "Talk to a person")
    await shop.in_topic(user, "950004")
    mark = shop.emu.mark()
    personal = await shop.emu.owner_send(OWNER, user, "Hi Vera, it's Anna from the shop")
    await shop.in_topic(user, "answered the customer personally", since=mark)
    await shop.in_topic(user, "it's Anna from the shop", since=mark)
    conversation = await conversation_of(h, user)
    assert conversation.status == ConversationStatus.ANSWERED
    assert conversation.first_response_at is not None
    async with transaction(h.services.sessions) as session:
        assert await find_by_telegram_id(session, OWNER) is None  # the owner is no customer
    # The customer's next question goes to staff only: the bot does not talk over the owner.
    mark = shop.emu.mark()
    await shop.emu.business_send(user, OWNER, "How long does delivery take?")
    await shop.in_topic(user, "How long does delivery take?", since=mark)
    await shop.in_topic(user, "the owner is answering personally", since=mark)
    later = shop.emu.messages(shop.chat(user))
    assert [m for m in later if m["message_id"] > personal["message_id"]] == [
        {**later[-1], "text": "How long does delivery take?"}
    ]
    # Staff close the conversation; once the quiet period is over the bot answers again.
    thread = await h.wait_topic(user)
    await h.staff("/resolve", user, thread)
    await shop.bot_says(user, "resolved")
    await shop.bot_says(user, "Please rate")
    clock = h.services.clock
    assert isinstance(clock, WallClock)
    clock.advance(minutes=16)
    mark = shop.emu.mark()
    await shop.emu.business_send(user, OWNER, "How long does delivery take?")
    reply = await shop.bot_says(user, "Did this help?", since=mark)
    assert reply.get("sender_business_bot")


async def test_staff_pause_and_resume_the_bot_in_one_chat(shop: Shop) -> None:
    h = shop.h
    user = shop.customer(950005, "Ira")
    reply = await shop.say(user, "How long does delivery take?")
    assert "Did this help?" in reply["text"]
    await shop.emu.business_send(user, OWNER, "Talk to a person")
    thread = await h.wait_topic(user)
    mark = shop.emu.mark()
    await h.staff("/pause", user, thread)
    await shop.in_topic(user, "paused", since=mark)

    async def paused() -> bool:
        async with transaction(h.services.sessions) as session:
            chat = await session.get(BusinessChat, user)
            return chat is not None and chat.paused

    assert await eventually(paused)
    mark = shop.emu.mark()
    await shop.emu.business_send(user, OWNER, "How long does delivery take?")
    await shop.in_topic(user, "staff paused the bot", since=mark)
    bot_after = [
        m
        for m in shop.emu.messages(shop.chat(user))
        if m.get("sender_business_bot") and m["message_id"] > reply["message_id"]
    ]
    assert not any("Did this help?" in text_of(m) for m in bot_after)
    mark = shop.emu.mark()
    await h.staff("/resume", user, thread)
    await shop.in_topic(user, "answers this customer again", since=mark)
    # With a person on the conversation, the journeys relay it, without the quiet note.
    mark = shop.emu.mark()
    await shop.emu.business_send(user, OWNER, "Still there?")
    copy = await shop.in_topic(user, "Still there?", since=mark)

    async def sent_all() -> bool:
        return await h.services.outbox.backlog() == 0

    assert await eventually(sent_all)
    after = [
        m for m in h.emu.bot_messages(h.staff_chat, thread) if m["message_id"] > copy["message_id"]
    ]
    assert not any("kept quiet" in text_of(m) for m in after)


async def test_pause_in_a_topic_of_a_bot_customer_says_there_is_nothing_to_pause(
    harness: Harness,
) -> None:
    h = harness
    user = h.customer(950006)
    await h.emu.send_text(user, "Talk to a person")
    thread = await h.wait_topic(user)
    mark = h.emu.mark()
    await h.staff("/pause", user, thread)
    await h.emu.wait_for_bot_message(
        h.staff_chat, lambda m: "nothing to pause" in text_of(m), thread_id=thread, since=mark
    )


async def test_a_read_only_connection_still_brings_customers_to_staff(shop: Shop) -> None:
    h = shop.h
    user = shop.customer(950007, "Gleb")
    await shop.emu.business_send(user, OWNER, "Hello")
    await shop.emu.wait_until_delivered()
    await shop.emu.change_business(shop.connection_id, can_reply=False)
    await shop.emu.wait_for_bot_message(
        MANAGER_ID, lambda m: "no longer lets the bot reply" in text_of(m)
    )
    mark = shop.emu.mark()
    await shop.emu.business_send(user, OWNER, "Is my order ready?")
    await shop.in_topic(user, "Is my order ready?", since=mark)
    await shop.in_topic(user, "does not let the bot reply", since=mark)
    thread = await h.wait_topic(user)
    mark = shop.emu.mark()
    await h.staff("Yes, it is", user, thread)
    await shop.in_topic(user, "Not delivered", since=mark)
    assert not any(text_of(m) == "Yes, it is" for m in shop.emu.messages(shop.chat(user)))
    # Managers hear once per change, not once per message.
    await shop.emu.change_business(shop.connection_id, can_reply=False)
    await shop.emu.wait_until_delivered()
    alerts = [m for m in shop.emu.bot_messages(MANAGER_ID) if "no longer lets" in text_of(m)]
    assert len(alerts) == 1


async def test_a_disconnection_keeps_staff_answers_and_tells_managers_once(shop: Shop) -> None:
    h = shop.h
    user = shop.customer(950008, "Nina")
    await shop.emu.business_send(user, OWNER, "Talk to a person")
    thread = await h.wait_topic(user)
    await shop.emu.change_business(shop.connection_id, enabled=False)
    await shop.emu.wait_for_bot_message(MANAGER_ID, lambda m: "disconnected the bot" in text_of(m))
    mark = shop.emu.mark()
    await h.staff("Are you still there?", user, thread)
    await shop.in_topic(user, "Not delivered", since=mark)
    async with transaction(h.services.sessions) as session:
        conn = await session.get(BusinessConnection, shop.connection_id)
        assert conn is not None and not conn.is_enabled
    await shop.emu.change_business(shop.connection_id, enabled=True)
    await shop.emu.wait_for_bot_message(
        MANAGER_ID, lambda m: "can answer in the shop account" in text_of(m)
    )


async def test_writing_to_the_bot_itself_moves_the_answers_back_there(shop: Shop) -> None:
    h = shop.h
    user = shop.customer(950009)
    await shop.say(user, "How long does delivery take?")
    h.emu.world.user(user).started = True
    reply = await h.say(user, "How long does delivery take?")
    assert "Did this help?" in reply["text"] and "business_connection_id" not in reply
    async with transaction(h.services.sessions) as session:
        rows = (await session.exec(select(BusinessChat))).all()
    assert [r.customer_telegram_id for r in rows] == []
    _ = (STAFF_ID, WAIT)
