"""Staff decisions in the topic: approve or reject returns, move complaints along."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.i18n import L10n
from bot.services import tickets
from bot.telegram.buttons import ComplaintMove, ReturnDecision, complaint_keyboard
from bot.telegram.cards import complaint_card, return_card
from bot.telegram.splitting import fit
from bot.usecases.decide_ticket import approve_return, move_complaint
from handlers.staff.topic import TopicContext
from models import TicketStatus

router = Router(name=__name__)


@router.callback_query(ReturnDecision.filter())
async def decide(
    query: CallbackQuery,
    callback_data: ReturnDecision,
    services: Services,
    session: AsyncSession,
    topic: TopicContext,
    l10n: L10n,
) -> None:
    """Record the decision on a return and tell the customer."""
    ticket = await tickets.get_ticket(session, callback_data.ticket)
    if ticket is None or ticket.customer_id != topic.customer.id:
        await query.answer(l10n("stale-button"), show_alert=True)
        return
    await approve_return(
        session,
        services,
        topic.customer,
        topic.conversation,
        ticket,
        callback_data.approve,
        query.from_user.id,
        services.clock(),
        l10n,
    )
    await query.answer(l10n("staff-decision-saved"))
    if isinstance(query.message, Message):
        card = return_card(l10n, ticket, services.content.policy.currency_symbol)
        footer = l10n("staff-decided-by", by=query.from_user.full_name)
        if query.message.photo:
            await query.message.edit_caption(caption=fit(f"{card}\n{footer}", 1024))
        else:
            await query.message.edit_text(f"{card}\n{footer}")


@router.callback_query(ComplaintMove.filter())
async def move(
    query: CallbackQuery,
    callback_data: ComplaintMove,
    services: Services,
    session: AsyncSession,
    topic: TopicContext,
    l10n: L10n,
) -> None:
    """Move a complaint to the chosen status and keep the customer informed."""
    ticket = await tickets.get_ticket(session, callback_data.ticket)
    if (
        ticket is None
        or ticket.customer_id != topic.customer.id
        or callback_data.status not in set(TicketStatus)
    ):
        await query.answer(l10n("stale-button"), show_alert=True)
        return
    await move_complaint(
        session,
        services,
        topic.customer,
        topic.conversation,
        ticket,
        TicketStatus(callback_data.status),
        query.from_user.id,
        services.clock(),
        l10n,
    )
    await query.answer(l10n("staff-decision-saved"))
    if isinstance(query.message, Message):
        await query.message.edit_text(
            complaint_card(l10n, ticket)
            + "\n"
            + l10n("staff-decided-by", by=query.from_user.full_name),
            reply_markup=complaint_keyboard(l10n, ticket),
        )
