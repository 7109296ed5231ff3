"""Telegram Business on the wire: customers' business messages run the private-chat journeys,
and every call to such a customer goes through the account's connection.

A customer who writes to the shop's connected account is served by the same handlers as one
who writes to the bot: their `business_message` becomes a `message` (it keeps its
`business_connection_id`), before any middleware sees it. Calls to them are routed in one
place, the session middleware `BusinessRouting`: methods that take `business_connection_id`
get it; `copyMessage` and `forwardMessage`, which do not take it (so cannot reach or read a
business chat), are sent as the logged content instead (text, photo, file...). The chat's
route is looked up in `business_chats` and cached for a few seconds.

The business chat and the bot's own chat with a customer share the customer's id; the bot
answers the one the customer wrote in last (managers always in the bot's chat).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramForbiddenError
from aiogram.methods import (
    CopyMessage,
    ForwardMessage,
    SendAnimation,
    SendAudio,
    SendContact,
    SendDocument,
    SendLocation,
    SendMessage,
    SendPhoto,
    SendSticker,
    SendVideo,
    SendVideoNote,
    SendVoice,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType
from aiogram.types import Message, Update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import transaction
from bot.services.message_log import find_message
from bot.services.shop_accounts import Route, any_connection, route
from bot.telegram.call_context import current
from models import Message as LoggedMessage

logger = logging.getLogger(__name__)

# Seconds a chat's route is trusted. Another worker that stored a disconnection, a lost right or
# the owner's personal answer is seen here at most this late; meanwhile a send still carries the
# old connection and Telegram refuses it (BUSINESS_*), which the outbox reports to staff.
ROUTE_TTL = 5.0
# can_reply covers "chats that had incoming messages in the last 24 hours" (the Bot API).
REPLY_WINDOW = timedelta(hours=24)

_MEDIA: dict[str, tuple[type[TelegramMethod[Any]], str, bool]] = {
    # content type: (method, its file field, whether it takes a caption)
    "photo": (SendPhoto, "photo", True),
    "document": (SendDocument, "document", True),
    "video": (SendVideo, "video", True),
    "voice": (SendVoice, "voice", True),
    "audio": (SendAudio, "audio", True),
    "animation": (SendAnimation, "animation", True),
    "sticker": (SendSticker, "sticker", False),
    "video_note": (SendVideoNote, "video_note", False),
}


class BusinessUnavailable(TelegramForbiddenError):
    """The customer's business connection is disabled or may not reply: nothing was sent."""


class BusinessQuiet(BusinessUnavailable):
    """The owner is answering the customer personally (or staff paused the bot): not sent."""


def talks(method: TelegramMethod[Any]) -> bool:
    """Whether a call puts a new message in the chat (edits and chat actions do not)."""
    name = type(method).__name__
    return name.startswith("Send") and name != "SendChatAction"


def from_customer(message: Message) -> bool:
    """Whether a business message was written by the customer (not the owner, not a bot)."""
    user = message.from_user
    return user is not None and user.id == message.chat.id and message.sender_business_bot is None


def as_customer_update(update: Update) -> Update:
    """A customer's business message as a private message, so the same journeys serve it."""
    if update.business_message is not None and from_customer(update.business_message):
        return Update(update_id=update.update_id, message=update.business_message).as_(update.bot)
    edited = update.edited_business_message
    if edited is not None and from_customer(edited):
        return Update(update_id=update.update_id, edited_message=edited).as_(update.bot)
    query = update.callback_query
    message = None if query is None else query.message
    if isinstance(message, Message) and message.business_connection_id is not None:
        # aiogram keys a press's FSM state by the connection, but not a message's (it reads
        # no business_connection_id there): without it both reach the customer's one state.
        # Edits of the pressed message get the connection back from BusinessRouting.
        plain = message.model_copy(update={"business_connection_id": None})
        assert query is not None
        pressed = query.model_copy(update={"message": plain})
        return Update(update_id=update.update_id, callback_query=pressed).as_(update.bot)
    return update


