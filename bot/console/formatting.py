"""How the console writes times, durations, people and events for managers."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel.core import UnknownLocaleError
from babel.dates import format_datetime
from babel.numbers import (
    UnknownCurrencyError,
    format_currency,
    format_decimal,
    get_currency_symbol,
    validate_currency,
)

from models import Event

GOOD, BAD, INFO = "good", "bad", "info"
Text = Callable[..., str]


@dataclass(frozen=True)
class Reasons:
    """Why a handoff or an escalation happened, in the manager's language."""

    _: Text

    def handoff(self, reason: str) -> str:
        """Name a handoff reason; an unknown one as it is stored."""
        return self._lookup(f"console-handoff-{reason}", reason)

    def escalation(self, reason: str, reply_sla: str) -> str:
        """Name an escalation reason; an unknown one as it is stored."""
        return self._lookup(f"console-escalation-{reason}", reason, reply_sla=reply_sla)

    def _lookup(self, key: str, fallback: str, **args: Any) -> str:
        try:
            return self._(key, **args)
        except KeyError:
            return fallback


def local(moment: datetime | None, tz: ZoneInfo, pattern: str = "%d %b %Y %H:%M:%S") -> str:
    """Write a moment in the business time zone."""
    return moment.astimezone(tz).strftime(pattern) if moment is not None else "—"


def local_in(
    moment: datetime | None, tz: ZoneInfo, lang: str, pattern: str = "d MMM y, HH:mm:ss"
) -> str:
    """Write a moment in the business time zone with a CLDR pattern, in the manager's language."""
    if moment is None:
        return "—"
    return format_datetime(moment.astimezone(tz), pattern, tzinfo=tz, locale=lang)


def duration(seconds: float | None, _: Text | None = None) -> str:
    """Write a duration the way people say it: 45 s, 2 min 05 s, 3 h 10 min, 2 d 4 h."""
    if seconds is None:
        return "—"
    s, m, h, d = (
        (_("console-abbr-s"), _("console-abbr-min"), _("console-abbr-h"), _("console-abbr-d"))
        if _ is not None
        else ("s", "min", "h", "d")
    )
    total = round(seconds)
    if total < 60:
        return f"{total} {s}"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes} {m} {secs:02d} {s}"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} {h} {minutes:02d} {m}"
    days, hours = divmod(hours, 24)
    return f"{days} {d} {hours} {h}"


def money(amount: Decimal | None, currency: str | None, lang: str) -> str:
    """A sum as people of the page's language write it ("5 000,00 ₽", "€12.50"), or a dash."""
    if amount is None:
        return "—"
    try:
        code = currency or ""
        validate_currency(code)
        # A currency with no symbol of its own in the language ("RUB" in English) goes after
        # the number, spaced, as a code reads best; one with a symbol follows the locale.
        pattern = "#,##0.00\u00a0¤" if get_currency_symbol(code, lang) == code else None
        return format_currency(amount, code, format=pattern, locale=lang)
    except (UnknownCurrencyError, UnknownLocaleError):  # shown as stored, the number localised
        return f"{format_decimal(amount, locale=lang)} {currency or ''}".rstrip()


def percent(value: float | None) -> str:
    """Write a share in percent, or a dash when there was nothing to count."""
    return "—" if value is None else f"{value:.0f}%"


def _data(event: Event, key: str) -> Any:
    return (event.data or {}).get(key)


def _when(value: Any, tz: ZoneInfo, lang: str) -> str:
    try:
        return local_in(datetime.fromisoformat(str(value)), tz, lang, "d MMM, HH:mm")
    except ValueError:
        return str(value)


@functools.cache
def english() -> Text:
    """The console's English texts, for what has no manager's language (the /log file)."""
    from bot.i18n import Translations  # the console's texts, loaded once for plain-text logs

    return Translations().get("en")


