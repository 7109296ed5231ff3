"""The inbox: every Telegram update, stored before Telegram is told it arrived."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow

PENDING = "pending"
DONE = "done"


class InboxUpdate(SQLModel, table=True):
    """One update: its JSON until handled, then its id for a week (Telegram's redelivery window)."""

    __tablename__ = "inbox"
    # Serves both the recovery sweep (pending rows) and housekeeping (done rows by age).
    __table_args__ = (sa.Index("ix_inbox_status_handled", "status", "handled_at"),)

    update_id: int = Field(
        sa_type=sa.BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    status: str = Field(default=PENDING, max_length=12)
    # The update as Telegram sent it; cleared once handled, so done rows stay small.
    body: str | None = Field(default=None, sa_type=sa.Text)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # A process handing the row out leases it; after this another process may take it over.
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    handled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
