"""Answers in the chat of the update being handled are sent once its changes are committed.

Sending inside the transaction had two costs: on SQLite the one writer was held across every
Bot API round trip (with Telegram's ~50 ms, about ten updates a second in all), and a customer
who acted on an answer within milliseconds could reach a bot that had not yet committed what
the answer said. Queued here instead, the calls go out in order right after the commit, still
inside the customer's event-isolation lock, so their updates stay in order too.

New messages to the chat the update came from (a customer's private chat, or the staff chat for
staff commands) and the answer to a pressed button are held back: handlers never use their
results (None, or True for a button's answer, is returned to them). Edits stay in place,
because their failure is the handler's business: "message is not modified" is how a double tap
on a button is told apart, and rolls the second tap back. Calls to every other chat (customers
told of staff decisions, staff topics, managers) are outbox rows (bot/telegram/outbox.py).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import (
    AnswerCallbackQuery,
    CopyMessage,
    ForwardMessage,
    SendChatAction,
    SendContact,
    SendDocument,
    SendLocation,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType

from bot.telegram.call_context import CallContext, Held, current, making_calls
from bot.telegram.retry import deliver

logger = logging.getLogger(__name__)

_DEFERRABLE = (
    SendMessage,
    SendPhoto,
    SendDocument,
    SendContact,
    SendLocation,
    SendChatAction,
    CopyMessage,
    ForwardMessage,
)


@contextmanager
def holding(chat_id: int | None) -> Iterator[CallContext]:
    """Hold back answers in the update's chat; yield the update's context that collects them."""
    # The database middleware adds the update's session to it, the context middleware its
    # customer: both through the handler data, not a variable of their own.
    with making_calls(CallContext(held_chat=chat_id, held=[])) as context:
        yield context


async def send_held(bot: Bot, calls: Held) -> None:
    """Send the held answers in order; a failure is logged and does not stop the rest."""
    for method, owner in calls:
        # Logged in a transaction of its own, still as the same customer and conversation.
        with making_calls(CallContext(owner=owner)):
            try:
                await deliver(functools.partial(bot, method))
            except Exception:
                logger.exception("answer %s could not be sent", type(method).__name__)


class SendAfterCommit(BaseRequestMiddleware):
    """Queue calls to the chat being handled until its update has committed."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        """Hold the call back while an update is being handled, else send it now."""
        context = current()
        held = context.held if context is not None else None
        if context is None or held is None:
            return await make_request(bot, method)
        if isinstance(method, AnswerCallbackQuery):
            held.append((method, None))
            return True
        if (
            context.held_chat is not None
            and isinstance(method, _DEFERRABLE)
            and getattr(method, "chat_id", None) == context.held_chat
        ):
            held.append((method, context.owner))
            return None
        return await make_request(bot, method)
