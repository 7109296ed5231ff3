"""Telegram Business: connections, the owner answering personally, and pausing the bot per chat.

Customers' own business messages never reach this router: they run the private-chat journeys
(bot/telegram/business_routing.py). What stays here is what only the business side does.
"""

from __future__ import annotations

import contextlib

from aiogram import Router
from aiogram.filters import Command
from aiogram.methods import CopyMessage, SendMessage
from aiogram.types import BusinessConnection, BusinessMessagesDeleted, Message, ReplyParameters
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.i18n import L10n
from bot.services import shop_accounts
from bot.services.conversations import latest_conversation
from bot.services.customers import find_by_telegram_id
from bot.services.handoff import ConversationClosed, staff_replied, with_person
from bot.services.message_log import (
    MessageRef,
    find_message,
    record_edit,
    record_message,
    relayed_copies,
)
from bot.telegram.alerts import tell_managers
from bot.telegram.business_routing import from_customer
from bot.telegram.connections import account_of
from bot.telegram.content import content_of
from bot.telegram.edits import relay_edit
from bot.telegram.outbox import queue_in_topic
from handlers.staff.topic import TopicContext
from models import AuthorKind, Direction

router = Router(name=__name__)
topic_router = Router(name=f"{__name__}.topic")


@router.business_connection()
async def connection_changed(
    connection: BusinessConnection, services: Services, session: AsyncSession
) -> None:
    """Store the connection; tell managers once when the bot can or can no longer answer."""
    account = account_of(connection)
    change = await shop_accounts.save_connection(session, account, services.clock())
    routes = services.business_routes
    routes.mark_active()
    routes.failed.pop(account.id, None)
    routes.forget()  # every chat of the account may answer differently now
    if change is not None:
        l10n = services.staff_texts()
        await tell_managers(
            services, session, l10n(f"business-{change}", account=account.owner_name)
        )


@router.business_message()
async def owner_wrote(
    message: Message, services: Services, session: AsyncSession, l10n: L10n
) -> None:
    """The account's owner answered a customer personally: a staff reply, copied to the topic."""
    if from_customer(message) or message.sender_business_bot is not None:
        return  # the bot's own messages on behalf of the account
    owner, connection_id = message.from_user, message.business_connection_id
    assert owner is not None and connection_id is not None
    customer = await find_by_telegram_id(session, message.chat.id)
    if customer is None or customer.id is None:
        return  # someone who never wrote to the shop: not a conversation of ours
    now = services.clock()
    await shop_accounts.owner_wrote(session, customer.telegram_id, connection_id, now)
    _forget_route(services, customer.telegram_id)  # quiet from now on, not after the cache
    conversation = await latest_conversation(session, customer.id)
    content = content_of(message)
    ref = MessageRef(
        message.chat.id,
        message.message_id,
        Direction.OUT,
        AuthorKind.STAFF,
        owner.id,
        business_connection_id=connection_id,
    )
    await record_message(
        session,
        ref,
        content,
        now,
        conversation_id=conversation.id if conversation else None,
        customer_id=customer.id,
    )
    if conversation is not None and (with_person(conversation) or conversation.waiting_since):
        # A resolved conversation: the owner may still chat; there is no clock to stop.
        with contextlib.suppress(ConversationClosed):
            await staff_replied(session, conversation, owner.id, now)
    staff_chat = services.settings.telegram.staff_chat_id
    if staff_chat is None:
        return
    minutes = services.content.policy.business_quiet_minutes
    name = owner.full_name
    note = l10n("business-owner-wrote", owner=name, minutes=str(minutes))
    queue_in_topic(session, services, customer, SendMessage(chat_id=staff_chat, text=note))
    copy = CopyMessage(
        chat_id=staff_chat, from_chat_id=message.chat.id, message_id=message.message_id
    )
    queue_in_topic(session, services, customer, copy)


def _forget_route(services: Services, chat_id: int) -> None:
    """This process reads the chat's route again (other workers within their cache's 5 s)."""
    services.business_routes.forget(chat_id)


@router.edited_business_message()
async def owner_edited(message: Message, services: Services, session: AsyncSession) -> None:
    """The owner edited what they wrote to a customer: the topic's copy is edited too."""
    if from_customer(message) or message.sender_business_bot is not None:
        return  # customers' edits run as edited_message; the bot's own are logged when made
    now = services.clock()
    chat_id, message_id, via = message.chat.id, message.message_id, message.business_connection_id
    if await record_edit(session, chat_id, message_id, content_of(message), now, via):
        await relay_edit(services, session, chat_id, message_id, via)


@router.deleted_business_messages()
async def deleted(
    event: BusinessMessagesDeleted, services: Services, session: AsyncSession
) -> None:
    """Messages deleted in a customer's chat: staff keep the copies, told each was deleted."""
    staff_chat = services.settings.telegram.staff_chat_id
    customer = await find_by_telegram_id(session, event.chat.id)
    if staff_chat is None or customer is None:
        return
    l10n = services.staff_texts()
    groups = {staff_chat, *services.own_staff_groups()}  # a shop account's own group too
    for message_id in event.message_ids:
        original = await find_message(
            session, event.chat.id, message_id, event.business_connection_id
        )
        if original is None:
            continue
        who = "owner" if original.author_kind == AuthorKind.STAFF else "customer"
        for copy in await relayed_copies(session, original):
            if copy.chat_id not in groups:
                continue
            note = SendMessage(
                chat_id=staff_chat,
                text=l10n(f"business-deleted-{who}"),
                reply_parameters=ReplyParameters(
                    message_id=copy.telegram_message_id, allow_sending_without_reply=True
                ),
            )
            queue_in_topic(session, services, customer, note)


@topic_router.message(Command("pause"))
async def pause(
    message: Message, services: Services, session: AsyncSession, topic: TopicContext, l10n: L10n
) -> None:
    """Pause the bot in this customer's business chat: only people answer there."""
    await _set_paused(message, services, session, topic, l10n, paused=True)


@topic_router.message(Command("resume"))
async def resume(
    message: Message, services: Services, session: AsyncSession, topic: TopicContext, l10n: L10n
) -> None:
    """Let the bot answer this customer's business chat again."""
    await _set_paused(message, services, session, topic, l10n, paused=False)


async def _set_paused(
    message: Message,
    services: Services,
    session: AsyncSession,
    topic: TopicContext,
    l10n: L10n,
    *,
    paused: bool,
) -> None:
    chat_id = topic.customer.telegram_id
    chat = await shop_accounts.set_paused(session, chat_id, paused, services.clock())
    _forget_route(services, chat_id)
    if chat is None:
        await message.reply(l10n("business-not-business"))
        return
    conn = await shop_accounts.connection(session, chat.connection_id)
    account = conn.owner_name if conn else "?"
    await message.reply(
        l10n("business-paused", account=account) if paused else l10n("business-resumed")
    )
