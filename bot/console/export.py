"""Exports of the filtered conversations, their messages and tickets, streamed row by row."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select

from bot.console.filters import ConversationFilter, conditions
from bot.console.search import matching_conversations
from bot.services.console_auth import redact_links
from models import Conversation, Customer, Message, Ticket

KINDS = ("conversations", "messages", "tickets")
FORMATS = ("csv", "json")
CHUNK_ROWS = 1000

CONVERSATION_COLUMNS = (
    "id",
    "customer_telegram_id",
    "customer_name",
    "customer_username",
    "status",
    "language",
    "abusive",
    "opened_at",
    "waiting_since",
    "first_response_at",
    "last_message_at",
    "resolved_at",
    "closed_at",
)
MESSAGE_COLUMNS = (
    "id",
    "conversation_id",
    "customer_id",
    "chat_id",
    "telegram_message_id",
    "thread_id",
    "direction",
    "author_kind",
    "author_telegram_id",
    "content_type",
    "text",
    "file_ids",
    "relay_of",
    "created_at",
    "edited_at",
)
TICKET_COLUMNS = (
    "number",
    "kind",
    "status",
    "conversation_id",
    "customer_telegram_id",
    "description",
    "purchased_when",
    "reason",
    "amount",
    "currency",
    "auto_approved",
    "refund_method",
    "decided_by",
    "decided_at",
    "resolved_at",
    "follow_up_outcome",
    "created_at",
)
COLUMNS = {
    "conversations": CONVERSATION_COLUMNS,
    "messages": MESSAGE_COLUMNS,
    "tickets": TICKET_COLUMNS,
}


DATETIMES = {
    "opened_at",
    "waiting_since",
    "first_response_at",
    "last_message_at",
    "resolved_at",
    "closed_at",
    "created_at",
    "edited_at",
    "decided_at",
}
Row = tuple[Any, ...]


def _filtered_ids(flt: ConversationFilter, tz: ZoneInfo, backend: str) -> Any:
    stmt = select(Conversation.id).where(*conditions(flt, tz))
    if flt.terms:
        stmt = stmt.where(col(Conversation.id).in_(matching_conversations(backend, flt.terms)))
    return stmt


def export_query(kind: str, flt: ConversationFilter, tz: ZoneInfo, backend: str) -> Any:
    """Build the query of one export; its columns come out in the export's order."""
    ids = _filtered_ids(flt, tz, backend)
    everything = not flt.active
    stmt: Any
    if kind == "conversations":
        name = sa.func.trim(
            sa.func.coalesce(col(Customer.first_name), "")
            + " "
            + sa.func.coalesce(col(Customer.last_name), "")
        )
        special = {
            "customer_telegram_id": col(Customer.telegram_id),
            "customer_name": name,
            "customer_username": col(Customer.username),
        }
        columns: list[Any] = [
            special[n] if n in special else getattr(Conversation, n) for n in CONVERSATION_COLUMNS
        ]
        stmt = (
            sa.select(*columns)
            .join(Customer, col(Customer.id) == col(Conversation.customer_id))
            .order_by(col(Conversation.id))
        )
        return stmt if everything else stmt.where(col(Conversation.id).in_(ids))
    if kind == "messages":
        stmt = sa.select(*[getattr(Message, n) for n in MESSAGE_COLUMNS]).order_by(col(Message.id))
        return stmt if everything else stmt.where(col(Message.conversation_id).in_(ids))
    if kind == "tickets":
        columns = [
            col(Customer.telegram_id) if n == "customer_telegram_id" else getattr(Ticket, n)
            for n in TICKET_COLUMNS
        ]
        stmt = (
            sa.select(*columns)
            .join(Customer, col(Customer.id) == col(Ticket.customer_id))
            .order_by(col(Ticket.id))
        )
        return stmt if everything else stmt.where(col(Ticket.conversation_id).in_(ids))
    raise ValueError(f"unknown export {kind!r}")


async def export_rows(connection: AsyncConnection, stmt: Any) -> AsyncIterator[list[Row]]:
    """Yield the export query's rows in chunks, read through a server-side cursor."""
    result = await connection.stream(stmt.execution_options(yield_per=CHUNK_ROWS))
    # A chunk per await: row by row would cost a greenlet switch and a generator step each.
    async for chunk in result.partitions(CHUNK_ROWS):
        yield [tuple(row) for row in chunk]


# Spreadsheets run a cell as a formula when it starts with one of these; some also read the
# full-width forms, a tab or a carriage return (OWASP's CSV injection list).
FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")


def _guard(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value  # spreadsheets would run it as a formula
    return value


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _local_iso(tz: ZoneInfo) -> Callable[[Any], Any]:
    """A moment in the business time zone, to the second, the way a spreadsheet reads it."""

    def convert(value: Any) -> Any:
        if not isinstance(value, datetime):
            return value
        return value.astimezone(tz).replace(microsecond=0).isoformat()

    return convert


def _boolean(value: Any) -> Any:
    return ("true" if value else "false") if isinstance(value, bool | int) else value


def _json_text(value: Any) -> Any:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _text(value: Any) -> Any:
    return _guard(redact_links(value))


def _decimal(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


BOOLEANS = {"abusive", "auto_approved"}


def _converters(
    columns: Sequence[str], fmt: str, tz: ZoneInfo | None
) -> list[Callable[[Any], Any]]:
    """Pick each column's conversion once, not per cell."""
    found: list[Callable[[Any], Any]] = []
    local = _local_iso(tz) if tz is not None and fmt == "csv" else _iso
    for name in columns:
        if name in DATETIMES:
            found.append(local)
        elif name in BOOLEANS and fmt == "csv":
            found.append(_boolean)
        elif name == "text":
            found.append(_text if fmt == "csv" else redact_links)
        elif name in ("file_ids", "photo_file_ids"):
            found.append(_json_text if fmt == "csv" else _same)
        elif name == "amount":
            found.append(_decimal)
        else:
            found.append(_guard if fmt == "csv" else _same)
    return found


def _same(value: Any) -> Any:
    return value


async def encode(
    chunks: AsyncIterator[list[Row]],
    fmt: str,
    columns: Sequence[str],
    tz: ZoneInfo | None = None,
) -> AsyncIterator[bytes]:
    """Turn chunks of rows into CSV or JSON bytes, one piece per chunk.

    In CSV, with `tz`, times are local to the business, to the second, and booleans read
    true/false; JSON keeps UTC times and its own booleans.
    """
    converters = _converters(columns, fmt, tz)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    first = True
    if fmt == "csv":
        buffer.write("\ufeff")  # spreadsheet apps read UTF-8 (Cyrillic) with the BOM
        writer.writerow(columns)
    else:
        buffer.write("[")
    async for chunk in chunks:
        if fmt == "csv":
            writer.writerows(
                [convert(value) for convert, value in zip(converters, row, strict=True)]
                for row in chunk
            )
        else:
            for row in chunk:
                record = {
                    name: convert(value)
                    for name, convert, value in zip(columns, converters, row, strict=True)
                }
                buffer.write(("\n" if first else ",\n") + json.dumps(record, ensure_ascii=False))
                first = False
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    if fmt == "json":
        buffer.write("\n]\n")
    yield buffer.getvalue().encode()
