"""Close a conversation as abusive: a polite goodbye, the staff card, the managers alerted."""

from __future__ import annotations

from datetime import datetime

from aiogram.methods import SendMessage
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.services.abuse import end_abusive
from bot.telegram import receipts
from bot.telegram.alerts import alert_managers
from bot.telegram.outbox import queue_in_topic, queue_to_customer
from models import Conversation, Customer


async def close_abusive(
    session: AsyncSession,
    services: Services,
    customer: Customer,
    conversation: Conversation,
    now: datetime,
    *,
    actor_kind: str,
    actor_id: int | None,
    matched: str | None,
    card: str | None = None,
) -> bool:
    """End the conversation once; whether this call ended it.

    `card` is posted in the customer's topic; the managers' alert then follows it, so its link
    points at the topic that posting may have created.
    """
    assert customer.id is not None
    closed = await end_abusive(
        session, conversation, now, actor_kind=actor_kind, actor_id=actor_id, matched=matched
    )
    if closed:
        goodbye = services.translations.get(customer.language)("insult-goodbye")
        queue_to_customer(
            session, services, customer, SendMessage(chat_id=customer.telegram_id, text=goodbye)
        )
    if card is None:
        if closed:
            await alert_managers(services, session, "alert-insult", customer=customer)
        return closed
    staff_chat = services.settings.telegram.staff_chat_id
    assert staff_chat is not None
    alert = [receipts.alert(customer.id, "alert-insult")] if closed else []
    queue_in_topic(
        session,
        services,
        customer,
        SendMessage(chat_id=staff_chat, text=card),
        receipts.receipt(sent=alert),
    )
    return closed
