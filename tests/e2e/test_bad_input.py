"""Bad input end to end: odd content, late edits, the longest texts, blocked bots, stale buttons."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlmodel import select

from bot.db import transaction
from models import Conversation, Event, Message, SatisfactionRating, Ticket, TicketStatus
from tests.e2e.conftest import MANAGER_ID, STAFF_ID
from tests.e2e.test_fuzz import (
    QuietHarness,
    Watch,
    fast_harness,
    inline_buttons,
    outgoing_since,
    stored_inbound,
)
from tgemulator import Emulator

pytestmark = pytest.mark.timeout(90)
Json = dict[str, Any]


@pytest.fixture
async def harness(emu: Emulator, database_url: str) -> AsyncIterator[QuietHarness]:
    """The bot polling the emulator, with no per-chat flood limit to wait for."""
    async for running in fast_harness(emu, database_url):
        yield running


def text_of(message: Json) -> str:
    """A message's text or caption."""
    return message.get("text") or message.get("caption") or ""


async def post(h: QuietHarness, user: int, content: Json, **where: Any) -> Json:
    """Send raw message content as a person (content the emulator has no helper for)."""
    sent = h.emu.people.post(user, content, **where)
    await asyncio.sleep(0)
    return sent


def animation(h: QuietHarness) -> Json:
    """A GIF as Telegram delivers it: an animation that is also a document."""
    body = h.emu.people.media_content(
        "document", b"GIF89a\x01\x00\x01\x00", filename="cat.gif.mp4", mime_type="video/mp4"
    )
    doc = body["document"]
    return {**body, "animation": {**doc, "width": 1, "height": 1, "duration": 1}}


DICE: Json = {"dice": {"emoji": "🎲", "value": 4}}
POLL: Json = {
    "poll": {
        "id": "5000000000000000001",
        "question": "Which is best?",
        "options": [
            {"persistent_id": "1", "text": "Milk", "voter_count": 0},
            {"persistent_id": "2", "text": "Kefir", "voter_count": 0},
        ],
        "total_voter_count": 0,
        "is_closed": False,
        "is_anonymous": True,
        "type": "regular",
        "allows_multiple_answers": False,
        "allows_revoting": False,
        "members_only": False,
    }
}


async def handoff(h: QuietHarness, user: int) -> int:
    """Bring a person in for the customer; return their topic."""
    await h.say(user, "👤 Talk to a person")
    return await h.wait_topic(user)


def blocked_bot(call: Any) -> bool:
    """A call refused only because the customer blocked the bot."""
    return "blocked by the user" in (call.error or "")


