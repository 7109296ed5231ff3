"""Environment-variable overrides of the policy file."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.content.load_errors import ContentError
from bot.content.policy import Policy, parse_clock, parse_timezone, parse_weekly

ENV_FILE = "environment"

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _positive_int(raw: str) -> int:
    """An integer above zero."""
    if not (raw.isascii() and raw.isdigit()) or int(raw) <= 0:
        raise ValueError("must be a positive integer")
    return int(raw)


def _non_negative_int(raw: str) -> int:
    """An integer of zero or more."""
    if not (raw.isascii() and raw.isdigit()):
        raise ValueError("must be a non-negative integer")
    return int(raw)


def _amount(raw: str) -> Decimal:
    """A money amount of zero or more."""
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or value < 0:
        raise ValueError("must be a non-negative amount")
    return value


def _fraction(raw: str) -> float:
    """A number between 0 and 1."""
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise ValueError("must be a number between 0 and 1")
    return value


def _flag(raw: str) -> bool:
    """true/false, yes/no, on/off or 1/0."""
    lowered = raw.lower()
    if lowered not in _TRUE | _FALSE:
        raise ValueError("must be true or false")
    return lowered in _TRUE


def _zone(raw: str) -> str:
    """A known IANA time zone name."""
    parse_timezone(raw)
    return raw


# variable -> (policy field, with "returns." for the nested returns policy; parser)
OVERRIDES: dict[str, tuple[str, Callable[[str], Any]]] = {
    "REPLY_SLA_SECONDS": ("reply_sla_seconds", _positive_int),
    "SECOND_ALERT_SECONDS": ("second_alert_seconds", _positive_int),
    "WORKING_HOURS": ("working_hours", parse_weekly),
    "CALLBACK_DEADLINE": ("callback_deadline", parse_clock),
    "TIMEZONE": ("timezone", _zone),
    "RETURN_AUTO_APPROVE_LIMIT": ("returns.auto_approve_limit", _amount),
    "RETURN_AUTO_APPROVE_CAP": ("returns.auto_approve_cap", _non_negative_int),
    "RETURN_DECISION_HOURS": ("returns.return_decision_hours", _positive_int),
    "STAFF_FREE_TEXT": ("staff_free_text", _flag),
    "COMPLAINT_RESOLUTION_HOURS": ("complaint_resolution_hours", _positive_int),
    "FOLLOW_UP_DAYS": ("follow_up_days", _non_negative_int),
    "FAQ_THRESHOLD": ("faq_threshold", _fraction),
}


def apply_env(policy: Policy, env: Mapping[str, str]) -> Policy:
    """Return `policy` with the overrides set in `env`; empty variables count as unset."""
    top: dict[str, Any] = {}
    returns: dict[str, Any] = {}
    for name, (field, parse) in OVERRIDES.items():
        raw = env.get(name, "").strip()
        if not raw:
            continue
        try:
            value = parse(raw)
        except ValueError as exc:
            raise ContentError(ENV_FILE, name, f"{exc}, got {raw!r}") from None
        if field.startswith("returns."):
            returns[field.removeprefix("returns.")] = value
        else:
            top[field] = value
    if returns:
        top["returns"] = policy.returns.model_copy(update=returns)
    # The values are parsed above, so copying without re-validation is safe.
    return policy.model_copy(update=top) if top else policy
