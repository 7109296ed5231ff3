"""SQLite on the event loop's own thread, for SQLAlchemy's aiosqlite dialect.

aiosqlite runs every call in a worker thread: a queue put, a thread switch and a wake-up of
the event loop through its self-pipe, four times per statement. The bot's statements take
microseconds (WAL, indexed lookups, no fsync at commit), so that hand-off cost more than the
work and left the loop idle between statements. This connection runs them in place instead.

It keeps the loop responsive where SQLite could block: the lock is never waited for inside
SQLite (busy_timeout 0); a statement that finds the database locked is retried after an
asyncio sleep, up to the same 30 s the threaded driver waited. SQLite's own checkpoints would
run inside a commit, copying the WAL into the database and waiting for its fsync; a thread of
its own (`Checkpointer`) does that work instead.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import weakref
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

LOCK_TIMEOUT = 30.0
CHECKPOINT_INTERVAL = 0.2  # seconds between background checkpoints while there are commits
RESTART_FRAMES = 4_000  # WAL pages (about 16 MB) after which the WAL is started over
RESTART_WAIT = 0.05  # seconds a RESTART may wait for the write lock and for readers
STOP_WAIT = 2.0  # seconds stop() waits for the thread (an interrupted checkpoint ends at once)
# SQLite's own default, for the loop's commits if the checkpointer cannot run.
FALLBACK_AUTOCHECKPOINT = 1_000

log = logging.getLogger(__name__)
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


class Checkpointer:
    """Copies a database's WAL into its file on a thread of its own, at most every `interval`."""

    def __init__(self, path: str, *, uri: bool = False, interval: float | None = None):
        self._path, self._uri = path, uri
        self._interval = CHECKPOINT_INTERVAL if interval is None else interval
        self._due = threading.Event()  # set by commits: there is something to copy
        self._stopping = threading.Event()
        self._lock = threading.Lock()  # guards _conn between this thread and stop()'s interrupt
        self._conn: sqlite3.Connection | None = None
        self._restart_refused_at = -1  # the WAL length at which a RESTART last found a reader
        self.failed = False  # the thread could not run: the loop's commits must checkpoint
        self.runs = 0  # checkpoints completed, for tests and benchmarks
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
        self._thread.start()

    def nudge(self) -> None:
        """Note a commit that wrote (cheap: the event is set once per checkpoint)."""
        if not self._due.is_set():
            self._due.set()

    def stop(self, *, wait: bool = True) -> None:
        """Stop the thread, interrupting a checkpoint under way; `wait` joins it briefly."""
        self._stopping.set()
        self._due.set()
        with self._lock:
            if self._conn is not None:
                self._conn.interrupt()  # a long copy would otherwise hold up the event loop
        if wait and self._thread is not threading.current_thread():
            self._thread.join(STOP_WAIT)

    def _run(self) -> None:
        try:
            # The busy timeout bounds how long a RESTART may hold up the writer (see below).
            conn = sqlite3.connect(
                self._path,
                timeout=RESTART_WAIT,
                isolation_level=None,
                uri=self._uri,
                check_same_thread=False,  # stop() interrupts it from the loop's thread
            )
        except sqlite3.Error as error:
            self.failed = True
            log.warning("sqlite checkpointer could not open the database (%s); commits do", error)
            return
        with self._lock:
            self._conn = conn
        try:
            while self._due.wait() and not self._stopping.is_set():
                self._due.clear()
                try:
                    self._checkpoint(conn)
                except sqlite3.Error as error:
                    if not self._stopping.is_set():
                        log.warning("sqlite background checkpoint failed: %s", error)
                self._stopping.wait(self._interval)
        except BaseException:
            self.failed = True
            raise
        finally:
            with self._lock:
                self._conn = None
                conn.close()

    def _checkpoint(self, conn: sqlite3.Connection) -> None:
        # PASSIVE copies without taking the write lock, fsync included, but the WAL starts
        # over only when a transaction begins with every frame copied, which a busy writer
        # never sees; so once the WAL is long, a RESTART (write lock held while it copies the
        # few newer frames) lets the next writer start it over. It is skipped while a reader
        # keeps PASSIVE from copying everything, and after a reader made it wait (holding the
        # write lock up to RESTART_WAIT) until the WAL has grown since.
        _busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if frames >= RESTART_FRAMES and copied == frames and frames != self._restart_refused_at:
            busy, *_ = conn.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
            self._restart_refused_at = frames if busy else -1
        self.runs += 1


class Connection:
    """An aiosqlite-shaped connection whose calls run on the calling (event loop) thread."""

    _tx = _Immediate()

    def __init__(
        self,
        conn: sqlite3.Connection,
        lock_timeout: float = LOCK_TIMEOUT,
        checkpointer: Checkpointer | None = None,
    ) -> None:
        self._connection: sqlite3.Connection | None = conn
        self.lock_timeout = lock_timeout  # seconds to wait for another writer's lock
        self.checkpointer = checkpointer
        self._changes = conn.total_changes  # rows written so far: a commit that wrote nudges
        if checkpointer is not None:
            # A connection dropped without close() must not leave the thread behind.
            weakref.finalize(self, checkpointer.stop, wait=False)

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
        checkpointer = self.checkpointer
        changes = self._conn.total_changes
        if checkpointer is not None and changes != self._changes:
            self._changes = changes
            if checkpointer.failed:  # the thread is gone: checkpoint in commits, as SQLite does
                self._conn.execute(f"PRAGMA wal_autocheckpoint={FALLBACK_AUTOCHECKPOINT}")
                self.checkpointer = None
            else:
                checkpointer.nudge()

    async def rollback(self) -> None:
        """Roll the transaction back."""
        self._conn.rollback()

    async def close(self) -> None:
        """Close the connection; closing twice is harmless."""
        self.stop()

    def stop(self) -> None:
        """Close at once (SQLAlchemy's terminate)."""
        if self.checkpointer is not None:
            # First, so this connection is the last one and its close removes the WAL.
            self.checkpointer.stop()
            self.checkpointer = None
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
        # A checkpoint in the commit blocked the loop for milliseconds at a time (its fsync);
        # at 600 updates/s that was a seventh of the loop's time. None at all: after a long
        # read had held the WAL back, the commit that crossed a threshold copied it all.
        conn.execute("PRAGMA wal_autocheckpoint=0")
        return Connection(conn, checkpointer=Checkpointer(path, uri=uri))

    return connect
