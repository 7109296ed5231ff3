"""Answers to the customer being handled are sent once the update's changes are committed.

Sending inside the transaction had two costs: on SQLite the one writer was held across every
Bot API round trip (with Telegram's ~50 ms, about ten updates a second in all), and a customer
who acted on an answer within milliseconds could reach a bot that had not yet committed what
the answer said. Queued here instead, the calls go out in order right after the commit, still
inside the customer's event-isolation lock, so their updates stay in order too.

Only new messages to the chat of the customer whose update is handled are held back: handlers
never use their results (None is returned to them). Edits stay in place, because their
failure is the handler's business: "message is not modified" is how a double tap on a button
is told apart, and rolls the second tap back. Calls to other chats (staff topics, managers) go
through the outbox.
"""

from __future__ import annotations

import contextvars
import dataclasses
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

Deferred = list[tuple[TelegramMethod[Any], ChatOwner]]

_pending: contextvars.ContextVar[Deferred | None] = contextvars.ContextVar(
    "after_commit_pending", default=None
)


@contextmanager
def holding() -> Iterator[Deferred]:
    """Hold back answers to the customer being handled; yield the list they collect in."""
    calls: Deferred = []
    token = _pending.set(calls)
    try:
        yield calls
    finally:
        _pending.reset(token)


async def send_held(bot: Bot, calls: Deferred) -> None:
    """Send the held answers in order; a failure is logged and does not stop the rest."""
    for method, owner in calls:
        # Logged in a transaction of its own, still as the same customer and conversation.
        token = chat_owner.set(dataclasses.replace(owner, session=None))
        try:
            await deliver(functools.partial(bot, method))
        except Exception:
            logger.exception("answer %s could not be sent", type(method).__name__)
        finally:
            chat_owner.reset(token)


class SendAfterCommit(BaseRequestMiddleware):
    """Queue calls to the customer being handled until their update has committed."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        """Hold the call back while an update is being handled, else send it now."""
        calls = _pending.get()
        owner = chat_owner.get()
        if (
            calls is not None
            and owner is not None
            and isinstance(method, _DEFERRABLE)
            and getattr(method, "chat_id", None) == owner.chat_id
        ):
            calls.append((method, owner))
            return None
        return await make_request(bot, method)
