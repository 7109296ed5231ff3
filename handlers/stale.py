"""Buttons nobody handles: old menus, or data that was never ours."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message

from bot.i18n import L10n

router = Router(name=__name__)
# Checked before every other router: data that is not a button of its message was forged.
forged = Router(name=f"{__name__}.forged")


class OnItsMessage(Filter):
    """Pass presses whose data is a button of the message they came from, as real presses are."""

    async def __call__(self, query: CallbackQuery) -> bool:
        """Look for the data among the message's buttons (too old a message cannot be checked)."""
        if not isinstance(query.message, Message):
            return True
        markup = query.message.reply_markup
        buttons = markup.inline_keyboard if markup is not None else []
        return any(button.callback_data == query.data for row in buttons for button in row)


@forged.callback_query(~OnItsMessage())
async def forged_button(query: CallbackQuery, l10n: L10n) -> None:
    """Refuse data that no button of this message carries, before anything acts on it."""
    await query.answer(l10n("stale-button"), show_alert=True)


@router.callback_query()
async def stale_button(query: CallbackQuery, l10n: L10n) -> None:
    """Refuse a stale or forged button without doing anything."""
    await query.answer(l10n("stale-button"), show_alert=True)
