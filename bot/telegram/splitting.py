"""Split texts longer than Telegram's limit into several messages instead of failing."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType

TEXT_LIMIT = 4096


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Cut a text into pieces of at most `limit` characters, at line or word breaks if possible."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit + 1)
        if cut < limit // 2:
            cut = rest.rfind(" ", 0, limit + 1)
        if cut < limit // 2:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest or not pieces:
        pieces.append(rest)
    return [p for p in pieces if p] or [text[:limit]]


class SplitLongMessages(BaseRequestMiddleware):
    """Send an over-long sendMessage as consecutive parts; buttons go on the last part."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        """Pass short messages through; split long ones."""
        if not isinstance(method, SendMessage) or len(method.text) <= TEXT_LIMIT:
            return await make_request(bot, method)
        parts = split_text(method.text)
        result: Any = None
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            piece = method.model_copy(
                update={"text": part, "reply_markup": method.reply_markup if last else None}
            )
            result = await make_request(bot, piece)  # type: ignore[arg-type]
        return result
