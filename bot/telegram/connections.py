"""Business connections the bot has not stored: asked of Telegram before the update's transaction.

A message may name a connection the bot never heard announced (connected before the bot stored
connections, or its business_connection update was lost). The bot asks getBusinessConnection
once, outside any transaction (no Telegram call while one is open), and stores the answer. If
Telegram does not know the id either, that is logged once and the gate hands the customer's
messages to staff (the bot cannot answer through an unknown connection).
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BusinessConnection, Update

from bot.db import transaction
from bot.services import shop_accounts
from bot.telegram.alerts import tell_managers

if TYPE_CHECKING:
    from bot.container import Services

logger = logging.getLogger(__name__)

RETRY_SECONDS = 600.0  # a connection Telegram did not know is asked about again after this


def account_of(connection: BusinessConnection) -> shop_accounts.Account:
    """Describe a Telegram business connection for the services."""
    user = connection.user
    name = " ".join(part for part in (user.first_name, user.last_name) if part)
    rights = connection.rights.model_dump(exclude_none=True) if connection.rights else {}
    moment = connection.date
    return shop_accounts.Account(
        id=connection.id,
        owner_id=user.id,
        owner_name=name + (f" (@{user.username})" if user.username else ""),
        owner_username=user.username,
        rights=rights,
        is_enabled=connection.is_enabled,
        connected_at=moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC),
    )


def connection_named(update: Update) -> str | None:
    """The business connection a message of the update came through, if any."""
    for message in (
        update.message,
        update.edited_message,
        update.business_message,
        update.edited_business_message,
    ):
        if message is not None and message.business_connection_id is not None:
            return message.business_connection_id
    return None


async def know_connection(services: Services, bot: Bot, update: Update) -> None:
    """Make sure the update's business connection is stored, asking Telegram if it is not."""
    routes = services.business_routes
    connection_id = connection_named(update)
    if connection_id is None or connection_id in routes.known:
        return
    async with transaction(services.sessions) as session:
        stored = await shop_accounts.connection(session, connection_id) is not None
    if stored:
        routes.known.add(connection_id)
        return
    failed_at = routes.failed.get(connection_id)
    if failed_at is not None and time.monotonic() - failed_at < RETRY_SECONDS:
        return
    try:
        found = await bot.get_business_connection(connection_id)
    except TelegramAPIError as exc:
        if failed_at is None:  # once per connection, not once per message
            logger.warning(
                "business connection %s: getBusinessConnection failed (%s); its customers' "
                "messages go to staff, the bot cannot answer through it",
                connection_id,
                exc.message,
            )
        routes.failed[connection_id] = time.monotonic()
        return
    await remember_connection(services, account_of(found))


async def remember_connection(services: Services, account: shop_accounts.Account) -> None:
    """Store a connection Telegram described; tell managers if the bot can answer there."""
    now: datetime = services.clock()
    async with transaction(services.sessions) as session:
        change = await shop_accounts.save_connection(session, account, now)
        if change is not None:
            l10n = services.staff_texts()
            text = l10n(f"business-{change}", account=account.owner_name)
            await tell_managers(services, session, text)
    routes = services.business_routes
    routes.mark_active()
    routes.known.add(account.id)
    routes.failed.pop(account.id, None)
    routes.forget()
