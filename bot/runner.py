"""Long-running modes: polling, the webhook server, migrations."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import logging
import multiprocessing
import os
import signal
import sys
from typing import Any

from aiogram import Bot, Dispatcher
from aiohttp import web

from bot.config import ConfigError, Settings
from bot.console.server import start_console, stop_console
from bot.db import create_engine, migrate
from bot.draining import DrainingDispatcher
from bot.factory import create_bot, create_dispatcher, create_services, create_webhook_app
from bot.logs import setup_logging

logger = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
# In-flight updates get this long to commit at shutdown; unacknowledged ones are redelivered.
SHUTDOWN_TIMEOUT = 5.0


# Young collections every 50,000 surviving allocations instead of 700. Nearly everything an
# update allocates is freed by reference counting; at 700 the collector ran several times per
# update, scanning live request objects (about 15 % of the CPU per update in bench_pipeline),
# and each collection promoted them, which fed the slow full collections. Cycles still get
# collected, only in larger batches (a few MB at most).
GC_THRESHOLDS = (50_000, 20, 100)


def freeze_startup_heap() -> None:
    """Collect once, keep everything built so far out of later collections, collect less often."""
    # aiogram's models, SQLAlchemy, the content and the FAQ's lemmas live as long as the
    # process; without this every full collection re-scans them (200-300 ms pauses under load).
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


# Updates handled at once in polling mode. Through a database outage each waits however long
# it takes (it is stored and confirmed already); past this many, the bot stops fetching, so
# the rest wait at Telegram, which keeps them for a day, instead of in this process's memory.
POLLING_CONCURRENCY = 500


async def poll(dp: Dispatcher, bot: Bot, **kwargs: Any) -> None:
    """Long-poll until stopped, handling at most POLLING_CONCURRENCY updates at a time."""
    await dp.start_polling(bot, tasks_concurrency_limit=POLLING_CONCURRENCY, **kwargs)


async def run_polling(settings: Settings) -> None:
    """Run the bot with long polling until interrupted."""
    services = await create_services(settings)
    bot = create_bot(services)
    dp = create_dispatcher(services, bot)
    freeze_startup_heap()
    await bot.delete_webhook(drop_pending_updates=False)
    inbox = dp.inbox if isinstance(dp, DrainingDispatcher) else None
    health = (lambda: inbox.fault) if inbox is not None else None
    console = await start_console(settings, services.engine, services.clock, health)
    try:
        await poll(dp, bot, allowed_updates=dp.resolve_used_update_types())
    finally:
        await stop_console(console)
        await bot.session.close()


def check_webhook_settings(settings: Settings, workers: int) -> None:
    """Refuse a webhook set-up that cannot work, naming the variable to fix."""
    if not settings.webhook.webhook_url:
        raise ConfigError("WEBHOOK_URL: not set (the public https address Telegram posts to)")
    if settings.webhook.webhook_secret is None:
        raise ConfigError("WEBHOOK_SECRET: not set (a random string Telegram echoes back)")
    if workers > 1 and not settings.storage.redis_url:
        raise ConfigError("REDIS_URL: required with --workers above 1 (workers share FSM state)")
    if workers < 1:
        raise ConfigError(f"--workers: must be at least 1, got {workers}")
    settings.check_console()


async def run_webhook(settings: Settings, worker: int = 0, workers: int = 1) -> None:
    """Serve the webhook until SIGTERM or an interrupt; with several workers they share a port."""
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    # Only the first worker migrates the embedded database; the others find it ready.
    services = await create_services(settings, auto_migrate=None if worker == 0 else False)
    bot = create_bot(services)
    dp = create_dispatcher(services, bot)
    # Only the first worker registers the webhook with Telegram; all of them answer it.
    app = create_webhook_app(services, bot, dp, register=worker == 0)
    freeze_startup_heap()
    runner = web.AppRunner(app, shutdown_timeout=SHUTDOWN_TIMEOUT)
    await runner.setup()
    site = web.TCPSite(
        runner,
        settings.webhook.webhook_host,
        settings.webhook.webhook_port,
        reuse_port=workers > 1,
    )
    await site.start()
    logger.info("webhook worker %s listening on port %s", worker, settings.webhook.webhook_port)
    # One console per cluster is enough: the first worker serves it.
    console = (
        await start_console(settings, services.engine, services.clock) if worker == 0 else None
    )
    try:
        await stop.wait()
        logger.info("webhook worker %s stopping", worker)
    finally:
        await stop_console(console)
        await runner.cleanup()


def serve_webhook(settings: Settings, workers: int) -> None:
    """Run `workers` webhook processes on one port (SO_REUSEPORT); the kernel spreads requests."""
    check_webhook_settings(settings, workers)
    if workers == 1:
        asyncio.run(run_webhook(settings))
        return
    context = multiprocessing.get_context("spawn")
    children = [
        context.Process(
            target=_worker,
            args=(index, workers, os.getpid()),
            name=f"webhook-{index}",
            daemon=True,
        )
        for index in range(1, workers)
    ]
    for child in children:
        child.start()
    try:
        asyncio.run(run_webhook(settings, 0, workers))
    finally:
        for child in children:
            child.terminate()  # SIGTERM: each worker finishes its updates and stops
        for child in children:
            child.join(timeout=SHUTDOWN_TIMEOUT + 5)
            if child.is_alive():
                child.kill()


def _worker(index: int, workers: int, parent: int) -> None:
    """Entry point of a worker process: settings come from the same environment."""
    if not _die_with(parent):
        return
    settings = Settings.load()
    setup_logging(settings.app.log_level, settings.secrets())
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_webhook(settings, index, workers))


def _die_with(parent: int) -> bool:
    """Ask Linux for SIGTERM when the parent dies; False if it is already gone."""
    # Without this a parent killed by SIGKILL (a process manager's last resort) would leave
    # its workers serving the port. Other systems have no such request: there only a parent
    # that stops normally (SIGTERM, an interrupt) stops its workers.
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    # The parent may have died before the request: the worker was then adopted already.
    return os.getppid() == parent


async def run_migrations(settings: Settings) -> None:
    """Apply the migrations to DATABASE_URL."""
    engine = create_engine(settings.storage.database_url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()
    logger.info("database is at the latest revision")
