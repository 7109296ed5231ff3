"""Staff members and managers behind the bot."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.enums import StaffRole
from models.types import UTCDateTime, utcnow


class StaffMember(SQLModel, table=True):
    """A person who answers customers (staff) or oversees the service (manager)."""

    __tablename__ = "staff_members"

    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int = Field(sa_type=sa.BigInteger, unique=True, index=True)
    name: str = Field(default="")  # Telegram's name, however long: no length limit (0006)
    username: str | None = Field(default=None)
    role: str = Field(default=StaffRole.STAFF, max_length=10)
    on_duty: bool = Field(default=False, index=True)
    duty_changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
