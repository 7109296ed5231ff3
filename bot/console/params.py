"""Strict readers of the console's route and query parameters: a bad one is a 400, never a 500."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

# Row ids are INTEGER on PostgreSQL (32-bit); Telegram ids are BIGINT.
MAX_ROW_ID = 2**31 - 1
MAX_TELEGRAM_ID = 2**63 - 1
# Far enough for any real question, near enough that a day after the end still exists.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2199, 12, 31)
_DIGITS = re.compile(r"[0-9]{1,20}")  # ASCII only: int() also reads '٣', ' 7' and '7_0'
_SIGNED = re.compile(r"-?[0-9]{1,20}")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class BadParameter(ValueError):
    """A parameter that cannot be read: its name, and the console text that says what it expects."""

    def __init__(self, name: str, key: str, **fields: object) -> None:
        # Values go to Fluent as text: it would group the digits of 2147483647 as a number.
        self.name, self.key, self.fields = name, key, {k: str(v) for k, v in fields.items()}
        super().__init__(f"{name}: {key} {self.fields}")

    def text(self, texts: Callable[..., str]) -> str:
        """What was wrong, in the page's language; the parameter keeps its name from the URL."""
        return f"{self.name}: {texts(self.key, **self.fields)}"


def got(value: str) -> str:
    """The start of a refused value, quoted, for the answer that refuses it."""
    return repr(value[:40])


def row_id(value: str, name: str) -> int:
    """A database row id: ASCII digits, 1 up to the backend's integer range."""
    if not _DIGITS.fullmatch(value) or not 1 <= int(value) <= MAX_ROW_ID:
        raise BadParameter(name, "console-bad-number", low=1, high=MAX_ROW_ID, got=got(value))
    return int(value)


def index(value: str, name: str, limit: int = 1000) -> int:
    """A small position in a list, from 0."""
    if not _DIGITS.fullmatch(value) or int(value) >= limit:
        raise BadParameter(name, "console-bad-number", low=0, high=limit - 1, got=got(value))
    return int(value)


def telegram_id(value: str, name: str) -> int:
    """A Telegram user or chat id: ASCII digits with an optional minus, within 64 bits."""
    if not _SIGNED.fullmatch(value) or abs(int(value)) > MAX_TELEGRAM_ID:
        raise BadParameter(name, "console-bad-telegram-id", got=got(value))
    return int(value)


def day(value: str, name: str) -> date:
    """A calendar day written YYYY-MM-DD, between 2000 and 2199."""
    try:
        found = date.fromisoformat(value) if _DAY.fullmatch(value) else None
    except ValueError:
        found = None
    if found is None or not FIRST_DAY <= found <= LAST_DAY:
        raise BadParameter(name, "console-bad-day", first=FIRST_DAY, last=LAST_DAY, got=got(value))
    return found
