"""Inbound messages: who wrote, which conversation it belongs to, stored once."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.conversations import latest_conversation, touch_conversation
from bot.services.customers import find_by_topic
from bot.services.message_log import (
    MessageContent,
    MessageRef,
    record_edit,
    record_message,
)
from models import AuthorKind, Conversation, Customer, Direction

NOTE_PREFIX = "//"


@dataclass(frozen=True)
class Inbound:
    """An incoming message as the services see it."""

    chat_id: int
    message_id: int
    author_id: int
    content: MessageContent
    thread_id: int | None = None
    edited: bool = False
    business_connection_id: str | None = None  # written to a shop account, not to the bot


def is_note(text: str | None) -> bool:
    """Tell whether a staff message is an internal note that must never reach the customer."""
    return bool(text) and text.lstrip().startswith(NOTE_PREFIX)  # type: ignore[union-attr]


async def record_inbound(
    session: AsyncSession,
    inbound: Inbound,
    now: datetime,
    *,
    staff_chat_id: int | None,
    own_groups: Collection[int] = (),
    customer: Customer | None = None,
    conversation: Conversation | None = None,
) -> int | None:
    """Store a customer's or staff member's message (edits update the stored one); its row id."""
    if inbound.edited:
        row = await record_edit(
            session,
            inbound.chat_id,
            inbound.message_id,
            inbound.content,
            now,
            inbound.business_connection_id,
        )
        if row is not None:
            return row.id
    if customer is not None:
        kind = AuthorKind.CUSTOMER
        if conversation is not None:
            await touch_conversation(session, conversation, now)
    elif inbound.chat_id == staff_chat_id or inbound.chat_id in own_groups:
        kind = AuthorKind.NOTE if is_note(inbound.content.text) else AuthorKind.STAFF
        if inbound.thread_id is not None:
            group = None if inbound.chat_id == staff_chat_id else inbound.chat_id
            customer = await find_by_topic(session, inbound.thread_id, group)
            if customer is not None and customer.id is not None:
                conversation = await latest_conversation(session, customer.id)
    else:
        return None  # a chat the bot serves neither customers nor staff in
    ref = MessageRef(
        inbound.chat_id,
        inbound.message_id,
        Direction.IN,
        kind,
        inbound.author_id,
        inbound.thread_id,
        inbound.business_connection_id,
    )
    return await record_message(
        session,
        ref,
        inbound.content,
        now,
        conversation_id=conversation.id if conversation else None,
        customer_id=customer.id if customer else None,
    )
