"""Return without a receipt: what, when, why, an optional photo, the amount — never a receipt."""

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
from bot.services import tickets
from bot.telegram.buttons import REFUND_METHODS, RefundPick, refund_keyboard
from bot.usecases.request_return import request_return
from handlers.customer.button_filters import MenuButton
from handlers.customer.forms import ReturnForm
from handlers.customer.keyboards import main_menu
from handlers.customer.prompts import after_hours_promise
from handlers.magic import Magic
from models import Conversation, Customer

router = Router(name=__name__)

WHEN = ("this_week", "this_month", "earlier", "unsure")
REASONS = ("defective", "damaged", "wrong_item", "not_fit", "changed_mind", "other")


class ReturnChoice(CallbackData, prefix="rt"):
    """A button pressed during the return: step and value."""

    step: str
    value: str


def _choices(l10n: L10n, step: str, values: tuple[str, ...]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for value in values:
        builder.button(
            text=l10n(f"return-{step}-{value}"), callback_data=ReturnChoice(step=step, value=value)
        )
    builder.adjust(2)
    return builder.as_markup()


@router.message(StateFilter(None), MenuButton("menu-return"))
async def start(message: Message, state: FSMContext, l10n: L10n) -> None:
    """Begin a return, promising that no receipt is needed."""
    await state.set_state(ReturnForm.item)
    await message.answer(l10n("return-start"))


@router.message(StateFilter(ReturnForm.item), Magic(F.text, ~F.text.startswith("/")))
async def item(message: Message, state: FSMContext, l10n: L10n) -> None:
    """Take what is being returned; ask roughly when it was bought."""
    await state.update_data(item=(message.text or "")[:1000])
    await state.set_state(ReturnForm.when)
    await message.answer(l10n("return-ask-when"), reply_markup=_choices(l10n, "when", WHEN))


@router.callback_query(StateFilter(ReturnForm.when), ReturnChoice.filter(F.step == "when"))
async def when(
    query: CallbackQuery, callback_data: ReturnChoice, state: FSMContext, l10n: L10n
) -> None:
    """Take roughly when; ask why."""
    if callback_data.value not in WHEN:
        await query.answer(l10n("stale-button"), show_alert=True)
        return
    await state.update_data(when=callback_data.value)
    await state.set_state(ReturnForm.reason)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(
            l10n("return-ask-when") + " " + l10n(f"return-when-{callback_data.value}")
        )
        await query.message.answer(
            l10n("return-ask-reason"), reply_markup=_choices(l10n, "reason", REASONS)
        )


@router.callback_query(StateFilter(ReturnForm.reason), ReturnChoice.filter(F.step == "reason"))
async def reason(
    query: CallbackQuery, callback_data: ReturnChoice, state: FSMContext, l10n: L10n
) -> None:
    """Take the reason; offer to add a photo."""
    if callback_data.value not in REASONS:
        await query.answer(l10n("stale-button"), show_alert=True)
        return
    await state.update_data(reason=callback_data.value)
    await state.set_state(ReturnForm.photo)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(
            l10n("return-ask-reason") + " " + l10n(f"return-reason-{callback_data.value}")
        )
        await query.message.answer(
            l10n("return-ask-photo"), reply_markup=_choices(l10n, "photo", ("skip",))
        )


@router.message(StateFilter(ReturnForm.photo), Magic(F.photo))
async def photo(message: Message, state: FSMContext, l10n: L10n) -> None:
    """Keep the photo; ask the amount."""
    assert message.photo is not None
    await state.update_data(photo=message.photo[-1].file_id)
    await state.set_state(ReturnForm.amount)
    await message.answer(l10n("return-ask-amount"))


@router.callback_query(StateFilter(ReturnForm.photo), ReturnChoice.filter(F.step == "photo"))
async def skip_photo(query: CallbackQuery, state: FSMContext, l10n: L10n) -> None:
    """Go on without a photo; ask the amount."""
    await state.set_state(ReturnForm.amount)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        await query.message.answer(l10n("return-ask-amount"))


@router.message(StateFilter(ReturnForm.amount), Magic(F.text, ~F.text.startswith("/")))
async def amount(
    message: Message,
    state: FSMContext,
    bot: Bot,
    services: Services,
    session: AsyncSession,
    customer: Customer,
    conversation: Conversation,
    l10n: L10n,
) -> None:
    """Register the return: approve it on the spot, or pass it to staff for a decision."""
    value = tickets.parse_amount(message.text or "")
    data = await state.get_data()
    request = tickets.ReturnRequest(
        item=data["item"],
        purchased_when=data["when"],
        reason=data["reason"],
        amount=value,
        photo_file_ids=(data["photo"],) if data.get("photo") else (),
    )
    done = await request_return(
        session, services, customer, conversation, request, services.clock()
    )
    await state.clear()
    ticket = done.ticket
    assert ticket.id is not None
    if done.waiting is None:
        await message.answer(
            l10n("return-approved", number=ticket.number), reply_markup=main_menu(l10n)
        )
        await message.answer(l10n("refund-ask"), reply_markup=refund_keyboard(l10n, ticket.id))
        return
    hours = services.content.policy.returns.return_decision_hours
    await message.answer(
        l10n("return-pending", number=ticket.number, hours=hours), reply_markup=main_menu(l10n)
    )
    if done.waiting.new_promise:
        await message.answer(after_hours_promise(services, l10n, done.waiting, "after-hours-noted"))


@router.message(StateFilter(ReturnForm.item))
@router.message(StateFilter(ReturnForm.amount))
async def need_text(message: Message, l10n: L10n) -> None:
    """Ask again when the step needs words or a number."""
    await message.answer(l10n("return-need-text"))


@router.message(StateFilter(ReturnForm.when))
@router.message(StateFilter(ReturnForm.reason))
@router.message(StateFilter(ReturnForm.photo))
async def need_button(message: Message, l10n: L10n) -> None:
    """Ask again when the step needs a button (or a photo)."""
    await message.answer(l10n("return-need-button"))


@router.callback_query(RefundPick.filter())
async def refund(
    query: CallbackQuery,
    callback_data: RefundPick,
    services: Services,
    session: AsyncSession,
    customer: Customer,
    l10n: L10n,
) -> None:
    """Record the refund method for the customer's own approved return."""
    ticket = await tickets.get_ticket(session, callback_data.ticket)
    if (
        ticket is None
        or ticket.customer_id != customer.id
        or callback_data.method not in REFUND_METHODS
    ):
        await query.answer(l10n("stale-button"), show_alert=True)
        return
    await tickets.choose_refund_method(session, ticket, callback_data.method, services.clock())
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(
            l10n(
                "refund-chosen", number=ticket.number, method=l10n(f"refund-{callback_data.method}")
            )
        )
