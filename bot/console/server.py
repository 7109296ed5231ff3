"""Serve the console: inside the bot's process, or alone with `python -m bot console`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.console.app import create_app
from bot.console.page_context import build_context
from bot.console.settings import ConsoleSettings, console_settings
from bot.console.web import HEALTH
from bot.db import create_engine, is_embedded, migrate
from models.types import utcnow

logger = logging.getLogger(__name__)


def create_console_app(
    settings: Settings,
    engine: AsyncEngine,
    console: ConsoleSettings | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> web.Application:
    """Build the console app on a database engine (the bot's, or one of its own)."""
    console = console or console_settings(settings)
    return create_app(build_context(settings, console, engine, clock))


async def _serve(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)  # access lines would carry sign-in tokens
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


async def start_console(
    settings: Settings,
    engine: AsyncEngine,
    clock: Callable[[], datetime] = utcnow,
    health: Callable[[], str | None] | None = None,
) -> web.AppRunner | None:
    """Start the console beside the bot on CONSOLE_PORT; None when CONSOLE_PORT is 0."""
    port = settings.app.console_port
    if port == 0:
        return None
    console = console_settings(settings)
    app = create_console_app(settings, engine, console, clock)
    if health is not None:  # polling has no other port: its /healthz is the console's
        app[HEALTH] = health
    runner = await _serve(app, console.console_host, port)
    logger.info("console listening on %s:%s", console.console_host, port)
    return runner


async def stop_console(runner: web.AppRunner | None) -> None:
    """Stop a console started with start_console."""
    if runner is not None:
        await runner.cleanup()


async def run_console(settings: Settings) -> None:
    """Serve the console alone until interrupted (the bot may run elsewhere)."""
    engine = create_engine(settings.storage.database_url)
    if is_embedded(settings.storage.database_url):
        await migrate(engine)
    runner = await start_console(settings, engine)
    if runner is None:
        await engine.dispose()
        raise SystemExit("CONSOLE_PORT is 0: the console is turned off")
    console = console_settings(settings)
    print(
        f"Console ready at {console.base_url(settings.app.console_port)}/ - "
        "managers sign in with /console in the bot. Ctrl+C stops.",
        flush=True,
    )
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
        await engine.dispose()
