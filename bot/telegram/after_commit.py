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

import contextvars
import dataclasses
import functools
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
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

from bot.telegram.outbound import ChatOwner, chat_owner
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

Deferred = list[tuple[TelegramMethod[Any], ChatOwner | None]]


@dataclass
class Held:
    """The chat an update came from, and the answers to it held until the commit."""

    chat_id: int | None
    calls: Deferred = field(default_factory=list)


# aiogram gives a request middleware only the bot and the method: the update being handled
# reaches it through this (set by the database middleware around each update).
_pending: contextvars.ContextVar[Held | None] = contextvars.ContextVar(
    "after_commit_pending", default=None
)


@contextmanager
def holding(chat_id: int | None) -> Iterator[Deferred]:
    """Hold back answers in the update's chat; yield the list they collect in."""
    held = Held(chat_id)
    token = _pending.set(held)
    try:
        yield held.calls
    finally:
        _pending.reset(token)


async def send_held(bot: Bot, calls: Deferred) -> None:
    """Send the held answers in order; a failure is logged and does not stop the rest."""
    for method, owner in calls:
        # Logged in a transaction of its own, still as the same customer and conversation.
        token = chat_owner.set(dataclasses.replace(owner, session=None) if owner else None)
        try:
            await deliver(functools.partial(bot, method))
        except Exception:
            logger.exception("answer %s could not be sent", type(method).__name__)
        finally:
            chat_owner.reset(token)


class SendAfterCommit(BaseRequestMiddleware):
    """Queue calls to the chat being handled until its update has committed."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        """Hold the call back while an update is being handled, else send it now."""
        held = _pending.get()
        if held is None:
            return await make_request(bot, method)
        if isinstance(method, AnswerCallbackQuery):
            held.calls.append((method, None))
            return True
        if (
            held.chat_id is not None
            and isinstance(method, _DEFERRABLE)
            and getattr(method, "chat_id", None) == held.chat_id
        ):
            held.calls.append((method, chat_owner.get()))
            return None
        return await make_request(bot, method)
