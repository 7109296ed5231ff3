"""Alerts to managers about a customer, with a link to their topic, queued in the outbox."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.methods import SendMessage
from aiogram.utils.formatting import Text
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.staff import manager_ids
from bot.telegram.mentions import duty_mentions
from bot.telegram.outbox import queue_in_topic, queue_to_chat
from bot.telegram.topics import topic_link
from models import Customer

if TYPE_CHECKING:
    from bot.container import Services


async def alert_managers(
    services: Services,
    session: AsyncSession,
    key: str,
    *,
    customer: Customer,
    **args: Any,
) -> int:
    """Queue an alert about a customer to every manager; return how many will get it."""
    settings = services.settings
    l10n = services.staff_texts()
    link = "—"
    group = customer.topic_chat_id or settings.telegram.staff_chat_id  # an account's own group
    if group is not None and customer.topic_id is not None:
        link = topic_link(group, customer.topic_id)
    text = l10n(
        key, customer=customer.display_name, id=str(customer.telegram_id), link=link, **args
    )
    return await tell_managers(services, session, text)


async def tell_managers(services: Services, session: AsyncSession, text: str) -> int:
    """Queue a text to every manager; return how many managers there are."""
    managers = await manager_ids(session, services.settings.telegram.manager_ids)
    for manager in managers:
        queue_to_chat(session, services, SendMessage(chat_id=manager, text=text))
    return len(managers)


async def warn_nobody_on_duty(session: AsyncSession, services: Services) -> None:
    """Tell every manager that nobody is on duty during working hours."""
    await tell_managers(services, session, services.staff_texts()("alert-nobody-on-duty"))


async def alert_duty_in_topic(
    services: Services, session: AsyncSession, customer: Customer, text: str
) -> None:
    """Post an alert in the customer's topic, mentioning everyone on duty."""
    staff_chat = services.settings.telegram.staff_chat_id
    if staff_chat is None:
        return
    alert = Text(text, " ", await duty_mentions(session, services.staff_texts()))
    queue_in_topic(
        session, services, customer, SendMessage(chat_id=staff_chat, **alert.as_kwargs())
    )
