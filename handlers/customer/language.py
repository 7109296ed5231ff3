"""/language: switch between Russian and English."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.container import Services
from bot.i18n import LANGUAGES, L10n
from handlers.customer.keyboards import main_menu, settle_choice
from models import Customer

router = Router(name=__name__)


class LanguagePick(CallbackData, prefix="lg"):
    """A chosen language."""

    code: str


@router.message(Command("language"))
async def choose(message: Message, services: Services, l10n: L10n) -> None:
    """Offer the languages, each named in itself."""
    builder = InlineKeyboardBuilder()
    for code in LANGUAGES:
        builder.button(
            text=services.translations.get(code)("language-name"),
            callback_data=LanguagePick(code=code),
        )
    await message.answer(l10n("language-prompt"), reply_markup=builder.as_markup())


@router.callback_query(LanguagePick.filter())
async def switch(
    query: CallbackQuery,
    callback_data: LanguagePick,
    customer: Customer,
    services: Services,
    l10n: L10n,
) -> None:
    """Remember the language and show the menu in it."""
    if callback_data.code not in LANGUAGES:
        await query.answer(l10n("stale-button"), show_alert=True)
        return
    customer.language = callback_data.code
    customer.language_chosen = True
    customer.updated_at = services.clock()
    new = services.translations.get(callback_data.code)
    await query.answer()
    if isinstance(query.message, Message):
        await settle_choice(query)
        await query.message.answer(new("language-set"), reply_markup=main_menu(new))
