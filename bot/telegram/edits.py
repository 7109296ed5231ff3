"""Relay an edit: when someone edits a message the bot copied, edit the copy too."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.message_log import find_message, relayed_copies

logger = logging.getLogger(__name__)


async def relay_edit(bot: Bot, session: AsyncSession, chat_id: int, message_id: int) -> int:
    """Apply the recorded new text of a message to its copies; return how many were edited."""
    original = await find_message(session, chat_id, message_id)
    if original is None or original.text is None:
        return 0
    edited = 0
    for copy in await relayed_copies(session, original):
        try:
            if original.content_type == "text":
                await bot.edit_message_text(
                    text=original.text, chat_id=copy.chat_id, message_id=copy.telegram_message_id
                )
            else:
                await bot.edit_message_caption(
                    caption=original.text, chat_id=copy.chat_id, message_id=copy.telegram_message_id
                )
        except TelegramBadRequest as exc:  # deleted copy, or nothing changed
            logger.info(
                "could not relay edit to %s/%s: %s",
                copy.chat_id,
                copy.telegram_message_id,
                exc.message,
            )
            continue
        edited += 1
    return edited
