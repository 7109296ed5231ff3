"""The webhook endpoint: store the update, answer 200, handle it after; 5xx if it cannot be stored.

aiogram's handler either answers only after the update was handled (a database outage then
holds the request until Telegram gives up) or, in the background mode and after its 55 s
timeout, answers 200 for an update nothing stored. Here the answer is 200 exactly when the
update is committed to the inbox (bot.inbox), and 503 when it could not be, within a few
seconds, so that Telegram delivers it again later.
"""

from __future__ import annotations

import json
import logging
import secrets

from aiogram import Bot
from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

from bot.inbox import Inbox

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram waits about a minute for an answer; a store held up longer answers 503 before that
# (the write may still finish: the redelivery then finds the row and stores nothing twice).
STORE_SECONDS = 5.0
# Telegram's update ids are positive and fit the BIGINT column.
MAX_UPDATE_ID = 2**63 - 1


class StoreFirstHandler:
    """Accept Telegram's POSTs: check the secret, parse, store, answer, then handle."""

    def __init__(self, inbox: Inbox, bot: Bot, secret_token: str | None = None) -> None:
        self._inbox = inbox
        self._bot = bot
        self._secret = secret_token

    def register(self, app: web.Application, path: str) -> None:
        """Serve POST requests on the path; close the bot's HTTP session when the app stops."""
        app.router.add_post(path, self.handle)
        app.on_shutdown.append(self._close)

    async def _close(self, _app: web.Application) -> None:
        await self._bot.session.close()

    def verify_secret(self, given: str) -> bool:
        """Compare the header with the secret in constant time, as bytes (never fail on it)."""
        if not self._secret:
            return True
        raw = given.encode("utf-8", "surrogateescape")
        return secrets.compare_digest(raw, self._secret.encode("utf-8"))

    async def handle(self, request: web.Request) -> web.Response:
        """Answer 200 once the update is stored, 400 for a body that is no update, 503 else."""
        if not self.verify_secret(request.headers.get(SECRET_HEADER, "")):
            return web.Response(status=401, text="Unauthorized")
        raw = await request.read()
        try:
            data = json.loads(raw)
            update = Update.model_validate(data, context={"bot": self._bot})
        except (ValueError, ValidationError):  # bad JSON, bad UTF-8, not an update
            return web.Response(status=400, text="the body is not a Telegram update")
        if not 0 <= update.update_id <= MAX_UPDATE_ID:
            return web.Response(status=400, text="update_id out of range")
        try:
            await self._inbox.store_one(update.update_id, raw.decode("utf-8"), STORE_SECONDS)
        except Exception:  # logged once per fault by the inbox
            return web.Response(status=503, text="the update could not be stored; retry later")
        self._inbox.feed(update)
        return web.json_response({})
