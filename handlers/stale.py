"""Buttons nobody handles: old menus, or data that was never ours."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery

from bot.i18n import L10n

router = Router(name=__name__)


@router.callback_query()
async def stale_button(query: CallbackQuery, l10n: L10n) -> None:
    """Refuse a stale or forged button without doing anything."""
    await query.answer(l10n("stale-button"), show_alert=True)
