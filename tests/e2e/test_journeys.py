"""Customer journeys end to end, from both sides: the customer's chat and the staff topic."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from bot.db import transaction
from models import AuthorKind, Conversation, ConversationStatus, Message, Ticket, TicketStatus
from tests.e2e.conftest import STAFF_ID, Harness, eventually
from tgemulator import EmulatorError

pytestmark = pytest.mark.timeout(60)


def texts(messages: list[dict]) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in messages]


async def ticket_of(h: Harness, number: str) -> Ticket | None:
    async with transaction(h.services.sessions) as session:
        return (await session.exec(select(Ticket).where(Ticket.number == number))).first()


async def topic_message(h: Harness, user: int, predicate, since: int | None = None) -> dict:
    thread = await h.wait_topic(user)
    return await h.emu.wait_for_bot_message(h.staff_chat, predicate, thread_id=thread, since=since)


async def test_faq_answer_with_did_it_help(harness: Harness) -> None:
    h = harness
    user = h.customer(710001)
    reply = await h.say(user, "How long does delivery take?")
    assert "Did this help?" in reply["text"]
    answer = await h.press(user, reply, "👍 Yes")
    assert answer is not None
    glad = await h.emu.wait_for_bot_message(user, lambda m: "Glad" in (m.get("text") or ""))
    assert glad
    assert h.emu.topics() == []  # nobody was bothered


async def test_faq_no_offers_a_person(harness: Harness) -> None:
    h = harness
    user = h.customer(710002)
    reply = await h.say(user, "what payment methods do you accept")
    await h.press(user, reply, "👎 No")
    offer = await h.emu.wait_for_bot_message(
        user, lambda m: "bring in a person" in (m.get("text") or "")
    )
    await h.press(user, offer, "👤 Talk to a person")
    card = await topic_message(h, user, lambda m: "FAQ answer didn't help" in (m.get("text") or ""))
    assert "710002" in card["text"]


async def test_unsure_faq_hands_over_honestly(harness: Harness) -> None:
    h = harness
    user = h.customer(710003, "Olga")
    # About the shop, but nothing in its FAQ: a near miss goes to a person.
    reply = await h.say(user, "Do you have a franchise?")
    assert "rather than guess" in reply["text"]
    copy = await topic_message(h, user, lambda m: "franchise" in (m.get("text") or ""))
    assert copy["chat"]["id"] == h.staff_chat
    cards = texts(h.emu.bot_messages(h.staff_chat, h.topic_id(user)))
    assert any("no confident FAQ answer" in t for t in cards)


async def test_off_topic_gets_one_honest_line_and_the_offer_of_a_person(harness: Harness) -> None:
    h = harness
    user = h.customer(710013, "Lev")
    reply = await h.say(user, "Can you tell me a joke about penguins?")
    assert "I answer questions about this shop" in reply["text"]
    assert "Did this help?" not in reply["text"]
    await h.emu.wait_until_delivered()
    assert h.emu.topics() == []  # nobody is bothered unless the customer asks
    await h.press(user, reply, "👤 Talk to a person")
    card = await topic_message(
        h, user, lambda m: "no confident FAQ answer" in (m.get("text") or "")
    )
    assert "710013" in card["text"]


async def test_small_talk_never_reaches_staff(harness: Harness) -> None:
    h = harness
    user = h.customer(710014, "Ivan", language="ru")
    for text, expected in (
        ("привет!", "Здравствуйте!"),
        ("hello there", "Здравствуйте!"),  # answered in the customer's language
        ("спасибо большое", "Пожалуйста!"),
        ("ок 👍", "👍"),
        ("👍", "👍"),
        ("до свидания", "Всего доброго"),
    ):
        reply = await h.say(user, text)
        assert reply["text"].startswith(expected), (text, reply["text"])
    await h.emu.wait_until_delivered()
    assert h.emu.topics() == []
    async with transaction(h.services.sessions) as session:
        conversation = (await session.exec(select(Conversation))).first()
        assert conversation is not None and conversation.status == ConversationStatus.WITH_BOT


async def test_asking_for_a_person_in_any_words_hands_over_at_once(harness: Harness) -> None:
    h = harness
    user = h.customer(710015, "Nina")
    reply = await h.say(user, "I need to talk to someone")
    assert "A person will reply here shortly" in reply["text"]
    card = await topic_message(
        h, user, lambda m: "the customer asked for a person" in (m.get("text") or "")
    )
    assert "710015" in card["text"]


async def test_question_wrapped_in_a_greeting_is_still_a_question(harness: Harness) -> None:
    h = harness
    user = h.customer(710016, "Ян")
    reply = await h.say(user, "hi, where is my order?")
    assert "Did this help?" in reply["text"]
    assert h.emu.topics() == []


async def test_handoff_both_ways_with_note_and_canned(harness: Harness) -> None:
    h = harness
    user = h.customer(710004, "Pavel")
    await h.say(user, "👤 Talk to a person")
    topic = await h.wait_topic(user)
    assert h.emu.topic(topic)["name"] == h.topic_name("Pavel", 710004)

    mark = h.emu.mark()
    await h.emu.send_photo(user, caption="the box is crushed")
    copy = await topic_message(h, user, lambda m: m.get("caption") == "the box is crushed", mark)
    assert "photo" in copy

    mark = h.emu.mark()
    await h.emu.staff_send(STAFF_ID, topic, "Sorry about that! A new one is on its way.")
    got = await h.emu.wait_for_bot_message(user, since=mark)
    assert got["text"] == "Sorry about that! A new one is on its way."

    await h.emu.staff_send(STAFF_ID, topic, "// customer is a regular, be generous")
    await h.emu.wait_until_delivered()
    assert not any("regular" in t for t in texts(h.emu.bot_messages(user)))

    mark = h.emu.mark()
    await h.emu.staff_send(STAFF_ID, topic, "/canned")
    picker = await topic_message(
        h, user, lambda m: "Choose an answer" in (m.get("text") or ""), mark
    )
    entry = h.services.content.canned_answer("apology-delay")
    assert entry is not None and f"• Apology for the delay: {entry.text.en[:40]}" in picker["text"]
    mark = h.emu.mark()
    await h.press(STAFF_ID, picker, "Apology for the delay", chat_id=h.staff_chat)
    preview = await h.edited(h.staff_chat, picker["message_id"], "Send to the customer")
    assert entry.text.en in preview["text"]  # the whole text first, nothing sent yet
    sent_before = len(h.emu.bot_messages(user))
    await h.emu.wait_until_delivered()
    assert len(h.emu.bot_messages(user)) == sent_before
    await h.press(STAFF_ID, preview, "✅ Send to the customer", chat_id=h.staff_chat)
    canned = await h.emu.wait_for_bot_message(user, since=mark)
    assert canned["text"] == entry.text.en

    async def authors() -> list[tuple[str, str]] | None:
        async with transaction(h.services.sessions) as session:
            stmt = select(Message).where(Message.customer_id.is_not(None)).order_by(col(Message.id))  # type: ignore[union-attr]
            rows = (await session.exec(stmt)).all()
        kinds = [(r.direction, r.author_kind) for r in rows]
        return (
            kinds
            if ("in", AuthorKind.NOTE) in kinds and kinds.count(("out", "staff")) >= 2
            else None
        )

    kinds = await eventually(authors)
    assert kinds, "staff replies and the note are logged with their authors"


async def test_staff_reply_answers_the_conversation(harness: Harness) -> None:
    h = harness
    user = h.customer(710005)
    await h.say(user, "👤 Talk to a person")
    await h.emu.staff_send(STAFF_ID, await h.wait_topic(user), "Hello, how can I help?")
    await h.emu.wait_for_bot_message(user, lambda m: m.get("text") == "Hello, how can I help?")

    async def status() -> str | None:
        async with transaction(h.services.sessions) as session:
            conv = (await session.exec(select(Conversation))).first()
            return conv.status if conv and conv.first_response_at else None

    assert await eventually(status) == ConversationStatus.ANSWERED
    mark = h.emu.mark()
    await h.emu.staff_send(STAFF_ID, await h.wait_topic(user), "/resolve")
    done = await h.emu.wait_for_bot_message(user, since=mark)
    assert "resolved" in done["text"]


async def fill_return(h: Harness, user: int, amount: str, photo: bool = False) -> dict:
    """Walk the return steps as the customer and return the bot's final reply."""
    reply = await h.say(user, "↩️ Return a product")
    assert "receipt" in reply["text"]
    assert "receipt" not in "".join(texts(h.emu.bot_messages(user)[1:])).replace(reply["text"], "")
    when = await h.say(user, "Kettle, white")
    mark = h.emu.mark()
    await h.press(user, when, "This week")
    reason = await h.emu.wait_for_bot_message(
        user, lambda m: "Why" in (m.get("text") or ""), since=mark
    )
    mark = h.emu.mark()
    await h.press(user, reason, "Defective")
    ask_photo = await h.emu.wait_for_bot_message(
        user, lambda m: "photo" in (m.get("text") or ""), since=mark
    )
    mark = h.emu.mark()
    if photo:
        await h.emu.send_photo(user)
    else:
        await h.press(user, ask_photo, "Skip")
    await h.emu.wait_for_bot_message(
        user, lambda m: "How much" in (m.get("text") or ""), since=mark
    )
    return await h.say(user, amount)


