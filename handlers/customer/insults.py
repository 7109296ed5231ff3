"""Insults end the conversation politely; later messages are kept, not relayed."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters import Filter
from aiogram.types import Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.container import Services
from bot.usecases.close_abusive import close_abusive, keep_after_close
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
    services: Services,
    session: AsyncSession,
    customer: Customer,
    conversation: Conversation,
) -> None:
    """End the conversation once, politely; staff see what was said, marked as not relayed."""
    words = message.text or message.caption or f"[{message.content_type}]"
    if insult is None:
        # Already closed as abusive: the customer hears nothing more, staff see a marked copy.
        keep_after_close(session, services, customer, words)
        return
    card = services.staff_texts()("staff-abusive-closed", matched=insult, text=words)
    await close_abusive(
        session,
        services,
        customer,
        conversation,
        services.clock(),
        actor_kind=AuthorKind.BOT,
        actor_id=None,
        matched=insult,
        card=card,
    )
