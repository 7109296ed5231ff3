"""Relay an edit: when someone edits a message the bot copied, queue the same edit of the copy."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram.methods import EditMessageCaption, EditMessageText
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.message_log import find_message, relayed_copies
from bot.services.outbox_rows import chat_lane, topic_lane
from bot.telegram.outbox import queue_call
from models import Message

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
    copies = await relayed_copies(session, original)
    for copy in copies:
        await edit_copy(
            services, session, original, copy.chat_id, copy.telegram_message_id, copy.customer_id
        )
    return len(copies)


async def edit_copy(
    services: Services,
    session: AsyncSession,
    original: Message,
    chat_id: int,
    message_id: int,
    customer_id: int | None,
) -> None:
    """Queue the edit that gives one copy its original's recorded text."""
    if original.text is None:
        return
    method: EditMessageText | EditMessageCaption
    if original.content_type == "text":
        method = EditMessageText(text=original.text, chat_id=chat_id, message_id=message_id)
    else:
        method = EditMessageCaption(caption=original.text, chat_id=chat_id, message_id=message_id)
    # After whatever else is queued for that topic or chat, so the copy goes first.
    staff_chat = services.settings.telegram.staff_chat_id
    staff_group = chat_id == staff_chat or chat_id in services.own_staff_groups()
    in_topic = staff_group and customer_id is not None
    lane = topic_lane(customer_id) if in_topic and customer_id else chat_lane(chat_id)
    queue_call(session, services, lane, method)
