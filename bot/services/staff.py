"""Staff members and managers: who they are, who is on duty."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import StaffMember, StaffRole


async def manager_ids(session: AsyncSession, configured: frozenset[int]) -> list[int]:
    """Return every manager: those in MANAGER_IDS and staff members with the manager role."""
    stmt = select(StaffMember.telegram_id).where(
        StaffMember.role == StaffRole.MANAGER,
        StaffMember.active == True,  # noqa: E712
    )
    from_db = set((await session.exec(stmt)).all())
    return sorted(configured | from_db)


async def is_manager(session: AsyncSession, telegram_id: int, configured: frozenset[int]) -> bool:
    """Tell whether this Telegram user may act as a manager."""
    return telegram_id in await manager_ids(session, configured)
