"""Long-running modes: polling, the webhook server, migrations."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from bot.config import ConfigError, Settings
from bot.db import create_engine, migrate
from bot.factory import create_bot, create_dispatcher, create_services, create_webhook_app

logger = logging.getLogger(__name__)


async def run_polling(settings: Settings) -> None:
    """Run the bot with long polling until interrupted."""
    services = await create_services(settings)
    bot = create_bot(services)
    dp = create_dispatcher(services, bot)
    await bot.delete_webhook(drop_pending_updates=False)
    try:
        await dp.start_polling(bot, allowed_updates=dp.resolve_used_update_types())
    finally:
        await bot.session.close()


async def run_webhook(settings: Settings) -> None:
    """Serve the webhook until interrupted; Telegram must reach WEBHOOK_URL."""
    if not settings.webhook.webhook_url:
        raise ConfigError("WEBHOOK_URL: not set (the public https address Telegram posts to)")
    if settings.webhook.webhook_secret is None:
        raise ConfigError("WEBHOOK_SECRET: not set (a random string Telegram echoes back)")
    services = await create_services(settings)
    bot = create_bot(services)
    dp = create_dispatcher(services, bot)
    runner = web.AppRunner(create_webhook_app(services, bot, dp))
    await runner.setup()
    await web.TCPSite(runner, settings.webhook.webhook_host, settings.webhook.webhook_port).start()
    logger.info("webhook server listening on port %s", settings.webhook.webhook_port)
    try:
        await asyncio.Event().wait()  # serve until cancelled
    finally:
        await runner.cleanup()


async def run_migrations(settings: Settings) -> None:
    """Apply the migrations to DATABASE_URL."""
    engine = create_engine(settings.storage.database_url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()
    logger.info("database is at the latest revision")
