"""The conversation filters of the list, the export and the links between them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import col, select

from bot.console import params
from bot.console.params import BadParameter
from bot.console.search import search_terms
from models import Conversation, ConversationStatus, Customer, Event, Message, Ticket, TicketKind

STATUSES = tuple(s.value for s in ConversationStatus)
LANGUAGES = ("en", "ru")
_TICKET_NUMBER = re.compile(r"^[RC]-[0-9]{1,12}$", re.I)
_FLAGS = ("waiting", "breach", "callback_breach", "abusive", "has_return", "has_complaint")


class BadFilter(BadParameter):
    """A filter value that cannot be read; the message names the field."""


def choice(name: str, value: str, choices: tuple[str, ...]) -> BadFilter:
    """A filter that takes one of a few words was given another."""
    return BadFilter(name, "console-bad-choice", choices=", ".join(choices), got=params.got(value))


def _flag(value: str | None) -> bool:
    return value in ("1", "on", "true", "yes")


def _day(value: str | None, name: str) -> date | None:
    try:
        return params.day(value, name) if value else None
    except BadParameter as error:
        raise BadFilter(error.name, error.key, **error.fields) from None


def _int(value: str | None, name: str) -> int | None:
    try:
        return params.telegram_id(value.strip(), name) if value and value.strip() else None
    except BadParameter as error:
        raise BadFilter(error.name, error.key, **error.fields) from None


@dataclass(frozen=True)
class ConversationFilter:
    """What the manager asked to see; empty fields do not filter."""

    status: str = ""
    waiting: bool = False
    breach: bool = False
    callback_breach: bool = False
    abusive: bool = False
    has_return: bool = False
    has_complaint: bool = False
    staff: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    language: str = ""
    customer: str = ""
    q: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> ConversationFilter:
        """Read the filters from a query string; raise BadFilter naming a bad field."""
        status = query.get("status", "")
        if status and status not in STATUSES:
            raise choice("status", status, STATUSES)
        language = query.get("lang", "")
        if language and language not in LANGUAGES:
            raise choice("lang", language, LANGUAGES)
        date_from, date_to = _day(query.get("from"), "from"), _day(query.get("to"), "to")
        if date_from and date_to and date_to < date_from:
            raise BadFilter("to", "console-bad-order")
        customer = query.get("customer", "").strip()
        if customer and not _TICKET_NUMBER.match(customer):
            try:
                customer = str(params.telegram_id(customer, "customer"))
            except BadParameter:
                raise BadFilter(
                    "customer", "console-bad-customer", got=params.got(customer)
                ) from None
        return cls(
            status=status,
            staff=_int(query.get("staff"), "staff"),
            date_from=date_from,
            date_to=date_to,
            language=language,
            customer=customer.upper() if _TICKET_NUMBER.match(customer) else customer,
            q=query.get("q", "").strip()[:200],
            **{name: _flag(query.get(name)) for name in _FLAGS},
        )

    @property
    def terms(self) -> list[str]:
        """The full-text search words."""
        return search_terms(self.q)

    @property
    def active(self) -> bool:
        """Tell whether any filter or a search is set."""
        return self != ConversationFilter()

    @property
    def filtering(self) -> bool:
        """Tell whether a filter other than the text search is set."""
        return replace(self, q="") != ConversationFilter()

    def query_items(self) -> dict[str, str]:
        """The filters as query-string items, for links to pages and exports."""
        items: dict[str, str] = {}
        for spec in fields(self):
            value = getattr(self, spec.name)
            key = {"date_from": "from", "date_to": "to", "language": "lang"}.get(
                spec.name, spec.name
            )
            if value is True:
                items[key] = "1"
            elif value not in (None, "", False):
                items[key] = value.isoformat() if isinstance(value, date) else str(value)
        return items

    def query_string(self, **extra: str) -> str:
        """Encode the filters (and extra items such as a cursor) for a URL."""
        return urlencode({**self.query_items(), **extra})

    def without(self, name: str) -> ConversationFilter:
        """Return the same filters with one cleared, for the "remove" chips."""
        default = ConversationFilter()
        return replace(self, **{name: getattr(default, name)})


def _local_start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tz)


def _conversations_with(kind_filter: Any) -> Any:
    return select(Event.conversation_id).where(kind_filter)


def conditions(flt: ConversationFilter, tz: ZoneInfo) -> list[Any]:
    """Translate the filters (all but the text search) into SQL conditions on conversations."""
    conv_id = col(Conversation.id)
    where: list[Any] = []
    if flt.status:
        where.append(Conversation.status == flt.status)
    if flt.waiting:
        where.append(Conversation.status == ConversationStatus.WAITING_STAFF)
    if flt.abusive:
        where.append(col(Conversation.abusive).is_(True))
    if flt.language:
        where.append(Conversation.language == flt.language)
    if flt.date_from:
        where.append(col(Conversation.opened_at) >= _local_start(flt.date_from, tz))
    if flt.date_to:
        end = _local_start(flt.date_to + timedelta(days=1), tz)
        where.append(col(Conversation.opened_at) < end)
    for wanted, kind in ((flt.breach, "reply_breach"), (flt.callback_breach, "callback_breach")):
        if wanted:
            where.append(conv_id.in_(_conversations_with(Event.kind == kind)))
    for wanted, ticket_kind in (
        (flt.has_return, TicketKind.RETURN),
        (flt.has_complaint, TicketKind.COMPLAINT),
    ):
        if wanted:
            tickets = select(Ticket.conversation_id).where(Ticket.kind == ticket_kind)
            where.append(conv_id.in_(tickets))
    if flt.staff is not None:
        written = select(Message.conversation_id).where(Message.author_telegram_id == flt.staff)
        where.append(conv_id.in_(written))
    if flt.customer:
        where.append(_customer_condition(flt.customer))
    return where


def _customer_condition(customer: str) -> Any:
    if _TICKET_NUMBER.match(customer):
        ticket = select(Ticket.conversation_id).where(Ticket.number == customer)
        return col(Conversation.id).in_(ticket)
    person = select(Customer.id).where(Customer.telegram_id == int(customer))
    return col(Conversation.customer_id).in_(person)


def combined(flt: ConversationFilter, tz: ZoneInfo) -> Any:
    """All the filter conditions joined with AND (TRUE when there are none)."""
    parts = conditions(flt, tz)
    return sa.and_(sa.true(), *parts)