async def test_small_return_is_approved_on_the_spot(harness: Harness) -> None:
    h = harness
    user = h.customer(710006)
    approved = await fill_return(h, user, "79,90 ₽")
    assert "approved" in approved["text"]
    number = approved["text"].split("return ")[1].split(" ")[0]
    refund = await h.emu.wait_for_bot_message(user, lambda m: "money back" in (m.get("text") or ""))
    await h.press(user, refund, "💳 To my card")

    async def refund_confirmed() -> bool:
        current = h.emu.message(user, refund["message_id"]) or {}
        return "refund by" in (current.get("text") or "")

    assert await eventually(refund_confirmed)
    ticket = await eventually(lambda: ticket_of(h, number))
    assert ticket.status == TicketStatus.APPROVED and ticket.auto_approved
    assert str(ticket.amount) == "79.90"
    assert h.emu.topics() == []  # no staff time needed


async def test_large_return_is_decided_by_staff(harness: Harness) -> None:
    h = harness
    user = h.customer(710007, "Igor", "ru")
    reply = await h.say(user, "↩️ Вернуть товар")
    assert "Чек не нужен" in reply["text"]
    when = await h.say(user, "Пылесос")
    await h.press(user, when, "На этой неделе")
    reason = await h.emu.wait_for_bot_message(user, lambda m: "Почему" in (m.get("text") or ""))
    await h.press(user, reason, "Брак")
    await h.emu.wait_for_bot_message(user, lambda m: "фото" in (m.get("text") or ""))
    mark = h.emu.mark()
    await h.emu.send_photo(user)
    await h.emu.wait_for_bot_message(user, lambda m: "Сколько" in (m.get("text") or ""), since=mark)
    pending = await h.say(user, "4 500")
    assert "передан сотрудникам" in pending["text"]

    card = await topic_message(h, user, lambda m: "Approve" in str(m.get("reply_markup")))
    assert "4500.00" in card["caption"] and "photo" in card
    mark = h.emu.mark()
    await h.press(STAFF_ID, card, "✅ Approve", chat_id=h.staff_chat)
    told = await h.emu.wait_for_bot_message(user, since=mark)
    assert "одобрен" in told["text"]
    number = told["text"].split("возврат ")[1].split(" ")[0]

    async def decided() -> Ticket | None:
        found = await ticket_of(h, number)
        return found if found and found.status != TicketStatus.PENDING else None

    ticket = await eventually(decided)
    assert ticket.status == TicketStatus.APPROVED and not ticket.auto_approved
    assert ticket.decided_by == STAFF_ID

    # The buttons are gone; a second decision sent anyway is refused and changes nothing.
    assert not (h.emu.message(h.staff_chat, card["message_id"]) or {}).get("reply_markup")
    query = await h.emu.press_button(
        STAFF_ID, h.staff_chat, card["message_id"], f"rd:{ticket.id}:0"
    )
    answer = await h.emu.wait_for_callback_answer(query)
    assert answer.get("show_alert")
    assert (await ticket_of(h, number)).status == TicketStatus.APPROVED


