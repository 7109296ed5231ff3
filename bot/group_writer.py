"""Group commit: items written by one task, each batch holding whatever arrived meanwhile."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class _Batch(Generic[T]):
    def __init__(self) -> None:
        self.items: list[T] = []
        self.done: asyncio.Future[None] | None = None


class GroupWriter(Generic[T]):
    """Write items in batches; `add` returns once its batch is written (or raises its error)."""

    # Under load a transaction (its BEGIN, its COMMIT and, on SQLite, its turn at the one
    # connection) then serves many items instead of one each. `linger` waits that long before
    # each batch, so that at moderate rates, when items arrive one by one, a batch still
    # holds several.

    def __init__(self, write: Callable[[list[T]], Awaitable[None]], linger: float = 0.0) -> None:
        self._write = write
        self._linger = linger
        self._next: _Batch[T] = _Batch()
        self._task: asyncio.Task[None] | None = None

    async def add(self, item: T) -> None:
        """Queue an item and wait until the batch it joined is written."""
        batch = self._next
        batch.items.append(item)
        if batch.done is None:
            batch.done = asyncio.get_running_loop().create_future()
        if self._task is None:
            self._task = asyncio.create_task(self._run())
        # Shielded: a caller cancelled while waiting must not cancel the others' write.
        await asyncio.shield(batch.done)

    async def drain(self) -> None:
        """Wait until everything queued so far is written."""
        task = self._task
        if task is not None:
            await asyncio.shield(task)

    async def _run(self) -> None:
        try:
            while self._next.items:
                if self._linger:
                    await asyncio.sleep(self._linger)
                batch, self._next = self._next, _Batch()
                assert batch.done is not None
                try:
                    await self._write(batch.items)
                except Exception as error:
                    batch.done.set_exception(error)
                else:
                    batch.done.set_result(None)
        finally:
            self._task = None
