"""A main-menu button works at every step: it leaves an unfinished step first."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.enums import ChatType
from aiogram.fsm.context import FSMContext
from aiogram.types import Message, TelegramObject

from bot.container import Services
from handlers.customer.keyboards import MENU_KEYS


class MenuLeavesStep(BaseMiddleware):
    """Clear an unfinished step when the customer taps a main-menu button, so the button works."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        """Forget the step before the handlers' state filters look at it."""
        state: FSMContext | None = data.get("state")
        if (
            isinstance(event, Message)
            and event.chat.type == ChatType.PRIVATE
            and state is not None
            and data.get("raw_state") is not None
            and _is_menu_label(event.text, data["services"])
        ):
            await state.clear()
            data["raw_state"] = None
        return await handler(event, data)


def _is_menu_label(text: str | None, services: Services) -> bool:
    """Tell whether a text is a main-menu button's label in any language."""
    return text is not None and any(
        l10n(key) == text
        for l10n in services.translations.all().values()
        for row in MENU_KEYS
        for key in row
    )
