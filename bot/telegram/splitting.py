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

TEXT_LIMIT = 4096  # Telegram counts UTF-16 code units: an emoji outside the BMP counts twice


def utf16_len(text: str) -> int:
    """The length of a text as Telegram measures it."""
    return len(text.encode("utf-16-le")) // 2


def _fitting(text: str, limit: int) -> int:
    """How many characters from the start of `text` fit in `limit` UTF-16 code units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def fit(text: str, limit: int) -> str:
    """The longest start of a text that fits in `limit` UTF-16 code units."""
    return text[: _fitting(text, limit)]


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Cut a text into pieces Telegram accepts (`limit` UTF-16 units), at line or word breaks."""
    pieces: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        end = _fitting(rest, limit)
        cut = rest.rfind("\n", 0, end + 1)
        if cut < end // 2:
            cut = rest.rfind(" ", 0, end + 1)
        if cut < end // 2:
            cut = end
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest or not pieces:
        pieces.append(rest)
    return [p for p in pieces if p] or [fit(text, limit)]


class SplitLongMessages(BaseRequestMiddleware):
    """Send an over-long sendMessage as consecutive parts; buttons go on the last part."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        """Pass short messages through; split long ones."""
        if not isinstance(method, SendMessage) or utf16_len(method.text) <= TEXT_LIMIT:
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
