"""Processed Telegram updates, so a redelivered update is not handled twice."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class ProcessedUpdate(SQLModel, table=True):
    """An update_id whose effects are committed; kept for a week (Telegram's redelivery window)."""

    __tablename__ = "processed_updates"

    update_id: int = Field(
        sa_type=sa.BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    processed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
