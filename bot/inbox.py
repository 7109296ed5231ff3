"""Updates are stored before Telegram is told they arrived, then handled from the store.

Polling asks for the next offset, and the webhook answers 2xx, only once the updates are
committed to the `inbox` table (`bot.services.updates`). Each stored update is then handed to
the dispatcher: at once, from memory, when it was just stored; from the table at start-up and
whenever a row's lease ran out (a process killed while handling it, an update whose handling
failed). A customer's updates are handed over in the order they were stored, one at a time,
and each is marked done in the transaction of its effects (`claim_update`), so it counts once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.dispatcher.middlewares.user_context import UserContextMiddleware
from aiogram.methods import GetUpdates
from aiogram.types import Update
from aiogram.utils.backoff import Backoff, BackoffConfig
from pydantic import ValidationError

from bot.container import Services
from bot.db import transaction
from bot.group_writer import GroupWriter
from bot.services.updates import count_pending, store_updates, take_pending
from models.types import utcnow

logger = logging.getLogger(__name__)

# A row handed out is this process's for this long; then another process may take it over.
LEASE = timedelta(seconds=60)
# Handler data: which attempt at a stored update this is (the error router logs the first).
ATTEMPT_KEY = "inbox_attempt"
# How often the store is searched for rows whose lease ran out.
SWEEP_SECONDS = 5.0
SWEEP_BATCH = 500
# Back-off for storing (polling) and for handling a stored update again after it failed.
FIRST_DELAY = 0.5
MAX_DELAY = 30.0


def _cause(error: BaseException) -> str:
    """The error's type and first line, without SQL parameters (customer text)."""
    text = str(error).splitlines()[0][:200] if str(error) else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _lane(update: Update) -> tuple[int | None, int | None]:
    """The chat and person an update belongs to: their updates are handled in order."""
    context = UserContextMiddleware.resolve_event_context(update)
    return context.chat_id, context.user_id


