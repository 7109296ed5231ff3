"""Addressing people in alerts: duty staff mentioned by name, so Telegram notifies them."""

from __future__ import annotations

from typing import Any

from aiogram.utils.formatting import Text, TextMention
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import L10n
from bot.services.duty import on_duty_members


async def duty_mentions(session: AsyncSession, l10n: L10n) -> Text:
    """Mention everyone on duty (so Telegram notifies them), or say nobody is."""
    members = await on_duty_members(session)
    if not members:
        return Text(l10n("duty-nobody"))
    parts: list[Any] = []
    for index, member in enumerate(members):
        if index:
            parts.append(", ")
        parts.append(
            TextMention(
                member.name or str(member.telegram_id), user=_user(member.telegram_id, member.name)
            )
        )
    return Text(*parts)


def _user(telegram_id: int, name: str) -> Any:
    from aiogram.types import User

    return User(id=telegram_id, is_bot=False, first_name=name or str(telegram_id))
