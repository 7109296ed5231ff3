"""Texts staff see in a customer's topic."""

from __future__ import annotations

from bot.i18n import L10n
from models import Customer, Ticket


def context_card(l10n: L10n, customer: Customer, tickets: list[Ticket], reason: str) -> str:
    """Describe who the customer is and what is open, when they reach staff."""
    open_list = ", ".join(f"{t.number} ({l10n(f'ticket-status-{t.status}')})" for t in tickets)
    return l10n(
        "staff-context-card",
        name=customer.display_name,
        username=f"@{customer.username}" if customer.username else "—",
        id=str(customer.telegram_id),
        language=customer.language,
        tickets=open_list or "—",
        reason=l10n(f"handoff-reason-{reason}"),
    )
