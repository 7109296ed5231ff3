"""Record every message the bot sends, whichever handler or job sent it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import (
    CopyMessage,
    EditMessageCaption,
    EditMessageText,
    ForwardMessage,
    Response,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType
from aiogram.types import Message, MessageId
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import transaction
from bot.group_writer import GroupWriter
from bot.resilience import RetryBudget, watching
from bot.services.conversations import latest_conversation
from bot.services.customers import find_by_telegram_id, find_by_topic
from bot.services.message_log import (
    MessageContent,
    MessageRef,
    find_message,
    record_edit,
    record_message,
)
from bot.telegram.call_context import Author as Author
from bot.telegram.call_context import ChatOwner as ChatOwner
from bot.telegram.call_context import current
from bot.telegram.content import content_of
from models import AuthorKind, Direction
from models import Message as Logged

logger = logging.getLogger(__name__)

LOG_RETRY_SECONDS = 60.0  # how long sent messages wait for the database to be recorded
# At 100 answers a second, one at a time, a transaction each cost a fifth of the bot's CPU;
# waiting 20 ms gathers a few per transaction. The answers themselves are already sent.
LOG_LINGER_SECONDS = 0.02


# Queue an edit of one copy (chat, message id, its customer) to its original's current text.
EditCopy = Callable[[AsyncSession, Logged, int, int, int | None], Awaitable[None]]


class OutboundLog(BaseRequestMiddleware):
    """A request middleware that records each message the bot sends or edits.

    A copy's original edited while Telegram made the copy: the edit's handler found no copy
    to mirror the edit onto (this log had not recorded it), so the log does it. The original's
    row is locked while the copy is recorded, so the edit's handler either finds the copy or
    has committed the edit before the log reads the original.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        staff_chat_id: int | None,
        clock: Callable[[], datetime],
        own_groups: frozenset[int] = frozenset(),
        connection_of: Callable[[int], Awaitable[str | None]] | None = None,
    ) -> None:
        """`connection_of(chat)`: the shop account a customer's chat goes through, if any."""
        self._sessions = sessions
        self._connection_of = connection_of
        self._staff_chat_id = staff_chat_id
        self._own_groups = own_groups  # shop accounts' own staff groups
        self._clock = clock
        self._writer: GroupWriter[_Sent] = GroupWriter(self._store_all, LOG_LINGER_SECONDS)
        self._edit_copy: EditCopy | None = None

    def mirror_late_edits(self, edit_copy: EditCopy) -> None:
        """How to bring a copy up to date with an original edited while it was copied."""
        self._edit_copy = edit_copy

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        """Send the request, then record what it produced."""
        started = self._clock()
        # aiogram's chain hands back the decoded result here, despite the Response annotation.
        result: Any = await make_request(bot, method)
        if isinstance(result, Message | MessageId):
            try:
                await self._record(method, result, started)
            except Exception:  # a logging failure must never lose the send itself
                logger.exception("could not record outbound %s", type(method).__name__)
        return result

    async def _record(
        self, method: TelegramMethod[Any], result: Message | MessageId, started: datetime
    ) -> None:
        context = current()
        source = None
        if isinstance(method, CopyMessage) and isinstance(method.from_chat_id, int):
            # A copy of a customer's message in their chat with a shop account: that chat
            # numbers its messages apart from the bot's, so the original is found under it.
            via = None
            if self._connection_of is not None and method.from_chat_id > 0:
                via = await self._connection_of(method.from_chat_id)
            source = (method.from_chat_id, method.message_id, via)
        sent = _Sent(
            method,
            result,
            self._clock(),
            context.author if context is not None else None,
            context.owner if context is not None else None,
            started,
            source,
        )
        session = context.session if context is not None else None
        if session is not None:
            await self._store(session, sent)
            return
        # Sent outside a transaction (answers after their update's commit, jobs): written
        # together with the others sent meanwhile, one transaction for the lot.
        await self._writer.add(sent)

    async def _store_all(self, batch: list[_Sent]) -> None:
        # The messages are out already: through a brief database outage the record waits and
        # is tried again, instead of leaving the transcript without them.
        budget = RetryBudget(LOG_RETRY_SECONDS)
        while True:
            try:
                with watching() as watch:
                    async with transaction(self._sessions) as session:
                        for sent in batch:
                            await self._store(session, sent)
                return
            except Exception as exc:
                delay = budget.next_delay() if budget.covers(exc, watch) else None
                if delay is None:
                    raise
                logger.warning(
                    "outbound log: database unavailable (%s), %s messages wait %.1fs",
                    type(exc).__name__,
                    len(batch),
                    delay,
                )
                await asyncio.sleep(delay)

    async def close(self) -> None:
        """Wait until every sent message is written."""
        await self._writer.drain()

    async def _store(self, session: AsyncSession, sent: _Sent) -> None:
        method, result, now = sent.method, sent.result, sent.at
        if isinstance(method, EditMessageText | EditMessageCaption) and isinstance(result, Message):
            await record_edit(
                session,
                result.chat.id,
                result.message_id,
                content_of(result),
                now,
                result.business_connection_id,
            )
            return
        source: Logged | None = None
        connection_id = None
        if isinstance(result, Message):
            connection_id = result.business_connection_id
            chat_id, thread_id = result.chat.id, result.message_thread_id
            message_id, content = result.message_id, content_of(result)
            if sent.copy_of is not None:
                # A copy sent as its content (BusinessRouting, inside this middleware: a
                # business chat cannot take copyMessage): logged as the copy it stands for,
                # so the customer's edits of the original still reach it.
                source = await find_message(session, *sent.copy_of, for_update=True)
        elif isinstance(method, CopyMessage) and isinstance(method.chat_id, int):
            chat_id, thread_id, message_id = (
                method.chat_id,
                method.message_thread_id,
                result.message_id,
            )
            source = await _original(session, method)
            content = _copied_content(method, source)
        else:
            return
        if isinstance(method, ForwardMessage):
            content = MessageContent(
                content.content_type,
                content.text,
                content.file_ids,
                {**(content.extra or {}), "forwarded": True},
            )
        author = sent.author or Author(
            AuthorKind.SYSTEM
            if chat_id == self._staff_chat_id or chat_id in self._own_groups
            else AuthorKind.BOT
        )
        customer_id, conversation_id = await self._owner(session, sent.owner, chat_id, thread_id)
        ref = MessageRef(
            chat_id,
            message_id,
            Direction.OUT,
            author.kind,
            author.telegram_id,
            thread_id,
            connection_id,
        )
        await record_message(
            session,
            ref,
            content,
            now,
            conversation_id=conversation_id,
            customer_id=customer_id,
            relay_of=None if source is None else source.id,
        )
        if source is not None and _edited_since(source, sent.started) and self._edit_copy:
            # Perhaps Telegram copied the edited text already: then the edit changes nothing.
            await self._edit_copy(session, source, chat_id, message_id, customer_id)

    async def _owner(
        self, session: AsyncSession, known: ChatOwner | None, chat_id: int, thread_id: int | None
    ) -> tuple[int | None, int | None]:
        if known is not None and known.chat_id == chat_id:
            return known.customer_id, known.conversation_id
        if chat_id == self._staff_chat_id or chat_id in self._own_groups:
            group = None if chat_id == self._staff_chat_id else chat_id
            customer = await find_by_topic(session, thread_id, group) if thread_id else None
        else:
            customer = await find_by_telegram_id(session, chat_id)
        if customer is None or customer.id is None:
            return None, None
        conversation = await latest_conversation(session, customer.id)
        return customer.id, conversation.id if conversation else None


