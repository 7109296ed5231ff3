"""Staff decisions in the topic: approve or reject returns, move complaints along."""

from __future__ import annotations

from aiogram import Router
from aiogram.methods import SendMessage
from aiogram.types import CallbackQuery, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.i18n import L10n
from bot.services import tickets
from bot.telegram import receipts
from bot.telegram.buttons import ComplaintMove, ReturnDecision, complaint_keyboard, refund_keyboard
from bot.telegram.cards import complaint_card, return_card
from bot.telegram.outbox import queue_to_customer
from bot.telegram.splitting import fit
from handlers.staff.topic import TopicContext
from models import Ticket, TicketStatus

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
    await tickets.decide_return(
        session,
        ticket,
        callback_data.approve,
        query.from_user.id,
        services.clock(),
        services.promises,
    )
    customer_l10n = services.translations.get(topic.customer.language)
    assert ticket.id is not None
    approved = ticket.status == TicketStatus.APPROVED
    text = customer_l10n(
        "return-staff-approved" if approved else "return-staff-rejected", number=ticket.number
    )
    keyboard = refund_keyboard(customer_l10n, ticket.id) if approved else None
    method = SendMessage(chat_id=topic.customer.telegram_id, text=text, reply_markup=keyboard)
    tell_customer(session, services, topic, ticket, query.from_user.id, method, l10n)
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
    await tickets.move_complaint(
        session,
        ticket,
        TicketStatus(callback_data.status),
        query.from_user.id,
        services.clock(),
        services.promises,
    )
    customer_l10n = services.translations.get(topic.customer.language)
    text = customer_l10n(
        "complaint-status-changed",
        number=ticket.number,
        status=customer_l10n(f"ticket-status-{ticket.status}"),
    )
    method = SendMessage(chat_id=topic.customer.telegram_id, text=text)
    tell_customer(session, services, topic, ticket, query.from_user.id, method, l10n)
    await query.answer(l10n("staff-decision-saved"))
    if isinstance(query.message, Message):
        await query.message.edit_text(
            complaint_card(l10n, ticket)
            + "\n"
            + l10n("staff-decided-by", by=query.from_user.full_name),
            reply_markup=complaint_keyboard(l10n, ticket),
        )


def tell_customer(
    session: AsyncSession,
    services: Services,
    topic: TopicContext,
    ticket: Ticket,
    staff_id: int,
    method: SendMessage,
    l10n: L10n,
) -> None:
    """Queue the decision to the customer: once sent it answers them; if refused, staff hear."""
    customer, conversation = topic.customer, topic.conversation
    assert customer.id is not None and conversation.id is not None
    sent = []
    if ticket.conversation_id == conversation.id:
        sent.append(receipts.decision_answers(conversation.id, staff_id, services.clock()))
    blocked = receipts.post_in_topic(customer.id, l10n("staff-customer-blocked-bot"))
    queue_to_customer(
        session, services, customer, method, receipts.receipt(sent=sent, refused=[blocked])
    )
