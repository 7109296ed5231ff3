"""Keyboards shown to customers."""

from __future__ import annotations

from aiogram.types import KeyboardButton, ReplyKeyboardMarkup

from bot.i18n import L10n

MENU_KEYS = (
    ("menu-ask", "menu-return"),
    ("menu-complaint", "menu-person"),
    ("menu-callback", "menu-requests"),
)


def main_menu(l10n: L10n) -> ReplyKeyboardMarkup:
    """Build the main menu in the customer's language."""
    rows = [[KeyboardButton(text=l10n(key)) for key in row] for row in MENU_KEYS]
    return ReplyKeyboardMarkup(keyboard=rows, resize_keyboard=True, is_persistent=True)
