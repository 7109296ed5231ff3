"""SQLite on the event loop's own thread, for SQLAlchemy's aiosqlite dialect.

aiosqlite runs every call in a worker thread: a queue put, a thread switch and a wake-up of
the event loop through its self-pipe, four times per statement. The bot's statements take
microseconds (WAL, indexed lookups, no fsync at commit), so that hand-off cost more than the
work and left the loop idle between statements. This connection runs them in place instead.

It keeps the loop responsive where SQLite could block: the lock is never waited for inside
SQLite (busy_timeout 0); a statement that finds the database locked is retried after an
asyncio sleep, up to the same 30 s the threaded driver waited.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

LOCK_TIMEOUT = 30.0
_FIRST_WAIT, _LONGEST_WAIT = 0.001, 0.05


def _locked(error: sqlite3.OperationalError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(error)


async def _patiently(timeout: float, call: Callable[..., Any], *args: Any) -> Any:
    """Run a SQLite call, sleeping (not blocking the loop) while another writer holds the lock."""
    try:
        return call(*args)
    except sqlite3.OperationalError as error:
        if not _locked(error):
            raise
    loop = asyncio.get_running_loop()
    give_up_at = loop.time() + timeout
    wait = _FIRST_WAIT
    while True:
        await asyncio.sleep(wait)
        try:
            return call(*args)
        except sqlite3.OperationalError as error:
            if not _locked(error) or loop.time() >= give_up_at:
                raise
        wait = min(wait * 2, _LONGEST_WAIT)


class Cursor:
    """An aiosqlite-shaped cursor over a sqlite3 cursor."""

    def __init__(self, connection: Connection, cursor: sqlite3.Cursor) -> None:
        self._connection = connection
        self._cursor = cursor

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._cursor.close()

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._rows()

    async def _rows(self) -> AsyncIterator[Any]:
        while rows := self._cursor.fetchmany(self._cursor.arraysize):
            for row in rows:
                yield row

    async def execute(self, sql: str, parameters: Any = ()) -> Cursor:
        """Run one statement."""
        await _patiently(self._connection.lock_timeout, self._cursor.execute, sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> Cursor:
        """Run one statement for each set of parameters."""
        await _patiently(self._connection.lock_timeout, self._cursor.executemany, sql, parameters)
        return self

    async def fetchone(self) -> Any:
        """Return the next row."""
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        """Return up to `size` rows."""
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        """Return the remaining rows."""
        return self._cursor.fetchall()

    async def close(self) -> None:
        """Close the cursor."""
        self._cursor.close()

    async def setinputsizes(self, *_sizes: Any) -> None:
        """Accepted and ignored, as sqlite3 does."""

    @property
    def description(self) -> Any:
        """Column descriptions of the last query."""
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        """Rows changed by the last statement."""
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        """Row id of the last insert."""
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        """Rows fetched at a time."""
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class _Immediate:
    """Stands in for aiosqlite's task queue, which SQLAlchemy uses to set isolation_level."""

    @staticmethod
    def put_nowait(item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as error:
            future.set_exception(error)


class Connection:
    """An aiosqlite-shaped connection whose calls run on the calling (event loop) thread."""

    _tx = _Immediate()

    def __init__(self, conn: sqlite3.Connection, lock_timeout: float = LOCK_TIMEOUT) -> None:
        self._connection: sqlite3.Connection | None = conn
        self.lock_timeout = lock_timeout  # seconds to wait for another writer's lock

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("no active connection")
        return self._connection

    def cursor(self) -> Cursor:
        """Open a cursor (usable with `async with`, like aiosqlite's)."""
        return Cursor(self, self._conn.cursor())

    async def execute(self, sql: str, parameters: Any = ()) -> Cursor:
        """Run one statement on a new cursor."""
        return await self.cursor().execute(sql, parameters)

    async def commit(self) -> None:
        """Commit the transaction."""
        await _patiently(self.lock_timeout, self._conn.commit)

    async def rollback(self) -> None:
        """Roll the transaction back."""
        self._conn.rollback()

    async def close(self) -> None:
        """Close the connection; closing twice is harmless."""
        self.stop()

    def stop(self) -> None:
        """Close at once (SQLAlchemy's terminate)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def trace(self, callback: Callable[[str], object] | None) -> None:
        """Call `callback` with each statement SQLite runs, however it was sent (None: stop)."""
        self._conn.set_trace_callback(callback)

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        """Register a Python function with SQLite."""
        self._conn.create_function(*args, **kwargs)

    @property
    def isolation_level(self) -> str | None:
        """The sqlite3 module's transaction control."""
        return self._conn.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: Any) -> None:
        self._conn.isolation_level = value


def in_loop_creator(path: str, *, uri: bool = False) -> Callable[[], Any]:
    """Return SQLAlchemy's async_creator for a SQLite file served on the event loop's thread."""

    async def connect() -> Connection:
        # timeout=0: a locked database raises at once and _patiently waits without blocking.
        conn = sqlite3.connect(
            path, timeout=0, isolation_level=None, check_same_thread=False, uri=uri
        )
        return Connection(conn)

    return connect