@dataclass(frozen=True)
class _Sent:
    """A message Telegram accepted, with who sent it and for whom, to be recorded."""

    method: TelegramMethod[Any]
    result: Message | MessageId
    at: datetime
    author: Author | None
    owner: ChatOwner | None
    # When the call went out: an original edited since may have been copied as it was.
    started: datetime
    # The original of a copy: its chat, id and the shop account's connection (None: the bot's).
    copy_of: tuple[int, int, str | None] | None = None


async def _original(session: AsyncSession, method: CopyMessage) -> Logged | None:
    """The recorded original of a copy, locked until the copy's record commits."""
    if not isinstance(method.from_chat_id, int):
        return None
    return await find_message(session, method.from_chat_id, method.message_id, for_update=True)


def _edited_since(original: Logged, moment: datetime) -> bool:
    """Whether the original was edited at or after `moment` (when the copy was asked for)."""
    return original.edited_at is not None and original.edited_at >= moment


def _copied_content(method: CopyMessage, source: Logged | None) -> MessageContent:
    """Take a copy's content from the recorded original; the API returns only its id."""
    if source is None:
        return MessageContent("copy", method.caption)
    text = method.caption if method.caption is not None else source.text
    return MessageContent(source.content_type, text, list(source.file_ids or []), source.extra)
