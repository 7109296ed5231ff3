"""Which errors are worth retrying an update for, and retries that do not repeat sends."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramNetworkError
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.methods import SendMessage, TelegramMethod
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import exc as sa_exc

from bot.fsm import ResilientIsolation, ResilientStorage
from bot.resilience import (
    ReplayGuard,
    RetryBudget,
    forget_scope,
    from_database,
    is_transient,
    replay_scope,
)
from handlers.middlewares.database import POLLING_RETRY_SECONDS, UndoableState


def wrapped(orig: BaseException, invalidated: bool = False) -> sa_exc.DBAPIError:
    """An error as SQLAlchemy raises it around the driver's."""
    cls = (
        sa_exc.OperationalError if isinstance(orig, sqlite3.OperationalError) else sa_exc.DBAPIError
    )
    return cls("SELECT 1", {}, orig, connection_invalidated=invalidated)


class PgError(Exception):
    """Stands for asyncpg's errors, which carry a SQLSTATE."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (wrapped(sqlite3.OperationalError("database is locked")), True),
        (wrapped(sqlite3.OperationalError("no such table: customers")), False),
        (wrapped(Exception("connection is closed"), invalidated=True), True),
        (ConnectionRefusedError(111, "Connect call failed"), True),
        (RedisConnectionError("Error 111 connecting"), True),
        (sa_exc.TimeoutError("QueuePool limit reached"), True),
        (wrapped(PgError("40001")), True),  # serialisation failure
        (wrapped(PgError("57P01")), True),  # admin shutdown
        (wrapped(PgError("23505")), False),  # unique violation
        (ValueError("a bug"), False),
    ],
)
def test_transient_errors(error: BaseException, transient: bool) -> None:
    assert is_transient(error) is transient


def test_cause_counts_but_not_through_telegram_errors() -> None:
    try:
        try:
            raise ConnectionResetError(104, "reset by peer")
        except ConnectionResetError as reset:
            raise RuntimeError("while saving") from reset
    except RuntimeError as outer:
        assert is_transient(outer)
    # Telegram unreachable is the limiter's business: retrying the update would not help.
    network = TelegramNetworkError(method=SendMessage(chat_id=1, text="x"), message="down")
    network.__cause__ = ConnectionResetError(104, "reset by peer")
    assert not is_transient(network)


class Recorder:
    """The rest of the request chain: counts what reaches Telegram."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def __call__(self, _bot: Bot, method: TelegramMethod[Any]) -> Any:
        text = getattr(method, "text", "")
        self.sent.append(text)
        return f"result {len(self.sent)}"


async def test_a_retry_claims_what_an_earlier_attempt_sent() -> None:
    guard, telegram, bot = ReplayGuard(), Recorder(), Bot("1:a")
    hello, again = SendMessage(chat_id=1, text="hello"), SendMessage(chat_id=1, text="hello")
    with replay_scope(("unit", 1)):
        first = await guard(telegram, bot, hello)
        twice = await guard(telegram, bot, again)  # the same text twice in one attempt: both go
    with replay_scope(("unit", 1)):  # the retry
        assert await guard(telegram, bot, hello) == first
        assert await guard(telegram, bot, again) == twice
        await guard(telegram, bot, SendMessage(chat_id=1, text="new in this attempt"))
    assert telegram.sent == ["hello", "hello", "new in this attempt"]
    forget_scope(("unit", 1))
    with replay_scope(("unit", 1)):
        await guard(telegram, bot, hello)
    await guard(telegram, bot, hello)  # outside any unit of work: always sent
    assert telegram.sent.count("hello") == 4
    await bot.session.close()


async def test_tasks_started_inside_an_attempt_send_on_their_own() -> None:
    guard, telegram, bot = ReplayGuard(), Recorder(), Bot("1:a")
    hello = SendMessage(chat_id=1, text="hello")
    with replay_scope(("unit", 2)):
        await guard(telegram, bot, hello)
    with replay_scope(("unit", 2)):
        # An after-commit task inherits the attempt's context; its sends are its own.
        await asyncio.create_task(guard(telegram, bot, hello))
    assert telegram.sent == ["hello", "hello"]
    await bot.session.close()


