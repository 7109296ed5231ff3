"""Telegram Business, the edges: quiet periods, refused staff answers, the owner's edits and
deletions, failing connection look-ups, presses, the bot's own chat beside the business one,
and the route cache seen from another worker."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.db import transaction
from models import BusinessConnection, Conversation, ConversationStatus
from tests.e2e.conftest import MANAGER_ID, Harness, eventually
from tests.e2e.test_rules import fast  # noqa: F401  (the 2-second reply rule)
from tests.e2e.test_rules_clock import open_shop  # noqa: F401  (a hand-moved clock)

pytestmark = pytest.mark.timeout(90)

OWNER = 960001
Json = dict[str, Any]


def text_of(message: Json) -> str:
    return message.get("text") or message.get("caption") or ""


async def connect(h: Harness, owner: int = OWNER, username: str = "tea_shop") -> str:
    """Connect a shop account and wait until the bot stored the connection."""
    h.emu.add_user(owner, "Tea", "Shop", username=username, started=False)
    connection_id = await h.emu.connect_business(owner)

    async def stored() -> BusinessConnection | None:
        async with transaction(h.services.sessions) as session:
            return await session.get(BusinessConnection, connection_id)

    assert await eventually(stored)
    return connection_id


def customer(h: Harness, user_id: int, name: str = "Olga") -> int:
    h.emu.add_user(user_id, name, language_code="en", started=False)
    return user_id


async def in_topic(h: Harness, user: int, needle: str, since: int | None = None) -> Json:
    thread = await h.wait_topic(user)
    return await h.emu.wait_for_bot_message(
        h.staff_chat, lambda m: needle in text_of(m), thread_id=thread, since=since
    )


async def conversation_of(h: Harness, user: int) -> Conversation:
    from bot.services.conversations import latest_conversation
    from bot.services.customers import find_by_telegram_id

    async with transaction(h.services.sessions) as session:
        found = await find_by_telegram_id(session, user)
        assert found is not None and found.id is not None
        conversation = await latest_conversation(session, found.id)
        assert conversation is not None
        return conversation


async def test_no_holding_message_while_the_owner_answers_personally(fast: Harness) -> None:  # noqa: F811
    h = fast
    await connect(h)
    user = customer(h, 961001)
    chat = h.emu.business_chat(OWNER, user)
    await h.emu.business_send(user, OWNER, "Talk to a person")
    await in_topic(h, user, "961001")
    personal = await h.emu.owner_send(OWNER, user, "Hi Olga, Tea Shop here, one moment")
    await in_topic(h, user, "one moment")
    # The customer writes again within the quiet period: the clock runs for staff again...
    mark = h.emu.mark()
    await h.emu.business_send(user, OWNER, "Ok, waiting")
    await in_topic(h, user, "the owner is answering personally", since=mark)
    await in_topic(h, user, "waited", since=mark)  # the 2-second rule fired
    # ...but its "thank you for waiting" goes to staff, not over the owner's head.
    kept = await in_topic(h, user, "The bot kept quiet", since=mark)
    assert "Thank you for waiting" in text_of(kept)
    assert (await conversation_of(h, user)).status == ConversationStatus.WAITING_STAFF
    spoken = [
        m
        for m in h.emu.messages(chat)
        if m.get("sender_business_bot") and m["message_id"] > personal["message_id"]
    ]
    assert spoken == []
    # Staff may still answer in the quiet period: people never talk over each other here.
    thread = await h.wait_topic(user)
    mark = h.emu.mark()
    await h.staff("Your parcel left today", user, thread)
    answer = await h.emu.wait_for_bot_message(
        chat, lambda m: "Your parcel left today" in text_of(m), since=mark
    )
    assert answer["business_connection_id"]
    _ = MANAGER_ID


async def pending_deadlines(h: Harness, conversation_id: int) -> list[str]:
    from sqlmodel import select

    from models import Deadline

    async with transaction(h.services.sessions) as session:
        rows = (await session.exec(select(Deadline).where(Deadline.status == "pending"))).all()
    return [row.kind for row in rows if row.subject == f"conversation:{conversation_id}"]


async def test_an_undelivered_staff_answer_leaves_the_reply_clock_running(
    harness: Harness,
) -> None:
    h = harness
    connection_id = await connect(h)
    user = customer(h, 961002, "Gleb")
    chat = h.emu.business_chat(OWNER, user)
    await h.emu.business_send(user, OWNER, "Talk to a person")
    thread = await h.wait_topic(user)
    waiting = await conversation_of(h, user)
    assert waiting.status == ConversationStatus.WAITING_STAFF and waiting.id is not None
    assert "reply_sla" in await pending_deadlines(h, waiting.id)
    await h.emu.change_business(connection_id, can_reply=False)
    await h.emu.wait_for_bot_message(MANAGER_ID, lambda m: "no longer lets" in text_of(m))
    mark = h.emu.mark()
    await h.staff("It ships on Monday", user, thread)
    note = await in_topic(h, user, "Not delivered", since=mark)
    assert note.get("reply_to_message")  # it answers the staff message that did not go
    assert not any("Monday" in text_of(m) for m in h.emu.messages(chat))
    # Nobody reached the customer: they still wait, and the 3-minute rule still runs.
    still = await conversation_of(h, user)
    assert still.status == ConversationStatus.WAITING_STAFF
    assert still.waiting_since == waiting.waiting_since and still.first_response_at is None
    assert "reply_sla" in await pending_deadlines(h, waiting.id)
    # Once the account lets the bot reply again, an answer that goes through stops it.
    await h.emu.change_business(connection_id, can_reply=True)
    await h.emu.wait_for_bot_message(MANAGER_ID, lambda m: "can answer" in text_of(m))
    mark = h.emu.mark()
    await h.staff("It ships on Monday, sorry for the silence", user, thread)
    await h.emu.wait_for_bot_message(chat, lambda m: "sorry for the silence" in text_of(m))

    async def answered() -> bool:
        return (await conversation_of(h, user)).status == ConversationStatus.ANSWERED

    assert await eventually(answered)
    assert await pending_deadlines(h, waiting.id) == []


async def test_the_owners_edits_and_deletions_reach_the_topic(harness: Harness) -> None:
    h = harness
    await connect(h)
    user = customer(h, 961003, "Vera")
    await h.emu.business_send(user, OWNER, "Talk to a person")
    thread = await h.wait_topic(user)
    mark = h.emu.mark()
    personal = await h.emu.owner_send(OWNER, user, "Your order ships on Tuesday")
    copy = await in_topic(h, user, "ships on Tuesday", since=mark)
    # The owner corrects the day: staff see the corrected text, not the wrong one.
    await h.emu.business_edit(OWNER, user, personal["message_id"], "Your order ships on Friday")
    edited = await h.edited(h.staff_chat, copy["message_id"], "ships on Friday")
    assert edited["message_thread_id"] == thread
    # The customer's message and the owner's, deleted in the chat: staff are told, keep both.
    mark = h.emu.mark()
    asked = await h.emu.business_send(user, OWNER, "Can I pay by card?")
    asked_copy = await in_topic(h, user, "pay by card", since=mark)
    mark = h.emu.mark()
    await h.emu.business_delete(OWNER, user, [personal["message_id"]])
    note = await in_topic(h, user, "of the owner's was deleted", since=mark)
    assert note["reply_to_message"]["message_id"] == copy["message_id"]
    await h.emu.business_delete(OWNER, user, [asked["message_id"]])
    note = await in_topic(h, user, "of the customer's was deleted", since=mark)
    assert note["reply_to_message"]["message_id"] == asked_copy["message_id"]
    assert any(m["message_id"] == copy["message_id"] for m in h.emu.bot_messages(h.staff_chat))


async def forget_connection(h: Harness, connection_id: str) -> None:
    """The bot's database lost the connection (stored before the bot kept them, say)."""
    async with transaction(h.services.sessions) as session:
        row = await session.get(BusinessConnection, connection_id)
        assert row is not None
        await session.delete(row)


