"""The business's service policy: hours, timers and limits, and the calendar built from them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from bot.content.schema import LocalizedText, StrictModel
from bot.services.calendar import Schedule, parse_hours

_CLOCK_RE = re.compile(r"^(\d{1,2}):(\d{2})$")
_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Weekly = dict[int, tuple[tuple[time, time], ...]]


def parse_clock(value: object) -> time:
    """Parse a local time written "HH:MM"; raises ValueError otherwise."""
    if isinstance(value, time):
        return value
    match = _CLOCK_RE.match(value.strip()) if isinstance(value, str) else None
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f"expected a time HH:MM between 00:00 and 23:59, got {value!r}")
    return time(int(match[1]), int(match[2]))


def parse_timezone(value: str) -> ZoneInfo:
    """Look up an IANA time zone such as "Europe/Moscow"; raises ValueError if unknown."""
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}, expected e.g. 'Europe/Moscow'") from None


def parse_weekly(value: object) -> Weekly:
    """Parse working hours: a compact string or a mapping weekday -> range(s) or "closed"."""
    if isinstance(value, str):
        return parse_hours(value)
    if not isinstance(value, Mapping):
        raise ValueError("expected a mapping like {mon: '09:00-21:00', sun: closed}")
    clauses = []
    for day, hours in value.items():
        if day not in _DAY_NAMES:
            raise ValueError(f"unknown day {day!r}, expected one of {', '.join(_DAY_NAMES)}")
        if hours is None or hours == []:
            hours = "closed"
        if isinstance(hours, list) and all(isinstance(h, str) for h in hours):
            hours = ", ".join(hours)
        if not isinstance(hours, str):
            raise ValueError(f"{day}: expected 'HH:MM-HH:MM', a list of them, or 'closed'")
        clauses.append(f"{day} {hours}")
    # Days not listed stay closed, as parse_hours does for the compact form.
    return parse_hours("; ".join(clauses)) if clauses else dict.fromkeys(range(7), ())


class Closure(StrictModel):
    """A one-off closure, [start, end); naive times are local to the policy's time zone."""

    start: datetime
    end: datetime
    reason: LocalizedText | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Closure:
        """Reject mixed naive/aware bounds and empty or reversed periods."""
        if (self.start.tzinfo is None) != (self.end.tzinfo is None):
            raise ValueError("start and end must both have a UTC offset or both lack one")
        for moment in (self.start, self.end):
            if not 1 < moment.year < 9999:  # the calendar converts them to UTC and back
                raise ValueError(f"{moment.isoformat()} is too far from today")
        if self.end <= self.start:
            raise ValueError(f"end {self.end.isoformat()} is not after start")
        return self


class ReturnsPolicy(StrictModel):
    """When returns are approved on the spot, and how fast staff decide the rest."""

    auto_approve_limit: Decimal = Field(ge=0)
    auto_approve_cap: int = Field(ge=0)
    cap_window_days: int = Field(ge=1)
    return_decision_hours: int = Field(ge=1)


class Policy(StrictModel):
    """Service promises and limits from policy.yaml, possibly overridden by the environment."""

    shop_name: LocalizedText
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    currency_symbol: str = Field(min_length=1)
    timezone: str
    working_hours: Weekly
    holidays: tuple[date, ...] = ()
    closures: tuple[Closure, ...] = ()
    callback_deadline: time
    reply_sla_seconds: int = Field(gt=0)
    second_alert_seconds: int = Field(gt=0)
    returns: ReturnsPolicy
    complaint_resolution_hours: int = Field(gt=0)
    follow_up_days: int = Field(ge=0)
    staff_free_text: bool = True
    # Telegram Business: after the account's owner writes in a customer's chat, the bot keeps
    # quiet there until the customer writes again this many minutes later.
    business_quiet_minutes: int = Field(default=15, ge=0)
    # Telegram Business: a connected account whose customers' topics go to a staff group of
    # its own (the account's user id or @username → the group's chat id); others share
    # STAFF_CHAT_ID.
    business_staff_groups: dict[str, int] = Field(default_factory=dict)
    faq_threshold: float = Field(ge=0, le=1)

    @field_validator("business_staff_groups")
    @classmethod
    def _staff_groups(cls, value: dict[str, int]) -> dict[str, int]:
        """Keys: an account's user id or @username; values: a group's (negative) chat id."""
        groups = {}
        for key, chat in value.items():
            name = str(key).strip()
            if not (name.isdigit() or (name.startswith("@") and len(name) > 1)):
                raise ValueError(f"{name!r}: use the account's user id or its @username")
            if chat >= 0:
                raise ValueError(f"{name}: {chat} is no group's chat id (those are negative)")
            groups[name.lower()] = chat
        return groups

    def own_staff_groups(self) -> frozenset[int]:
        """Staff groups of shop accounts that have their own (beside STAFF_CHAT_ID)."""
        return frozenset(self.business_staff_groups.values())

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        """Fail at load time, not at the first timer."""
        parse_timezone(value)
        return value

    @field_validator("working_hours", mode="before")
    @classmethod
    def _weekly(cls, value: Any) -> Weekly:
        """Accept the per-day mapping or the compact string form."""
        return parse_weekly(value)

    @field_validator("callback_deadline", mode="before")
    @classmethod
    def _clock(cls, value: Any) -> time:
        """Insist on HH:MM so "25:00" or "11" are rejected with a clear message."""
        return parse_clock(value)

    @property
    def tz(self) -> ZoneInfo:
        """The business time zone."""
        return ZoneInfo(self.timezone)

    def schedule(self) -> Schedule:
        """The working calendar the rules engine runs on."""
        tz = self.tz
        return Schedule(
            tz=tz,
            weekly=self.working_hours,
            holidays=frozenset(self.holidays),
            closures=tuple((_aware(c.start, tz), _aware(c.end, tz)) for c in self.closures),
            callback_deadline=self.callback_deadline,
        )


def _aware(moment: datetime, tz: ZoneInfo) -> datetime:
    """Attach the business zone to a naive local time."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)
