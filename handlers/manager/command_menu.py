"""The command menu managers see in their private chat: the customer commands plus theirs."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat

from bot.container import Services
from bot.db import transaction
from bot.i18n import LANGUAGES
from bot.services.staff import manager_ids

logger = logging.getLogger(__name__)

CUSTOMER_COMMANDS = ("start", "menu", "help", "cancel")
MANAGER_COMMANDS = ("console", "stats", "log")


def commands(services: Services, language: str, manager: bool = False) -> list[BotCommand]:
    """The menu in one language, for customers or for managers."""
    l10n = services.translations.get(language)
    names = CUSTOMER_COMMANDS + (MANAGER_COMMANDS if manager else ())
    return [BotCommand(command=name, description=l10n(f"command-{name}")) for name in names]


async def publish_manager_menus(bot: Bot, services: Services) -> int:
    """Show /console, /stats and /log in each manager's menu; return how many got it."""
    async with transaction(services.sessions) as session:
        managers = await manager_ids(session, services.settings.telegram.manager_ids)
    published = 0
    for manager in managers:
        try:
            for language in LANGUAGES:
                await bot.set_my_commands(
                    commands(services, language, manager=True),
                    scope=BotCommandScopeChat(chat_id=manager),
                    language_code=None if language == "en" else language,
                )
        except TelegramAPIError as exc:  # e.g. a manager who has not opened the bot yet
            logger.info("manager %s gets the menu once they open the bot: %s", manager, exc.message)
            continue
        published += 1
    return published
