"""Complaints: heard out, acknowledged without blame, numbered, and put before staff."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.i18n import L10n
from bot.usecases.complain import complain
from handlers.customer.button_filters import MenuButton
from handlers.customer.forms import ComplaintForm
from handlers.customer.keyboards import main_menu
from handlers.customer.prompts import after_hours_promise
from handlers.magic import Magic
from models import Conversation, Customer

router = Router(name=__name__)
MAX_PHOTOS = 10


class ComplaintDone(CallbackData, prefix="cd"):
    """Finish the complaint (with or without photos)."""


def done_keyboard(l10n: L10n) -> InlineKeyboardMarkup:
    """A button to send the complaint now."""
    builder = InlineKeyboardBuilder()
    builder.button(text=l10n("complaint-send"), callback_data=ComplaintDone())
    return builder.as_markup()


@router.message(StateFilter(None), MenuButton("menu-complaint"))
async def start(message: Message, state: FSMContext, l10n: L10n) -> None:
    """Invite the customer to tell what happened."""
    await state.set_state(ComplaintForm.text)
    await message.answer(l10n("complaint-start"))


@router.message(StateFilter(ComplaintForm.text), Magic(F.text | F.caption, ~F.text.startswith("/")))
async def text(message: Message, state: FSMContext, l10n: L10n) -> None:
    """Keep the story (and a photo sent with it); offer to add photos."""
    photos = [message.photo[-1].file_id] if message.photo else []
    await state.update_data(text=(message.text or message.caption or "")[:4000], photos=photos)
    await state.set_state(ComplaintForm.photos)
    await message.answer(l10n("complaint-ask-photos"), reply_markup=done_keyboard(l10n))


@router.message(StateFilter(ComplaintForm.photos), Magic(F.photo))
async def add_photo(message: Message, state: FSMContext, l10n: L10n) -> None:
    """Add a photo to the complaint."""
    assert message.photo is not None
    photos = list((await state.get_data()).get("photos", []))
    if len(photos) >= MAX_PHOTOS:
        await message.answer(
            l10n("complaint-too-many-photos", max=MAX_PHOTOS), reply_markup=done_keyboard(l10n)
        )
        return
    photos.append(message.photo[-1].file_id)
    await state.update_data(photos=photos)
    await message.answer(
        l10n("complaint-photo-added", count=len(photos)), reply_markup=done_keyboard(l10n)
    )


@router.callback_query(StateFilter(ComplaintForm.photos), ComplaintDone.filter())
async def done(
    query: CallbackQuery,
    state: FSMContext,
    bot: Bot,
    services: Services,
    session: AsyncSession,
    customer: Customer,
    conversation: Conversation,
    l10n: L10n,
) -> None:
    """Register the complaint, brief staff in the topic, and give the customer its number."""
    data = await state.get_data()
    photos = tuple(data.get("photos", []))
    registered = await complain(
        session, services, customer, conversation, data["text"], photos, services.clock()
    )
    await state.clear()
    ticket, waiting = registered.ticket, registered.waiting
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        await query.message.answer(
            l10n("complaint-registered", number=ticket.number), reply_markup=main_menu(l10n)
        )
        if waiting.new_promise:
            await query.message.answer(
                after_hours_promise(services, l10n, waiting, "after-hours-noted")
            )


@router.message(StateFilter(ComplaintForm.text))
@router.message(StateFilter(ComplaintForm.photos))
async def need_text_or_photo(message: Message, l10n: L10n) -> None:
    """Ask for words or photos when something else arrives."""
    await message.answer(l10n("complaint-need-text"))
