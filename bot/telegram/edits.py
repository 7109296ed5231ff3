"""Relay an edit: when someone edits a message the bot copied, queue the same edit of the copy."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram.methods import EditMessageCaption, EditMessageText
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.message_log import find_message, relayed_copies
from bot.services.outbox_rows import chat_lane, topic_lane
from bot.telegram.outbox import queue_call

if TYPE_CHECKING:
    from bot.container import Services


async def relay_edit(
    services: Services,
    session: AsyncSession,
    chat_id: int,
    message_id: int,
    business_connection_id: str | None = None,
) -> int:
    """Queue the recorded new text of a message onto its copies; return how many."""
    original = await find_message(session, chat_id, message_id, business_connection_id)
    if original is None or original.text is None:
        return 0
    staff_chat = services.settings.telegram.staff_chat_id
    copies = await relayed_copies(session, original)
    for copy in copies:
        method: EditMessageText | EditMessageCaption
        if original.content_type == "text":
            method = EditMessageText(
                text=original.text, chat_id=copy.chat_id, message_id=copy.telegram_message_id
            )
        else:
            method = EditMessageCaption(
                caption=original.text, chat_id=copy.chat_id, message_id=copy.telegram_message_id
            )
        # After whatever else is queued for that topic or chat, so the copy goes first.
        staff_group = copy.chat_id == staff_chat or copy.chat_id in services.own_staff_groups()
        in_topic = staff_group and copy.customer_id is not None
        lane = (
            topic_lane(copy.customer_id)
            if in_topic and copy.customer_id
            else chat_lane(copy.chat_id)
        )
        queue_call(session, services, lane, method)
    return len(copies)
