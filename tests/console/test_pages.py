"""The console's pages through the real aiohttp app: list, filters, search, transcript."""

from __future__ import annotations

import pytest

from tests.console.conftest import sign_in
from tests.console.world import World


@pytest.fixture
async def signed_in(client, world: World):
    await sign_in(client)
    return client


async def test_smoke_every_page(signed_in, world: World) -> None:
    for path in ("/conversations", f"/conversations/{world.answered}", "/tickets", "/figures"):
        response = await signed_in.get(path)
        assert response.status == 200, (path, await response.text())