class _Lanes:
    """One FIFO lock per lane, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[tuple[int | None, int | None], tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: tuple[int | None, int | None]) -> Any:
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:  # asyncio.Lock wakes its waiters in the order they came
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


class Inbox:
    """Store updates before confirming them, then feed them to the dispatcher, each once."""

    def __init__(self, services: Services, dp: Dispatcher) -> None:
        self._services = services
        self._dp = dp
        self._bot: Bot | None = None
        self._lanes = _Lanes()
        self._in_flight: set[int] = set()
        self._failing: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._sweeper: asyncio.Task[None] | None = None
        self._stopping = False
        self._room = asyncio.Event()
        self._room.set()
        self.limit = 0  # updates handled at once before polling waits; 0: no limit
        # The webhook's requests are stored by group commit: one transaction for all that came
        # in while the previous one was written.
        self._writer: GroupWriter[tuple[int, str]] = GroupWriter(self._write)
        self._store_fault: str | None = None
        self._fault_since = 0.0
        self._refused = 0

    # ---- health ---------------------------------------------------------------------------

    @property
    def fault(self) -> str | None:
        """Why the bot is unhealthy now (updates cannot be stored or handled), or None."""
        if self._store_fault is not None:
            return f"updates cannot be stored: {self._store_fault}"
        if self._failing:
            return f"{len(self._failing)} stored update(s) failed and wait to be handled again"
        return None

    @property
    def in_flight(self) -> int:
        """Updates handed to the dispatcher (or waiting for their lane) and not yet done."""
        return len(self._in_flight)

    def _stored_fine(self) -> None:
        if self._store_fault is not None:
            logger.warning(
                "updates are stored again after %.0f s (%s refused meanwhile)",
                time.monotonic() - self._fault_since,
                self._refused,
            )
            self._store_fault = None
            self._refused = 0

    def _store_failed(self, error: BaseException, waiting: int, what: str) -> None:
        """One ERROR line when storing starts failing; later failures only count."""
        self._refused += waiting
        if self._store_fault is None:
            self._store_fault = _cause(error)
            self._fault_since = time.monotonic()
            logger.error(
                "cannot store incoming updates (%s): %s; nothing is confirmed to Telegram "
                "until they are stored, /healthz is unhealthy meanwhile",
                self._store_fault,
                what,
            )

    # ---- storing --------------------------------------------------------------------------

    async def _write(self, rows: list[tuple[int, str]]) -> None:
        now = utcnow()  # leases are wall-clock facts, whatever clock the rules are given
        async with transaction(self._services.sessions) as session:
            await store_updates(session, rows, now, now + LEASE)

    async def store_batch(self, updates: Sequence[Update]) -> None:
        """Store a getUpdates batch in one transaction, retrying with back-off until it is."""
        rows = [(u.update_id, u.model_dump_json(exclude_unset=True)) for u in updates]
        delay = FIRST_DELAY
        while True:
            try:
                await self._write(rows)
            except Exception as error:
                self._store_failed(
                    error,
                    len(rows) if self._store_fault is None else 0,
                    f"{len(rows)} fetched update(s) wait unconfirmed at Telegram (maybe more "
                    f"behind them); polling retries with back-off up to {MAX_DELAY:.0f} s",
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_DELAY)
                continue
            self._stored_fine()
            return

    async def store_one(self, update_id: int, body: str, timeout: float) -> None:
        """Store one webhook update (group commit); raise if it is not stored within `timeout`."""
        try:
            # On a timeout the batch's write goes on: a redelivery then finds the row.
            await asyncio.wait_for(self._writer.add((update_id, body)), timeout)
        except Exception as error:
            self._store_failed(
                error,
                1,
                "webhook updates are answered 503, so Telegram delivers them again later",
            )
            raise
        self._stored_fine()

    # ---- handling -------------------------------------------------------------------------

    async def start(self, bot: Bot) -> None:
        """Hand out what was stored before (first) and, from now on, rows whose lease ran out."""
        self._bot = bot
        self._stopping = False
        # Before the first new update: a customer's older updates take their lanes first.
        leased_too = True
        with contextlib.suppress(Exception):  # the sweeper tries again
            while await self._take(leased_too=True) == SWEEP_BATCH:
                pass
            leased_too = False
        if self._sweeper is None:
            self._sweeper = asyncio.create_task(self._sweep(leased_too), name="inbox-sweep")

    async def stop(self) -> None:
        """Stop handing out updates; those in the dispatcher are left to its drain."""
        self._stopping = True
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None

    async def close(self) -> None:
        """Cancel what is still waiting (a lane, a back-off); its row stays pending."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def feed(self, update: Update) -> None:
        """Handle a stored update in the background, unless this process already does."""
        if update.update_id in self._in_flight or self._stopping:
            return
        self._in_flight.add(update.update_id)
        if self.limit and len(self._in_flight) >= self.limit:
            self._room.clear()
        task = asyncio.create_task(self._handle(update))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait_for_room(self) -> None:
        """Wait until fewer than `limit` updates are being handled."""
        await self._room.wait()

    async def _handle(self, update: Update) -> None:
        bot = self._bot
        assert bot is not None, "Inbox.start first"
        delay = FIRST_DELAY
        attempt = 1
        try:
            async with self._lanes.hold(_lane(update)):
                while not self._stopping:
                    try:
                        await self._dp.feed_update(bot, update, **{ATTEMPT_KEY: attempt})
                    except Exception as error:
                        # Not even the error router could store the message: the row stays
                        # pending, and the customer's later updates wait behind it.
                        self._handling_failed(update.update_id, error)
                        await asyncio.sleep(delay)
                        delay = min(delay * 2, MAX_DELAY)
                        attempt += 1
                        continue
                    return
        finally:
            self._in_flight.discard(update.update_id)
            if update.update_id in self._failing:
                self._failing.discard(update.update_id)
                if not self._failing:
                    logger.warning("every stored update that had failed is handled now")
            if not self.limit or len(self._in_flight) < self.limit:
                self._room.set()

    def _handling_failed(self, update_id: int, error: BaseException) -> None:
        """One ERROR line when stored updates start failing; later failures only count."""
        if not self._failing:
            logger.error(
                "stored updates cannot be handled (%s); they stay stored and are tried again "
                "with back-off up to %.0f s, /healthz is unhealthy meanwhile",
                _cause(error),
                MAX_DELAY,
            )
        elif update_id not in self._failing:
            logger.debug("update %s failed too (%s)", update_id, _cause(error))
        self._failing.add(update_id)

    async def _sweep(self, leased_too: bool) -> None:
        """Feed stored updates whose lease ran out (all pending ones until start-up's worked)."""
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            try:
                while await self._take(leased_too) == SWEEP_BATCH:  # a backlog: all of it now
                    pass
            except Exception as error:
                logger.warning("could not read the inbox (%s); trying again", _cause(error))
            else:
                leased_too = False

    async def _take(self, leased_too: bool) -> int:
        now = utcnow()
        async with transaction(self._services.sessions) as session:
            rows = await take_pending(
                session,
                now,
                now + LEASE,
                limit=SWEEP_BATCH,
                leased_too=leased_too,
                skip=frozenset(self._in_flight),
            )
        if rows and leased_too:
            logger.info("handling %s update(s) stored before the start", len(rows))
        for row in rows:
            try:
                update = Update.model_validate_json(row.body, context={"bot": self._bot})
            except ValidationError as error:
                logger.error("stored update %s is unreadable: %s", row.update_id, error)
                continue
            self.feed(update)
        return len(rows)

    async def pending(self) -> int:
        """How many stored updates wait to be handled (for logs and tests)."""
        async with transaction(self._services.sessions) as session:
            return await count_pending(session)


async def poll_into(
    inbox: Inbox,
    bot: Bot,
    *,
    polling_timeout: int,
    allowed_updates: list[str] | None,
    backoff_config: BackoffConfig,
) -> None:
    """Long-poll: store each batch, and only then ask for the next offset, which confirms it."""
    # aiogram's own loop moves the offset past updates as soon as it has fetched them, so a
    # crash or a failed write lost them; here an update is confirmed only once it is stored.
    get_updates = GetUpdates(timeout=polling_timeout, allowed_updates=allowed_updates)
    request: dict[str, Any] = {}
    if bot.session.timeout:
        request["request_timeout"] = int(bot.session.timeout + polling_timeout)
    backoff = Backoff(config=backoff_config)
    while True:
        await inbox.wait_for_room()
        try:
            updates = await bot(get_updates, **request)
        except Exception as error:
            logger.error(
                "failed to fetch updates (%s); retry in %.1f s", _cause(error), backoff.next_delay
            )
            await backoff.asleep()
            continue
        backoff.reset()
        if not updates:
            continue
        await inbox.store_batch(updates)
        get_updates.offset = updates[-1].update_id + 1
        for update in updates:
            inbox.feed(update)
