"""The real bot with the manager commands, polling the emulator, and the console beside it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp import web

from bot.console.server import create_console_app
from tests.console.helpers import SECRET, console_config
from tests.e2e.conftest import Harness, bot_settings, free_port, start_polling
from tgemulator import Emulator

LINK = re.compile(r"https?://\S+/login\?t=[\w.\-]+(?:&lang=[a-z]+)?")


@dataclass
class ConsoleHarness:
    """The bot, its emulator and the console's address."""

    h: Harness
    url: str

    async def link_for(self, user_id: int) -> dict:
        """Send /console as a user and return the bot's answer."""
        return await self.h.say(user_id, "/console")


def link_in(message: dict) -> str | None:
    """Find the sign-in link in a bot message."""
    found = LINK.search(message.get("text") or "")
    return found.group(0) if found else None


async def console_harness(
    emu: Emulator, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[ConsoleHarness]:
    """Run the bot (with /console, /stats, /log) and the console on a free port."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("CONSOLE_SECRET", SECRET)
    monkeypatch.setenv("CONSOLE_URL", url)
    services, tg_bot, dp, stop = await start_polling(bot_settings(emu, database_url))
    app = create_console_app(services.settings, services.engine, console_config(console_url=url))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield ConsoleHarness(Harness(emu, services, tg_bot, dp, stop), url)
    finally:
        await runner.cleanup()
        await stop()


@pytest.fixture
async def live(
    emu: Emulator, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[ConsoleHarness]:
    """Yield the bot with the manager commands and the console, both running."""
    async for harness in console_harness(emu, database_url, monkeypatch):
        yield harness
