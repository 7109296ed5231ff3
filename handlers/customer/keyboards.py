"""Keyboards shown to customers."""

from __future__ import annotations

import html

from aiogram.types import CallbackQuery, KeyboardButton, Message, ReplyKeyboardMarkup

from bot.content.labels import MENU_ROWS
from bot.i18n import L10n

MENU_KEYS = MENU_ROWS


def main_menu(l10n: L10n) -> ReplyKeyboardMarkup:
    """Build the main menu in the customer's language."""
    rows = [[KeyboardButton(text=l10n(key)) for key in row] for row in MENU_KEYS]
    return ReplyKeyboardMarkup(keyboard=rows, resize_keyboard=True, is_persistent=True)


async def settle_choice(query: CallbackQuery) -> None:
    """Show which button was pressed under the question and take the buttons away.

    An answered question keeps no live buttons: pressed later, they would act on a flow the
    customer has moved past.
    """
    message = query.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    chosen = next(
        (
            button.text
            for row in message.reply_markup.inline_keyboard
            for button in row
            if button.callback_data == query.data
        ),
        None,
    )
    if chosen is None or message.text is None:
        await message.edit_reply_markup(reply_markup=None)
        return
    await message.edit_text(
        f"{message.html_text}\n\n» {html.escape(chosen)}", parse_mode="HTML", reply_markup=None
    )
