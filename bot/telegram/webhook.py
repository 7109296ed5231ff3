"""The webhook request handler: aiogram's, with a secret check that never fails on odd input."""

from __future__ import annotations

import secrets
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler

from bot.resilience import RETRY_SECONDS_KEY


class SecretCheckedHandler(SimpleRequestHandler):
    """Refuse (401) rather than fail (500) on a secret header with non-ASCII characters."""

    # An update whose database is unreachable is retried here only briefly, then answered 500:
    # Telegram delivers it again, and its id makes the redelivery count once.
    retry_seconds = 10.0

    def __init__(self, dispatcher: Dispatcher, bot: Bot, **kwargs: Any) -> None:
        super().__init__(dispatcher, bot, **kwargs)
        self.data.setdefault(RETRY_SECONDS_KEY, self.retry_seconds)

    def verify_secret(self, telegram_secret_token: str, bot: Bot) -> bool:
        """Compare the header with the secret in constant time, as bytes."""
        if not self.secret_token:
            return True
        given = telegram_secret_token.encode("utf-8", "surrogateescape")
        return secrets.compare_digest(given, self.secret_token.encode("utf-8"))
