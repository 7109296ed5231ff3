"""End-to-end harness: the real bot, over HTTP, against the project's Telegram emulator."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import socket
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiohttp import web

from bot.config import Settings
from bot.container import Services
from bot.factory import create_bot, create_dispatcher, create_services, create_webhook_app
from bot.runner import poll
from models.types import utcnow
from tests.conftest import ROOT
from tests.e2e.transactions import watch_calls
from tgemulator import Emulator

WAIT = 20.0
STAFF_ID = 900001
MANAGER_ID = 900002
Json = dict[str, Any]


@dataclass
class Harness:
    """A running bot and its emulator, with helpers to act as customers and staff."""

    emu: Emulator
    services: Services
    bot: Bot
    dp: Dispatcher
    stop: Callable[[], Awaitable[None]]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def staff_chat(self) -> int:
        """The staff supergroup's id."""
        return self.emu.group_id

    def customer(self, user_id: int, name: str = "Maria", language: str = "en") -> int:
        """Add a simulated customer and return their id."""
        self.emu.add_user(user_id, name, language_code=language)
        return user_id

    async def say(self, user_id: int, text: str, timeout: float = WAIT) -> Json:
        """Write as a customer and return the bot's next message to them."""
        mark = self.emu.mark()
        await self.emu.send_text(user_id, text)
        return await self.emu.wait_for_bot_message(user_id, since=mark, timeout=timeout)

    async def press(
        self,
        user_id: int,
        message: Json,
        label: str,
        chat_id: int | None = None,
        timeout: float = WAIT,
    ) -> Json:
        """Press an inline button by label and wait for the bot's answer to the press."""
        query = await self.emu.press_button(
            user_id, chat_id or message["chat"]["id"], message["message_id"], button_text=label
        )
        return await self.emu.wait_for_callback_answer(query, timeout)

    def topic_name(self, name: str, user_id: int) -> str:
        """The exact name a customer's topic must have: with the shop account in business mode."""
        account = self.extra.get("business_account")
        return f"{name} · 💼 {account} · {user_id}" if account else f"{name} · {user_id}"

    def topic_id(self, user_id: int) -> int:
        """Return the staff topic created for a customer."""
        for topic in self.emu.topics():
            if topic["name"].endswith(f"· {user_id}"):
                return int(topic["message_thread_id"])
        raise AssertionError(f"no topic for customer {user_id}: {self.emu.topics()}")

    async def edited(self, chat_id: int, message_id: int, needle: str) -> Json:
        """Wait until a bot message has been edited to contain `needle` (text or buttons)."""

        def found() -> Json | None:
            message = self.emu.message(chat_id, message_id)
            return message if message and needle in str(message) else None

        return await self.emu.wait_until(found)

    async def wait_topic(self, user_id: int, timeout: float = WAIT) -> int:
        """Wait until the bot has created the customer's staff topic; return its id."""

        async def find() -> int | None:
            try:
                return self.topic_id(user_id)
            except AssertionError:
                return None

        found = await eventually(find, timeout)
        if found is None:
            raise AssertionError(f"no topic for customer {user_id}: {self.emu.topics()}")
        return int(found)

    async def staff(self, text: str, user_id: int, thread_id: int, timeout: float = 5.0) -> None:
        """Write as staff in a topic and wait until the bot has taken the update."""
        await self.emu.staff_send(STAFF_ID, thread_id, text)
        await self.emu.wait_until_delivered(timeout)


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = WAIT) -> Any:
    """Retry an async check until it returns something truthy; the bot commits after it replies."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result or asyncio.get_running_loop().time() > deadline:
            return result
        await asyncio.sleep(0.05)


def bot_settings(emu: Emulator, database_url: str, **overrides: Any) -> Settings:
    """Settings that point the bot at the emulator and a private database."""
    values: dict[str, Any] = {
        "bot_token": emu.token,
        "telegram_api_url": emu.api_url,
        "staff_chat_id": emu.group_id,
        "manager_ids": frozenset({MANAGER_ID}),
        "database_url": database_url,
        "content_dir": ROOT / "content",
        # FAQ vectors are cached per text: one cache serves every test, outside the checkout.
        "faq_cache_dir": Path(tempfile.gettempdir()) / "faq-cache-tests",
        "sweep_interval_seconds": 0.2,
        # The staff group's 20 a minute would make journey tests wait; test_limits keeps it.
        "rate_limit_group": "600/minute",
    }
    values.update(overrides)
    return Settings.load(env_file=None, **values)


@pytest.fixture(autouse=True)
def always_open(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run journeys in working hours unless a test sets its own calendar."""
    monkeypatch.setenv("WORKING_HOURS", "mon-sun 00:00-24:00")
    monkeypatch.setenv("TIMEZONE", "Europe/Moscow")


