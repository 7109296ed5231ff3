"""The customer sees an answer only once what their message changed is committed."""

from __future__ import annotations

from sqlmodel import col, select

from bot.db import transaction
from models import Direction, Event, Message
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
