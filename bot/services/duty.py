"""The duty roster: staff mark themselves on and off duty; someone must always be on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.events import log_event
from models import AuthorKind, StaffMember, StaffRole


@dataclass(frozen=True)
class DutyChange:
    """The result of going on or off duty."""

    member: StaffMember
    changed: bool
    nobody_left: bool  # the last person on duty just went off


async def staff_member(
    session: AsyncSession, telegram_id: int, name: str, username: str | None, now: datetime
) -> StaffMember:
    """Return the staff member, registering them the first time they act in the staff chat."""
    member = (
        await session.exec(select(StaffMember).where(StaffMember.telegram_id == telegram_id))
    ).first()
    if member is None:
        member = StaffMember(
            telegram_id=telegram_id,
            name=name,
            username=username,
            role=StaffRole.STAFF,
            created_at=now,
        )
        session.add(member)
        await session.flush()
    elif (member.name, member.username) != (name, username):
        member.name, member.username = name, username
    return member


async def set_duty(
    session: AsyncSession, member: StaffMember, on_duty: bool, now: datetime
) -> DutyChange:
    """Put a staff member on or off duty and record it."""
    changed = member.on_duty != on_duty
    member.on_duty = on_duty
    if changed:
        member.duty_changed_at = now
        await log_event(
            session,
            "duty_on" if on_duty else "duty_off",
            now,
            actor_kind=AuthorKind.STAFF,
            actor_telegram_id=member.telegram_id,
        )
        await session.flush()
    nobody = changed and not on_duty and not await on_duty_members(session)
    return DutyChange(member, changed, nobody)


async def on_duty_members(session: AsyncSession) -> list[StaffMember]:
    """Return who is on duty now, in the order they came on."""
    stmt = (
        select(StaffMember)
        .where(StaffMember.on_duty == True, StaffMember.active == True)  # noqa: E712
        .order_by(col(StaffMember.duty_changed_at))
    )
    return list((await session.exec(stmt)).all())
