"""Rate a resolved conversation 1 to 5, then perhaps comment; low scores reach the managers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.services.satisfaction import add_comment, comment_invitation, file_comment, is_low, rate
from bot.telegram.alerts import alert_managers
from bot.telegram.outbox import say_in_topic
from models import Conversation, Customer, SatisfactionRating

# The texts that invite a comment (the customer's language), found again once it is written.
INVITATIONS = ("rating-thanks", "rating-thanks-low")


@dataclass(frozen=True)
class Rated:
    """The score recorded for the conversation."""

    conversation_id: int
    score: int

    @property
    def low(self) -> bool:
        """Whether the score goes up to the managers."""
        return is_low(self.score)


@dataclass(frozen=True)
class Commented:
    """The rating the comment joined (None: nothing to join), and the invitation's message id."""

    rating: SatisfactionRating | None
    invitation: int | None


async def _own(
    session: AsyncSession, customer: Customer, conversation_id: int
) -> Conversation | None:
    conversation = await session.get(Conversation, conversation_id)
    return conversation if conversation and conversation.customer_id == customer.id else None


async def rate_conversation(
    session: AsyncSession,
    services: Services,
    customer: Customer,
    conversation_id: int,
    score: int,
    now: datetime,
) -> Rated | None:
    """Record the customer's score for their own conversation; None for a stale button."""
    conversation = await _own(session, customer, conversation_id)
    if conversation is None or conversation.id is None or not 1 <= score <= 5:
        return None
    await rate(session, conversation, score, now)
    if is_low(score):
        await alert_managers(services, session, "alert-low-rating", customer=customer, score=score)
    return Rated(conversation.id, score)


async def comment_rating(
    session: AsyncSession,
    services: Services,
    customer: Customer,
    conversation_id: int,
    text: str,
    message: tuple[int, int, str | None],
) -> Commented:
    """Attach the comment and pass it on to staff.

    `message`: its chat id, message id and shop account connection (None: the bot's chat).
    """
    conversation = await _own(session, customer, conversation_id)
    rating = None
    if conversation is not None:
        rating = await add_comment(session, conversation, text)
        chat_id, message_id, connection = message
        await file_comment(session, chat_id, message_id, conversation, connection)
    if rating is not None:
        staff_l10n = services.staff_texts()
        note = staff_l10n("staff-rating-comment", score=rating.score, comment=rating.comment or "")
        say_in_topic(session, services, customer, note)
        if is_low(rating.score):
            await alert_managers(
                services,
                session,
                "alert-rating-comment",
                customer=customer,
                score=rating.score,
                comment=rating.comment or "",
            )
    l10n = services.translations.get(customer.language)
    invitation = await comment_invitation(
        session, customer.id or 0, {l10n(key) for key in INVITATIONS}
    )
    return Commented(rating, invitation)
