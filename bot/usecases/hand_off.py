"""Hand a customer to a person: queue the conversation for staff, brief them in the topic."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.services.handoff import Waiting, hand_to_person
from bot.services.outbox_rows import has_pending, topic_lane
from bot.services.tickets import open_tickets
from bot.telegram.cards import context_card
from bot.telegram.dates import promise_time
from bot.telegram.outbox import copy_in_topic, say_in_topic
from models import Conversation, Customer


async def hand_off(
    session: AsyncSession,
    services: Services,
    customer: Customer,
    conversation: Conversation,
    now: datetime,
    reason: str,
    detail: str | None = None,
    copy: tuple[int, int] | None = None,
) -> Waiting:
    """Queue the conversation for staff; what the customer is promised.

    Staff get the context card when the handoff starts (`detail` and the callback time added),
    then `copy`, the customer's message as (chat id, message id), if given.
    """
    waiting = await hand_to_person(session, conversation, now, reason, services.promises)
    assert customer.id is not None
    briefed = not waiting.started and (
        customer.topic_id is not None or await has_pending(session, topic_lane(customer.id))
    )
    if not briefed:
        staff_l10n = services.staff_texts()
        card = context_card(staff_l10n, customer, await open_tickets(session, customer.id), reason)
        if detail:
            card += "\n" + staff_l10n("staff-context-detail", detail=detail)
        if waiting.callback_due is not None:
            tz = services.promises.schedule.tz
            due = promise_time(waiting.callback_due, tz, staff_l10n.language)
            card += "\n" + staff_l10n("staff-context-callback", due=due)
        say_in_topic(session, services, customer, card)
    if copy is not None:
        copy_in_topic(session, services, customer, *copy)
    return waiting
