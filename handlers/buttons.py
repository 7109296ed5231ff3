"""Buttons on messages customers get because of a staff action; both sides' routers use them.

Staff handlers queue these messages (a resolved conversation's rating, an approved return's
refund choice); the customer routers answer the presses.
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import L10n
from bot.telegram.content import RowId

REFUND_METHODS = ("card", "cash", "credit")


class RatingPick(CallbackData, prefix="rt5"):
    """A score for a conversation."""

    conversation: RowId
    score: int


class RefundPick(CallbackData, prefix="rf"):
    """The refund method for an approved return."""

    ticket: RowId
    method: str


def rating_keyboard(conversation_id: int) -> InlineKeyboardMarkup:
    """Five buttons, 1 to 5 stars."""
    builder = InlineKeyboardBuilder()
    for score in range(1, 6):
        builder.button(
            text="⭐" * score if score < 3 else f"{score} ⭐",
            callback_data=RatingPick(conversation=conversation_id, score=score),
        )
    builder.adjust(5)
    return builder.as_markup()


def refund_keyboard(l10n: L10n, ticket_id: int) -> InlineKeyboardMarkup:
    """Offer the ways to get the money back."""
    builder = InlineKeyboardBuilder()
    for method in REFUND_METHODS:
        builder.button(
            text=l10n(f"refund-{method}"), callback_data=RefundPick(ticket=ticket_id, method=method)
        )
    builder.adjust(1)
    return builder.as_markup()
