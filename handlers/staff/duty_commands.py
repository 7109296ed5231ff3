"""/duty on, /duty off, /duty: the roster, kept by staff themselves in the staff chat."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.i18n import L10n
from bot.services.duty import on_duty_members
from bot.usecases.go_on_duty import go_on_duty

router = Router(name=__name__)


@router.message(Command("duty"))
async def duty(
    message: Message,
    command: CommandObject,
    bot: Bot,
    services: Services,
    session: AsyncSession,
    l10n: L10n,
) -> None:
    """Go on or off duty, or list who is on duty."""
    assert message.from_user is not None
    user = message.from_user
    argument = (command.args or "").strip().lower()
    if argument not in ("", "on", "off"):
        await message.reply(l10n("duty-usage"))
        return
    if argument:
        on = argument == "on"
        change = await go_on_duty(
            session, services, user.id, user.full_name, user.username, on, services.clock()
        )
        await message.reply(l10n("duty-now-on" if on else "duty-now-off", name=change.member.name))
        return
    members = await on_duty_members(session)
    names = ", ".join(m.name for m in members) or l10n("duty-nobody")
    await message.reply(l10n("duty-list", names=names))
