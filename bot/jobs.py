"""Periodic jobs run by APScheduler; the deadlines they act on live in the database."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC
from typing import TYPE_CHECKING, Any

from aiogram import Bot
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.db import transaction
from bot.resilience import is_transient
from bot.services.deadlines import claim_due, mark_failed, mark_fired
from bot.services.updates import forget_old_updates
from bot.timers import DEADLINE_ACTIONS
from models import Deadline

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from bot.container import Services

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


async def sweep(services: Services, bot: Bot, batch: int = 100) -> int:
    """Fire every due deadline once; return how many fired (the database away: none yet)."""
    try:
        return await _sweep(services, bot, batch)
    except Exception as exc:
        if not is_transient(exc):
            raise
        # The next sweep fires what is due once the database is back; one line, not a
        # traceback every interval of an outage.
        logger.warning("deadline sweep skipped, database unavailable: %s", type(exc).__name__)
        return 0


async def _sweep(services: Services, bot: Bot, batch: int) -> int:
    fired = 0
    while True:
        async with transaction(services.sessions) as session:
            now = services.clock()
            due = await claim_due(session, now, batch)
            for deadline in due:
                fired += await _fire(session, deadline, services, bot)
        if len(due) < batch:
            return fired


async def _fire(session: AsyncSession, deadline: Deadline, services: Services, bot: Bot) -> int:
    action = DEADLINE_ACTIONS.get(deadline.kind)
    now = services.clock()
    if action is None:
        mark_failed(deadline, now, f"no action for deadline kind {deadline.kind!r}", 1)
        logger.error("deadline %s has unknown kind %r", deadline.id, deadline.kind)
        return 0
    try:
        async with session.begin_nested():  # a failing action must not undo the others
            await action(session, deadline, services, bot)
    except Exception as exc:
        logger.exception("deadline %s (%s) failed", deadline.id, deadline.kind)
        mark_failed(deadline, now, f"{type(exc).__name__}: {exc}", MAX_ATTEMPTS)
        return 0
    mark_fired(deadline, now)
    return 1


def stoppable(job: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """A job that ends quietly when the process shuts down in the middle of it."""

    @functools.wraps(job)
    async def run(*args: Any) -> Any:
        try:
            return await job(*args)
        except asyncio.CancelledError:
            # Shutting down: the job's transaction rolled back and the next start redoes it;
            # APScheduler would log the cancellation as a failure with a traceback.
            logger.info("%s stopped by shutdown", getattr(job, "__name__", "job"))
            return None

    return run


class Periodic:
    """Run a job every so many seconds on the event loop's monotonic clock, one run at a time.

    APScheduler's interval trigger counts in wall-clock datetimes: when the system clock steps
    back an hour (NTP, a VM restored), its next run is an hour away. The sweeper and the outbox
    poll must keep their pace whatever the wall clock does.
    """

    def __init__(
        self, name: str, seconds: float, job: Callable[..., Awaitable[Any]], *args: Any
    ) -> None:
        self.name, self.seconds, self._job, self._args = name, seconds, job, args
        self._task: asyncio.Task[None] | None = None
        self.runs = 0

    @property
    def running(self) -> bool:
        """Tell whether the loop is started and not stopped."""
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Run the job now, then every `seconds` (late runs are coalesced, never piled up)."""
        if not self.running:
            self._task = asyncio.get_running_loop().create_task(self._loop(), name=self.name)

    async def stop(self) -> None:
        """Stop the loop; a run in progress is cancelled and its transaction rolls back."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time()
        while True:
            try:
                await self._job(*self._args)
            except Exception:
                logger.exception("periodic job %s failed", self.name)
            self.runs += 1
            now = loop.time()
            due = max(due + self.seconds, now)  # a run longer than the period: go again now
            await asyncio.sleep(due - now)


def create_periodic(services: Services, bot: Bot) -> list[Periodic]:
    """The frequent jobs, on the monotonic clock: outbox poll, deadline sweeper, FAQ refresh."""
    # Commits that queue messages wake the outbox at once; the poll catches retries that fall
    # due, messages queued by other processes, and anything left from before a restart.
    services.outbox.attach(bot)
    app = services.settings.app
    return [
        Periodic("outbox", app.outbox_poll_seconds, services.outbox.drain),
        # The first run is at start: deadlines that fell due while we were down fire now.
        Periodic("deadline-sweeper", app.sweep_interval_seconds, sweep, services, bot),
        # Phrasings a manager taught in the console reach every process within seconds.
        Periodic("faq-refresh", FAQ_REFRESH_SECONDS, refresh_faq, services),
    ]


def create_scheduler(services: Services) -> AsyncIOScheduler:
    """Build the scheduler for the hourly housekeeping; deadlines stay in the database."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(
        stoppable(housekeeping),
        "interval",
        hours=1,
        args=(services,),
        id="housekeeping",
        max_instances=1,
        coalesce=True,
    )
    return scheduler


# How soon a phrasing taught in the console (maybe in another process) reaches the matcher.
FAQ_REFRESH_SECONDS = 10


async def refresh_faq(services: Services) -> bool:
    """Reload the taught phrasings when the console added any; True if it did."""
    from bot.services.faq_learning import learned_phrasings, phrasings_version

    async with services.sessions() as session:
        version = await phrasings_version(session)
        if version == services.faq.learned_version:
            return False
        learned = await learned_phrasings(session)
    await services.faq.start(learned, version)
    logger.info("FAQ reloaded with %s taught phrasings", len(learned))
    return True


async def housekeeping(services: Services) -> None:
    """Forget processed update ids and sent outbox messages older than a week."""
    async with transaction(services.sessions) as session:
        forgotten = await forget_old_updates(session, services.clock())
    if forgotten:
        logger.info("forgot %s old update ids", forgotten)
    sent = await services.outbox.forget_sent()
    if sent:
        logger.info("forgot %s sent outbox messages", sent)
