"""One place commits: a session per update, committed after the handler or rolled back.

Answers to the customer are sent after the commit (bot.telegram.after_commit).

While the database is briefly unreachable (a restart, a failover, a lock held too long) the
whole update is tried again with backoff: the claim of its id, every change and the commit
roll back together, the customer's step is put back as it was, and Telegram calls that an
earlier attempt already made are not repeated (bot.resilience.ReplayGuard).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StateType
from aiogram.types import TelegramObject, Update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import transaction
from bot.resilience import (
    RETRY_SECONDS_KEY,
    RetryBudget,
    forget_scope,
    from_database,
    replay_scope,
    watch_engine,
    watching,
)
from bot.services.updates import claim_update
from bot.telegram.after_commit import holding, send_held
from models.types import utcnow

logger = logging.getLogger(__name__)

# A stored update (polling or webhook: bot.inbox) is confirmed to Telegram already, so it
# waits out a database outage however long it lasts (polling stops fetching while too many
# wait); RETRY_SECONDS_KEY in the handler data sets a shorter budget.
POLLING_RETRY_SECONDS = math.inf
# The update's CallContext in the handler data: the request middlewares' view of the update.
CALL_CONTEXT_KEY = "call_context"


class DbSessionMiddleware(BaseMiddleware):
    """Open a database session for the update and commit or roll back around it."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime] = utcnow,
        retry_seconds: float = POLLING_RETRY_SECONDS,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._retry_seconds = retry_seconds
        engine = sessions.kw.get("bind")
        if isinstance(engine, AsyncEngine):
            watch_engine(engine)

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        """Run the rest of the chain inside one transaction, once per update_id."""
        update_id = event.update_id if isinstance(event, Update) else None
        budget = RetryBudget(float(data.get(RETRY_SECONDS_KEY, self._retry_seconds)))
        attempt = 1
        while True:
            state = data.get("state")
            undoable = UndoableState(state.storage, state.key) if state is not None else None
            # Each attempt starts from the update's own data: nothing a failed one added.
            attempt_data = {**data, "state": undoable} if undoable is not None else dict(data)
            scope = (
                replay_scope(("update", update_id))
                if update_id is not None
                else contextlib.nullcontext()
            )
            try:
                with scope, watching() as watch, holding(_chat_of(event)) as calls:
                    # The handlers' chain adds the update's customer to it (ContextMiddleware).
                    attempt_data[CALL_CONTEXT_KEY] = calls
                    result = await self._attempt(handler, event, update_id, attempt_data)
            except Exception as exc:
                if not budget.covers(exc, watch):
                    _show_error_router(data, attempt_data)
                    raise
                if watch.error is not None and exc.__cause__ is None:
                    exc.__cause__ = watch.error  # so the error router too sees why it failed
                if undoable is not None:
                    await undoable.undo()
                delay = budget.next_delay(outage=watch.error is not None or from_database(exc))
                if delay is None:
                    _show_error_router(data, attempt_data)
                    raise
                # Attempts 1, 2, 4, 8...: a long outage must not flood the log.
                logger.log(
                    logging.WARNING if attempt & (attempt - 1) == 0 else logging.DEBUG,
                    "update %s: database unavailable (%s: %s); attempt %s failed, retry in %.1fs",
                    update_id,
                    type(exc).__name__,
                    str(exc).splitlines()[0][:200] if str(exc) else "",
                    attempt,
                    delay,
                )
                await asyncio.sleep(delay)
                attempt += 1
                continue
            forget_scope(("update", update_id))
            if attempt > 1:
                logger.info("update %s handled on attempt %s", update_id, attempt)
            if calls.held:
                await send_held(data["bot"], calls.held)
            return result

    async def _attempt(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        update_id: int | None,
        data: dict[str, Any],
    ) -> Any:
        async with transaction(self._sessions) as session:
            data["session"] = session
            # What the update's calls send or edit is logged in its transaction.
            data[CALL_CONTEXT_KEY].session = session
            if update_id is not None and not await claim_update(session, update_id, self._clock()):
                logger.info("update %s was already handled; skipped", update_id)
                return None
            return await handler(event, data)


class UndoableState(FSMContext):
    """The customer's step, which can be put back as it was before this attempt changed it."""

    # FSM storage is not part of the database transaction: without the undo, a retried update
    # would meet the step its failed attempt moved to, and be handled as the next answer.

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._before: tuple[str | None, dict[str, Any]] | None = None

    async def _remember(self) -> None:
        if self._before is None:
            self._before = (
                await self.storage.get_state(self.key),
                await self.storage.get_data(self.key),
            )

    async def set_state(self, state: StateType = None) -> None:
        """Change the step, remembering the one before."""
        await self._remember()
        await super().set_state(state)

    async def set_data(self, data: Mapping[str, Any]) -> None:
        """Change the step's answers, remembering the ones before."""
        await self._remember()
        await super().set_data(data)

    async def update_data(
        self, data: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Add answers, remembering the ones before."""
        await self._remember()
        return await super().update_data(data, **kwargs)

    async def undo(self) -> None:
        """Put back the step and answers from before this attempt, if it changed them."""
        if self._before is None:
            return
        state, answers = self._before
        with contextlib.suppress(Exception):  # the storage may be down too; nothing more to do
            await self.storage.set_state(self.key, state)
            await self.storage.set_data(self.key, answers)
        self._before = None


def _chat_of(event: TelegramObject) -> int | None:
    """The chat an update came from, whose answers wait for the commit."""
    if not isinstance(event, Update):
        return None
    message = event.message or event.edited_message
    if message is None and event.callback_query is not None:
        message = event.callback_query.message  # type: ignore[assignment]
    return message.chat.id if message is not None else None


def _show_error_router(data: dict[str, Any], attempt: dict[str, Any]) -> None:
    """Let the error handlers see what the failed attempt loaded (the customer's texts...)."""
    for key, value in attempt.items():
        data.setdefault(key, value)
