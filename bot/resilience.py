"""Riding out database and Redis outages: errors worth a retry; retries that send nothing twice."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import random
import sqlite3
import time
from collections import OrderedDict, deque
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import AiogramError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine

logger = logging.getLogger(__name__)

# Handler data key: how long to keep retrying an update whose database was unreachable.
RETRY_SECONDS_KEY = "update_retry_seconds"
# PostgreSQL SQLSTATEs that mean "try the transaction again": the connection failed, the
# server is shutting down or starting, too many clients, a serialisation failure, a deadlock.
_RETRY_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53300", "40001", "40P01")
# SQLite answers these while another connection holds the write lock past the busy timeout.
_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")


def _chain(error: BaseException, *, into_telegram: bool = True) -> Iterator[BaseException]:
    """The error and, once each, its causes, contexts and wrapped driver errors."""
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if not into_telegram and isinstance(current, AiogramError):
            continue
        pending.extend(
            e
            for e in (current.__cause__, current.__context__, getattr(current, "orig", None))
            if isinstance(e, BaseException)
        )


def is_transient(error: BaseException) -> bool:
    """Tell whether an error means the database or Redis was briefly unreachable or busy."""
    # Not through Telegram's errors: its own network trouble is the limiter's to retry, not ours.
    return any(_transient_itself(e) for e in _chain(error, into_telegram=False))


def _transient_itself(error: BaseException) -> bool:
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, sa_exc.DisconnectionError | sa_exc.TimeoutError):
        return True  # a dropped connection, or no pooled connection came free in time
    if isinstance(error, RedisConnectionError | RedisTimeoutError):
        return True
    if isinstance(error, ConnectionError | TimeoutError):
        return True  # refused, reset or timed out on the way to the server
    if isinstance(error, OSError) and error.errno is not None and type(error) is OSError:
        return True  # asyncpg's "Connect call failed" and other socket errors
    sqlstate = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    if isinstance(sqlstate, str) and sqlstate.startswith(_RETRY_SQLSTATES):
        return True
    if type(error).__name__ == "OperationalError":  # sqlite3's, or SQLAlchemy's wrapping it
        return any(text in str(error) for text in _SQLITE_BUSY)
    return False


@dataclass
class Watch:
    """Database trouble seen during one unit of work, even if some code caught the error."""

    error: BaseException | None = None
    task: asyncio.Task[Any] | None = field(default_factory=asyncio.current_task)


_watch: contextvars.ContextVar[Watch | None] = contextvars.ContextVar(
    "database_watch", default=None
)


def watch_engine(engine: AsyncEngine) -> None:
    """Report the engine's disconnects and busy errors to the unit of work being watched."""
    if not event.contains(engine.sync_engine, "handle_error", _seen):
        event.listen(engine.sync_engine, "handle_error", _seen)


def _seen(context: ExceptionContext) -> None:
    note_database_error(context.original_exception, context.is_disconnect)


def note_database_error(error: BaseException, is_disconnect: bool) -> None:
    """Tell the unit of work being watched about a driver error (as SQLAlchemy's event does)."""
    watch = _watch.get()
    # Tasks started inside the unit of work (an after-commit sender) inherit the context.
    if watch is None or watch.task is not asyncio.current_task():
        return
    if is_disconnect or is_transient(error):
        watch.error = error


@contextlib.contextmanager
def watching() -> Iterator[Watch]:
    """Watch a unit of work for database trouble that some code caught and swallowed."""
    # A disconnect swallowed while logging a sent message leaves the transaction unable to
    # commit, with an error (PendingRollbackError) that no longer names its cause.
    watch = Watch()
    token = _watch.set(watch)
    try:
        yield watch
    finally:
        _watch.reset(token)


# An update that has waited this long for the database retries less often: through a long
# outage hundreds of waiting updates must not hammer the database (or the log) every 2 s.
PATIENT_AFTER = 120.0
PATIENT_DELAY = 15.0
# Other transient trouble (a timeout outside the database) is not retried without end: the
# update holds its customer's later messages back while it is retried.
OTHER_TRANSIENT_SECONDS = 120.0


class RetryBudget:
    """How long a unit of work may be tried again through transient database trouble."""

    def __init__(self, seconds: float) -> None:
        self._loop = asyncio.get_running_loop()
        self._started = self._loop.time()
        self._seconds = seconds
        self._delays = backoff()

    @staticmethod
    def covers(error: BaseException, watch: Watch) -> bool:
        """Tell whether the failure is one worth another attempt."""
        return is_transient(error) or watch.error is not None

    def next_delay(self, outage: bool = True) -> float | None:
        """The wait before the next attempt, or None when it would end past the budget.

        `outage`: the database itself failed; anything else gets OTHER_TRANSIENT_SECONDS at most.
        """
        elapsed = self._loop.time() - self._started
        if elapsed < PATIENT_AFTER:
            delay = next(self._delays)
        else:
            delay = PATIENT_DELAY * (0.5 + random.random() / 2)
        limit = self._seconds if outage else min(self._seconds, OTHER_TRANSIENT_SECONDS)
        return None if elapsed + delay > limit else delay


