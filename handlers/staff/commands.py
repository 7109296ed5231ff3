"""Topic commands: /resolve, /reopen, /escalate and /note."""

from __future__ import annotations

from contextlib import suppress

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.i18n import L10n
from bot.services import handoff, tickets
from bot.services.abuse import lift_abuse
from bot.services.staff import is_manager
from bot.telegram.alerts import alert_managers
from bot.telegram.retry import deliver
from handlers.customer.rating import rating_keyboard
from handlers.staff.ticket_cards import complaint_card, complaint_keyboard
from handlers.staff.topic import TopicContext
from models import AuthorKind, Ticket, TicketKind

router = Router(name=__name__)


@router.message(Command("note"))
async def note(message: Message, l10n: L10n) -> None:
    """Keep an internal note; like `//`, it is logged and never sent."""


@router.message(Command("resolve"))
async def resolve(
    message: Message,
    bot: Bot,
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
    told = await deliver(lambda: bot.send_message(customer_id, resolved_text))
    if told is not None:
        keyboard = rating_keyboard(conversation_id)
        await deliver(
            lambda: bot.send_message(
                customer_id, customer_l10n("rating-ask"), reply_markup=keyboard
            )
        )
    lines = [l10n("staff-resolved" if told is not None else "staff-resolved-not-told")]
    if complaints:
        numbers = ", ".join(ticket.number for ticket in complaints)
        lines.append(l10n("staff-resolved-complaints", numbers=numbers))
        await _settle_cards(bot, session, complaints, message, l10n)
    pending = [
        ticket.number
        for ticket in await tickets.open_tickets(session, topic.customer.id or 0)
        if ticket.kind == TicketKind.RETURN and ticket.conversation_id == conversation_id
    ]
    if pending:
        lines.append(l10n("staff-resolved-returns-pending", numbers=", ".join(pending)))
    await message.reply("\n".join(lines))


async def _settle_cards(
    bot: Bot, session: AsyncSession, complaints: list[Ticket], message: Message, l10n: L10n
) -> None:
    """Show the resolved status on each complaint's card, with the buttons it now allows.

    Left as they were, the cards would offer "Resolved" and "Rejected" for a closed complaint.
    """
    assert message.from_user is not None
    by = l10n("staff-decided-by", by=message.from_user.full_name)
    for ticket in complaints:
        card = complaint_card(l10n, ticket)
        heading = card[: card.index(ticket.number) + len(ticket.number)]
        card_id = await tickets.card_of(session, ticket, message.chat.id, heading)
        if card_id is None:
            continue
        with suppress(TelegramBadRequest):  # deleted by staff, or already showing this
            await bot.edit_message_text(
                chat_id=message.chat.id,
                message_id=card_id,
                text=f"{card}\n{by}",
                reply_markup=complaint_keyboard(l10n, ticket),
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
