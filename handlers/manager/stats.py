"""/stats: today's and this week's service figures, for managers."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.i18n import L10n
from bot.services.figures import compute_figures, day_period, local_today, week_period
from handlers.manager.access import allowed
from handlers.manager.texts import stats_text

router = Router(name=__name__)


@router.message(Command("stats"))
async def stats(message: Message, session: AsyncSession, services: Services, l10n: L10n) -> None:
    """Answer with the figures of today and of this week."""
    if not await allowed(message, session, services, l10n):
        return
    tz = ZoneInfo(services.settings.app.timezone)
    today = local_today(services.clock(), tz)
    managers = services.settings.telegram.manager_ids
    day = await compute_figures(session, day_period(today, tz), managers=managers)
    week = await compute_figures(session, week_period(today, tz), managers=managers)
    text = "\n\n".join(
        (
            stats_text(l10n, l10n("manager-stats-today"), day.total),
            stats_text(l10n, l10n("manager-stats-week"), week.total),
        )
    )
    await message.answer(text)
