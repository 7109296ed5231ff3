"""Follow-up answers: all good, or still a problem (reopened and sent to a manager)."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.types import CallbackQuery, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.i18n import L10n
from bot.telegram.buttons import FollowUpAnswer
from bot.usecases.answer_follow_up import answer_follow_up
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
    ticket = await answer_follow_up(
        session,
        services,
        customer,
        conversation,
        callback_data.ticket,
        callback_data.ok,
        services.clock(),
    )
    if ticket is None:
        await query.answer(l10n("stale-button"), show_alert=True)
        return
    await query.answer()
    message = query.message if isinstance(query.message, Message) else None
    if message is None:
        return
    await message.edit_reply_markup(reply_markup=None)
    await message.answer(l10n("follow-up-thanks" if callback_data.ok else "follow-up-sorry"))
