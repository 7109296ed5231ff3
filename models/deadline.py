"""Deadlines: service promises with a due time, kept as rows, never as scheduler jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.enums import DeadlineStatus
from models.types import JSONType, UTCDateTime, utcnow


class Deadline(SQLModel, table=True):
    """A promise due at a moment: fired once by the sweeper or cancelled when kept."""

    __tablename__ = "deadlines"
    __table_args__ = (
        sa.Index("ix_deadlines_status_due", "status", "due_at"),
        # At most one pending deadline of a kind per subject, whatever the process.
        sa.Index(
            "uq_deadlines_pending_subject",
            "kind",
            "subject",
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    subject: str = Field(max_length=64)  # e.g. "conversation:42", "ticket:7"
    due_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default=DeadlineStatus.PENDING, max_length=12)
    attempts: int = 0
    payload: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    last_error: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    fired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