class BusinessRoutes:
    """Which customers' chats are business chats: read from the database, cached briefly."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        private_only: Callable[[int], bool],
        clock: Callable[[], datetime],
        quiet: Callable[[], timedelta] = lambda: timedelta(0),
        ttl: float = ROUTE_TTL,
        ticks: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clock = clock
        self.quiet = quiet  # the policy's business_quiet_minutes, read when it is needed
        self._sessions = sessions
        self._private_only = private_only  # managers: always the bot's own chat
        self._ttl = ttl
        self._ticks = ticks  # monotonic seconds, for the cache's expiry
        self._routes: dict[int, tuple[Route | None, float]] = {}
        self.known: set[str] = set()  # connections stored (bot.telegram.connections)
        self.failed: dict[str, float] = {}  # connections Telegram did not know, and when
        self._active = False
        self._active_checked = -ttl

    def mark_active(self) -> None:
        """A connection exists: look chats up from now on."""
        self._active = True

    def remember(self, chat_id: int, found: Route | None) -> None:
        """Cache what this process just wrote about a chat."""
        self._routes[chat_id] = (found, self._ticks() + self._ttl)

    def forget(self, chat_id: int | None = None) -> None:
        """Drop a chat's cached route (all of them with None)."""
        if chat_id is None:
            self._routes.clear()
        else:
            self._routes.pop(chat_id, None)

    def cached(self, chat_id: int) -> Route | None:
        """The route this process last saw, however old (no database read)."""
        entry = self._routes.get(chat_id)
        return None if entry is None else entry[0]

    async def route(self, chat_id: int) -> Route | None:
        """How to reach a private chat: through a business connection, or None (the bot's)."""
        if chat_id <= 0 or self._private_only(chat_id):
            return None
        now = self._ticks()
        if not self._active:
            if now - self._active_checked < self._ttl:
                return None
            self._active_checked = now
            self._active = await self._read(any_connection)
            if not self._active:
                return None
        entry = self._routes.get(chat_id)
        if entry is not None and entry[1] > now:
            return entry[0]
        found = await self._read(lambda session: route(session, chat_id))
        self._routes[chat_id] = (found, now + self._ttl)
        return found

    async def logged(
        self, chat_id: int, message_id: int, connection_id: str | None = None
    ) -> LoggedMessage | None:
        """A logged message, to send its content where copyMessage cannot reach."""
        return await self._read(
            lambda session: find_message(session, chat_id, message_id, connection_id)
        )

    async def _read(self, query: Callable[[AsyncSession], Any]) -> Any:
        context = current()
        session = context.session if context is not None else None
        # Inside an update's transaction, read through it (SQLite has one connection). A
        # sender's session that has not begun yet must stay unbegun until Telegram answered:
        # read in a short transaction of its own instead.
        if session is not None and session.in_transaction():
            return await query(session)
        async with transaction(self._sessions) as fresh:
            return await query(fresh)


def resend(row: LoggedMessage, method: CopyMessage | ForwardMessage) -> TelegramMethod[Any] | None:
    """A copy or forward as a send of the logged content, or None if it has none to send."""
    kind, files = row.content_type, list(row.file_ids or [])
    text = row.text
    common: dict[str, Any] = {
        "chat_id": method.chat_id,
        "message_thread_id": method.message_thread_id,
    }
    if isinstance(method, CopyMessage):
        if method.caption is not None:
            text = method.caption
        common["reply_markup"] = method.reply_markup
        common["reply_parameters"] = method.reply_parameters
    if kind == "text" and text:
        return SendMessage(**common, text=text)
    if kind in _MEDIA and files:
        send, field, captioned = _MEDIA[kind]
        extra = {"caption": text} if captioned and text else {}
        return send(**common, **{field: files[0]}, **extra)
    extra_data = row.extra or {}
    if kind == "location" and "lat" in extra_data:
        return SendLocation(**common, latitude=extra_data["lat"], longitude=extra_data["lon"])
    if kind == "contact" and extra_data.get("phone_number"):
        return SendContact(
            **common,
            phone_number=extra_data["phone_number"],
            first_name=extra_data.get("first_name") or "—",
        )
    return None


class BusinessRouting(BaseRequestMiddleware):
    """Send calls to business customers through their connection, the one place that does."""

    def __init__(self, routes: BusinessRoutes) -> None:
        self._routes = routes

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        """Rewrite the call for a business chat, or refuse it when the connection cannot."""
        return await make_request(bot, await self.routed(method))

    async def routed(self, method: TelegramMethod[Any]) -> TelegramMethod[Any]:
        """The call as it must go: with the connection's id, or a copy turned into a send."""
        routes = self._routes
        if isinstance(method, CopyMessage | ForwardMessage):
            source, target = method.from_chat_id, method.chat_id
            # A copy from a shop account's chat: the original is logged under its connection.
            from_shop = await routes.route(source) if isinstance(source, int) else None
            business = from_shop or (isinstance(target, int) and await routes.route(target))
            if business and isinstance(source, int):
                via = None if from_shop is None else from_shop.connection_id
                row = await routes.logged(source, method.message_id, via)
                sent = None if row is None else resend(row, method)
                if sent is None:
                    logger.warning("business: no logged content to send for a copy")
                    return method
                method = sent
        chat_id = getattr(method, "chat_id", None)
        if (
            not isinstance(chat_id, int)
            or "business_connection_id" not in type(method).model_fields
        ):
            return method
        if getattr(method, "business_connection_id", None) is not None:
            return method
        found = await routes.route(chat_id)
        if found is None:
            return method
        if not found.usable:
            raise BusinessUnavailable(method, "business connection is disabled or cannot reply")
        now = routes.clock()
        if now - found.last_customer_at > REPLY_WINDOW:
            raise BusinessUnavailable(method, "no message from the customer in the last 24 hours")
        if talks(method) and not _for_staff() and found.quiet(now, routes.quiet()):
            # The bot's own lines (a holding message, a follow-up, an answer to a press) must
            # not talk over the owner; the outbox posts what it would have said in the topic.
            raise BusinessQuiet(method, "the owner is answering personally or the bot is paused")
        return method.model_copy(update={"business_connection_id": found.connection_id})


def _for_staff() -> bool:
    """Whether the call being made carries a message staff caused (see CallContext)."""
    context = current()
    return context is not None and context.for_staff
