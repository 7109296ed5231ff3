"""The customer sees an answer only once what their message changed is committed."""

from __future__ import annotations

from aiogram.methods import EditMessageText
from sqlmodel import col, select

from bot.db import transaction
from bot.services.outbox_rows import chat_lane
from bot.telegram.outbox import queue_call
from models import Direction, Event, Message, OutboxMessage, OutboxStatus
from tests.e2e.conftest import Harness, eventually


async def test_an_answer_arrives_after_its_update_committed(harness: Harness) -> None:
    h = harness
    user = h.customer(700501)
    reply = await h.say(user, "How long does delivery take?")
    assert "Did this help?" in reply["text"]
    # Read at once, no waiting: the message and the event were committed before the answer left.
    async with transaction(h.services.sessions) as session:
        asked = (
            await session.exec(
                select(Message).where(Message.chat_id == user, Message.direction == Direction.IN)
            )
        ).all()
        answered = (
            await session.exec(select(Event).where(col(Event.kind) == "faq_answered"))
        ).all()
    assert [m.text for m in asked] == ["How long does delivery take?"]
    assert len(answered) == 1 and answered[0].customer_id == asked[0].customer_id

    async def answer_logged() -> bool:  # the answer's own row follows its send
        async with transaction(h.services.sessions) as session:
            rows = await session.exec(
                select(Message).where(Message.chat_id == user, Message.direction == Direction.OUT)
            )
            out = rows.all()
        return [m.telegram_message_id for m in out] == [reply["message_id"]] and all(
            m.conversation_id == asked[0].conversation_id for m in out
        )

    assert await eventually(answer_logged)


async def test_an_edit_the_message_already_shows_counts_as_sent(harness: Harness) -> None:
    """A copy made after its original was edited may get that edit again: not a failure."""
    h = harness
    user = h.customer(700502)
    reply = await h.say(user, "thanks!")  # small talk: a plain text, no buttons
    assert not reply.get("reply_markup")
    same = EditMessageText(chat_id=user, message_id=reply["message_id"], text=reply["text"])
    async with transaction(h.services.sessions) as session:
        row = queue_call(session, h.services, chat_lane(user), same)
    row_id = row.id

    async def settled() -> OutboxStatus | None:
        async with transaction(h.services.sessions) as session:
            found = await session.get(OutboxMessage, row_id)
            return None if found is None or found.status == OutboxStatus.PENDING else found.status

    assert await eventually(settled) == OutboxStatus.SENT
    assert [c.params for c in h.emu.rejected_calls if c.method == "editMessageText"] != []
