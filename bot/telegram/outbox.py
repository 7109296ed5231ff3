"""Queue messages to other chats (staff topics, managers, customers) with their cause.

They are sent after the commit by the sender (bot/telegram/sender.py).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from aiogram.methods import CopyMessage, SendMessage, TelegramMethod
from sqlalchemy import event
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import outbox_rows as outbox
from models import Customer, OutboxMessage

if TYPE_CHECKING:
    from bot.container import Services

logger = logging.getLogger(__name__)

KEEP_SENT = timedelta(days=7)
SKIPPED = -1  # _send's answer when another process holds the message
JOIN_LIMIT = 20  # plain texts to one chat sent together at most
LANE_BURST = 50  # messages one lane sends in a row before the next round


def queue_call(
    session: AsyncSession,
    services: Services,
    lane: str,
    method: TelegramMethod[Any],
    customer_id: int | None = None,
    receipt: dict[str, Any] | None = None,
) -> OutboxMessage:
    """Queue a Bot API call in this transaction; the sender makes it after the commit."""
    payload = method.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    payload.pop("message_thread_id", None)  # topics are resolved when sending
    chat_id = payload.get("chat_id")
    if not isinstance(chat_id, int):
        raise ValueError(f"outbox needs a numeric chat_id, got {chat_id!r}")
    row = outbox.queue(
        session,
        lane,
        chat_id,
        type(method).__name__,
        payload,
        services.clock(),
        customer_id,
    )
    row.receipt = receipt or None
    sync = session.sync_session
    if not event.contains(sync, "after_commit", services.outbox.after_commit):
        event.listen(sync, "after_commit", services.outbox.after_commit)
    return row


def queue_in_topic(
    session: AsyncSession,
    services: Services,
    customer: Customer,
    method: TelegramMethod[Any],
    receipt: dict[str, Any] | None = None,
) -> OutboxMessage:
    """Queue a message for the customer's topic (created when sent, if they have none)."""
    assert customer.id is not None
    lane = outbox.topic_lane(customer.id)
    return queue_call(session, services, lane, method, customer.id, receipt)


def queue_to_chat(
    session: AsyncSession, services: Services, method: TelegramMethod[Any]
) -> OutboxMessage:
    """Queue a message to a chat outside topics: a manager, the staff chat's general topic."""
    chat_id = getattr(method, "chat_id", None)
    assert isinstance(chat_id, int)
    return queue_call(session, services, outbox.chat_lane(chat_id), method)


def queue_to_customer(
    session: AsyncSession,
    services: Services,
    customer: Customer,
    method: TelegramMethod[Any],
    receipt: dict[str, Any] | None = None,
) -> OutboxMessage:
    """Queue a message to a customer's private chat (staff answers, decisions, goodbyes)."""
    return queue_call(
        session, services, outbox.chat_lane(customer.telegram_id), method, receipt=receipt
    )


def text_message(chat_id: int, text: str, reply_markup: Any = None) -> SendMessage:
    """A plain text message, for callers that stay free of aiogram (the use cases)."""
    return SendMessage(chat_id=chat_id, text=text, reply_markup=reply_markup)


def say_in_topic(
    session: AsyncSession,
    services: Services,
    customer: Customer,
    text: str,
    receipt: dict[str, Any] | None = None,
) -> OutboxMessage:
    """Queue a text for the customer's topic in the staff chat."""
    staff_chat = services.settings.telegram.staff_chat_id
    assert staff_chat is not None
    return queue_in_topic(session, services, customer, text_message(staff_chat, text), receipt)


def copy_in_topic(
    session: AsyncSession,
    services: Services,
    customer: Customer,
    from_chat_id: int,
    message_id: int,
) -> OutboxMessage:
    """Queue a copy of the customer's message for their topic."""
    staff_chat = services.settings.telegram.staff_chat_id
    assert staff_chat is not None
    copy = CopyMessage(chat_id=staff_chat, from_chat_id=from_chat_id, message_id=message_id)
    return queue_in_topic(session, services, customer, copy)


def say_to_customer(
    session: AsyncSession,
    services: Services,
    customer: Customer,
    text: str,
    reply_markup: Any = None,
    receipt: dict[str, Any] | None = None,
) -> OutboxMessage:
    """Queue a text to the customer's private chat."""
    method = text_message(customer.telegram_id, text, reply_markup)
    return queue_to_customer(session, services, customer, method, receipt)
