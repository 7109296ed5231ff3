"""The standalone runner the CLI awaits: serves until cancelled, seeded with demo people."""

import asyncio

import aiohttp
import pytest

from tests.emulator.conftest import TOKEN
from tgemulator import Emulator, run_emulator


async def test_run_emulator_serves_until_cancelled() -> None:
    ready: asyncio.Future[Emulator] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(
        run_emulator("127.0.0.1", 0, TOKEN, on_ready=lambda emu: ready.set_result(emu))
    )
    emu = await asyncio.wait_for(ready, 5)
    assert {u["first_name"] for u in emu.users()} >= {"Anna", "Maria"}
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{emu.api_url}/bot{TOKEN}/getMe") as response,
    ):
        assert (await response.json())["result"]["username"] == "service_bot"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
