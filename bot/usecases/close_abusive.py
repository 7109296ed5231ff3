"""Close a conversation as abusive: a polite goodbye, the staff card, the managers alerted."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.services.abuse import end_abusive
from bot.telegram import receipts
from bot.telegram.alerts import alert_managers
from bot.telegram.outbox import say_in_topic, say_to_customer
from models import Conversation, Customer


async def close_abusive(
    session: AsyncSession,
    services: Services,
    customer: Customer,
    conversation: Conversation,
    now: datetime,
    *,
    actor_kind: str,
    actor_id: int | None,
    matched: str | None,
    card: str | None = None,
) -> bool:
    """End the conversation once; whether this call ended it.

    `card` is posted in the customer's topic; the managers' alert then follows it, so its link
    points at the topic that posting may have created.
    """
    assert customer.id is not None
    closed = await end_abusive(
        session, conversation, now, actor_kind=actor_kind, actor_id=actor_id, matched=matched
    )
    if closed:
        goodbye = services.translations.get(customer.language)("insult-goodbye")
        say_to_customer(session, services, customer, goodbye)
    if card is None:
        if closed:
            await alert_managers(services, session, "alert-insult", customer=customer)
        return closed
    alert = [receipts.alert(customer.id, "alert-insult")] if closed else []
    say_in_topic(session, services, customer, card, receipts.receipt(sent=alert))
    return closed


def keep_after_close(
    session: AsyncSession, services: Services, customer: Customer, text: str
) -> None:
    """A message in a conversation closed as abusive: staff see it marked, the customer nothing."""
    note = services.staff_texts()("staff-abusive-later", text=text)
    say_in_topic(session, services, customer, note)
