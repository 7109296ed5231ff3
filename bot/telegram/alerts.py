"""Direct alerts to managers, with a link to the customer's topic."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.services.staff import manager_ids
from bot.telegram.retry import with_retry
from bot.telegram.topics import topic_link
from models import Customer

logger = logging.getLogger(__name__)


async def alert_managers(
    bot: Bot,
    services: Services,
    session: AsyncSession,
    key: str,
    *,
    customer: Customer,
    **args: Any,
) -> int:
    """Send every manager an alert about a customer; return how many got it."""
    settings = services.settings
    l10n = services.translations.get(settings.app.staff_language)
    link = "—"
    if settings.telegram.staff_chat_id is not None and customer.topic_id is not None:
        link = topic_link(settings.telegram.staff_chat_id, customer.topic_id)
    text = l10n(
        key, customer=customer.display_name, id=str(customer.telegram_id), link=link, **args
    )
    sent = 0
    for manager in await manager_ids(session, settings.telegram.manager_ids):
        try:
            await with_retry(lambda m=manager: bot.send_message(m, text))  # type: ignore[misc]
            sent += 1
        except TelegramAPIError as exc:  # e.g. a manager who never opened the bot
            logger.warning("alert to manager %s failed: %s", manager, exc.message)
    return sent
