"""Blocked customers: a polite refusal; their messages are kept but never relayed."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message

from bot.i18n import L10n

router = Router(name=__name__)


class IsBlocked(Filter):
    """Pass updates from a customer a manager has blocked."""

    async def __call__(self, event: Message | CallbackQuery, **data: Any) -> bool:
        """Check the customer's flag."""
        customer = data.get("customer")
        return bool(customer is not None and customer.blocked)


router.message.filter(IsBlocked())
router.callback_query.filter(IsBlocked())
router.edited_message.filter(IsBlocked())


@router.message()
async def refuse(message: Message, l10n: L10n) -> None:
    """Decline politely; the message is already stored."""
    await message.answer(l10n("customer-blocked"))


@router.callback_query()
async def refuse_button(query: CallbackQuery, l10n: L10n) -> None:
    """Decline a button press politely."""
    await query.answer(l10n("customer-blocked"), show_alert=True)


@router.edited_message()
async def ignore_edit(message: Message) -> None:
    """Keep the edit in the log only."""
