"""String enumerations stored as plain strings in the database."""

from __future__ import annotations

from enum import StrEnum


class Language(StrEnum):
    """Languages the bot speaks."""

    EN = "en"
    RU = "ru"


class ConversationStatus(StrEnum):
    """Where a conversation stands."""

    WITH_BOT = "with_bot"
    WAITING_STAFF = "waiting_staff"
    ANSWERED = "answered"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Direction(StrEnum):
    """Which way a message went."""

    IN = "in"
    OUT = "out"


class AuthorKind(StrEnum):
    """Who wrote a message or did an action."""

    CUSTOMER = "customer"
    BOT = "bot"
    STAFF = "staff"
    NOTE = "note"
    MANAGER = "manager"
    SYSTEM = "system"


class TicketKind(StrEnum):
    """Kinds of ticket a customer can open."""

    RETURN = "return"
    COMPLAINT = "complaint"


class TicketStatus(StrEnum):
    """Statuses of returns and complaints."""

    NEW = "new"
    PENDING = "pending"
    APPROVED = "approved"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    REJECTED = "rejected"


class DeadlineStatus(StrEnum):
    """Life of a deadline row."""

    PENDING = "pending"
    FIRED = "fired"
    CANCELLED = "cancelled"
    FAILED = "failed"


class StaffRole(StrEnum):
    """Roles of people behind the bot."""

    STAFF = "staff"
    MANAGER = "manager"


class OutboxStatus(StrEnum):
    """Life of a queued message to staff or managers."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
