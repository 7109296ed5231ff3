"""The unit of work making Bot API calls, as the request middlewares need to know it.

aiogram gives a request middleware only the bot and the method (`BaseRequestMiddleware`:
`make_request, bot, method`), and a handler's `message.answer()` reaches the chain with no
way to add anything. So what the middlewares must know about the caller — the update's own
chat, whose answers wait for the commit (`after_commit`); the open transaction a sent message
is logged in, the customer whose chat it is, who speaks (`outbound`); the session business
routes are read through (`business`) — travels in this one ContextVar, as one object that its
owner builds and fills in explicitly: the database middleware for an update (the context
middleware adds the customer through the handler data), `send_held` for answers sent after
the commit, the outbox sender for a queued row. Nothing else sets it.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from aiogram.methods import TelegramMethod
from sqlmodel.ext.asyncio.session import AsyncSession


@dataclass(frozen=True)
class Author:
    """Who speaks through the bot (a staff member's relayed answer, a manager's action)."""

    kind: str
    telegram_id: int | None = None


@dataclass(frozen=True)
class ChatOwner:
    """The customer behind a private chat and their latest conversation, loaded for an update."""

    chat_id: int
    customer_id: int | None  # None: a manager's command, which belongs to no customer
    conversation_id: int | None


Held = list[tuple[TelegramMethod[Any], ChatOwner | None]]


@dataclass
class CallContext:
    """What the request middlewares know of the code making a call; empty fields: nothing."""

    # The open transaction a sent or edited message is logged in (else a group commit of its
    # own); also the session business routes are read through (SQLite has one connection).
    session: AsyncSession | None = None
    # The customer whose private chat the update came from, so their answers are logged
    # without looking them up again. Conversations are opened only by the lookup that loaded
    # this one, so it stays the customer's latest for the rest of the update.
    owner: ChatOwner | None = None
    author: Author | None = None  # logged as this person, not as the bot
    # A message staff caused (their answer, a decision, /resolve and its rating request): it
    # reaches a shop account's customer even while the bot keeps quiet for the owner.
    for_staff: bool = False
    held_chat: int | None = None  # the update's own chat: new messages there wait
    held: Held | None = None  # where they wait until the commit; None: nothing is held


_current: contextvars.ContextVar[CallContext | None] = contextvars.ContextVar(
    "call_context", default=None
)


@contextmanager
def making_calls(context: CallContext) -> Iterator[CallContext]:
    """Make the calls of this block with the given context."""
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def current() -> CallContext | None:
    """The context of the call being made, or None (a call nobody described: a job's)."""
    return _current.get()
