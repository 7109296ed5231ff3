"""Follow-up answers: all good, or still a problem (reopened and sent to a manager)."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.types import CallbackQuery, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.i18n import L10n
from bot.services import tickets
from bot.services.handoff import escalate
from bot.services.satisfaction import record_follow_up
from bot.telegram.alerts import alert_managers
from bot.telegram.buttons import FollowUpAnswer
from handlers.customer.person_handoff import open_handoff
from models import Conversation, Customer

router = Router(name=__name__)


@router.callback_query(FollowUpAnswer.filter())
async def answered(
    query: CallbackQuery,
    callback_data: FollowUpAnswer,
    bot: Bot,
    services: Services,
    session: AsyncSession,
    customer: Customer,
    conversation: Conversation,
    l10n: L10n,
) -> None:
    """Thank the customer, or reopen the matter with staff and a manager."""
    ticket = await tickets.get_ticket(session, callback_data.ticket)
    if ticket is None or ticket.customer_id != customer.id:
        await query.answer(l10n("stale-button"), show_alert=True)
        return
    now = services.clock()
    await record_follow_up(session, ticket, callback_data.ok, now)
    await query.answer()
    message = query.message if isinstance(query.message, Message) else None
    if message is not None:
        await message.edit_reply_markup(reply_markup=None)
    if callback_data.ok:
        if message is not None:
            await message.answer(l10n("follow-up-thanks"))
        return
    await open_handoff(
        services, session, customer, conversation, "follow_up_problem", detail=ticket.number
    )
    await escalate(session, conversation, now, "follow_up_problem", note=ticket.number)
    await alert_managers(
        services, session, "alert-follow-up-problem", customer=customer, number=ticket.number
    )
    if message is not None:
        await message.answer(l10n("follow-up-sorry"))