async def test_complaint_is_numbered_and_followed_by_staff(harness: Harness) -> None:
    h = harness
    user = h.customer(710008)
    await h.say(user, "📝 Make a complaint")
    ask = await h.say(user, "The courier was rude and threw the bag at my door.")
    mark = h.emu.mark()
    await h.emu.send_photo(user)
    added = await h.emu.wait_for_bot_message(user, since=mark)
    assert "Photo added (1)" in added["text"]
    mark = h.emu.mark()
    await h.press(user, added, "Send the complaint")
    done = await h.emu.wait_for_bot_message(
        user, lambda m: "registered" in (m.get("text") or ""), since=mark
    )
    assert "sorry" in done["text"] and "C-" in done["text"]
    assert ask
    card = await topic_message(h, user, lambda m: "Complaint" in (m.get("text") or ""))
    assert "courier was rude" in card["text"]
    mark = h.emu.mark()
    await h.press(STAFF_ID, card, "🔧 In progress", chat_id=h.staff_chat)
    status = await h.emu.wait_for_bot_message(user, since=mark)
    assert "in progress" in status["text"]

    async def committed() -> bool:  # the customer is told before the change commits
        async with transaction(h.services.sessions) as session:
            stmt = select(Ticket).where(col(Ticket.number).startswith("C-"))
            ticket = (await session.exec(stmt)).first()
            return ticket is not None and ticket.status == TicketStatus.IN_PROGRESS

    assert await eventually(committed)
    listing = await h.say(user, "📋 My requests")
    assert "Complaint C-" in listing["text"] and "in progress" in listing["text"]


