"""The service promises as numbers and deadline kinds, free of any framework."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.calendar import Schedule

REPLY = "reply_sla"
REPLY_SECOND = "reply_sla_second"
CALLBACK = "callback"
COMPLAINT_RESOLUTION = "complaint_resolution"
RETURN_DECISION = "return_decision"
FOLLOW_UP = "follow_up"
MORNING_LIST = "morning_list"
DAILY_SUMMARY = "daily_summary"
DUTY_CHECK = "duty_check"
REPLY_KINDS = (REPLY, REPLY_SECOND)


@dataclass(frozen=True)
class Promises:
    """The business's timers and calendar, as the rules need them."""

    schedule: Schedule
    reply_sla_seconds: int
    second_alert_seconds: int
    complaint_resolution_hours: int
    return_decision_hours: int
    follow_up_days: int


def conversation_subject(conversation_id: int | None) -> str:
    """The deadline subject for a conversation."""
    return f"conversation:{conversation_id}"


def ticket_subject(ticket_id: int | None) -> str:
    """The deadline subject for a ticket."""
    return f"ticket:{ticket_id}"
