"""Staff edits in a topic reach the customer's copy too; notes stay internal."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.telegram.edits import relay_edit

router = Router(name=__name__)


@router.edited_message()
async def edited(message: Message, services: Services, session: AsyncSession) -> None:
    """Mirror a staff member's edit onto the message the customer received."""
    await relay_edit(services, session, message.chat.id, message.message_id)