# The database is there but cannot write: a full disk, a read-only file or database, an I/O
# error. SQLite's messages; PostgreSQL's SQLSTATEs (53100 disk full, 25006 read-only
# transaction, 58030 I/O error).
_SQLITE_CANNOT_WRITE = ("disk is full", "readonly database", "disk I/O error")
_CANNOT_WRITE_SQLSTATES = ("53100", "25006", "58030")


def cannot_write(error: BaseException) -> bool:
    """Tell whether the database refused to write for lack of room or permission."""
    for e in _chain(error, into_telegram=False):
        sqlstate = getattr(e, "sqlstate", None) or getattr(e, "pgcode", None)
        if isinstance(sqlstate, str) and sqlstate in _CANNOT_WRITE_SQLSTATES:
            return True
        if type(e).__name__ == "OperationalError" and any(
            text in str(e) for text in _SQLITE_CANNOT_WRITE
        ):
            return True
    return False


def from_database(error: BaseException) -> bool:
    """Tell whether the database (through SQLAlchemy or a driver) raised the error or its cause."""
    return any(isinstance(e, sa_exc.SQLAlchemyError | sqlite3.Error) for e in _chain(error))


def backoff(first: float = 0.05, cap: float = 2.0) -> Iterator[float]:
    """Delays for retries: doubling from `first` up to `cap`, with jitter."""
    delay = first
    while True:
        yield delay * (0.5 + random.random() / 2)
        delay = min(cap, delay * 2)


# ---- replaying what an earlier attempt sent --------------------------------------------------

KEEP_SECONDS = 15 * 60  # longer than Telegram's redelivery backoff; every attempt renews it
KEEP_SCOPES = 10_000


@dataclass
class _Sent:
    """The Bot API calls one unit of work made, across its attempts."""

    calls: list[tuple[str, Any]] = field(default_factory=list)
    unclaimed: dict[str, deque[Any]] = field(default_factory=dict)
    touched: float = field(default_factory=time.monotonic)
    task: asyncio.Task[Any] | None = None

    def begin(self) -> None:
        """A new attempt: everything sent so far may be claimed once more."""
        self.unclaimed = {}
        for key, result in self.calls:
            self.unclaimed.setdefault(key, deque()).append(result)
        self.touched = time.monotonic()
        self.task = asyncio.current_task()

    def claim(self, key: str) -> tuple[bool, Any]:
        """Take the result of an identical call an earlier attempt made, if one is left."""
        results = self.unclaimed.get(key)
        if results:
            return True, results.popleft()
        return False, None

    def record(self, key: str, result: Any) -> None:
        """Remember a call this attempt made."""
        self.calls.append((key, result))


_scopes: OrderedDict[Hashable, _Sent] = OrderedDict()
_current: contextvars.ContextVar[_Sent | None] = contextvars.ContextVar(
    "replay_scope", default=None
)


@contextlib.contextmanager
def replay_scope(key: Hashable) -> Iterator[None]:
    """Run one attempt of a unit of work (an update, a deadline, an outbox message)."""
    # A call identical to one an earlier attempt of the same unit already made is not sent
    # again: the earlier result is returned, so the new attempt records and uses it as its own.
    now = time.monotonic()
    while _scopes and (
        len(_scopes) >= KEEP_SCOPES or next(iter(_scopes.values())).touched < now - KEEP_SECONDS
    ):
        _scopes.popitem(last=False)
    sent = _scopes.pop(key, None) or _Sent()
    _scopes[key] = sent  # most recently used last
    sent.begin()
    token = _current.set(sent)
    try:
        yield
    finally:
        _current.reset(token)
        if not sent.calls:
            _scopes.pop(key, None)  # nothing to replay: keep no entry


def forget_scope(key: Hashable) -> None:
    """The unit of work committed: its calls need no replay."""
    _scopes.pop(key, None)


def _call_key(method: TelegramMethod[Any]) -> str:
    # Defaults (parse_mode...) dump as their repr; an upload's repr names the object, so an
    # upload is never claimed and a retry sends it again.
    payload = method.model_dump_json(exclude_none=True, fallback=repr)
    return f"{type(method).__name__}:{payload}"


class ReplayGuard(BaseRequestMiddleware):
    """Return an earlier attempt's result instead of repeating the same call to Telegram."""

    # Registered innermost, so the outbound log records the message in the attempt that commits.

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        """Send, or claim the result of the identical call an earlier attempt made."""
        sent = _current.get()
        # Tasks started inside an attempt (an after-commit sender) inherit its context: not ours.
        if sent is None or sent.task is not asyncio.current_task():
            return await make_request(bot, method)
        if type(method).__name__.startswith("Get"):  # reads are safe to repeat
            return await make_request(bot, method)
        key = _call_key(method)
        found, result = sent.claim(key)
        if found:
            logger.info(
                "%s already made by an earlier attempt; not repeated", type(method).__name__
            )
            return result
        result = await make_request(bot, method)
        sent.record(key, result)
        return result
