"""The offline sandbox: the Telegram emulator, the bot and the default content, no token needed."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets

from bot.config import Settings
from bot.console.server import start_console, stop_console
from bot.factory import create_bot, create_dispatcher, create_services
from bot.runner import poll
from tgemulator import DEFAULT_TOKEN, Emulator, seed_demo
from tgemulator.run import DEMO_STAFF

logger = logging.getLogger(__name__)
SANDBOX_DATABASE = "sqlite+aiosqlite:///data/sandbox.db"


def sandbox_settings(settings: Settings, api_url: str, group_id: int) -> Settings:
    """Point the bot at the emulator; keep the sandbox's data apart from a real bot's."""
    overrides = {
        "bot_token": DEFAULT_TOKEN,
        "telegram_api_url": api_url,
        "staff_chat_id": group_id,
        "manager_ids": frozenset({DEMO_STAFF[1][0]}),
        "database_url": os.environ.get("DATABASE_URL") or SANDBOX_DATABASE,
        "redis_url": os.environ.get("REDIS_URL") or None,
        "content_dir": settings.app.content_dir,
        "timezone": settings.app.timezone,
        "log_level": settings.app.log_level,
        "staff_language": settings.app.staff_language,
        "console_port": settings.app.console_port,
        # The sandbox's token is public, so its console signs with a key of its own run.
        "console_secret": (
            settings.console.console_secret.get_secret_value()
            if settings.console.console_secret
            else secrets.token_hex(32)
        ),
    }
    return Settings.load(env_file=None, **overrides)


async def run_sandbox(settings: Settings, host: str = "127.0.0.1", port: int = 8081) -> None:
    """Run the emulator and the bot together until interrupted."""
    emu = Emulator(DEFAULT_TOKEN)
    seed_demo(emu)
    base_url = await emu.start(host, port)
    try:
        services = await create_services(sandbox_settings(settings, base_url, emu.group_id))
        bot = create_bot(services)
        dp = create_dispatcher(services, bot)
        print(
            f"\n  Sandbox ready: open {base_url}/ in your browser.\n"
            "  Play a customer on the left and the staff group on the right. Ctrl+C stops.\n",
            flush=True,
        )
        console = await start_console(services.settings, services.engine, services.clock)
        if console is not None:
            url = services.settings.console.base_url(services.settings.app.console_port)
            print(f"  Manager console: {url}/ (sign in with /console as Boris).\n", flush=True)
        try:
            await poll(dp, bot, handle_signals=False)
        finally:
            await stop_console(console)
            await bot.session.close()
    except asyncio.CancelledError:
        pass
    finally:
        await emu.stop()
