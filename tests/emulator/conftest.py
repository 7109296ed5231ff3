"""Fixtures: a started emulator and a real aiogram Bot pointed at it."""

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from tgemulator import Emulator

TOKEN = "4242:TEST-emulator-token"
CUSTOMER = 1001
STAFF = 2001


class FastSession(AiohttpSession):
    """An aiohttp session that closes without aiogram's 250 ms grace sleep."""

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    emulator = Emulator(TOKEN, webhook_retry_delay=0.02, webhook_max_retry_delay=0.1)
    await emulator.start()
    emulator.add_user(CUSTOMER, "Maria", "Petrova", username="maria_p", language_code="en")
    emulator.add_user(STAFF, "Anna", staff=True)
    yield emulator
    await emulator.stop()


@pytest.fixture
async def bot(emu: Emulator) -> AsyncIterator[Bot]:
    session = FastSession(api=TelegramAPIServer.from_base(emu.api_url))
    tg_bot = Bot(TOKEN, session=session)
    yield tg_bot
    await session.close()
