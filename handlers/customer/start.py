"""Greeting, help, menu and cancel: the commands that work at every step."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.container import Services
from bot.i18n import L10n
from handlers.customer.keyboards import main_menu
from models import Customer

router = Router(name=__name__)


@router.message(CommandStart())
async def start(
    message: Message, state: FSMContext, customer: Customer, l10n: L10n, services: Services
) -> None:
    """Greet the customer in their language and show the main menu."""
    await state.clear()
    shop = services.content.policy.shop_name.get(l10n.language)
    text = l10n("start-greeting", name=customer.first_name or customer.display_name, shop=shop)
    await message.answer(text, reply_markup=main_menu(l10n))


@router.message(Command("help"))
async def help_(message: Message, l10n: L10n) -> None:
    """Explain what the bot can do."""
    await message.answer(l10n("help-text"), reply_markup=main_menu(l10n))


@router.message(Command("menu"))
async def menu(message: Message, state: FSMContext, l10n: L10n) -> None:
    """Show the main menu, leaving any unfinished step."""
    await state.clear()
    await message.answer(l10n("menu-prompt"), reply_markup=main_menu(l10n))


@router.message(Command("cancel"))
async def cancel(message: Message, state: FSMContext, l10n: L10n) -> None:
    """Stop the current step and go back to the menu."""
    had_state = await state.get_state() is not None
    await state.clear()
    await message.answer(
        l10n("cancelled" if had_state else "nothing-to-cancel"), reply_markup=main_menu(l10n)
    )
