"""The tickets list: returns and complaints with their decisions and follow-ups."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.console import params
from bot.console.filters import choice
from bot.console.transcript import staff_names
from models import Customer, Ticket, TicketKind, TicketStatus

PAGE_SIZE = 50
KINDS = tuple(k.value for k in TicketKind)
STATUSES = tuple(s.value for s in TicketStatus)


@dataclass(frozen=True)
class TicketFilter:
    """Which tickets to show."""

    kind: str = ""
    status: str = ""
    date_from: date | None = None
    date_to: date | None = None

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> TicketFilter:
        """Read the filters from a query string; raise BadFilter naming a bad field."""
        kind, status = query.get("kind", ""), query.get("status", "")
        if kind and kind not in KINDS:
            raise choice("kind", kind, KINDS)
        if status and status not in STATUSES:
            raise choice("status", status, STATUSES)
        days = [params.day(v, n) if (v := query.get(n, "")) else None for n in ("from", "to")]
        return cls(kind, status, days[0], days[1])

    def query_string(self, **extra: str) -> str:
        """Encode the filters (and a cursor) for a URL."""
        items = {"kind": self.kind, "status": self.status}
        items["from"] = self.date_from.isoformat() if self.date_from else ""
        items["to"] = self.date_to.isoformat() if self.date_to else ""
        return urlencode({k: v for k, v in {**items, **extra}.items() if v})


@dataclass
class TicketRow:
    """One ticket with its customer and the name of whoever decided it."""

    ticket: Ticket
    customer_name: str
    customer_telegram_id: int
    decided_by_name: str | None


async def list_tickets(
    session: AsyncSession,
    flt: TicketFilter,
    tz: ZoneInfo,
    before: int | None = None,
    limit: int = PAGE_SIZE,
) -> tuple[list[TicketRow], int | None]:
    """Return a page of tickets, newest first, and the cursor of the next page."""
    stmt = select(Ticket, Customer).join(Customer, col(Customer.id) == col(Ticket.customer_id))
    if flt.kind:
        stmt = stmt.where(Ticket.kind == flt.kind)
    if flt.status:
        stmt = stmt.where(Ticket.status == flt.status)
    if flt.date_from:
        stmt = stmt.where(col(Ticket.created_at) >= datetime.combine(flt.date_from, time(0), tz))
    if flt.date_to:
        end = datetime.combine(flt.date_to + timedelta(days=1), time(0), tz)
        stmt = stmt.where(col(Ticket.created_at) < end)
    if before is not None:
        stmt = stmt.where(col(Ticket.id) < before)
    stmt = stmt.order_by(col(Ticket.id).desc()).limit(limit + 1)
    found = list((await session.exec(stmt)).all())
    next_cursor = None
    if len(found) > limit:
        found = found[:limit]
        next_cursor = found[-1][0].id
    names = await staff_names(session, {t.decided_by for t, _ in found if t.decided_by})
    rows = [
        TicketRow(t, c.display_name, c.telegram_id, _decider(t.decided_by, names)) for t, c in found
    ]
    return rows, next_cursor


def _decider(telegram_id: int | None, names: dict[int, str]) -> str | None:
    if telegram_id is None:
        return None
    return names.get(telegram_id) or str(telegram_id)
