"""FSM storage and event isolation that degrade, rather than fail, while Redis is unreachable.

Redis here keeps nothing on disk: after a restart every step is forgotten, and while it is
down nothing can be read or saved. Either way the customer's message is still handled, as if
they were at no step; what they see is an ordinary answer, not an error.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, StateType, StorageKey
from aiogram.fsm.storage.memory import SimpleEventIsolation
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisError, OSError)


class ResilientStorage(BaseStorage):
    """Wrap a storage: reads while it is unreachable find no step, writes are skipped."""

    def __init__(self, inner: BaseStorage) -> None:
        self.inner = inner

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        """Save the step; log and go on if the storage is unreachable."""
        try:
            await self.inner.set_state(key, state)
        except UNREACHABLE as exc:
            logger.warning("FSM step of user %s not saved: %s", key.user_id, _brief(exc))

    async def get_state(self, key: StorageKey) -> str | None:
        """Read the step; none if the storage is unreachable."""
        try:
            return await self.inner.get_state(key)
        except UNREACHABLE as exc:
            logger.warning("FSM step of user %s not read: %s", key.user_id, _brief(exc))
            return None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        """Save the step's answers; log and go on if the storage is unreachable."""
        try:
            await self.inner.set_data(key, data)
        except UNREACHABLE as exc:
            logger.warning("FSM data of user %s not saved: %s", key.user_id, _brief(exc))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        """Read the step's answers; none if the storage is unreachable."""
        try:
            return await self.inner.get_data(key)
        except UNREACHABLE as exc:
            logger.warning("FSM data of user %s not read: %s", key.user_id, _brief(exc))
            return {}

    async def close(self) -> None:
        """Close the wrapped storage."""
        await self.inner.close()


class ResilientIsolation(BaseEventIsolation):
    """One user's updates one at a time: in each process, and across them while Redis answers."""

    def __init__(self, shared: BaseEventIsolation) -> None:
        self.shared = shared
        self.local = SimpleEventIsolation()

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        """Hold the local lock, and the shared one if Redis can be reached."""
        async with self.local.lock(key):
            shared = self.shared.lock(key)
            try:
                await shared.__aenter__()
            except UNREACHABLE as exc:
                logger.warning(
                    "user %s handled without the shared lock: %s", key.user_id, _brief(exc)
                )
                yield
                return
            try:
                yield
            finally:
                try:
                    await shared.__aexit__(None, None, None)
                except UNREACHABLE as exc:  # Redis restarted meanwhile: the lock is gone anyway
                    logger.info("shared lock of user %s not released: %s", key.user_id, _brief(exc))

    async def close(self) -> None:
        """Close both isolations."""
        await self.shared.close()
        await self.local.close()


def _brief(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"
