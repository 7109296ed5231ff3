"""Filters for customer messages: menu buttons in any language."""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.types import Message

from bot.container import Services


class MenuButton(Filter):
    """Match a main-menu button whichever language its label is in."""

    def __init__(self, key: str) -> None:
        self.key = key

    async def __call__(self, message: Message, services: Services, **_: Any) -> bool:
        """Compare the text with the button's label in every language."""
        return message.text is not None and message.text in services.translations.labels(self.key)


class WithBot(Filter):
    """Pass while the bot, not a person, is handling the customer."""

    async def __call__(self, message: Message, **data: Any) -> bool:
        """Check the conversation's status."""
        from bot.services.handoff import with_person

        conversation = data.get("conversation")
        return conversation is not None and not with_person(conversation)
