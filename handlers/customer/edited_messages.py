"""Customers' edited messages: recorded by the log, and the staff topic's copy edited too."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.telegram.edits import relay_edit

router = Router(name=__name__)


@router.edited_message()
async def edited(message: Message, services: Services, session: AsyncSession) -> None:
    """Mirror the customer's edit onto the copy staff see."""
    await relay_edit(
        services, session, message.chat.id, message.message_id, message.business_connection_id
    )