async def test_undo_puts_the_step_back() -> None:
    storage = MemoryStorage()
    key = StorageKey(bot_id=1, chat_id=2, user_id=2)
    await storage.set_state(key, "ReturnForm:item")
    await storage.set_data(key, {"started": True})
    state = UndoableState(storage, key)
    await state.update_data(item="kettle")
    await state.set_state("ReturnForm:when")
    await state.undo()
    assert await storage.get_state(key) == "ReturnForm:item"
    assert await storage.get_data(key) == {"started": True}


class DownStorage(MemoryStorage):
    """A storage whose server is unreachable."""

    async def get_state(self, key: StorageKey) -> str | None:
        raise RedisConnectionError("Error 111 connecting")

    async def set_state(self, key: StorageKey, state: Any = None) -> None:
        raise RedisConnectionError("Error 111 connecting")

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        raise RedisConnectionError("Error 111 connecting")


async def test_unreachable_fsm_storage_means_no_step() -> None:
    storage = ResilientStorage(DownStorage())
    key = StorageKey(bot_id=1, chat_id=2, user_id=2)
    await storage.set_state(key, "ReturnForm:item")
    assert await storage.get_state(key) is None
    assert await storage.get_data(key) == {}


class UnreachableLock:
    """A shared lock whose server is unreachable."""

    async def __aenter__(self) -> None:
        raise RedisConnectionError("Error 111 connecting")

    async def __aexit__(self, *exc: object) -> None:
        return None


class UnreachableIsolation:
    """Cross-process isolation through a server that is down."""

    def lock(self, key: StorageKey) -> UnreachableLock:
        return UnreachableLock()

    async def close(self) -> None:
        return None


async def test_unreachable_shared_lock_still_orders_one_users_updates() -> None:
    isolation = ResilientIsolation(UnreachableIsolation())  # type: ignore[arg-type]
    key = StorageKey(bot_id=1, chat_id=2, user_id=2)
    order: list[str] = []

    async def handle(name: str) -> None:
        async with isolation.lock(key):
            order.append(f"{name} in")
            await asyncio.sleep(0.01)
            order.append(f"{name} out")

    await asyncio.gather(handle("first"), handle("second"))
    assert order == ["first in", "first out", "second in", "second out"]


async def test_polling_waits_out_any_database_outage_ever_more_patiently(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Polling has no redelivery: an update dropped after a budget would be a lost message.
    loop = asyncio.get_running_loop()
    now = loop.time()
    polling, webhook = RetryBudget(POLLING_RETRY_SECONDS), RetryBudget(10.0)
    early = [polling.next_delay() for _ in range(20)]
    assert all(delay is not None and 0 < delay <= 2.0 for delay in early)
    monkeypatch.setattr(loop, "time", lambda: now + 7 * 24 * 3600)  # a week-long outage
    late = [polling.next_delay() for _ in range(20)]
    assert all(delay is not None and 7.5 <= delay <= 15.0 for delay in late)
    assert webhook.next_delay() is None
    # Trouble outside the database (a timeout elsewhere) gets two minutes, not forever.
    monkeypatch.setattr(loop, "time", lambda: now + 121)
    assert polling.next_delay(outage=False) is None
    assert polling.next_delay(outage=True) is not None


def test_errors_from_the_database_are_told_apart() -> None:
    assert from_database(wrapped(sqlite3.OperationalError("database is locked")))
    assert from_database(sa_exc.TimeoutError("QueuePool limit reached"))
    wrapped_twice = RuntimeError("handler failed")
    wrapped_twice.__cause__ = sqlite3.OperationalError("disk I/O error")
    assert from_database(wrapped_twice)
    assert not from_database(TimeoutError("a call elsewhere timed out"))
    assert not from_database(RedisConnectionError("redis is down"))


def test_a_database_that_cannot_write_is_told_apart() -> None:
    from bot.resilience import cannot_write

    def wrapped(message: str) -> Exception:
        return sa_exc.OperationalError("INSERT …", (), sqlite3.OperationalError(message))

    assert cannot_write(wrapped("database or disk is full"))
    assert cannot_write(wrapped("attempt to write a readonly database"))
    assert cannot_write(wrapped("disk I/O error"))
    assert not cannot_write(wrapped("database is locked"))  # busy: transient, retried in place
    assert not cannot_write(RuntimeError("a handler's bug"))

    class ReadOnlyTransaction(Exception):
        sqlstate = "25006"

    assert cannot_write(sa_exc.DBAPIError("INSERT …", (), ReadOnlyTransaction()))
