"""Topic commands: /resolve, /reopen, /escalate and /note."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.methods import SendMessage
from aiogram.types import Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.i18n import L10n
from bot.services import handoff, tickets
from bot.services.abuse import lift_abuse
from bot.services.outbox import chat_lane
from bot.services.staff import is_manager
from bot.telegram import receipts
from bot.telegram.alerts import alert_managers
from bot.telegram.buttons import rating_keyboard
from bot.telegram.outbox import queue_to_customer
from handlers.staff.topic import TopicContext
from models import AuthorKind, TicketKind

router = Router(name=__name__)

RESOLVED_REPLIES = ("staff-resolved", "staff-resolved-not-told")


@router.message(Command("note"))
async def note(message: Message, l10n: L10n) -> None:
    """Keep an internal note; like `//`, it is logged and never sent."""


@router.message(Command("resolve"))
async def resolve(
    message: Message,
    services: Services,
    session: AsyncSession,
    topic: TopicContext,
    l10n: L10n,
) -> None:
    """Mark the conversation resolved and tell the customer."""
    assert message.from_user is not None
    now = services.clock()
    await handoff.resolve(session, topic.conversation, message.from_user.id, now)
    customer_l10n = services.translations.get(topic.customer.language)
    conversation_id, customer_id = topic.conversation.id, topic.customer.telegram_id
    assert conversation_id is not None
    complaints = await tickets.resolve_complaints_with(
        session, conversation_id, message.from_user.id, now, services.promises
    )
    done = [
        customer_l10n(
            "complaint-status-changed",
            number=ticket.number,
            status=customer_l10n(f"ticket-status-{ticket.status}"),
        )
        for ticket in complaints
    ]
    resolved_text = "\n\n".join([*done, customer_l10n("conversation-resolved")])
    extra = []
    if complaints:
        numbers = ", ".join(ticket.number for ticket in complaints)
        extra.append(l10n("staff-resolved-complaints", numbers=numbers))
    pending = [
        ticket.number
        for ticket in await tickets.open_tickets(session, topic.customer.id or 0)
        if ticket.kind == TicketKind.RETURN and ticket.conversation_id == conversation_id
    ]
    if pending:
        extra.append(l10n("staff-resolved-returns-pending", numbers=", ".join(pending)))
    # Staff hear whether the customer was told once the sender knows: after the commit.
    customer = topic.customer
    assert customer.id is not None
    told, not_told = ("\n".join([l10n(key), *extra]) for key in RESOLVED_REPLIES)
    ask = SendMessage(
        chat_id=customer_id,
        text=customer_l10n("rating-ask"),
        reply_markup=rating_keyboard(conversation_id),
    )
    queue_to_customer(
        session,
        services,
        customer,
        SendMessage(chat_id=customer_id, text=resolved_text),
        receipts.receipt(
            sent=[
                receipts.post_in_topic(customer.id, told, message.message_id),
                receipts.then_send(chat_lane(customer_id), ask),
            ],
            refused=[receipts.post_in_topic(customer.id, not_told, message.message_id)],
        ),
    )


@router.message(Command("reopen"))
async def reopen(
    message: Message, services: Services, session: AsyncSession, topic: TopicContext, l10n: L10n
) -> None:
    """Reopen a resolved conversation; an abusive one only by a manager."""
    assert message.from_user is not None
    now = services.clock()
    if topic.conversation.abusive:
        if not await is_manager(
            session, message.from_user.id, services.settings.telegram.manager_ids
        ):
            await message.reply(l10n("staff-manager-only"))
            return
        await lift_abuse(session, topic.conversation, message.from_user.id, now)
        await message.reply(l10n("staff-abuse-lifted"))
        return
    await handoff.reopen(session, topic.conversation, message.from_user.id, AuthorKind.STAFF, now)
    await message.reply(l10n("staff-reopened"))


@router.message(Command("escalate"))
async def escalate(
    message: Message,
    command: CommandObject,
    bot: Bot,
    services: Services,
    session: AsyncSession,
    topic: TopicContext,
    l10n: L10n,
) -> None:
    """Hand the conversation up to the managers, with the staff member's reason."""
    assert message.from_user is not None
    await handoff.escalate(
        session,
        topic.conversation,
        services.clock(),
        "staff",
        actor_kind=AuthorKind.STAFF,
        actor_id=message.from_user.id,
        note=command.args,
    )
    sent = await alert_managers(
        services,
        session,
        "alert-escalated",
        customer=topic.customer,
        by=message.from_user.full_name,
        note=command.args or "—",
    )
    await message.reply(l10n("staff-escalated", count=sent))
