"""Translate aiogram objects into the plain values the services take."""

from __future__ import annotations

from typing import Annotated

from aiogram.types import Message, User
from pydantic import Field

from bot.i18n import language_for
from bot.services.customers import Person
from bot.services.message_log import MessageContent

# A row id carried in callback data: what the database holds (a positive 32-bit integer), so
# a forged button with a huge number is refused like a stale one instead of failing the query.
RowId = Annotated[int, Field(ge=1, le=2**31 - 1)]

# Message attributes holding a file, in the order Telegram documents them.
_FILE_KINDS = ("animation", "audio", "document", "sticker", "video", "video_note", "voice")


def person_of(user: User, language: str | None = None) -> Person:
    """Describe a Telegram user for the services."""
    return Person(
        telegram_id=user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
        language=language or language_for(user.language_code),
    )


def content_of(message: Message) -> MessageContent:
    """Describe what a message carries: its type, text or caption, files and extras."""
    text = message.text if message.text is not None else message.caption
    if message.photo:
        return MessageContent("photo", text, [message.photo[-1].file_id])
    for kind in _FILE_KINDS:
        media = getattr(message, kind, None)
        if media is not None:
            extra = {"emoji": media.emoji} if kind == "sticker" else None
            return MessageContent(kind, text, [media.file_id], extra)
    if message.contact is not None:
        c = message.contact
        extra = {"phone_number": c.phone_number, "first_name": c.first_name, "user_id": c.user_id}
        return MessageContent("contact", text, [], extra)
    if message.location is not None:
        loc = message.location
        return MessageContent("location", text, [], {"lat": loc.latitude, "lon": loc.longitude})
    if message.text is not None:
        return MessageContent("text", text)
    return MessageContent(str(message.content_type), text)
