"""Who may use the manager commands: MANAGER_IDS and staff members with the manager role."""

from __future__ import annotations

from aiogram.types import Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.i18n import L10n
from bot.services.staff import is_manager


async def allowed(message: Message, session: AsyncSession, services: Services, l10n: L10n) -> bool:
    """Tell whether the sender is a manager; answer anyone else with a polite refusal."""
    user = message.from_user
    if user is not None and await is_manager(
        session, user.id, services.settings.telegram.manager_ids
    ):
        return True
    await message.answer(l10n("manager-command-refused"))
    return False
