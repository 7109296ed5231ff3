"""Go on or off duty: the roster kept by staff themselves; managers hear when nobody is left."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.services.duty import DutyChange, set_duty, staff_member
from bot.telegram.alerts import warn_nobody_on_duty


async def go_on_duty(
    session: AsyncSession,
    services: Services,
    telegram_id: int,
    name: str,
    username: str | None,
    on_duty: bool,
    now: datetime,
) -> DutyChange:
    """Put the staff member on or off duty; warn the managers if working hours lost the last."""
    member = await staff_member(session, telegram_id, name, username, now)
    change = await set_duty(session, member, on_duty, now)
    if change.nobody_left and services.promises.schedule.is_open(now):
        await warn_nobody_on_duty(session, services)
    return change
