"""The writes every update makes, compiled once and run on the in-loop SQLite connection directly.

SQLAlchemy's execution layer (session, execution context, result object) costs about 140 µs
per statement on this project's 2.4 GHz machines, while SQLite runs these indexed inserts and
updates in about 30: five such writes per customer message were a sixth of the bot's CPU. A
`Prepared` statement on the embedded database goes straight to the driver, inside the session's
transaction (SQLAlchemy has already issued BEGIN IMMEDIATE on that connection), with the
parameters converted by the same SQLAlchemy type processors. On PostgreSQL, whose driver
SQLAlchemy wraps more deeply, it runs through the session as any statement does.

Only plain writes qualify: every column with a Python-side default must be given (the fast path
does not compute defaults), and the ORM is not flushed first (callers flush new objects their
rows refer to, as `log_event` does). SQLAlchemy's statement events (`before_cursor_execute`)
do not see these writes; `bot.sqlite.Connection.trace` does.
"""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Insert, Update
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Dialect
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.sqlite import Connection as InLoopConnection

_DRIVER_KEY = "in_loop_driver"


@dataclass(frozen=True)
class _Compiled:
    """A statement's SQL for one dialect and, in order, each parameter's name and converter."""

    sql: str
    binds: tuple[tuple[str, Callable[[Any], Any] | None], ...]

    def arguments(self, params: dict[str, Any]) -> tuple[Any, ...]:
        """The positional arguments, each converted as SQLAlchemy would."""
        return tuple(
            params[name] if convert is None or params[name] is None else convert(params[name])
            for name, convert in self.binds
        )


class Prepared:
    """An INSERT or UPDATE run on SQLite's connection directly, or through the session elsewhere."""

    def __init__(self, statement: Callable[[str], Insert | Update], keys: Iterable[str]) -> None:
        self._statement = statement  # built per dialect: ON CONFLICT differs
        self._keys = tuple(keys)
        self._compiled: _Compiled | None = None

    async def rowcount(self, session: AsyncSession, params: dict[str, Any]) -> int:
        """Run the statement; how many rows it changed."""
        driver = await _in_loop_driver(session)
        if driver is None:
            result = await session.exec(self._for(session), params=params)
            return int(result.rowcount or 0)
        cursor = await self._run(driver, session, params)
        return int(cursor.rowcount)

    async def scalar(self, session: AsyncSession, params: dict[str, Any]) -> Any:
        """Run the statement; the first column of its first returned row, or None."""
        driver = await _in_loop_driver(session)
        if driver is None:
            return (await session.exec(self._for(session), params=params)).scalar()
        cursor = await self._run(driver, session, params)
        row = await cursor.fetchone()
        return None if row is None else row[0]

    def _for(self, session: AsyncSession) -> Insert | Update:
        return self._statement(session.get_bind().dialect.name)

    async def _run(
        self, driver: InLoopConnection, session: AsyncSession, params: dict[str, Any]
    ) -> Any:
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = self._compile(session.get_bind().dialect)
        arguments = compiled.arguments(params)
        try:
            return await driver.execute(compiled.sql, arguments)
        except sqlite3.Error as error:  # the same exception types as through SQLAlchemy
            raise sa_exc.DBAPIError.instance(
                compiled.sql, arguments, error, sqlite3.Error
            ) from error

    def _compile(self, dialect: Dialect) -> _Compiled:
        statement = self._statement(dialect.name)
        _check_defaults(statement, self._keys)
        compiled = statement.compile(dialect=dialect, column_keys=list(self._keys))
        assert compiled.positiontup is not None, "SQLite's paramstyle is positional"
        binds = tuple(
            (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
            for name in compiled.positiontup
        )
        return _Compiled(compiled.string, binds)


def columns_but_id(table: Any) -> list[str]:
    """The names of a table's columns other than its generated id: what an insert must give."""
    return [column.key for column in table.columns if column.key != "id"]


def _check_defaults(statement: Insert | Update, keys: tuple[str, ...]) -> None:
    """Refuse a statement that needs SQLAlchemy to compute a column's value."""
    table = statement.table
    for column in table.columns:
        computed = column.default if isinstance(statement, Insert) else column.onupdate
        if computed is not None and column.key not in keys:
            raise ValueError(f"{table}.{column.key}: has a Python-side default; pass it")


async def _in_loop_driver(session: AsyncSession) -> InLoopConnection | None:
    """The in-loop SQLite connection under the session's transaction, or None."""
    if session.get_bind().dialect.name != "sqlite":
        return None
    cached = session.info.get(_DRIVER_KEY)
    if cached is not None and cached[0]() is session.sync_session.get_transaction():
        return cached[1]
    connection = await session.connection()  # begins the transaction: BEGIN IMMEDIATE
    driver = (await connection.get_raw_connection()).driver_connection
    # aiosqlite in a thread (URLs with options, the console's reader) goes through SQLAlchemy.
    found = driver if isinstance(driver, InLoopConnection) else None
    # A weak reference: the transaction refers to the session, and a cycle would leave every
    # update's session to the garbage collector instead of freeing it at once.
    transaction = session.sync_session.get_transaction()
    assert transaction is not None  # session.connection() began it
    session.info[_DRIVER_KEY] = (weakref.ref(transaction), found)
    return found