def event_text(
    event: Event,
    tz: ZoneInfo,
    names: dict[int, str],
    tickets: dict[int, str],
    _: Text | None = None,
    lang: str = "en",
    reply_sla: str = "",
) -> tuple[str, str]:
    """Describe an event in a sentence, with a tone (good, bad or info) for its colour."""
    _ = _ or english()
    reasons = Reasons(_)
    who = names.get(event.actor_telegram_id or 0) or (
        str(event.actor_telegram_id) if event.actor_telegram_id else event.actor_kind
    )
    number = tickets.get(event.ticket_id or 0) or _("console-ev-the-ticket")
    kind, reason = event.kind, event.reason or ""
    if kind == "handoff":
        return _("console-ev-handoff", reason=reasons.handoff(reason)), INFO
    if kind == "escalated":
        note = _data(event, "note")
        text = _("console-ev-escalated", reason=reasons.escalation(reason, reply_sla))
        return (f"{text} — “{note}”" if note else text), BAD
    if kind == "reply_clock_stopped":
        waited = duration(_data(event, "waited_seconds"), _)
        if _data(event, "breached"):
            return _("console-ev-answered-late", who=who, time=waited), BAD
        return _("console-ev-answered", who=who, time=waited), GOOD
    if kind == "callback_done":
        on_time = _data(event, "on_time")
        key = "console-ev-called-back" if on_time else "console-ev-called-back-late"
        return _(key, who=who), GOOD if on_time else BAD
    if kind == "return_decided":
        status = str(_data(event, "status") or "decided")
        by = _("console-ev-automatically") if reason == "auto" else _("console-ev-by", who=who)
        shown = _lookup(_, f"console-status-{status}", status)
        text = _("console-ev-return-decided", number=number, status=shown, by=by)
        return text, GOOD if status == "approved" else BAD
    if kind == "ticket_status":
        before, after = str(_data(event, "from")), str(_data(event, "to"))
        text = _(
            "console-ev-ticket-status",
            number=number,
            before=_lookup(_, f"console-status-{before}", before),
            after=_lookup(_, f"console-status-{after}", after),
            who=who,
        )
        return text, INFO
    if kind == "rating":
        score = int(_data(event, "score") or 0)
        tone = GOOD if score >= 4 else BAD if score <= 2 else INFO
        return _("console-ev-rated", score=score), tone
    if kind == "faq_answered":
        score = _data(event, "score")
        shown = f" ({float(score):.2f})" if isinstance(score, int | float) else ""
        return _("console-ev-faq", entry=str(_data(event, "entry") or "?")) + shown, INFO
    if kind == "blocked":
        note = _data(event, "note")
        text = _("console-ev-blocked", who=who)
        return (f"{text} — “{note}”" if note else text), BAD
    if kind == "abusive":
        text = _("console-ev-abusive")
        return (f"{text}: {reason}" if reason else text), BAD
    simple = {
        "faq_helpful": (lambda: _("console-ev-faq-helpful"), GOOD),
        "faq_unhelpful": (lambda: _("console-ev-faq-unhelpful"), BAD),
        "resolved": (lambda: _("console-ev-resolved", who=who), GOOD),
        "reopened": (lambda: _("console-ev-reopened", who=who), INFO),
        "reply_breach": (
            lambda: _(
                "console-ev-reply-breach",
                reply_sla=reply_sla,
                since=_when(_data(event, "waiting_since"), tz, lang),
            ),
            BAD,
        ),
        "reply_breach_second": (lambda: _("console-ev-reply-breach-second"), BAD),
        "callback_promised": (
            lambda: _("console-ev-callback-promised", due=_when(_data(event, "due_at"), tz, lang)),
            INFO,
        ),
        "callback_breach": (lambda: _("console-ev-callback-breach"), BAD),
        "return_opened": (
            lambda: _(
                "console-ev-return-opened",
                number=number,
                amount=str(_data(event, "amount") or "?"),
            ),
            INFO,
        ),
        "refund_method": (
            lambda: _(
                "console-ev-refund-method",
                number=number,
                method=_lookup(
                    _,
                    f"console-refund-{_data(event, 'method')}",
                    str(_data(event, "method")),
                ),
            ),
            INFO,
        ),
        "complaint_opened": (lambda: _("console-ev-complaint-opened", number=number), INFO),
        "follow_up_sent": (lambda: _("console-ev-follow-up-sent", number=number), INFO),
        "follow_up_ok": (lambda: _("console-ev-follow-up-ok", number=number), GOOD),
        "follow_up_problem": (lambda: _("console-ev-follow-up-problem", number=number), BAD),
        "unblocked": (lambda: _("console-ev-unblocked", who=who), INFO),
    }
    found = simple.get(kind)
    if found is None:
        return kind.replace("_", " ").capitalize(), INFO
    make, tone = found
    return make(), tone


def _lookup(_: Text, key: str, fallback: str) -> str:
    try:
        return _(key)
    except KeyError:
        return fallback