def _patient(emulator: Emulator) -> None:
    """Give the emulator's waits a longer default timeout; explicit timeouts still win."""
    for name in ("wait_for_bot_message", "wait_for_callback_answer", "wait_until_delivered"):
        method = getattr(emulator, name)
        default = inspect.signature(method).parameters["timeout"]

        def patient(
            *args: Any, _method: Any = method, _pos: int = _position(method), **kwargs: Any
        ) -> Any:
            if len(args) <= _pos and "timeout" not in kwargs:
                kwargs["timeout"] = WAIT
            return _method(*args, **kwargs)

        assert default.default is not inspect.Parameter.empty
        setattr(emulator, name, patient)


def _position(method: Any) -> int:
    """Index of the timeout parameter among a bound method's positional parameters."""
    return list(inspect.signature(method).parameters).index("timeout")


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    """Yield a started emulator with one duty staff member and one manager."""
    emulator = Emulator()
    # A loaded 2-core CI machine can take seconds per step; waits end early when all is well.
    _patient(emulator)
    await emulator.start()
    emulator.add_user(STAFF_ID, "Anna", "Duty", staff=True)
    emulator.add_user(MANAGER_ID, "Boris", "Manager", staff=True)
    emulator.set_member_status(MANAGER_ID, "administrator")
    yield emulator
    await emulator.stop()


class FakeClock:
    """A clock the test moves by hand: time is an input."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move time forward."""
        self.now += timedelta(**delta)

    def set(self, moment: datetime) -> None:
        """Jump to a moment."""
        self.now = moment


class WallClock:
    """The real time, which a test may move forward (past a quiet period, say)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return utcnow() + self.offset

    def advance(self, **delta: float) -> None:
        """Move time forward."""
        self.offset += timedelta(**delta)


async def start_polling(
    settings: Settings, clock: Callable[[], datetime] | None = None
) -> tuple[Services, Bot, Dispatcher, Callable[[], Awaitable[None]]]:
    """Start the real bot with long polling; return it and a function that stops it."""
    services = await create_services(settings, auto_migrate=True, clock=clock or WallClock())
    bot = create_bot(services)
    dp = create_dispatcher(services, bot, key_prefix=f"test-{uuid.uuid4().hex[:8]}")
    task = asyncio.create_task(
        poll(dp, bot, handle_signals=False, polling_timeout=1, close_bot_session=True)
    )

    async def stop() -> None:
        with contextlib.suppress(RuntimeError):  # already stopped
            await dp.stop_polling()
        await asyncio.wait_for(task, 10)

    return services, bot, dp, stop


@pytest.fixture
async def harness(emu: Emulator, database_url: str) -> AsyncIterator[Harness]:
    """Yield the bot polling the emulator; fail the test if it called Telegram in a transaction."""
    services, bot, dp, stop = await start_polling(bot_settings(emu, database_url))
    locks = services.outbox.locks_while_sending
    with watch_calls(services.engine, bot, dp, locks) as watch:
        yield Harness(emu, services, bot, dp, stop, {"calls": watch})
        await stop()
    assert watch.calls, "the watch saw no Telegram call at all"
    assert not watch.offences, "Telegram called inside a transaction:\n" + "\n".join(watch.offences)


def free_port() -> int:
    """Find a free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def start_webhook(emu: Emulator, database_url: str, **overrides: Any) -> Harness:
    """Start the bot serving a webhook the emulator delivers to, with a secret token."""
    port = free_port()
    secret = "test-secret-" + uuid.uuid4().hex
    settings = bot_settings(
        emu,
        database_url,
        webhook_url=f"http://127.0.0.1:{port}",
        webhook_secret=secret,
        webhook_port=port,
        **overrides,
    )
    services = await create_services(settings, auto_migrate=True)
    bot = create_bot(services)
    dp = create_dispatcher(services, bot, key_prefix=f"test-{uuid.uuid4().hex[:8]}")
    runner = web.AppRunner(create_webhook_app(services, bot, dp))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return Harness(emu, services, bot, dp, runner.cleanup, {"port": port, "secret": secret})


@pytest.fixture
async def webhook_harness(emu: Emulator, database_url: str) -> AsyncIterator[Harness]:
    """Yield the bot serving a webhook that the emulator delivers to, with a secret token."""
    harness = await start_webhook(emu, database_url)
    yield harness
    await harness.stop()