async def test_a_connection_the_bot_never_stored_is_asked_of_telegram(harness: Harness) -> None:
    h = harness
    connection_id = await connect(h)
    await forget_connection(h, connection_id)
    user = customer(h, 961004, "Ilya")
    chat = h.emu.business_chat(OWNER, user)
    await h.emu.business_send(user, OWNER, "How long does delivery take?")
    reply = await h.emu.wait_for_bot_message(chat, lambda m: "Did this help?" in text_of(m))
    assert reply["business_connection_id"] == connection_id
    async with transaction(h.services.sessions) as session:
        assert await session.get(BusinessConnection, connection_id) is not None


async def test_a_connection_telegram_does_not_know_still_brings_customers_to_staff(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    from tgemulator import business

    h = harness
    connection_id = await connect(h)
    await forget_connection(h, connection_id)
    # Telegram forgot it too: getBusinessConnection answers BUSINESS_CONNECTION_INVALID.
    conn = h.emu.world.connections.pop(connection_id)
    user = customer(h, 961005, "Lev")
    for text in ("Is the shop open on Sunday?", "Hello?"):
        mark = h.emu.mark()
        business.post(h.emu.world, conn, user, h.emu.people.text_content(text), by_owner=False)
        await in_topic(h, user, text, since=mark)
        await in_topic(h, user, "does not know the account's connection", since=mark)
    failures = [r for r in caplog.records if "getBusinessConnection failed" in r.getMessage()]
    assert len(failures) == 1  # logged once, not once per message
    asked = h.emu.calls_to("getBusinessConnection")
    assert len(asked) == 1  # and not asked again for every message


async def test_another_worker_sees_a_disconnection_within_the_route_cache_time(
    harness: Harness,
) -> None:
    from aiogram.exceptions import TelegramBadRequest

    from bot.telegram.business_routing import ROUTE_TTL, BusinessRoutes
    from bot.telegram.sender import _refused_by_business

    h = harness
    connection_id = await connect(h)
    user = customer(h, 961006, "Zoya")
    await h.emu.business_send(user, OWNER, "How long does delivery take?")
    await h.emu.wait_for_bot_message(h.emu.business_chat(OWNER, user))
    ticks = [1000.0]
    # A second worker on the same database, with its own route cache.
    other = BusinessRoutes(
        h.services.sessions, lambda chat: False, h.services.clock, ticks=lambda: ticks[0]
    )
    before = await other.route(user)
    assert before is not None and before.usable
    await h.emu.change_business(connection_id, enabled=False)
    await h.emu.wait_for_bot_message(MANAGER_ID, lambda m: "disconnected the bot" in text_of(m))
    own = h.services.business_routes
    assert own is not None
    mine = await own.route(user)  # the worker that stored it forgot its cache at once
    assert mine is not None and not mine.usable
    ticks[0] += ROUTE_TTL - 0.1
    stale = await other.route(user)
    assert stale is not None and stale.usable  # the bound: up to ROUTE_TTL seconds late
    # Meanwhile a send with the old connection is refused by Telegram, which the outbox
    # reports to staff like any refusal through the account.
    with pytest.raises(TelegramBadRequest) as refused:
        await h.bot.send_message(user, "still there?", business_connection_id=connection_id)
    assert _refused_by_business(refused.value)
    ticks[0] += 0.2
    fresh = await other.route(user)
    assert fresh is not None and not fresh.usable


async def test_a_press_is_no_message_so_it_does_not_reopen_telegrams_24_hours(
    open_shop: Harness,  # noqa: F811
) -> None:
    """The Bot API's can_reply covers chats "that had incoming messages in the last 24 hours":
    a button press is a callback query, not a message, so it does not move `last_customer_at`
    (what the bot counts the window from), and the emulator counts only messages too."""
    from aiogram.methods import SendMessage

    from bot.telegram.business_routing import BusinessRouting, BusinessUnavailable
    from models import BusinessChat

    h = open_shop
    clock = h.extra["clock"]
    await connect(h)
    user = customer(h, 961007, "Rita")
    chat = h.emu.business_chat(OWNER, user)
    await h.emu.business_send(user, OWNER, "How long does delivery take?")
    asked = await h.emu.wait_for_bot_message(chat, lambda m: "Did this help?" in text_of(m))

    async def last_wrote() -> Any:
        async with transaction(h.services.sessions) as session:
            row = await session.get(BusinessChat, user)
            return None if row is None else row.last_customer_at

    wrote = await eventually(last_wrote)
    assert wrote is not None
    clock.advance(hours=23)  # still within the window: the press is answered in the chat
    query = await h.emu.press_button(user, chat, asked["message_id"], button_text="👍 Yes")
    await h.emu.wait_for_callback_answer(query)
    await h.emu.wait_for_bot_message(chat, lambda m: "Glad" in text_of(m))
    assert await last_wrote() == wrote  # the press did not count as writing
    clock.advance(hours=2)  # 25 hours after the message, 2 after the press
    routes = h.services.business_routes
    assert routes is not None
    routes.forget()
    with pytest.raises(BusinessUnavailable, match="24 hours"):
        await BusinessRouting(routes).routed(SendMessage(chat_id=user, text="Anything else?"))


async def test_the_bots_chat_and_the_shops_chat_number_messages_apart(harness: Harness) -> None:
    """Telegram numbers the messages of the customer's chat with the shop account and of their
    chat with the bot apart, though both chats carry the customer's id: the log must not take
    one for the other. One customer, one conversation, one topic, whichever chat they use."""
    h = harness
    await connect(h)
    user = customer(h, 961008, "Mila")
    await h.emu.business_send(user, OWNER, "Talk to a person")
    thread = await h.wait_topic(user)
    mark = h.emu.mark()
    in_shop = await h.emu.business_send(user, OWNER, "The blue vase, please")
    copy_a = await in_topic(h, user, "The blue vase", since=mark)
    # The customer now writes to the bot itself, their message taking the same number there.
    h.emu.world.user(user).started = True
    h.emu.world.private_chat(user).next_message_id = in_shop["message_id"]
    mark = h.emu.mark()
    in_bot = await h.emu.send_text(user, "Also a red one")
    assert in_bot["message_id"] == in_shop["message_id"]
    copy_b = await in_topic(h, user, "Also a red one", since=mark)
    assert copy_b["message_thread_id"] == thread  # the same topic, the same conversation
    # Editing the one in the bot's chat edits its copy, not the other chat's message's copy.
    await h.emu.edit_text(user, in_bot["message_id"], "Also a green one")
    await h.edited(h.staff_chat, copy_b["message_id"], "Also a green one")
    await h.emu.wait_until_delivered()

    async def settled() -> bool:
        return await h.services.outbox.backlog() == 0

    assert await eventually(settled)
    kept = h.emu.message(h.staff_chat, copy_a["message_id"])
    assert kept is not None and "The blue vase" in text_of(kept)
    from sqlmodel import select

    from models import Message

    async with transaction(h.services.sessions) as session:
        rows = (
            await session.exec(
                select(Message).where(
                    Message.chat_id == user, Message.telegram_message_id == in_bot["message_id"]
                )
            )
        ).all()
    assert sorted(r.text or "" for r in rows) == ["Also a green one", "The blue vase, please"]


BOOK_OWNER = 960002
BOOK_GROUP = -1002000000002


@pytest.fixture
async def two_groups(
    emu: Any, database_url: str, tmp_path: Any
) -> Any:  # an AsyncIterator[Harness]
    """The bot with the policy giving the Book Shop account a staff group of its own."""
    import shutil

    from tests.conftest import ROOT
    from tests.e2e.conftest import bot_settings, start_polling
    from tests.e2e.transactions import watch_calls

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    policy = content / "policy.yaml"
    text = policy.read_text()
    assert "business_staff_groups: {}" in text
    policy.write_text(
        text.replace(
            "business_staff_groups: {}", f'business_staff_groups:\n  "@book_shop": {BOOK_GROUP}'
        )
    )
    emu.add_staff_group(BOOK_GROUP, "Book Shop staff")
    services, bot, dp, stop = await start_polling(
        bot_settings(emu, database_url, content_dir=content)
    )
    with watch_calls(services.engine, bot, dp, services.outbox.locks_while_sending) as watch:
        yield Harness(emu, services, bot, dp, stop, {"calls": watch})
        await stop()
    assert not watch.offences, "Telegram called inside a transaction:\n" + "\n".join(watch.offences)


def topics_in(h: Harness, chat_id: int) -> dict[int, str]:
    return {t.thread_id: t.name for (c, _), t in h.emu.world.topics.items() if c == chat_id}


async def test_an_account_with_a_staff_group_of_its_own(two_groups: Harness) -> None:
    from tests.e2e.conftest import STAFF_ID

    h = two_groups
    await connect(h)  # Tea Shop: the shared staff group
    h.emu.add_user(BOOK_OWNER, "Book", "Shop", username="book_shop", started=False)
    book_connection = await h.emu.connect_business(BOOK_OWNER)
    await h.emu.wait_for_bot_message(MANAGER_ID, lambda m: "Book Shop" in text_of(m))
    tea_customer = customer(h, 961101, "Tanya")
    book_customer = customer(h, 961102, "Boris")
    await h.emu.business_send(tea_customer, OWNER, "Talk to a person")
    await h.emu.business_send(book_customer, BOOK_OWNER, "Talk to a person")

    async def both_topics() -> bool:
        return bool(topics_in(h, h.staff_chat)) and bool(topics_in(h, BOOK_GROUP))

    assert await eventually(both_topics)
    shared, own = topics_in(h, h.staff_chat), topics_in(h, BOOK_GROUP)
    assert [name for name in shared.values() if "961101" in name] == list(shared.values())
    assert [name for name in own.values() if "961102" in name] == list(own.values())
    (tea_thread,), (book_thread,) = shared, own
    assert tea_thread == book_thread  # thread ids are per group: the bot tells them apart
    await h.emu.wait_for_bot_message(BOOK_GROUP, lambda m: "961102" in text_of(m))
    # Book Shop's staff answer in their group: it reaches their customer, through their account.
    mark = h.emu.mark()
    await h.emu.send_text(
        STAFF_ID, "Your book arrives on Monday", chat_id=BOOK_GROUP, thread_id=book_thread
    )
    book_chat = h.emu.business_chat(BOOK_OWNER, book_customer)
    answer = await h.emu.wait_for_bot_message(
        book_chat, lambda m: "arrives on Monday" in text_of(m), since=mark
    )
    assert answer["business_connection_id"] == book_connection
    assert not any(
        "arrives on Monday" in text_of(m)
        for m in h.emu.messages(h.emu.business_chat(OWNER, tea_customer))
    )

    async def answered() -> bool:
        return (await conversation_of(h, book_customer)).status == ConversationStatus.ANSWERED

    assert await eventually(answered)
    assert (await conversation_of(h, tea_customer)).status == ConversationStatus.WAITING_STAFF
    # The customer's next message lands in the Book Shop group's topic, not the shared one.
    mark = h.emu.mark()
    volume = await h.emu.business_send(book_customer, BOOK_OWNER, "Thanks, and the second volume?")
    copy = await h.emu.wait_for_bot_message(
        BOOK_GROUP, lambda m: "second volume" in text_of(m), thread_id=book_thread, since=mark
    )
    assert not any("second volume" in text_of(m) for m in h.emu.bot_messages(h.staff_chat))
    # Edits and deletions reach the copy in that group too.
    await h.emu.business_edit(
        BOOK_OWNER, book_customer, volume["message_id"], "Thanks, and the third volume?"
    )
    await h.edited(BOOK_GROUP, copy["message_id"], "third volume")
    mark = h.emu.mark()
    await h.emu.business_delete(BOOK_OWNER, book_customer, [volume["message_id"]])
    note = await h.emu.wait_for_bot_message(
        BOOK_GROUP, lambda m: "was deleted" in text_of(m), thread_id=book_thread, since=mark
    )
    assert note["reply_to_message"]["message_id"] == copy["message_id"]


async def test_a_press_in_the_quiet_period_gets_no_line_from_the_bot(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.telegram.retry")
    h = harness
    await connect(h)
    user = customer(h, 961009, "Alla")
    chat = h.emu.business_chat(OWNER, user)
    await h.emu.business_send(user, OWNER, "How long does delivery take?")
    asked = await h.emu.wait_for_bot_message(chat, lambda m: "Did this help?" in text_of(m))
    await h.emu.owner_send(OWNER, user, "Alla, for your town it is two days")
    await h.emu.wait_until_delivered()

    async def quiet() -> bool:
        from models import BusinessChat

        async with transaction(h.services.sessions) as session:
            row = await session.get(BusinessChat, user)
            return row is not None and row.owner_active_at is not None

    assert await eventually(quiet)
    query = await h.emu.press_button(user, chat, asked["message_id"], button_text="👍 Yes")
    await h.emu.wait_for_callback_answer(query)  # the press itself is answered (no message)

    async def kept_back() -> bool:  # what the answer to the press met: the quiet period
        return any("the owner is answering" in r.getMessage() for r in caplog.records)

    assert await eventually(kept_back)
    assert await eventually(lambda: _outbox_empty(h))
    assert not any("Glad" in text_of(m) for m in h.emu.messages(chat))


async def _outbox_empty(h: Harness) -> bool:
    return await h.services.outbox.backlog() == 0
