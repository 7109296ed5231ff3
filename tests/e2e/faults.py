"""Faults for end-to-end tests: a cuttable TCP link, a locked SQLite file, a private Redis."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
from collections.abc import AsyncIterator
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.sqlite import Connection as InLoopConnection
from tests.e2e.conftest import free_port


class TcpProxy:
    """A TCP proxy in front of a server; `cut` drops live connections and refuses new ones."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.connections = 0  # accepted since start, to tell that the bot reconnected
        self._server: asyncio.Server | None = None
        self._live: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        """Listen on a free loopback port (the same one again after a cut); return it."""
        self._server = await asyncio.start_server(
            self._accept, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def cut(self) -> None:
        """Stop listening (connects are refused) and abort every live connection."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._live):
            writer.transport.abort()
        self._live.clear()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def restore(self) -> None:
        """Listen again on the same port."""
        await self.start()

    async def close(self) -> None:
        """Cut for good."""
        await self.cut()

    def url_for(self, database_url: str) -> str:
        """Return the database URL rewritten to go through this proxy."""
        return (
            make_url(database_url)
            .set(host="127.0.0.1", port=self.port)
            .render_as_string(hide_password=False)
        )

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            try:
                up_reader, up_writer = await asyncio.open_connection(*self.target)
            except OSError:
                writer.transport.abort()
                return
            self.connections += 1
            self._live.update((writer, up_writer))
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            self._tasks.discard(task)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy bytes one way until either side goes away, then drop the other side too."""
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.transport.abort()


@contextlib.asynccontextmanager
async def proxied(database_url: str) -> AsyncIterator[tuple[TcpProxy, str]]:
    """Yield a proxy in front of the URL's PostgreSQL server and the URL through it."""
    url = make_url(database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    try:
        yield proxy, proxy.url_for(database_url)
    finally:
        await proxy.close()


def sqlite_path(database_url: str) -> str:
    """Return the file behind a sqlite+aiosqlite URL."""
    database = make_url(database_url).database
    assert database, database_url
    return database


def shorten_busy_timeout(engine: AsyncEngine, milliseconds: int) -> None:
    """Make the bot give up on a locked SQLite file sooner, so a test's outage can be short."""
    # Production waits 30 s; a lock held longer than that fails the same way, only later.

    def pragma(dbapi_conn: Any, _record: Any) -> None:
        driver = getattr(dbapi_conn, "driver_connection", None)
        if isinstance(driver, InLoopConnection):  # it waits in asyncio, not in SQLite
            driver.lock_timeout = milliseconds / 1000
            return
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout={int(milliseconds)}")
        cursor.close()

    # Runs after the engine's own pragmas (listeners run in order); new connections only.
    event.listen(engine.sync_engine, "connect", pragma)


@contextlib.asynccontextmanager
async def sqlite_write_lock(database_url: str) -> AsyncIterator[None]:
    """Hold the database's write lock from another connection until the block ends."""
    # As a backup, a long migration or a manual `sqlite3` session would.
    conn = await aiosqlite.connect(sqlite_path(database_url), timeout=30, isolation_level=None)
    try:
        await conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            await conn.execute("ROLLBACK")
    finally:
        await conn.close()


REDIS_SERVER = shutil.which("redis-server")


class RedisServer:
    """A private redis-server that keeps nothing on disk, so a restart loses everything."""

    def __init__(self) -> None:
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The redis:// URL of this server."""
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        """Start the server on its port and wait until it answers."""
        assert REDIS_SERVER is not None, "redis-server is not installed"
        self._process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while loop.time() < deadline:
            if await self.ping():
                return
            if self._process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self._process.returncode}")
            await asyncio.sleep(0.05)
        raise TimeoutError(f"redis-server on port {self.port} did not answer within 10 s")

    def kill(self) -> None:
        """Kill the server at once (SIGKILL): its data is gone."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(timeout=10)
        self._process = None

    async def ping(self) -> bool:
        """Tell whether the server answers PING."""
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            return False
        try:
            writer.write(b"PING\r\n")
            await writer.drain()
            return (await asyncio.wait_for(reader.readline(), 2)).startswith(b"+PONG")
        except (OSError, TimeoutError):
            return False
        finally:
            writer.close()
