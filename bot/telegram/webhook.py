"""The webhook request handler: aiogram's, with a secret check that never fails on odd input."""

from __future__ import annotations

import secrets

from aiogram import Bot
from aiogram.webhook.aiohttp_server import SimpleRequestHandler


class SecretCheckedHandler(SimpleRequestHandler):
    """Refuse (401) rather than fail (500) on a secret header with non-ASCII characters."""

    def verify_secret(self, telegram_secret_token: str, bot: Bot) -> bool:
        """Compare the header with the secret in constant time, as bytes."""
        if not self.secret_token:
            return True
        given = telegram_secret_token.encode("utf-8", "surrogateescape")
        return secrets.compare_digest(given, self.secret_token.encode("utf-8"))
