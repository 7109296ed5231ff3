"""How the console writes times, durations, people and events for managers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from models import Event

HANDOFF_REASONS = {
    "person": "the customer asked for a person",
    "faq_miss": "no confident FAQ answer",
    "faq_unhelpful": "the FAQ answer didn't help",
    "flow": "a scripted flow ended with a person",
    "callback": "the customer asked for a callback",
    "complaint": "a new complaint",
    "return": "a return needs a decision",
    "unhandled": "the bot could not handle the message",
    "customer": "the customer wrote while with staff",
}
ESCALATION_REASONS = {
    "staff": "staff asked",
    "faq_unhelpful": "the FAQ answer didn't help",
    "complaint_overdue": "complaint not resolved in time",
    "return_overdue": "return not decided in time",
    "low_rating": "low satisfaction rating",
    "insult": "insults",
    "reply_breach": "3-minute reply promise broken",
    "callback_missed": "morning callback missed",
    "follow_up_problem": "follow-up found a problem",
}
GOOD, BAD, INFO = "good", "bad", "info"
Text = Callable[..., str]


@dataclass(frozen=True)
class Reasons:
    """Why a handoff or an escalation happened, in the manager's language."""

    _: Text

    def handoff(self, reason: str) -> str:
        """Name a handoff reason; an unknown one as it is stored."""
        return self._lookup(f"console-handoff-{reason}", reason)

    def escalation(self, reason: str, sla_minutes: int) -> str:
        """Name an escalation reason; an unknown one as it is stored."""
        return self._lookup(f"console-escalation-{reason}", reason, minutes=sla_minutes)

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


def percent(value: float | None) -> str:
    """Write a share in percent, or a dash when there was nothing to count."""
    return "—" if value is None else f"{value:.0f}%"


def _data(event: Event, key: str) -> Any:
    return (event.data or {}).get(key)


def _when(value: Any, tz: ZoneInfo) -> str:
    try:
        return local(datetime.fromisoformat(str(value)), tz, "%d %b %H:%M")
    except ValueError:
        return str(value)


def event_text(
    event: Event, tz: ZoneInfo, names: dict[int, str], tickets: dict[int, str]
) -> tuple[str, str]:
    """Describe an event in a sentence, with a tone (good, bad or info) for its colour."""
    who = names.get(event.actor_telegram_id or 0) or (
        str(event.actor_telegram_id) if event.actor_telegram_id else event.actor_kind
    )
    number = tickets.get(event.ticket_id or 0, "the ticket")
    kind, reason = event.kind, event.reason or ""
    if kind == "handoff":
        return f"Handed to a person: {HANDOFF_REASONS.get(reason, reason)}", INFO
    if kind == "escalated":
        note = _data(event, "note")
        text = f"Escalated to managers: {ESCALATION_REASONS.get(reason, reason)}"
        return (f"{text} — “{note}”" if note else text), BAD
    if kind == "reply_clock_stopped":
        late = " — late" if _data(event, "breached") else ""
        return f"{who} answered after {duration(_data(event, 'waited_seconds'))}{late}", (
            BAD if late else GOOD
        )
    if kind == "callback_done":
        on_time = _data(event, "on_time")
        return f"Called back by {who} ({'on time' if on_time else 'late'})", (
            GOOD if on_time else BAD
        )
    if kind == "return_decided":
        status = _data(event, "status") or "decided"
        by = "automatically" if reason == "auto" else f"by {who}"
        return f"Return {number} {status} {by}", GOOD if status == "approved" else BAD
    if kind == "ticket_status":
        return f"{number}: {_data(event, 'from')} → {_data(event, 'to')} by {who}", INFO
    if kind == "rating":
        score = int(_data(event, "score") or 0)
        return f"Rated {score}/5", GOOD if score >= 4 else BAD if score <= 2 else INFO
    if kind == "faq_answered":
        score = _data(event, "score")
        shown = f" (score {float(score):.2f})" if isinstance(score, int | float) else ""
        return f"FAQ answered: {_data(event, 'entry') or '?'}{shown}", INFO
    if kind == "blocked":
        note = _data(event, "note")
        text = f"Customer blocked by {who}"
        return (f"{text} — “{note}”" if note else text), BAD
    simple = {
        "faq_helpful": ("The customer found the FAQ answer helpful", GOOD),
        "faq_unhelpful": ("The customer said the FAQ answer did not help", BAD),
        "resolved": (f"Resolved by {who}", GOOD),
        "reopened": (f"Reopened by {who}", INFO),
        "reply_breach": (
            f"3-minute reply promise broken (waiting since "
            f"{_when(_data(event, 'waiting_since'), tz)})",
            BAD,
        ),
        "reply_breach_second": ("Still no reply: second alert to managers", BAD),
        "callback_promised": (
            f"Callback promised by {_when(_data(event, 'due_at'), tz)}",
            INFO,
        ),
        "callback_breach": ("Callback promise broken: not contacted in time", BAD),
        "return_opened": (f"Return {number} opened ({_data(event, 'amount') or '?'})", INFO),
        "refund_method": (f"Refund method for {number}: {_data(event, 'method')}", INFO),
        "complaint_opened": (f"Complaint {number} opened", INFO),
        "follow_up_sent": (f"Follow-up sent for {number}", INFO),
        "follow_up_ok": (f"Follow-up on {number}: all good", GOOD),
        "follow_up_problem": (f"Follow-up on {number}: still a problem", BAD),
        "abusive": (f"Marked abusive{': ' + reason if reason else ''}", BAD),
        "unblocked": (f"Customer unblocked by {who}", INFO),
    }
    return simple.get(kind, (kind.replace("_", " ").capitalize(), INFO))
