"""Database engine, sessions, units of work, and migrations."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import ConfigError
from bot.sqlite import Connection as InLoopConnection
from bot.sqlite import in_loop_creator

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create an async engine; SQLite gets WAL, foreign keys, one connection and BEGIN IMMEDIATE."""
    # A failing statement's parameters are customers' messages: keep them out of tracebacks.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        _ensure_sqlite_dir(url)
        if not _in_memory(url):
            # SQLite has one writer and every transaction takes the write lock at BEGIN, so
            # more connections only wait in SQLite's busy handler, which sleeps up to 100 ms
            # between retries; waiters in the pool's queue are handed the connection at once.
            # Nothing may open a second session while holding one (it would wait forever).
            kwargs.setdefault("pool_size", 1)
            kwargs.setdefault("max_overflow", 0)
            parsed = make_url(url)
            if parsed.database and not parsed.query:
                kwargs.setdefault("async_creator", in_loop_creator(parsed.database))
        if "async_creator" not in kwargs:
            kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    # A pre-ping costs three round trips per transaction; a connection that died (a server
    # restart) fails one transaction instead, and SQLAlchemy then replaces the whole pool.
    # Recycling keeps connections younger than the idle timeouts of proxies and NAT.
    kwargs.setdefault("pool_pre_ping", False)
    kwargs.setdefault("pool_recycle", 300)
    engine = create_async_engine(url, **kwargs)
    event.listen(engine.sync_engine, "before_cursor_execute", _no_nul, retval=True)
    return engine


def _no_nul(
    _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
) -> tuple[str, Any]:
    # PostgreSQL text and JSON cannot hold U+0000, which Telegram users can send; store the
    # Unicode replacement character instead of losing the whole message.
    return statement, without_nul(parameters)


def without_nul(value: Any) -> Any:
    """The parameters with U+0000, which PostgreSQL refuses, as U+FFFD."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd") if "\x00" in value else value
    if isinstance(value, list | tuple):
        return type(value)(without_nul(v) for v in value)
    if isinstance(value, dict):
        return {k: without_nul(v) for k, v in value.items()}
    return value


def _in_memory(url: str) -> bool:
    # SQLAlchemy gives in-memory databases a pool without a size.
    _, sep, path = url.partition(":///")
    return not sep or path in ("", ":memory:") or "mode=memory" in path


def _ensure_sqlite_dir(url: str) -> None:
    """Create the database's folder, or stop with one line naming DATABASE_URL and the path."""
    path = url.split(":///", 1)[-1]
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    file = Path(path)
    folder = file.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"DATABASE_URL: cannot create the database folder {folder.resolve()}: "
            f"{exc.strerror or exc}"
        ) from None
    # SQLite writes a journal and a WAL beside the file, so the folder must be writable too;
    # a real write finds read-only mounts that os.access misses for root.
    for target, what in ((folder, "folder"), (file, "file")):
        problem = _not_writable(target) if target.exists() else None
        if problem:
            raise ConfigError(
                f"DATABASE_URL: the database {what} {target.resolve()} is not writable: {problem}"
            )


def _not_writable(target: Path) -> str | None:
    """Return why a folder or file cannot be written, or None."""
    try:
        if target.is_dir():
            with tempfile.TemporaryFile(dir=target):
                pass
        else:
            with open(target, "r+b"):
                pass
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    # The in-loop connection must not wait inside SQLite (it would block the event loop); it
    # waits for a lock with asyncio sleeps instead (bot.sqlite).
    in_loop = isinstance(getattr(dbapi_conn, "driver_connection", None), InLoopConnection)
    cur.execute(f"PRAGMA busy_timeout={0 if in_loop else 30000}")
    cur.close()
    # Let SQLAlchemy emit BEGIN itself (see _sqlite_begin) instead of the driver's lazy one.
    dbapi_conn.isolation_level = None


def _sqlite_begin(conn: Connection) -> None:
    # Take the write lock up front: a deferred transaction that reads, then writes, can act on
    # a stale read (two sweepers claiming one deadline) or fail at once instead of waiting.
    # On the driver's cursor: SQLAlchemy's execution of one BEGIN cost several times the
    # statement, once per update.
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute("BEGIN IMMEDIATE")
    except conn.dialect.loaded_dbapi.Error as error:  # raised as SQLAlchemy's, as before
        raise sa_exc.DBAPIError.instance(
            "BEGIN IMMEDIATE", (), error, conn.dialect.loaded_dbapi.Error
        ) from error
    finally:
        cursor.close()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Create the session factory; objects stay usable after commit."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """Run a unit of work that commits on success and rolls back on error."""
    async with sessions() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


def alembic_config(url: str | None = None) -> Config:
    """Build the Alembic configuration for the project's migrations."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _upgrade(connection: Connection, revision: str) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema up to a revision with the real migrations."""
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade, revision)


def is_embedded(url: str) -> bool:
    """Tell whether the database is the embedded SQLite file that migrates itself."""
    return url.startswith("sqlite")
