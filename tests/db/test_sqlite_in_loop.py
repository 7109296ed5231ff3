"""SQLite on the event loop's thread: a locked database is waited for without blocking the loop."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

import bot.sqlite
from bot.db import create_engine, create_sessionmaker, migrate, transaction
from bot.resilience import is_transient
from bot.sqlite import Connection as InLoopConnection


def url_of(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


async def driver_of(url: str) -> object:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            raw = await conn.get_raw_connection()
            return raw.driver_connection
    finally:
        await engine.dispose()


async def test_a_file_database_runs_in_the_loop_and_a_uri_one_in_aiosqlite(tmp_path: Path) -> None:
    assert isinstance(await driver_of(url_of(tmp_path / "a.db")), InLoopConnection)
    uri = f"sqlite+aiosqlite:///file:{tmp_path / 'b.db'}?mode=rwc&uri=true"
    assert not isinstance(await driver_of(uri), InLoopConnection)


async def test_waiting_for_another_writer_does_not_block_the_loop(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    engine = create_engine(url_of(path))
    await migrate(engine)
    sessions = create_sessionmaker(engine)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # a backup or a manual session holds the write lock
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async def write() -> None:
        async with transaction(sessions) as session:
            insert = "INSERT INTO inbox (update_id, status, received_at) VALUES (1, 'done', 0)"
            await session.exec(text(insert))  # type: ignore[call-overload]

    ticker = asyncio.create_task(tick())
    writer = asyncio.create_task(write())
    await asyncio.sleep(0.5)
    assert not writer.done()  # still waiting for the lock...
    assert ticks >= 20  # ...while the loop kept running other work
    other.execute("ROLLBACK")
    await asyncio.wait_for(writer, 5)
    ticker.cancel()
    other.close()
    async with transaction(sessions) as session:
        count = (await session.exec(text("SELECT count(*) FROM inbox"))).scalar()  # type: ignore[call-overload]
    assert count == 1
    await engine.dispose()


async def test_a_lock_held_too_long_fails_as_a_transient_error(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    engine = create_engine(url_of(path))
    await migrate(engine)
    sessions = create_sessionmaker(engine)
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert isinstance(raw.driver_connection, InLoopConnection)
        raw.driver_connection.lock_timeout = 0.2
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(Exception) as caught:
        async with transaction(sessions) as session:
            await session.exec(text("SELECT 1"))  # type: ignore[call-overload]
    assert 0.15 < loop.time() - started < 2
    assert is_transient(caught.value), caught.value
    other.execute("ROLLBACK")
    other.close()
    await engine.dispose()


async def in_loop_driver(engine: AsyncEngine) -> InLoopConnection:
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
    assert isinstance(driver, InLoopConnection)
    return driver


async def test_under_steady_writes_the_wal_is_copied_and_started_over_off_the_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.sqlite, "RESTART_FRAMES", 100)
    monkeypatch.setattr(bot.sqlite, "CHECKPOINT_INTERVAL", 0.02)
    path, wal = tmp_path / "bot.db", tmp_path / "bot.db-wal"
    engine = create_engine(url_of(path))
    await migrate(engine)
    sessions = create_sessionmaker(engine)
    driver = await in_loop_driver(engine)
    checkpointer = driver.checkpointer
    assert checkpointer is not None
    async with engine.connect() as conn:  # the loop's commits never checkpoint
        assert (await conn.exec_driver_sql("PRAGMA wal_autocheckpoint")).scalar() == 0
        await conn.exec_driver_sql("CREATE TABLE filler (b BLOB)")
        await conn.commit()
    peak = 0
    for n in range(4000):  # back to back, as under load: at least a page each
        async with transaction(sessions) as session:
            await session.exec(text("INSERT INTO filler VALUES (randomblob(3000))"))  # type: ignore[call-overload]
        if n % 20 == 0:
            peak = max(peak, wal.stat().st_size // 4096)
    # A busy writer never begins with every frame copied, so without the RESTART the WAL
    # would hold every page written (4,000 or more); with it, a few hundred.
    assert checkpointer.runs > 0
    assert peak < 2000, peak
    await engine.dispose()
    assert not checkpointer._thread.is_alive()
    assert not wal.exists()  # this connection closed last, so it removed the WAL
    check = sqlite3.connect(path)
    assert check.execute("SELECT count(*) FROM filler").fetchone() == (4000,)
    check.close()


async def test_without_a_checkpointer_thread_commits_checkpoint_as_sqlite_does(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    checkpointer = bot.sqlite.Checkpointer(str(tmp_path / "missing" / "bot.db"))
    checkpointer._thread.join(5)
    assert checkpointer.failed and checkpointer.runs == 0
    assert "could not open" in caplog.text
    raw = sqlite3.connect(tmp_path / "bot.db", isolation_level=None, check_same_thread=False)
    raw.execute("PRAGMA wal_autocheckpoint=0")
    connection = InLoopConnection(raw, checkpointer=checkpointer)
    await connection.execute("CREATE TABLE t (x)")
    await connection.execute("BEGIN")
    await connection.execute("INSERT INTO t VALUES (1)")
    await connection.commit()
    assert connection.checkpointer is None
    pages = (await (await connection.execute("PRAGMA wal_autocheckpoint")).fetchone())[0]
    assert pages == bot.sqlite.FALLBACK_AUTOCHECKPOINT
    await connection.close()
    checkpointer.stop()  # harmless after the thread ended