async def test_forged_and_stale_buttons_are_refused(harness: Harness) -> None:
    h = harness
    victim = h.customer(710009)
    approved = await fill_return(h, victim, "10")
    number = approved["text"].split("return ")[1].split(" ")[0]
    ticket = await eventually(lambda: ticket_of(h, number))
    attacker = h.customer(710010)
    start = await h.say(attacker, "/start")
    for data in (f"rf:{ticket.id}:cash", f"rd:{ticket.id}:1", "cn:greeting", "zz:1", "lg:de"):
        query = await h.emu.press_button(attacker, attacker, start["message_id"], data)
        answer = await h.emu.wait_for_callback_answer(query)
        assert answer.get("show_alert"), data
    again = await ticket_of(h, number)
    assert again.refund_method is None and again.status == TicketStatus.APPROVED


async def test_unsupported_content_gets_a_polite_answer(harness: Harness) -> None:
    h = harness
    user = h.customer(710011)
    mark = h.emu.mark()
    await h.emu.send_sticker(user)
    reply = await h.emu.wait_for_bot_message(user, since=mark)
    assert "can't read that kind of message" in reply["text"]


async def test_edits_are_recorded_and_relayed(harness: Harness) -> None:
    h = harness
    user = h.customer(710012)
    await h.say(user, "👤 Talk to a person")
    mark = h.emu.mark()
    sent = await h.emu.send_text(user, "my order is 1234")
    copy = await topic_message(h, user, lambda m: m.get("text") == "my order is 1234", mark)
    await h.emu.edit_text(user, sent["message_id"], "my order is 1243")

    async def edited() -> bool:
        current = h.emu.message(h.staff_chat, copy["message_id"])
        return bool(current and current.get("text") == "my order is 1243")

    assert await eventually(edited)


async def test_long_texts_are_split_not_lost(harness: Harness) -> None:
    h = harness
    user = h.customer(710013)
    await h.say(user, "👤 Talk to a person")
    long = ("word " * 1500).strip()  # 7,499 characters
    mark = h.emu.mark()
    await h.bot.send_message(user, long)
    first = await h.emu.wait_for_bot_message(user, since=mark)
    parts = [m for m in h.emu.bot_messages(user) if m["text"].startswith("word")]
    assert len(parts) == 2 and all(len(p["text"]) <= 4096 for p in parts)
    assert " ".join(p["text"] for p in parts) == long
    assert first


