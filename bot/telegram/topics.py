"""The customer's forum topic in the staff chat: created on first need, then reused.

Messages for a topic are queued in the outbox (bot/telegram/outbox.py); its sender
(bot/telegram/sender.py) finds or creates the topic when it sends them.
"""

from __future__ import annotations

from models import Customer

TOPIC_NAME_LIMIT = 128


def topic_name(customer: Customer, account: str | None = None) -> str:
    """Name a topic with the customer's name, the shop account they write to, and their id."""
    suffix = f" · {customer.telegram_id}"
    if account:
        suffix = f" · 💼 {account[:48]}" + suffix
    return customer.display_name[: TOPIC_NAME_LIMIT - len(suffix)] + suffix


def topic_link(staff_chat_id: int, topic_id: int) -> str:
    """Link to a topic, for alerts that send managers to the conversation."""
    internal = str(staff_chat_id).removeprefix("-100")
    return f"https://t.me/c/{internal}/{topic_id}"
