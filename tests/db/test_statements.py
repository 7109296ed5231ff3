"""Prepared writes store exactly what SQLAlchemy would, inside the session's transaction."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, insert, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import create_engine, create_sessionmaker, migrate, transaction
from bot.resilience import watching
from bot.services.updates import claim_update
from bot.statements import Prepared
from models import Event, InboxUpdate, Message

EVENTS = Event.__table__  # type: ignore[attr-defined]
FIELDS = ["kind", "conversation_id", "customer_id", "ticket_id", "actor_kind"]
FIELDS += ["actor_telegram_id", "reason", "data", "created_at"]
EVENT = Prepared(lambda _dialect: insert(EVENTS), FIELDS)


def _event(kind: str, **changes: Any) -> dict[str, Any]:
    values = dict.fromkeys(FIELDS)
    when = datetime(2026, 11, 23, 9, 30, 15, 123456, tzinfo=UTC)
    values.update(kind=kind, actor_kind="bot", created_at=when, data={"entry": "ё", "n": 1.5})
    values.update(changes)
    return values


async def test_a_prepared_insert_stores_what_sqlalchemy_stores(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with transaction(sessions) as session:
        await session.exec(insert(EVENTS), params=_event("through_sqlalchemy"))  # type: ignore[call-overload]
        await EVENT.rowcount(session, _event("prepared"))
    # As stored: on SQLite the text of the time and of the JSON, which queries compare.
    columns = "actor_kind, created_at, data, reason, conversation_id, ticket_id"
    async with transaction(sessions) as session:
        stored = {
            row[0]: tuple(row[1:])
            for row in await session.exec(text(f"SELECT kind, {columns} FROM events"))  # type: ignore[call-overload]
        }
    assert stored["prepared"] == stored["through_sqlalchemy"]
    assert stored["prepared"][0] == "bot"


async def test_a_prepared_write_is_part_of_the_transaction_and_rolls_back(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    with pytest.raises(RuntimeError):
        async with transaction(sessions) as session:
            assert await claim_update(session, 41, datetime.now(UTC))
            raise RuntimeError("the handler failed")
    async with transaction(sessions) as session:
        assert (await session.get(InboxUpdate, 41)) is None
        assert await claim_update(session, 41, datetime.now(UTC))
        assert not await claim_update(session, 41, datetime.now(UTC))  # ON CONFLICT: 0 rows


async def test_a_failed_prepared_write_raises_sqlalchemys_error(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    with pytest.raises(sa_exc.IntegrityError):  # no such conversation: the foreign key
        async with transaction(sessions) as session:
            await EVENT.rowcount(session, _event("orphan", conversation_id=987654))


def test_a_column_sqlalchemy_would_fill_in_must_be_given() -> None:
    missing_time = Prepared(
        lambda _dialect: insert(EVENTS), [f for f in FIELDS if f != "created_at"]
    )
    with pytest.raises(ValueError, match=r"events\.created_at: has a Python-side default"):
        missing_time._compile(create_engine("sqlite+aiosqlite://").dialect)


async def test_sqlite_through_aiosqlite_goes_through_sqlalchemy(tmp_path: Path) -> None:
    # A URL with options keeps the threaded aiosqlite driver: the statement takes the usual way.
    engine: AsyncEngine = create_engine(
        f"sqlite+aiosqlite:///file:{tmp_path / 'u.db'}?mode=rwc&uri=true"
    )
    await migrate(engine)
    seen: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    try:
        async with transaction(create_sessionmaker(engine)) as session:
            await EVENT.rowcount(session, _event("threaded"))
    finally:
        await engine.dispose()
    assert any(s.startswith("INSERT INTO events") for s in seen)


def _statements_seen(engine: AsyncEngine) -> list[str]:
    seen: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    return seen


async def test_on_postgresql_a_prepared_write_goes_to_asyncpg_directly(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: set DATABASE_URL to run it")
    seen = _statements_seen(engine)
    async with transaction(sessions) as session:
        assert await claim_update(session, 77, datetime.now(UTC))  # the transaction's first
        in_transaction = await session.exec(text("SELECT now() = statement_timestamp()"))  # type: ignore[call-overload]
        assert in_transaction.scalar() is False  # now() is the transaction's start: begun before
    assert not any("inbox" in s for s in seen)


async def test_on_postgresql_a_lost_connection_is_invalidated_and_the_next_transaction_works(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: set DATABASE_URL to run it")
    with watching() as watch, pytest.raises(sa_exc.DBAPIError) as raised:
        async with transaction(sessions) as session:
            pid = (await session.exec(text("SELECT pg_backend_pid()"))).scalar()  # type: ignore[call-overload]
            async with engine.connect() as other:
                await other.execute(text(f"SELECT pg_terminate_backend({int(pid)})"))
            with contextlib.suppress(sa_exc.DBAPIError):  # swallowed, as a logging step may
                await claim_update(session, 78, datetime.now(UTC))
            await claim_update(session, 79, datetime.now(UTC))
    assert raised.value.connection_invalidated
    assert watch.error is not None  # the retry loops see trouble even when it was swallowed
    async with transaction(sessions) as session:  # a fresh connection from the pool
        assert await claim_update(session, 78, datetime.now(UTC))


async def test_a_failing_statement_keeps_the_customers_text_out_of_the_error(
    engine: AsyncEngine,
) -> None:
    secret = "my card number is 4111 1111 1111 1111"
    with pytest.raises(sa_exc.DBAPIError) as raised:
        async with transaction(create_sessionmaker(engine)) as session:
            # No such conversation: the foreign key refuses the row, text and all.
            session.add(
                Message(
                    conversation_id=999_999,
                    chat_id=1,
                    telegram_message_id=1,
                    direction="in",
                    author_kind="customer",
                    text=secret,
                )
            )
            await session.flush()
    assert "parameters hidden" in str(raised.value)
    assert "4111" not in str(raised.value) and "4111" not in repr(raised.value)


async def test_the_consoles_reader_hides_parameters_too(database_url: str) -> None:
    from bot.console.read_engine import create_reader

    writer = create_engine(database_url)
    reader = create_reader(database_url, writer)
    try:
        assert reader.sync_engine.hide_parameters and writer.sync_engine.hide_parameters
    finally:
        await reader.dispose()
        await writer.dispose()
