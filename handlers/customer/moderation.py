"""Insults end the conversation politely; later messages are kept, not relayed."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, Router
from aiogram.filters import Filter
from aiogram.types import Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from handlers.staff.moderation import close_abusive
from handlers.staff.topic import TopicContext
from models import AuthorKind, Conversation, Customer

router = Router(name=__name__)


class Abusive(Filter):
    """Pass messages that insult staff or the company, or that arrive in an abusive conversation."""

    async def __call__(
        self, message: Message, services: Services, **data: Any
    ) -> bool | dict[str, Any]:
        """Run the moderator over the text or caption."""
        conversation: Conversation | None = data.get("conversation")
        if conversation is None:
            return False
        if conversation.abusive:
            return {"insult": None}
        text = message.text or message.caption
        if not text:
            return False
        verdict = services.moderator.check(text)
        return (
            {"insult": verdict.matched or verdict.category or "insult"}
            if verdict.is_insult
            else False
        )


@router.message(Abusive())
async def insulting(
    message: Message,
    insult: str | None,
    bot: Bot,
    services: Services,
    session: AsyncSession,
    customer: Customer,
    conversation: Conversation,
) -> None:
    """End the conversation once, politely; later messages are only stored."""
    if insult is None:
        return  # already closed as abusive: the log keeps it, nobody is bothered
    if customer.topic_id is None:
        from bot.telegram.topics import ensure_topic

        await ensure_topic(bot, services, session, customer, conversation)
    await close_abusive(
        bot, services, session, TopicContext(customer, conversation), AuthorKind.BOT, None, insult
    )
