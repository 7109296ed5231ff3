"""Who is writing and in which language: the customer, or a staff member in the staff chat."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.enums import ChatType
from aiogram.types import Chat, TelegramObject, Update, User
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.i18n import language_for
from bot.logs import current_conversation as log_conversation
from bot.services.conversations import customer_and_conversation
from bot.services.staff import is_manager
from bot.telegram.buttons import FaqFeedback, RatingPick
from bot.telegram.call_context import CallContext, ChatOwner
from bot.telegram.content import person_of
from handlers.customer.forms import RatingForm
from handlers.manager.command_menu import MANAGER_COMMANDS
from handlers.middlewares.database import CALL_CONTEXT_KEY


class ContextMiddleware(BaseMiddleware):
    """Put the customer, their conversation and their texts into the handler's data."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        """Look up or register the person behind the update."""
        user: User | None = data.get("event_from_user")
        chat: Chat | None = data.get("event_chat")
        services = self._services
        data["l10n"] = services.staff_texts()
        if (
            user is not None
            and not user.is_bot
            and chat is not None
            and chat.type == ChatType.PRIVATE
            # In a shop account's chat the owner writes too; only the customer is the customer.
            and user.id == chat.id
        ):
            session = data["session"]
            calls: CallContext | None = data.get(CALL_CONTEXT_KEY)
            if await _managers_command(event, session, services):
                # A manager's /console or /stats is not a customer's matter: no conversation
                # opens for it, and its answer (a sign-in link) joins none.
                data["l10n"] = services.translations.get(language_for(user.language_code))
                if calls is not None:
                    calls.owner = ChatOwner(user.id, None, None)
                return await handler(event, data)
            now = services.clock()
            customer, conversation = await customer_and_conversation(
                session, person_of(user), now, may_open=not _rates_the_last(event, data)
            )
            data["customer"], data["conversation"] = customer, conversation
            log_conversation.set(conversation.id)
            data["l10n"] = services.translations.get(customer.language)
            assert customer.id is not None
            if calls is not None:  # the update's answers are logged as this customer's
                calls.owner = ChatOwner(customer.telegram_id, customer.id, conversation.id)
        return await handler(event, data)


async def _managers_command(
    event: TelegramObject, session: AsyncSession, services: Services
) -> bool:
    """A manager's command in their private chat (checked only for those commands' words)."""
    message = event.message if isinstance(event, Update) else None
    if message is None or message.from_user is None or not message.text:
        return False
    word = message.text.split(maxsplit=1)[0]
    if not word.startswith("/") or word[1:].split("@", 1)[0].lower() not in MANAGER_COMMANDS:
        return False  # "stats" without the slash is a message like anyone's
    return await is_manager(session, message.from_user.id, services.settings.telegram.manager_ids)


# Presses about an answer already given: a score, "Did this help?" under an FAQ answer.
_ABOUT_THE_LAST = tuple(f"{button.__prefix__}:" for button in (RatingPick, FaqFeedback))


def _rates_the_last(event: TelegramObject, data: dict[str, Any]) -> bool:
    """A score or its comment, or "Did this help?": about the last conversation, not a new one."""
    if data.get("raw_state") == RatingForm.comment.state:
        return True
    query = event.callback_query if isinstance(event, Update) else None
    return query is not None and (query.data or "").startswith(_ABOUT_THE_LAST)
