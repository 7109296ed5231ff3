"""Console fixtures: the exact world, and the real aiohttp app on a migrated database."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.console.page_context import ConsoleContext
from bot.console.server import create_console_app
from bot.console.web import CONTEXT
from tests.console.bot import live
from tests.console.helpers import SECRET, TOKEN, Clock, app_settings, console_config
from tests.console.world import BORIS, NOW, World, build_world
from tests.e2e.conftest import always_open, emu

# The bot fixtures, for the end-to-end and browser tests in this folder.
__all__ = ["SECRET", "TOKEN", "always_open", "app_settings", "console_config", "emu", "live"]


@pytest.fixture
async def world(sessions: async_sessionmaker[AsyncSession]) -> World:
    """Build the exact world on the migrated database."""
    async with sessions() as session:
        return await build_world(session)


@pytest.fixture
def clock() -> Clock:
    """The console's clock, at the world's "now"."""
    return Clock(NOW)


@pytest.fixture
async def client(
    engine: AsyncEngine, database_url: str, clock: Clock
) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    """Yield an HTTP client of the real console app."""
    app = create_console_app(app_settings(database_url), engine, console_config(), clock)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


def context(client: TestClient[web.Request, web.Application]) -> ConsoleContext:
    """Return the app's console context."""
    return client.app[CONTEXT]


async def sign_in(
    client: TestClient[web.Request, web.Application], telegram_id: int = BORIS
) -> str:
    """Sign in through a fresh link; return the CSRF token of the session."""
    token = context(client).keys.issue_link_token(telegram_id)
    page = await client.get(f"/login?t={token}")
    assert page.status == 200, await page.text()
    response = await client.post("/login", data={"t": token}, allow_redirects=False)
    assert response.status == 303, await response.text()
    listing = await client.get("/conversations")
    assert listing.status == 200
    found = re.search(r'name="csrf" value="([^"]+)"', await listing.text())
    assert found
    return found.group(1)
