"""Dates and times as customers read them, in their language and the shop's time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.units import format_unit

from bot.content.policy import Policy

# "By" governs the genitive in Russian ("не позднее понедельника, 7 декабря"). CLDR has the
# genitive month names (Babel's "d MMMM" gives "7 декабря") but only nominative weekdays,
# so the weekday is taken from here, Monday first, for languages that inflect it.
_WEEKDAY_AFTER_BY = {
    "ru": (
        "понедельника",
        "вторника",
        "среды",
        "четверга",
        "пятницы",
        "субботы",
        "воскресенья",
    ),
}


def promise_time(moment: datetime, tz: ZoneInfo, language: str) -> str:
    """Say by when: "Monday 7 December, 11:00", "понедельника, 7 декабря, 11:00"."""
    local = moment.astimezone(tz)
    weekdays = _WEEKDAY_AFTER_BY.get(language)
    if weekdays is None:
        return format_datetime(local, "EEEE d MMMM, HH:mm", tzinfo=tz, locale=language)
    rest = format_datetime(local, "d MMMM, HH:mm", tzinfo=tz, locale=language)
    return f"{weekdays[local.weekday()]}, {rest}"


def span(seconds: int, language: str) -> str:
    """A period as people say it, in the largest unit that keeps it exact: "3 minutes"."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            return format_unit(seconds // size, f"duration-{unit}", length="long", locale=language)
    return format_unit(seconds, "duration-second", length="long", locale=language)


def policy_words(policy: Policy, language: str) -> dict[str, str]:
    """The policy's promises as every text may name them: { $reply_sla }, { $callback_deadline }…

    Texts take them from here, never as literals, so changing REPLY_SLA_SECONDS or
    CALLBACK_DEADLINE changes every alert, summary and answer that mentions them.
    """
    returns = policy.returns
    return {
        "reply_sla": span(policy.reply_sla_seconds, language),
        "second_alert": span(policy.second_alert_seconds, language),
        "callback_deadline": policy.callback_deadline.strftime("%H:%M"),
        "return_limit": f"{returns.auto_approve_limit:g} {policy.currency_symbol}",
        "return_decision": span(returns.return_decision_hours * 3600, language),
    }
