"""The writes every update makes, compiled once and run on the database driver directly.

SQLAlchemy's execution layer (session, execution context, result object) costs about 140 µs
per statement on this project's 2.4 GHz machines, while SQLite runs these indexed inserts and
updates in about 30: five such writes per customer message were a sixth of the bot's CPU. A
`Prepared` statement goes straight to the driver, inside the session's transaction, with the
parameters converted by the same SQLAlchemy type processors and the driver's errors raised as
SQLAlchemy raises them: on SQLite the in-loop connection (SQLAlchemy has already issued BEGIN
IMMEDIATE on it), on PostgreSQL asyncpg under SQLAlchemy's adapter (beginning the adapter's
transaction if this is its first statement; asyncpg prepares and caches the statement). Other
drivers (aiosqlite in a thread) go through the session as any statement does.

Only plain writes qualify: every column with a Python-side default must be given (the fast path
does not compute defaults), and the ORM is not flushed first (new objects a row refers to must
be flushed before it). Only `bot.rows`, the database adapter, runs these statements, and it
keeps those rules for its callers (an import-linter contract). SQLAlchemy's statement events
(`before_cursor_execute`, `handle_error`) do not see these writes, so what `bot.db` and
`bot.resilience` listen for is done here too: U+0000 is replaced, and driver errors are
reported to the watched unit of work.
`bot.sqlite.Connection.trace` and PostgreSQL's own log show the statements.
"""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar, cast

from sqlalchemy import Insert, Select, Update
from sqlalchemy import exc as sa_exc
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict
from sqlalchemy.sql.base import Executable
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import without_nul
from bot.resilience import note_database_error
from bot.sqlite import Connection as InLoopConnection

_DRIVER_KEY = "statements_driver"
T = TypeVar("T")


@dataclass(frozen=True)
class _Compiled:
    """A statement's SQL for one dialect and, in order, each parameter's name and converter."""

    sql: str
    binds: tuple[tuple[str, Callable[[Any], Any] | None], ...]

    def arguments(self, params: dict[str, Any]) -> tuple[Any, ...]:
        """The positional arguments, each converted as SQLAlchemy and `bot.db` would."""
        converted = tuple(
            params[name] if convert is None or params[name] is None else convert(params[name])
            for name, convert in self.binds
        )
        for value in converted:  # bot.db's listener cleans the statements it sees; rarely needed
            kind = value.__class__
            if (kind is str and "\x00" in value) or kind in (dict, list, tuple):
                return without_nul(converted)
        return converted


class _PerDialect(Generic[T]):
    """What a statement compiles to, built once per SQL dialect on first use."""

    def __init__(self, compile_for: Callable[[Dialect], T]) -> None:
        self._compile_for = compile_for
        self._by_name: dict[str, T] = {}

    def get(self, session: AsyncSession) -> T:
        dialect = session.get_bind().dialect
        found = self._by_name.get(dialect.name)
        if found is None:
            found = self._by_name[dialect.name] = self._compile_for(dialect)
        return found


class Prepared:
    """An INSERT or UPDATE run on the database driver directly, inside the session's transaction."""

    def __init__(self, statement: Callable[[str], Insert | Update], keys: Iterable[str]) -> None:
        self._statement = statement  # built per dialect: ON CONFLICT differs
        self._keys = tuple(keys)
        self._compiled = _PerDialect(self._compile)

    async def rowcount(self, session: AsyncSession, params: dict[str, Any]) -> int:
        """Run the statement; how many rows it changed."""
        driver = await _driver(session)
        if driver is None:
            result = await session.exec(self._for(session), params=params)
            return int(result.rowcount or 0)
        compiled = self._compiled.get(session)
        return await driver.rowcount(compiled.sql, compiled.arguments(params))

    async def scalar(self, session: AsyncSession, params: dict[str, Any]) -> Any:
        """Run the statement; the first column of its first returned row, or None."""
        driver = await _driver(session)
        if driver is None:
            return (await session.exec(self._for(session), params=params)).scalar()
        compiled = self._compiled.get(session)
        return await driver.scalar(compiled.sql, compiled.arguments(params))

    def _for(self, session: AsyncSession) -> Insert | Update:
        return self._statement(session.get_bind().dialect.name)

    def _compile(self, dialect: Dialect) -> _Compiled:
        statement = self._statement(dialect.name)
        _check_defaults(statement, self._keys)
        return _compile_binds(statement, dialect, list(self._keys))


