"""The buttons whose presses one side's router answers on messages the other side sends.

The one shared place for them: staff actions send customers a rating or a refund choice, the
customer's actions post staff the cards with decision buttons, the morning list carries
"contacted" buttons; the FAQ's and the flows' answers carry a button the person router answers.
Each router imports its CallbackData from here, and so does the context middleware for the
presses that belong to an answer already given (a score, "Did this help?"): they open no
conversation.
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import L10n
from bot.telegram.content import RowId
from models import Ticket, TicketStatus

REFUND_METHODS = ("card", "cash", "credit")


class PersonRequest(CallbackData, prefix="pr"):
    """A button that asks for a person, remembering why (the FAQ's and the flows' buttons)."""

    reason: str


class FaqFeedback(CallbackData, prefix="fq"):
    """The customer's answer to "Did this help?"."""

    id: str
    helped: bool


class RatingPick(CallbackData, prefix="rt5"):
    """A score for a conversation."""

    conversation: RowId
    score: int


class RefundPick(CallbackData, prefix="rf"):
    """The refund method for an approved return."""

    ticket: RowId
    method: str


def rating_keyboard(conversation_id: int) -> InlineKeyboardMarkup:
    """Five buttons, 1 to 5 stars."""
    builder = InlineKeyboardBuilder()
    for score in range(1, 6):
        builder.button(
            text="⭐" * score if score < 3 else f"{score} ⭐",
            callback_data=RatingPick(conversation=conversation_id, score=score),
        )
    builder.adjust(5)
    return builder.as_markup()


def refund_keyboard(l10n: L10n, ticket_id: int) -> InlineKeyboardMarkup:
    """Offer the ways to get the money back."""
    builder = InlineKeyboardBuilder()
    for method in REFUND_METHODS:
        builder.button(
            text=l10n(f"refund-{method}"), callback_data=RefundPick(ticket=ticket_id, method=method)
        )
    builder.adjust(1)
    return builder.as_markup()


class ReturnDecision(CallbackData, prefix="rd"):
    """Approve or reject a pending return."""

    ticket: RowId
    approve: bool


class ComplaintMove(CallbackData, prefix="cm"):
    """Move a complaint to a status."""

    ticket: RowId
    status: str


def decision_keyboard(l10n: L10n, ticket_id: int) -> InlineKeyboardMarkup:
    """Approve / Reject buttons."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=l10n("staff-approve"), callback_data=ReturnDecision(ticket=ticket_id, approve=True)
    )
    builder.button(
        text=l10n("staff-reject"), callback_data=ReturnDecision(ticket=ticket_id, approve=False)
    )
    return builder.as_markup()


def complaint_keyboard(l10n: L10n, ticket: Ticket) -> InlineKeyboardMarkup:
    """Buttons for the statuses the complaint can move to."""
    from bot.services.tickets import COMPLAINT_MOVES

    builder = InlineKeyboardBuilder()
    assert ticket.id is not None
    for status in sorted(COMPLAINT_MOVES.get(TicketStatus(ticket.status), set())):
        builder.button(
            text=l10n(f"staff-complaint-to-{status}"),
            callback_data=ComplaintMove(ticket=ticket.id, status=status),
        )
    builder.adjust(3)
    return builder.as_markup()


class CallbackDone(CallbackData, prefix="cb"):
    """A staff member has contacted a customer on the morning list."""

    conversation: RowId


class FollowUpAnswer(CallbackData, prefix="fu"):
    """The customer's answer to "is everything all right now?"."""

    ticket: RowId
    ok: bool


def follow_up_keyboard(l10n: L10n, ticket_id: int) -> InlineKeyboardMarkup:
    """All good, or still a problem."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=l10n("follow-up-ok"), callback_data=FollowUpAnswer(ticket=ticket_id, ok=True)
    )
    builder.button(
        text=l10n("follow-up-problem"), callback_data=FollowUpAnswer(ticket=ticket_id, ok=False)
    )
    return builder.as_markup()
