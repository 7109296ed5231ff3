"""What several customer routers say: the promise made on handoff, the request for a phone."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import KeyboardButton, Message, ReplyKeyboardMarkup

from bot.container import Services
from bot.i18n import L10n
from bot.services.handoff import Waiting
from bot.telegram.dates import promise_time
from handlers.customer.forms import CallbackForm
from handlers.customer.keyboards import main_menu
from models import Customer


def after_hours_promise(
    services: Services, l10n: L10n, waiting: Waiting, key: str = "after-hours-promise"
) -> str:
    """Tell an after-hours customer exactly when they will be contacted, in the text `key`."""
    assert waiting.callback_due is not None
    due = promise_time(waiting.callback_due, services.promises.schedule.tz, l10n.language)
    return l10n(key, due=due)


def share_phone_keyboard(l10n: L10n) -> ReplyKeyboardMarkup:
    """A button to share the phone number, so staff can call instead of writing."""
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=l10n("callback-share-phone"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def phone_keyboard(l10n: L10n) -> ReplyKeyboardMarkup:
    """One button that shares the Telegram account's phone number, one to write instead."""
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=l10n("callback-share-phone"), request_contact=True)],
            [KeyboardButton(text=l10n("callback-no-phone"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


async def ask_for_phone(message: Message, state: FSMContext, l10n: L10n) -> None:
    """Ask the customer for a number to call."""
    await state.set_state(CallbackForm.phone)
    await message.answer(l10n("callback-ask-phone"), reply_markup=phone_keyboard(l10n))


async def tell_handed_off(
    message: Message,
    services: Services,
    l10n: L10n,
    customer: Customer,
    waiting: Waiting,
    reason: str,
) -> None:
    """Tell a customer who asked for a person what happens next."""
    if waiting.after_hours and reason != "callback" and not customer.phone:
        # The one case the share button is offered: it replaces the menu until they answer.
        await message.answer(
            after_hours_promise(services, l10n, waiting), reply_markup=share_phone_keyboard(l10n)
        )
        return
    if waiting.after_hours:
        # Asked for a callback, or the phone is known: confirm, without asking for it again.
        key = "callback-promised-by" if reason == "callback" else "after-hours-noted"
        text = after_hours_promise(services, l10n, waiting, key)
    else:
        text = l10n("callback-promised" if reason == "callback" else "person-connecting")
    await message.answer(text, reply_markup=main_menu(l10n))


async def promise_if_new(
    message: Message, services: Services, l10n: L10n, waiting: Waiting
) -> None:
    """Tell a customer whose message went to staff after hours when they will hear back, once."""
    if waiting.new_promise:
        await message.answer(
            after_hours_promise(services, l10n, waiting), reply_markup=share_phone_keyboard(l10n)
        )
