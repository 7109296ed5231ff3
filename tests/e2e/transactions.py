"""Catch Telegram calls made while the calling task holds an open database transaction.

Two exceptions, both documented in docs/architecture.md: an update may edit a message in its
own chat (a pressed button's message) in place, because "message is not modified" is how a
second tap is told apart and rolled back; and on PostgreSQL the outbox sender holds the row
lock of the one message it sends (FOR UPDATE SKIP LOCKED), so two workers never send it twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot, Dispatcher
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass
class CallsInTransactions:
    """Which tasks have a transaction open now, and the Telegram calls made meanwhile."""

    open: dict[asyncio.Task[Any] | None, int] = field(default_factory=dict)
    calls: int = 0
    offences: list[str] = field(default_factory=list)
    chats: dict[asyncio.Task[Any] | None, int] = field(default_factory=dict)
    sender_locks: bool = False  # the outbox sender holds its row's lock while it sends

    async def handling(self, handler: Any, event: Any, data: dict[str, Any]) -> Any:
        """Dispatcher middleware: remember the chat of the update this task handles."""
        chat = data.get("event_chat")
        task = _task()
        if chat is not None:
            self.chats[task] = chat.id
        try:
            return await handler(event, data)
        finally:
            self.chats.pop(task, None)

    def began(self, _conn: Connection) -> None:
        """A connection of this task began a transaction."""
        task = _task()
        self.open[task] = self.open.get(task, 0) + 1

    def ended(self, _conn: Connection) -> None:
        """A connection of this task committed or rolled back."""
        task = _task()
        left = self.open.get(task, 0) - 1
        if left > 0:
            self.open[task] = left
        else:
            self.open.pop(task, None)

    def called(self, method: Any) -> None:
        """A Telegram call is about to go out from the current task."""
        self.calls += 1
        task = _task()
        chat = getattr(method, "chat_id", None)
        own_edit = type(method).__name__.startswith("Edit") and chat == self.chats.get(task)
        if self.open.get(task) and not own_edit and not self._sending_locked(task):
            name = task.get_name() if task else "?"
            self.offences.append(f"{type(method).__name__} to {chat} in task {name}")

    def _sending_locked(self, task: asyncio.Task[Any] | None) -> bool:
        coro = task.get_coro() if task is not None else None
        return self.sender_locks and getattr(coro, "__qualname__", "") == "Outbox._guarded"


def _task() -> asyncio.Task[Any] | None:
    try:
        return asyncio.current_task()
    except RuntimeError:
        return None


@contextmanager
def watch_calls(
    engine: AsyncEngine, bot: Bot, dp: Dispatcher | None = None, sender_locks: bool = False
) -> Iterator[CallsInTransactions]:
    """Record, until the block ends, every Telegram call made inside an open transaction."""
    watch = CallsInTransactions(sender_locks=sender_locks)
    sync = engine.sync_engine
    hooks = [(sync, "begin", watch.began), (sync, "commit", watch.ended)]
    hooks.append((sync, "rollback", watch.ended))
    for target, name, hook in hooks:
        event.listen(target, name, hook)
    if dp is not None:
        dp.message.outer_middleware(watch.handling)
        dp.edited_message.outer_middleware(watch.handling)
        dp.callback_query.outer_middleware(watch.handling)
    session = bot.session
    original = session.make_request

    async def make_request(bot: Bot, method: Any, timeout: int | None = None) -> Any:
        watch.called(method)
        return await original(bot, method, timeout)

    session.make_request = make_request  # type: ignore[method-assign]
    try:
        yield watch
    finally:
        session.make_request = original  # type: ignore[method-assign]
        for target, name, hook in hooks:
            event.remove(target, name, hook)
