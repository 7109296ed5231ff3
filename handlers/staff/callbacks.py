"""The morning callback list: staff tick off each customer they contacted."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.i18n import L10n
from bot.services.handoff import complete_callback
from bot.telegram.buttons import CallbackDone
from models import Conversation

router = Router(name=__name__)


@router.callback_query(CallbackDone.filter())
async def done(
    query: CallbackQuery,
    callback_data: CallbackDone,
    services: Services,
    session: AsyncSession,
    l10n: L10n,
) -> None:
    """Mark the customer as contacted and take their button off the list."""
    conversation = await session.get(Conversation, callback_data.conversation)
    if conversation is None or not await complete_callback(
        session, conversation, query.from_user.id, services.clock()
    ):
        await query.answer(l10n("stale-button"), show_alert=True)
        return
    await query.answer(l10n("morning-list-marked"))
    if isinstance(query.message, Message) and query.message.reply_markup is not None:
        rows = [
            row
            for row in query.message.reply_markup.inline_keyboard
            if not any(b.callback_data == query.data for b in row)
        ]
        await query.message.edit_reply_markup(
            reply_markup=query.message.reply_markup.model_copy(update={"inline_keyboard": rows})
        )
