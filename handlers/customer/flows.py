"""Scripted flows: decision trees of buttons from flows.yaml, ending in an answer or an action."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.content.schema import Flow, FlowNode
from bot.i18n import L10n
from bot.usecases.hand_off import hand_off
from handlers.customer.button_filters import MenuButton
from handlers.customer.forms import ComplaintForm, ReturnForm
from handlers.customer.keyboards import settle_choice
from handlers.customer.prompts import ask_for_phone, tell_handed_off
from models import Conversation, Customer

router = Router(name=__name__)


class FlowStep(CallbackData, prefix="fl"):
    """A node of a flow that a button leads to."""

    flow: str
    node: str


def flows_keyboard(services: Services, language: str) -> InlineKeyboardMarkup:
    """Offer every flow as a button."""
    builder = InlineKeyboardBuilder()
    for flow in services.content.flows.values():
        builder.button(
            text=flow.title.get(language), callback_data=FlowStep(flow=flow.id, node=flow.start)
        )
    builder.adjust(1)
    return builder.as_markup()


def node_keyboard(flow: Flow, node: FlowNode, language: str) -> InlineKeyboardMarkup:
    """The options of a node as buttons."""
    builder = InlineKeyboardBuilder()
    for option in node.options:
        builder.button(
            text=option.label.get(language), callback_data=FlowStep(flow=flow.id, node=option.next)
        )
    builder.adjust(1)
    return builder.as_markup()


@router.message(StateFilter(None), MenuButton("menu-ask"))
async def ask(message: Message, services: Services, l10n: L10n) -> None:
    """Offer the scripted topics, and free text for anything else."""
    await message.answer(
        l10n("faq-ask-prompt"), reply_markup=flows_keyboard(services, l10n.language)
    )


@router.callback_query(FlowStep.filter())
async def step(
    query: CallbackQuery,
    callback_data: FlowStep,
    state: FSMContext,
    bot: Bot,
    services: Services,
    session: AsyncSession,
    customer: Customer,
    conversation: Conversation,
    l10n: L10n,
) -> None:
    """Show the node a button leads to, or carry out its action."""
    flow = services.content.flows.get(callback_data.flow)
    node = flow.nodes.get(callback_data.node) if flow else None
    if flow is None or node is None:
        await query.answer(l10n("stale-button"), show_alert=True)
        return
    await query.answer()
    message = query.message if isinstance(query.message, Message) else None
    if message is None:
        return
    await settle_choice(query)
    language = l10n.language
    if not node.is_leaf:
        text = node.text.get(language) if node.text else flow.title.get(language)
        await message.answer(text, reply_markup=node_keyboard(flow, node, language))
        return
    for part in (node.text, node.answer):
        if part is not None:
            await message.answer(part.get(language))
    if node.action is None:
        return
    await state.clear()
    if node.action == "return":
        await state.set_state(ReturnForm.item)
        await message.answer(l10n("return-start"))
    elif node.action == "complaint":
        await state.set_state(ComplaintForm.text)
        await message.answer(l10n("complaint-start"))
    elif node.action == "person":
        detail = f"{flow.title.get(language)} → {callback_data.node}"
        now = services.clock()
        waiting = await hand_off(session, services, customer, conversation, now, "flow", detail)
        await tell_handed_off(message, services, l10n, customer, waiting, "flow")
    elif node.action == "callback":
        await ask_for_phone(message, state, l10n)