def _compile_binds(
    statement: Executable, dialect: Dialect, keys: list[str] | None = None
) -> _Compiled:
    """The statement's SQL for the dialect, with its parameters' order and converters."""
    compiled = statement.compile(dialect=dialect, column_keys=keys)  # type: ignore[attr-defined]
    # Both drivers take positional parameters: SQLite's "?" and asyncpg's "$1".
    assert compiled.positiontup is not None, f"{dialect.name}: a positional paramstyle"
    binds = tuple(
        (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
        for name in compiled.positiontup
    )
    return _Compiled(compiled.string, binds)


class PreparedLoad:
    """A SELECT of whole rows of mapped classes, run on the driver; the objects join the session.

    What the ORM does for such a query (an execution context, a result, the loading machinery)
    cost more than the rest of the transaction around it, on every customer message. Each row
    is converted with SQLAlchemy's result processors and attached to the session as if the ORM
    had loaded it: persistent, unmodified, changes flushed as UPDATEs. An object the session
    already holds is returned as it is, as the ORM would. Elsewhere the ORM runs the query.
    """

    def __init__(self, statement: Select[*tuple[Any, ...]], entities: Sequence[type[Any]]) -> None:
        self._statement = statement  # select(*entities)…: what the ORM runs without a driver
        self._entities = tuple(entities)
        self._compiled = _PerDialect(self._compile)

    async def first(self, session: AsyncSession, params: dict[str, Any]) -> tuple[Any, ...] | None:
        """The first row's objects (None for an entity an outer join found no row of)."""
        driver = await _driver(session)
        if driver is None:
            found = (await session.exec(self._statement, params=params)).first()  # type: ignore[call-overload]
            return None if found is None else tuple(found)
        compiled, loaders = self._compiled.get(session)
        row = await driver.row(compiled.sql, compiled.arguments(params))
        if row is None:
            return None
        return tuple(loader.load(session, row) for loader in loaders)

    def _compile(self, dialect: Dialect) -> tuple[_Compiled, tuple[_Loader, ...]]:
        loaders, columns, offset = [], [], 0
        for entity in self._entities:
            loader = _Loader(entity, dialect, offset)
            loaders.append(loader)
            columns.extend(loader.columns)
            offset += len(loader.columns)
        statement = self._statement.with_only_columns(*columns)
        return _compile_binds(statement, dialect), tuple(loaders)


class _Loader:
    """One mapped class's columns in a row, turned into a persistent object of the session."""

    def __init__(self, entity: type[Any], dialect: Dialect, offset: int) -> None:
        mapper = sa_inspect(entity)
        self._mapper = mapper
        self._offset = offset
        attributes = list(mapper.column_attrs)
        self.columns = [attribute.columns[0] for attribute in attributes]
        self._fields = tuple(
            (attribute.key, column.type.dialect_impl(dialect).result_processor(dialect, None))
            for attribute, column in zip(attributes, self.columns, strict=True)
        )
        keys = {id(column) for column in mapper.primary_key}  # by identity: Column's == builds SQL
        primary = [i for i, column in enumerate(self.columns) if id(column) in keys]
        assert len(primary) == 1, f"{entity.__name__}: one primary key column"
        self._primary = offset + primary[0]

    def load(self, session: AsyncSession, row: Sequence[Any]) -> Any:
        if row[self._primary] is None:
            return None  # an outer join's missing side
        mapper = self._mapper
        key = mapper.identity_key_from_primary_key([row[self._primary]])
        held = session.sync_session.identity_map.get(key)
        if held is not None:
            return held
        instance = mapper.class_manager.new_instance()
        values = instance_dict(instance)
        for index, (name, convert) in enumerate(self._fields, self._offset):
            value = row[index]
            values[name] = value if convert is None or value is None else convert(value)
        make_transient_to_detached(instance)  # loaded, unmodified, with its identity
        session.add(instance)
        return instance


class _Driver(Protocol):
    async def rowcount(self, sql: str, arguments: tuple[Any, ...]) -> int: ...

    async def scalar(self, sql: str, arguments: tuple[Any, ...]) -> Any: ...

    async def row(self, sql: str, arguments: tuple[Any, ...]) -> Sequence[Any] | None: ...


class _SqliteDriver:
    """The in-loop SQLite connection, raising sqlite3's errors as SQLAlchemy does."""

    __slots__ = ("_connection",)

    def __init__(self, connection: InLoopConnection) -> None:
        self._connection = connection

    async def rowcount(self, sql: str, arguments: tuple[Any, ...]) -> int:
        try:
            cursor = await self._connection.execute(sql, arguments)
        except sqlite3.Error as error:
            raise _sqlite_error(sql, arguments, error) from error
        return int(cursor.rowcount)

    async def scalar(self, sql: str, arguments: tuple[Any, ...]) -> Any:
        row = await self.row(sql, arguments)
        return None if row is None else row[0]

    async def row(self, sql: str, arguments: tuple[Any, ...]) -> Sequence[Any] | None:
        try:
            cursor = await self._connection.execute(sql, arguments)
            return cast("Sequence[Any] | None", await cursor.fetchone())
        except sqlite3.Error as error:
            raise _sqlite_error(sql, arguments, error) from error


def _sqlite_error(
    sql: str, arguments: tuple[Any, ...], error: sqlite3.Error
) -> sa_exc.StatementError:
    note_database_error(error, is_disconnect=False)  # SQLAlchemy's handle_error would have
    return sa_exc.DBAPIError.instance(sql, arguments, error, sqlite3.Error)


class _AsyncpgDriver:
    """asyncpg under SQLAlchemy's adapter, in the adapter's transaction, with its error types."""

    __slots__ = ("_adapter", "_connection", "_dialect")

    def __init__(self, adapter: Any, connection: AsyncConnection) -> None:
        self._adapter = adapter  # SQLAlchemy's AsyncAdapt_asyncpg_connection
        self._connection = connection
        self._dialect = connection.dialect

    async def rowcount(self, sql: str, arguments: tuple[Any, ...]) -> int:
        status = await self._call("execute", sql, arguments)  # "INSERT 0 1", "UPDATE 3"
        return int(status.rsplit(" ", 1)[-1])

    async def scalar(self, sql: str, arguments: tuple[Any, ...]) -> Any:
        return await self._call("fetchval", sql, arguments)

    async def row(self, sql: str, arguments: tuple[Any, ...]) -> Sequence[Any] | None:
        return cast("Sequence[Any] | None", await self._call("fetchrow", sql, arguments))

    async def _call(self, method: str, sql: str, arguments: tuple[Any, ...]) -> Any:
        adapter = self._adapter
        try:
            async with adapter._execute_mutex:
                # The adapter begins lazily, at its first statement; this may be the first.
                if adapter._transaction is None:
                    await adapter._start_transaction()
                # asyncpg prepares the statement once per connection and caches it.
                return await getattr(adapter._connection, method)(sql, *arguments)
        except Exception as error:
            raise await self._translated(error, sql, arguments) from error

    async def _translated(
        self, error: Exception, sql: str, arguments: tuple[Any, ...]
    ) -> sa_exc.StatementError:
        """SQLAlchemy's exception for a driver error; a lost connection is invalidated."""
        dbapi_error = self._adapter.dbapi.Error
        try:
            self._adapter._handle_exception(error)  # re-raises as the adapter's DBAPI error
        except dbapi_error as translated:
            lost = bool(self._dialect.is_disconnect(translated, self._adapter, None))
            note_database_error(translated, lost)  # SQLAlchemy's handle_error would have
            if lost:  # as SQLAlchemy does: the pool must not hand the connection out again
                await self._connection.invalidate(translated)
            return sa_exc.DBAPIError.instance(
                sql, arguments, translated, dbapi_error, connection_invalidated=lost
            )
        raise AssertionError("unreachable: _handle_exception always raises")


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


async def _driver(session: AsyncSession) -> _Driver | None:
    """The driver under the session's transaction, or None to go through SQLAlchemy."""
    cached = session.info.get(_DRIVER_KEY)
    if cached is not None and cached[0]() is session.sync_session.get_transaction():
        return cast("_Driver | None", cached[1])
    connection = await session.connection()  # begins the transaction (SQLite: BEGIN IMMEDIATE)
    # Already checked out by session.connection(): read it without another greenlet hop.
    raw = connection.sync_connection.connection  # type: ignore[union-attr]
    found: _Driver | None = None
    if isinstance(raw.driver_connection, InLoopConnection):
        found = _SqliteDriver(raw.driver_connection)
    elif connection.dialect.driver == "asyncpg":
        found = _AsyncpgDriver(raw.dbapi_connection, connection)
    # aiosqlite in a thread (URLs with options, the console's reader) goes through SQLAlchemy.
    # A weak reference: the transaction refers to the session, and a cycle would leave every
    # update's session to the garbage collector instead of freeing it at once.
    transaction = session.sync_session.get_transaction()
    assert transaction is not None  # session.connection() began it
    session.info[_DRIVER_KEY] = (weakref.ref(transaction), found)
    return found