async def test_blocked_customer_is_refused_and_not_relayed(harness: Harness) -> None:
    h = harness
    user = h.customer(710014)
    await h.say(user, "/start")

    async def block() -> bool:  # the reply comes before the commit: wait for the row
        async with transaction(h.services.sessions) as session:
            from models import Customer

            stmt = select(Customer).where(Customer.telegram_id == user)
            customer = (await session.exec(stmt)).first()
            if customer is not None:
                customer.blocked = True
            return customer is not None

    assert await eventually(block)
    reply = await h.say(user, "hello?? answer me")
    assert "can no longer continue" in reply["text"]
    assert h.emu.topics() == []


async def test_scripted_flow_leads_to_an_answer_and_to_actions(harness: Harness) -> None:
    h = harness
    user = h.customer(710015)
    menu = await h.say(user, "❓ Ask a question")
    mark = h.emu.mark()
    await h.press(user, menu, "Delivery problem")
    what = await h.emu.wait_for_bot_message(user, since=mark)
    mark = h.emu.mark()
    await h.press(user, what, "It is late")
    late = await h.emu.wait_for_bot_message(user, since=mark)
    mark = h.emu.mark()
    await h.press(user, late, "Less than 30 minutes")
    answer = await h.emu.wait_for_bot_message(user, since=mark)
    assert "traffic" in answer["text"]
    assert h.emu.topics() == []
    # Each answered question keeps the choice in words, and no live buttons.
    for pressed, label in ((menu, "Delivery problem"), (what, "It is late")):
        settled = h.emu.message(user, pressed["message_id"]) or {}
        assert settled["text"].endswith(f"» {label}") and not settled.get("reply_markup")
    with pytest.raises(EmulatorError, match="no callback button"):
        await h.press(user, what, "Something is damaged")

    menu = await h.say(user, "❓ Ask a question")
    mark = h.emu.mark()
    await h.press(user, menu, "Delivery problem")
    what = await h.emu.wait_for_bot_message(user, since=mark)
    mark = h.emu.mark()
    await h.press(user, what, "Something is damaged")
    damaged = await h.emu.wait_for_bot_message(user, since=mark)
    labels = [b["text"] for row in damaged["reply_markup"]["inline_keyboard"] for b in row]
    mark = h.emu.mark()
    await h.press(user, damaged, next(label for label in labels if "Refund" in label))
    started = await h.emu.wait_for_bot_message(
        user, lambda m: "What are you returning" in (m.get("text") or ""), since=mark
    )
    assert started
    assert (await h.say(user, "Glass jar"))["text"].startswith("Roughly when")


async def test_callback_request_with_shared_phone(harness: Harness) -> None:
    h = harness
    user = h.customer(710016, "Lena")
    ask = await h.say(user, "📞 Request a callback")
    assert ask["reply_markup"]["keyboard"][0][0].get("request_contact") is True
    mark = h.emu.mark()
    await h.emu.send_contact(user, phone_number="+79001234567")
    reply = await h.emu.wait_for_bot_message(user, since=mark)
    assert "callback list" in reply["text"]
    card = await topic_message(h, user, lambda m: "+79001234567" in (m.get("text") or ""))
    assert "asked for a callback" in card["text"]


async def test_menu_commands_work_in_the_middle_of_a_step(harness: Harness) -> None:
    h = harness
    user = h.customer(710017)
    await h.say(user, "↩️ Return a product")
    cancelled = await h.say(user, "/cancel")
    assert cancelled["text"].startswith("Cancelled")
    await h.say(user, "📝 Make a complaint")
    help_text = await h.say(user, "/help")
    assert "/menu" in help_text["text"]
    greeting = await h.say(user, "/start")
    assert greeting["text"].startswith("Hello")
    assert (await h.say(user, "/cancel"))["text"].startswith("There's nothing to cancel")


