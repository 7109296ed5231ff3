"""Phrasings managers taught the FAQ from questions it could not answer."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class FaqPhrasing(SQLModel, table=True):
    """A customer's question added to an FAQ entry; merged with faq.yaml at load."""

    __tablename__ = "faq_phrasings"
    __table_args__ = (sa.UniqueConstraint("entry_id", "text", name="uq_faq_phrasings_entry_text"),)

    id: int | None = Field(default=None, primary_key=True)
    entry_id: str = Field(max_length=64)
    text: str = Field(max_length=1000)
    added_by: int | None = Field(default=None, sa_type=sa.BigInteger)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
