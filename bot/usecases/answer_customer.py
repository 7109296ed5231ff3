"""Staff answer a customer: their reply or a canned answer queued to them, the clock stopped."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.i18n import L10n
from bot.services import shop_accounts
from bot.services.handoff import ConversationClosed, staff_replied
from bot.telegram import receipts
from bot.telegram.outbound import Author
from bot.telegram.outbox import queue_to_customer
from models import AuthorKind, Conversation, ConversationStatus, Customer

if TYPE_CHECKING:
    from aiogram.methods import CopyMessage, SendMessage


async def answer_customer(
    session: AsyncSession,
    services: Services,
    customer: Customer,
    conversation: Conversation,
    staff_id: int,
    now: datetime,
    method: CopyMessage | SendMessage,
    staff_l10n: L10n,
    reply_to: int | None = None,
) -> None:
    """Stop the customer's waiting clock and queue the answer, logged as the staff member's.

    If the customer has blocked the bot, staff hear it in the topic (answering `reply_to`).
    A customer of a shop account: the clock stops once the answer went through the account,
    which Telegram refuses when the account disconnected the bot or bars it from replying.
    """
    assert customer.id is not None and conversation.id is not None
    stopped: list[receipts.Action] = []
    if await shop_accounts.route(session, customer.telegram_id) is None:
        await staff_replied(session, conversation, staff_id, now)
    elif conversation.status in (ConversationStatus.RESOLVED, ConversationStatus.CLOSED):
        raise ConversationClosed()  # as staff_replied would: nothing is sent
    else:
        stopped.append(receipts.staff_answered(conversation.id, staff_id, now))
    blocked = receipts.post_in_topic(
        customer.id, staff_l10n("staff-customer-blocked-bot"), reply_to
    )
    author = Author(AuthorKind.STAFF, staff_id)
    found = receipts.receipt(author, sent=stopped, refused=[blocked])
    queue_to_customer(session, services, customer, method, found)
