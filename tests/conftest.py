"""Shared fixtures: a database built by the real migrations, on SQLite or PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import create_engine, create_sessionmaker, migrate

ROOT = Path(__file__).resolve().parent.parent


def database_backend() -> str:
    """Tell which database the suite runs on: sqlite, or postgresql from DATABASE_URL."""
    url = os.environ.get("DATABASE_URL", "")
    return "postgresql" if url.startswith("postgresql") else "sqlite"


@pytest.fixture
async def database_url(tmp_path: Path) -> AsyncIterator[str]:
    """Yield the URL of an empty database private to this test."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    # A database per test keeps tests independent and lets subprocesses share it by URL.
    if url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url.removeprefix("postgresql://")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, query = url.partition("?")
    yield base.rsplit("/", 1)[0] + f"/{name}" + (f"?{query}" if query else "")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    await admin.dispose()


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """Yield an engine on a database built by the real migrations."""
    eng = create_engine(database_url)
    await migrate(eng)
    yield eng
    await eng.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Return a session factory on the migrated database."""
    return create_sessionmaker(engine)


@pytest.fixture
async def session(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """Yield one session on the migrated database."""
    async with sessions() as s:
        yield s