async def test_stickers_animations_dice_and_polls_get_a_polite_answer(
    harness: QuietHarness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    watch = Watch(h, caplog)
    user = h.customer(781001)
    sent = []
    for send in (
        lambda: h.emu.send_sticker(user),
        lambda: post(h, user, animation(h)),
        lambda: post(h, user, DICE),
        lambda: post(h, user, POLL),
    ):
        mark = h.emu.mark()
        sent.append((await send())["message_id"])
        await watch.idle()
        replies = [text_of(m) for m in outgoing_since(h, user, mark)]
        assert any("can't read that kind of message" in r for r in replies), replies
    assert h.emu.topics() == []  # the bot answered them itself: nobody was bothered

    topic = await handoff(h, user)  # with a person, the same content goes to staff instead
    mark = h.emu.mark()
    for content in (DICE, animation(h)):
        sent.append((await post(h, user, content))["message_id"])
    await h.emu.send_sticker(user, "😡")
    await watch.idle()
    copies = outgoing_since(h, h.staff_chat, mark)
    assert len(copies) == 3 and all(c.get("message_thread_id") == topic for c in copies)
    assert {"dice", "animation", "sticker"} <= {k for c in copies for k in c}
    assert outgoing_since(h, user, mark) == []
    await watch.assert_clean()
    assert set(await stored_inbound(h, user, sent)) == set(sent)


async def test_an_edit_long_after_is_kept_and_mirrored_without_reopening(
    harness: QuietHarness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    user = h.customer(781002)
    topic = await handoff(h, user)
    watch = Watch(h, caplog)
    original = await h.emu.send_text(user, "my order number is 1234")
    await watch.idle()
    copy = next(m for m in outgoing_since(h, h.staff_chat, 0) if text_of(m).endswith("1234"))
    await h.emu.staff_send(STAFF_ID, topic, "/resolve")
    await h.idle()
    await h.say(user, "/start")  # a new conversation has begun since
    await h.emu.edit_text(user, original["message_id"], "my order number is 4321")
    await h.emu.edit_text(user, original["message_id"], "my order number is 4321, sorry")
    await watch.idle()
    mirrored = h.emu.message(h.staff_chat, copy["message_id"]) or {}
    assert mirrored.get("text") == "my order number is 4321, sorry"
    stored = await stored_inbound(h, user, [original["message_id"]])
    assert stored[original["message_id"]] == "my order number is 4321, sorry"
    async with transaction(h.services.sessions) as session:
        row = (
            await session.exec(
                select(Message).where(
                    Message.chat_id == user, Message.telegram_message_id == original["message_id"]
                )
            )
        ).one()
        statuses = (await session.exec(select(Conversation.status))).all()
    assert (row.extra or {}).get("previous_texts") == [
        "my order number is 1234",
        "my order number is 4321",
    ]
    assert "waiting_staff" not in statuses  # an edit is not a new request
    await watch.assert_clean()


async def test_the_longest_texts_reach_staff_and_customers_whole(
    harness: QuietHarness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    user = h.customer(781003)
    topic = await handoff(h, user)
    watch = Watch(h, caplog)
    # 4,096 is Telegram's limit, in UTF-16 code units: 2,048 emoji are as long as 4,096 letters.
    for text in ("ж" * 4096, "😀" * 2048, ("word " * 820)[:4096]):
        mark = h.emu.mark()
        await h.emu.send_text(user, text)
        await watch.idle()
        copies = [m for m in outgoing_since(h, h.staff_chat, mark) if m.get("text")]
        assert [c["text"] for c in copies] == [text.strip()]
        assert copies[0]["message_thread_id"] == topic
    mark = h.emu.mark()
    await h.emu.staff_send(STAFF_ID, topic, "я" * 4096)
    await watch.idle()
    assert [m["text"] for m in outgoing_since(h, user, mark)] == ["я" * 4096]
    await watch.assert_clean()


async def test_long_customer_words_fit_the_staff_cards(
    harness: QuietHarness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    watch = Watch(h, caplog)
    # Callback requests whose "write to me instead" words are as long as Telegram allows.
    for caller, words in ((781004, "😀" * 2048), (781014, "z" * 4096)):
        h.customer(caller)
        await h.say(caller, "📞 Request a callback")
        mark = h.emu.mark()
        await h.emu.send_text(caller, words)
        await watch.idle()
        cards = "".join(text_of(m) for m in outgoing_since(h, h.staff_chat, mark))
        assert "asked for a callback" in cards and words in cards.replace("\n", "")

    # A complaint as long as a message can be: registered, then moved along by staff.
    author = h.customer(781005)
    await h.say(author, "📝 Make a complaint")
    ask = await h.say(author, "The story. " + "z" * 4085)
    mark = h.emu.mark()
    await h.press(author, ask, "Send the complaint")
    await watch.idle()
    assert any("registered" in text_of(m) for m in outgoing_since(h, author, mark))
    topic = await h.wait_topic(author)
    complaint = next(m for m in h.emu.bot_messages(h.staff_chat, topic) if inline_buttons(m))
    await h.press(STAFF_ID, complaint, "🔧 In progress", chat_id=h.staff_chat)
    await watch.idle()
    moved = h.emu.message(h.staff_chat, complaint["message_id"]) or {}
    assert "in progress" in text_of(moved) and "The story. zzz" in text_of(moved)

    # A return of an item described in 1,000 emoji, with a photo: a caption holds 1,024 units.
    returner = h.customer(781006)
    await h.say(returner, "↩️ Return a product")
    step = await h.say(returner, "📦" * 1000)
    for label in ("This week", "Defective"):
        await h.press(returner, step, label)
        await watch.idle()
        step = h.emu.bot_messages(returner)[-1]
    await h.emu.send_photo(returner)
    await watch.idle()
    assert "with our staff" in (await h.say(returner, "5000"))["text"]
    topic = await h.wait_topic(returner)
    pending = next(m for m in h.emu.bot_messages(h.staff_chat, topic) if inline_buttons(m))
    await h.press(STAFF_ID, pending, "✅ Approve", chat_id=h.staff_chat)
    await watch.assert_clean()
    decided = h.emu.message(h.staff_chat, pending["message_id"]) or {}
    assert "📦" in decided.get("caption", "") and not decided.get("reply_markup")


async def test_staff_are_told_when_the_customer_has_blocked_the_bot(
    harness: QuietHarness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    user = h.customer(781007)
    await h.say(user, "📝 Make a complaint")
    ask = await h.say(user, "The courier never came")
    await h.press(user, ask, "Send the complaint")
    await h.emu.wait_for_bot_message(user, lambda m: "registered" in text_of(m))
    topic = await h.wait_topic(user)
    card = next(m for m in h.emu.bot_messages(h.staff_chat, topic) if inline_buttons(m))
    watch = Watch(h, caplog)
    await h.emu.block_bot(user)

    async def staff_says(text: str) -> list[str]:
        mark = h.emu.mark()
        await h.emu.staff_send(STAFF_ID, topic, text)
        await watch.idle()
        return [text_of(m) for m in outgoing_since(h, h.staff_chat, mark)]

    assert any("blocked the bot" in t for t in await staff_says("Sorry! Refunding now."))
    assert any("Choose an answer" in t for t in await staff_says("/canned"))
    picker = h.emu.bot_messages(h.staff_chat, topic)[-1]
    await h.press(STAFF_ID, picker, "Apology for the delay", chat_id=h.staff_chat)
    preview = await h.edited(h.staff_chat, picker["message_id"], "Send to the customer")

    async def staff_press(message: dict[str, Any], label: str) -> list[str]:
        # The customer is written to after the press commits: staff hear of the refusal then.
        mark = h.emu.mark()
        await h.press(STAFF_ID, message, label, chat_id=h.staff_chat)
        await watch.idle()
        return [text_of(m) for m in outgoing_since(h, h.staff_chat, mark)]

    assert any(
        "blocked the bot" in t for t in await staff_press(preview, "✅ Send to the customer")
    )
    assert any("blocked the bot" in t for t in await staff_press(card, "🔧 In progress"))
    assert any("not told" in t for t in await staff_says("/resolve"))
    await watch.assert_clean(allow=blocked_bot)
    assert h.emu.bot_messages(user)[-1]["text"].startswith("Your complaint")  # nothing new
    async with transaction(h.services.sessions) as session:
        ticket = (await session.exec(select(Ticket))).one()
        conversation = (await session.exec(select(Conversation))).one()
    assert ticket.status == TicketStatus.RESOLVED  # /resolve resolved it too, told or not
    assert conversation.status == "resolved"


async def test_buttons_from_an_old_conversation_are_answered_safely(
    harness: QuietHarness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    user = h.customer(781008)
    faq = await h.say(user, "How long does delivery take?")
    await h.say(user, "↩️ Return a product")
    step = await h.say(user, "Kettle")
    for label in ("This week", "Defective", "Skip"):
        await h.press(user, step, label)
        step = h.emu.bot_messages(user)[-1]
    await h.say(user, "50")
    refund = await h.emu.wait_for_bot_message(user, lambda m: "money back" in text_of(m))
    await h.press(user, refund, "💳 To my card")
    topic = await handoff(h, user)
    await h.emu.staff_send(STAFF_ID, topic, "/resolve")
    await h.idle()
    old_rating = await h.emu.wait_for_bot_message(user, lambda m: "How did we do" in text_of(m))
    await h.say(user, "Do you have a franchise?")  # a second conversation, with staff
    await h.emu.staff_send(STAFF_ID, topic, "/resolve")
    await h.idle()
    new_rating = await h.emu.wait_for_bot_message(
        user,
        lambda m: "How did we do" in text_of(m) and m["message_id"] != old_rating["message_id"],
    )
    watch = Watch(h, caplog)
    old = [m for m in h.emu.bot_messages(user) if inline_buttons(m)]
    assert old, "the old menus still carry buttons"
    for message in old:
        for data in inline_buttons(message):
            query = await h.emu.press_button(user, user, message["message_id"], data)
            await watch.idle()
            assert h.emu.callback_answer(query) is not None, data
    await watch.assert_clean()
    async with transaction(h.services.sessions) as session:
        ratings = (await session.exec(select(SatisfactionRating.conversation_id))).all()
        ticket = (await session.exec(select(Ticket))).one()
    # Whatever was pressed, each conversation is rated at most once and the refund stands.
    assert len(ratings) == len(set(ratings)) <= 2
    assert ticket.refund_method == "card"
    assert faq and new_rating


async def test_the_general_thread_is_not_a_customer_topic(
    harness: QuietHarness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    user = h.customer(781009)
    topic = await handoff(h, user)
    before = len(h.emu.bot_messages(user))
    watch = Watch(h, caplog)
    mark = h.emu.mark()
    sent = []
    for author, text in [
        (STAFF_ID, "Hello, is anyone there?"),
        (STAFF_ID, "/resolve"),
        (MANAGER_ID, "/ban"),
        (STAFF_ID, "/abuse"),
        (STAFF_ID, "/canned"),
        (MANAGER_ID, "/reopen"),
        (STAFF_ID, "// a note"),
        (STAFF_ID, "/escalate now"),
    ]:
        sent.append((await h.emu.staff_send(author, None, text))["message_id"])
    sent.append((await h.emu.staff_send_photo(STAFF_ID, None, caption="look"))["message_id"])
    await h.emu.edit_text(STAFF_ID, sent[0], "Hello, is anyone there at all?", chat_id=h.staff_chat)
    await watch.idle()
    assert len(h.emu.bot_messages(user)) == before  # nothing reached the customer
    assert outgoing_since(h, h.staff_chat, mark) == []  # and nothing answered in General
    assert set(await stored_inbound(h, h.staff_chat, sent)) == set(sent)
    async with transaction(h.services.sessions) as session:
        conversation = (await session.exec(select(Conversation))).one()
        escalations = (await session.exec(select(Event).where(Event.kind == "escalated"))).all()
    assert conversation.status == "waiting_staff" and not conversation.abusive
    assert escalations == []
    await watch.assert_clean()
    mark = h.emu.mark()
    await h.emu.staff_send(STAFF_ID, None, "/duty on")  # the one staff-wide command works there
    await watch.idle()
    assert any("on duty" in text_of(m) for m in outgoing_since(h, h.staff_chat, mark))
    assert topic


async def test_a_double_tap_is_answered_and_counted_once(
    harness: QuietHarness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    user = h.customer(781010)
    answer = await h.say(user, "How long does delivery take?")
    watch = Watch(h, caplog)
    first = await h.emu.press_button(user, user, answer["message_id"], button_text="👍 Yes")
    second = await h.emu.press_button(user, user, answer["message_id"], button_text="👍 Yes")
    await watch.idle()
    assert h.emu.callback_answer(first) is not None and h.emu.callback_answer(second) is not None
    assert [text_of(m) for m in h.emu.bot_messages(user)].count(
        "Glad it helped! Anything else?"
    ) == 1
    assert watch.errors() == []
    async with transaction(h.services.sessions) as session:
        helpful = (await session.exec(select(Event).where(Event.kind == "faq_helpful"))).all()
    assert len(helpful) == 1


async def test_a_nul_character_in_a_message_is_kept(
    harness: QuietHarness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    user = h.customer(781011)
    watch = Watch(h, caplog)
    sent = await h.emu.send_text(user, "where\x00is my order")
    await watch.idle()
    stored = await stored_inbound(h, user, [sent["message_id"]])
    # PostgreSQL cannot hold U+0000: both databases keep the replacement character instead.
    assert stored[sent["message_id"]] == "where\ufffdis my order"
    await watch.assert_clean()
