"""Answer a customer's free text: small talk in a word, the FAQ when sure, a person otherwise."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.services.events import log_event
from bot.services.faq_learning import ANSWERED, MAX_TEXT, UNANSWERED
from bot.services.handoff import Waiting
from bot.usecases.hand_off import hand_off
from models import AuthorKind, Conversation, Customer

Outcome = Literal["small_talk", "person", "faq", "off_topic", "not_sure"]


@dataclass(frozen=True)
class Answer:
    """What became of the text: `reply` to say (small talk, the FAQ's answer), or a handoff."""

    outcome: Outcome
    reply: str | None = None
    entry_id: str | None = None
    waiting: Waiting | None = None


async def answer_question(
    session: AsyncSession,
    services: Services,
    customer: Customer,
    conversation: Conversation,
    text: str,
    message: tuple[int, int],
    now: datetime,
) -> Answer:
    """Classify the text, match it against the FAQ, and hand it to staff when unsure.

    `message` (chat id, message id) is copied to staff when the FAQ is not sure; questions
    answered and unanswered are logged for the console's Unanswered page.
    """
    talk = services.smalltalk.classify(text)
    if talk is not None:
        if talk.wants_person:
            waiting = await hand_off(session, services, customer, conversation, now, "person")
            return Answer("person", waiting=waiting)
        reply = talk.intent.reply.get(customer.language) if talk.intent.reply is not None else None
        return Answer("small_talk", reply=reply)
    match = await services.faq.match(text, customer.language)
    entry = services.content.faq_entry(match.entry_id) if match and match.confident else None
    if match is None or entry is None:
        await log_event(
            session,
            UNANSWERED,
            now,
            conversation_id=conversation.id,
            customer_id=customer.id,
            actor_kind=AuthorKind.BOT,
            data={
                "text": text[:MAX_TEXT],
                "best": match.entry_id if match else None,
                "score": round(match.score, 3) if match else 0.0,
            },
        )
        if services.faq.off_topic(text, match):
            return Answer("off_topic")  # nothing the shop's FAQ is about: the customer chooses
        waiting = await hand_off(
            session, services, customer, conversation, now, "faq_miss", copy=message
        )
        return Answer("not_sure", waiting=waiting)
    await log_event(
        session,
        ANSWERED,
        now,
        conversation_id=conversation.id,
        customer_id=customer.id,
        actor_kind=AuthorKind.BOT,
        data={"entry": entry.id, "score": round(match.score, 3), "text": text[:MAX_TEXT]},
    )
    return Answer("faq", reply=entry.answer.get(customer.language), entry_id=entry.id)
