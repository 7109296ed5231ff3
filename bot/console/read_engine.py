"""The console's read-only engine: long reads must not hold SQLite's write lock."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.db import create_engine


def create_reader(url: str, writer: AsyncEngine | None = None) -> AsyncEngine:
    """Return an engine for reads: on SQLite a separate one, elsewhere the writer itself."""
    if not url.startswith("sqlite"):
        return writer if writer is not None else create_engine(url)
    # The bot's SQLite engine opens every transaction with BEGIN IMMEDIATE; a streamed export
    # of a million rows would hold the write lock for its whole length and stall the bot.
    # hide_parameters: a failing search must not print what the manager searched for.
    engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
    event.listen(engine.sync_engine, "connect", _read_only)
    return engine


def _read_only(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA query_only=ON")
    cur.execute("PRAGMA cache_size=-65536")  # 64 MiB: searches and figures reread pages
    cur.close()