async def test_every_kind_of_content_reaches_the_topic(harness: Harness) -> None:
    h = harness
    h.emu.inject_fault("createForumTopic", "429", count=1, retry_after=1)  # flood control first
    user = h.customer(710018, "Kira")
    await h.say(user, "👤 Talk to a person")
    topic = await h.wait_topic(user)
    assert len(h.emu.calls_to("createForumTopic")) == 2  # waited out the 429, then created once
    senders = [
        lambda: h.emu.send_document(user, caption="invoice"),
        lambda: h.emu.send_voice(user),
        lambda: h.emu.send_video(user),
        lambda: h.emu.send_sticker(user),
        lambda: h.emu.send_location(user, 55.75, 37.62),
        lambda: h.emu.send_contact(user),
    ]
    for send in senders:
        await send()
    await h.emu.wait_until_delivered()
    kinds = ("document", "voice", "video", "sticker", "location", "contact")

    async def all_copied() -> bool:
        copies = h.emu.bot_messages(h.staff_chat, topic)
        return all(any(kind in m for m in copies) for kind in kinds)

    assert await eventually(all_copied)
    assert [c.method for c in h.emu.rejected_calls] == ["createForumTopic"]  # only the 429


async def test_resolve_resolves_an_open_complaint_and_says_so(harness: Harness) -> None:
    h = harness
    user = h.customer(710031, "Zoe")
    await h.say(user, "📝 Make a complaint")
    ask = await h.say(user, "The courier left my order in the rain.")
    mark = h.emu.mark()
    await h.press(user, ask, "Send the complaint")
    done = await h.emu.wait_for_bot_message(
        user, lambda m: "registered" in (m.get("text") or ""), since=mark
    )
    number = "C-" + done["text"].split("C-")[1][:6]
    card = await topic_message(h, user, lambda m: "Complaint" in (m.get("text") or ""))
    mark = h.emu.mark()
    await h.press(STAFF_ID, card, "🔧 In progress", chat_id=h.staff_chat)
    # The customer is told from the outbox, after the press has committed.
    await h.emu.wait_for_bot_message(user, lambda m: "in progress" in m.get("text", ""), since=mark)
    topic = await h.wait_topic(user)
    mark = h.emu.mark()
    await h.emu.staff_send(STAFF_ID, topic, "/resolve")
    reply = await h.emu.wait_for_bot_message(
        h.staff_chat, lambda m: "Resolved" in (m.get("text") or ""), thread_id=topic, since=mark
    )
    assert f"complaint {number}" in reply["text"]
    told = await h.emu.wait_for_bot_message(
        user, lambda m: number in (m.get("text") or ""), since=mark
    )
    assert "resolved" in told["text"]

    async def resolved() -> Ticket | None:  # staff are told before the update commits
        found = await ticket_of(h, number)
        return found if found and found.status == TicketStatus.RESOLVED else None

    assert await eventually(resolved)
    # The card in the topic says so too, and offers only what a resolved complaint allows.
    settled = h.emu.message(h.staff_chat, card["message_id"]) or {}
    assert settled["text"].startswith(f"📝 Complaint {number} — resolved"), settled["text"]
    buttons = [b["text"] for row in settled["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["🔧 In progress"]


async def test_faq_answers_name_buttons_the_customer_can_press(harness: Harness) -> None:
    """An answer that says tap "X" shows X on the keyboard; a flow it names offers its steps."""
    h = harness
    user = h.customer(710032, "Yuri", "ru")
    await h.say(user, "/start")
    answer = await h.say(user, "Нужен ли чек для возврата?")
    assert "«Вернуть товар»" in answer["text"]
    keyboard = h.emu.reply_keyboard(user) or {}
    assert any(b["text"].endswith("Вернуть товар") for row in keyboard["keyboard"] for b in row)
    await h.say(user, "↩️ Вернуть товар")  # the button the answer names starts a return
    assert "Чек не нужен" in " ".join(m.get("text") or "" for m in h.emu.bot_messages(user))

    user = h.customer(710033, "Yan")
    late = await h.say(user, "My order is late, what should I do?")
    assert '"Ask a question" → "Delivery problem"' in late["text"]
    menu = await h.say(user, "❓ Ask a question")
    await h.press(user, menu, "Delivery problem")  # exactly as the answer says
