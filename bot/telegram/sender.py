"""Send the queued outbox messages after commit, lane by lane, and settle their receipts."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from asyncio import FIRST_COMPLETED
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import aiogram.methods
from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.types import Message, MessageId, ReplyParameters
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import is_embedded, transaction
from bot.resilience import forget_scope, is_transient, replay_scope
from bot.services import outbox_rows as outbox
from bot.services.conversations import latest_conversation
from bot.services.customers import find_by_telegram_id
from bot.services.shop_accounts import route as business_route
from bot.services.shop_accounts import staff_group
from bot.telegram import receipts
from bot.telegram.business_routing import BusinessQuiet, BusinessUnavailable
from bot.telegram.call_context import CallContext, making_calls
from bot.telegram.outbox import queue_in_topic
from bot.telegram.topics import topic_name
from models import Customer, OutboxMessage, OutboxStatus

if TYPE_CHECKING:
    from bot.container import Services

logger = logging.getLogger(__name__)

KEEP_SENT = timedelta(days=7)
SKIPPED = -1  # _send's answer when another process holds the message
JOIN_LIMIT = 20  # plain texts to one chat sent together at most
LANE_BURST = 50  # messages one lane sends in a row before the next round


class Outbox:
    """Sends queued messages: woken after each commit that queued one, and every few seconds."""

    def __init__(self, services: Services, concurrency: int = 8) -> None:
        self._services = services
        self._bot: Bot | None = None
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._concurrency = concurrency
        self._tasks: set[asyncio.Task[int]] = set()
        self._draining: asyncio.Task[Any] | None = None
        # On PostgreSQL several processes send: each locks the head of a lane while sending.
        self._locking = not is_embedded(services.settings.storage.database_url)

    @property
    def locks_while_sending(self) -> bool:
        """Whether the head of a lane stays locked during its call (PostgreSQL, many senders)."""
        return self._locking

    def attach(self, bot: Bot) -> None:
        """Send through this bot from now on."""
        self._bot = bot

    def after_commit(self, _session: Any) -> None:
        """Session hook: a transaction that queued messages committed; send them soon."""
        if self._bot is None:
            return
        if self._lock.locked():
            self._wake.set()  # the running drain looks for new lanes at once
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        # A fresh context: the committing update's own (its held answers, its replay scope,
        # its customer) must not leak into sends made for every lane.
        task = loop.create_task(self.drain(), context=contextvars.Context())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self, timeout: float = 5) -> None:
        """Let a send in progress finish; what is still queued waits for the next start."""
        self._bot = None  # no new drains; a running one stops after its batch
        running = set(self._tasks) | ({self._draining} if self._draining else set())
        if not running:
            return
        _, late = await asyncio.wait(running, timeout=timeout)
        # Still waiting (e.g. on the flood limiter): stop it, or it would send after the bot
        # closed its session. Its message stays pending and goes out at the next start.
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)

    async def drain(self) -> int:
        """Send everything due, lane by lane in order; return how many were sent."""
        bot = self._bot
        if bot is None:
            return 0
        if self._lock.locked():
            self._wake.set()
            return 0
        async with self._lock:
            self._draining = asyncio.current_task()
            try:
                return await self._drain(bot)
            except Exception as exc:
                if not is_transient(exc):
                    raise
                # Everything stays queued; the poll drains it once the database is back.
                logger.warning("outbox paused, database unavailable: %s", type(exc).__name__)
                return 0
            finally:
                self._draining = None

    async def _drain(self, bot: Bot) -> int:
        """Run one task per busy lane; start new lanes as soon as they have something due."""
        sent = 0
        running: dict[str, asyncio.Task[int]] = {}
        held: set[str] = set()  # lanes another process is sending
        # A group sends one message at a time: Telegram paces a group at 20 messages a minute
        # anyway, and a kill then catches at most one copy per group between Telegram's answer
        # and the commit of "sent" (docs/reliability.md). Private chats share a few slots, and
        # never wait behind a group.
        groups: dict[int, asyncio.Semaphore] = {}
        chats = asyncio.Semaphore(self._concurrency)
        try:
            while self._bot is not None:  # closing stops starting lanes
                self._wake.clear()
                for row, topic in await self._heads(running.keys() | held):
                    gate = chats
                    if row.chat_id < 0:
                        gate = groups.setdefault(row.chat_id, asyncio.Semaphore(1))
                    running[row.lane] = asyncio.create_task(self._guarded(gate, bot, row, topic))
                if not running:
                    if self._wake.is_set():
                        continue
                    return sent
                waker = asyncio.ensure_future(self._wake.wait())
                await asyncio.wait({*running.values(), waker}, return_when=FIRST_COMPLETED)
                waker.cancel()
                for lane, task in list(running.items()):
                    if task.done():
                        del running[lane]
                        result = task.result()  # the database went away: raises, rows stay
                        if result == SKIPPED:
                            held.add(lane)
                        elif result > 0:
                            sent += result
            return sent
        finally:
            # Let the other lanes finish their call: one cancelled after Telegram took the
            # message but before its result was kept for a replay would be sent twice.
            # (gather cancels them only if this drain itself is cancelled, at shutdown.)
            await asyncio.gather(*running.values(), return_exceptions=True)

    @property
    def sending(self) -> bool:
        """Whether a drain is running or about to run."""
        return self._lock.locked() or bool(self._tasks)

    async def backlog(self) -> int:
        """How many messages wait to be sent."""
        async with transaction(self._services.sessions) as session:
            return await outbox.backlog(session)

    async def forget_sent(self) -> int:
        """Delete sent messages after a week."""
        services = self._services
        async with transaction(services.sessions) as session:
            return await outbox.forget_sent(session, services.clock(), KEEP_SENT)

    async def _heads(self, busy: set[str]) -> list[tuple[OutboxMessage, int | None]]:
        """Due heads of lanes not busy, each with its customer's topic if they have one."""
        async with transaction(self._services.sessions) as session:
            heads = await outbox.due_heads(session, self._services.clock(), 100, busy)
            wanted = {h.customer_id for h in heads if h.customer_id is not None}
            topics = await outbox.topics_of(session, wanted)
        return [(h, topics.get(h.customer_id) if h.customer_id else None) for h in heads]

    async def _guarded(
        self, gate: asyncio.Semaphore, bot: Bot, head: OutboxMessage, topic: int | None
    ) -> int:
        async with gate:
            sent = 0
            # A lane keeps going while it has due messages, so one busy chat does not wait
            # for a new round (and every other lane) after each message.
            for _ in range(LANE_BURST):
                try:
                    result = await self._send(bot, head, topic)
                except Exception as exc:  # one bad message must not stop the others
                    if is_transient(exc):
                        raise
                    logger.exception("outbox message %s could not be handled", head.id)
                    await self._postpone(head, f"{type(exc).__name__}: {exc}")
                    return sent
                if result <= 0:
                    return sent or result
                sent += result
                following = await self._next(head.lane)
                if following is None:
                    break
                head = following
            return sent

    async def _next(self, lane: str) -> OutboxMessage | None:
        async with transaction(self._services.sessions) as session:
            return await outbox.next_in_lane(session, lane, self._services.clock())

    async def _postpone(self, head: OutboxMessage, error: str) -> None:
        """Back off a message whose handling failed, so it is not retried in a tight loop."""
        services = self._services
        with contextlib.suppress(Exception):  # the database itself may be what failed
            async with transaction(services.sessions) as session:
                row = await session.get(OutboxMessage, head.id)
                if row is not None and row.status == OutboxStatus.PENDING:
                    outbox.mark_retry(row, services.clock(), error)

    async def _send(self, bot: Bot, head: OutboxMessage, topic: int | None) -> int:
        services = self._services
        assert head.id is not None
        # Per sender (its process and database): row ids restart in another database.
        scope = ("outbox", id(self), head.id)
        async with transaction(services.sessions) as session:
            row: OutboxMessage | None = head
            if self._locking:
                row = await outbox.lock_pending(session, head.id)
                if row is None:
                    return SKIPPED  # another process is sending it, or has sent it
            assert row is not None
            joined = await self._joined(session, row)
            text = "\n\n".join(r.payload["text"] for r in [row, *joined]) if joined else None
            # No statement has run in this session on SQLite yet, so its write lock is taken
            # only after Telegram answered: the outbound log and the mark commit together.
            # If the mark below cannot commit (the database went away), the next drain sends
            # this row again: within this process, Telegram then gets the call only once.
            with replay_scope(scope):
                outcome = await self._attempt(bot, session, row, topic, text)
            if not self._locking:
                row = await session.get(OutboxMessage, head.id)
                joined = [r for r in [await session.get(OutboxMessage, j.id) for j in joined] if r]
                if row is None:
                    return 0
            settled = await self._settle(session, row, outcome, joined)
        forget_scope(scope)  # committed: nothing left to replay
        return settled

    async def _joined(self, session: AsyncSession, row: OutboxMessage) -> list[OutboxMessage]:
        """Plain texts queued behind a plain-text head of a chat lane, sent in one message."""
        if row.customer_id is not None or not outbox.joinable(row):
            return []
        if self._locking:  # the head's lock keeps other senders off this lane
            return await outbox.followers(session, row, JOIN_LIMIT, lock=True)
        async with transaction(self._services.sessions) as own:  # no lock held while sending
            return await outbox.followers(own, row, JOIN_LIMIT, lock=False)

    async def _attempt(
        self,
        bot: Bot,
        session: AsyncSession,
        row: OutboxMessage,
        topic: int | None,
        text: str | None = None,
    ) -> Any:
        """Make the call (into the customer's topic, created first if they have none)."""
        method = _rebuild(row)
        if text is not None:
            method = method.model_copy(update={"text": text})
        try:
            if row.customer_id is not None:
                group = None
                if topic is None or self._services.own_staff_groups():
                    group, topic = await self._topic(bot, row.customer_id)
                where: dict[str, Any] = {"message_thread_id": topic}
                staff_chat = self._services.settings.telegram.staff_chat_id
                if group is not None and getattr(method, "chat_id", None) == staff_chat:
                    where["chat_id"] = group  # the shop account's own staff group
                method = method.model_copy(update=where)
            # Logged in this row's transaction (it commits with the mark), as the person the
            # message speaks for (a staff member's relayed answer).
            context = CallContext(
                session=session,
                author=receipts.author_of(row.receipt),
                for_staff=receipts.speaks_for_staff(row.receipt),
            )
            with making_calls(context):
                result: Message | MessageId | Any = await bot(method)
        except TelegramAPIError as exc:
            return exc
        return result

    async def _settle(
        self,
        session: AsyncSession,
        row: OutboxMessage,
        outcome: Any,
        joined: list[OutboxMessage] | None = None,
    ) -> int:
        now = self._services.clock()
        if isinstance(outcome, TelegramRetryAfter):
            outbox.mark_retry(row, now, outcome.message, wait=outcome.retry_after)
        elif isinstance(outcome, TelegramServerError | TelegramNetworkError):
            outbox.mark_retry(row, now, outcome.message)
        elif _refused_by_business(outcome):
            # Telegram allows no other way to a shop account's customer: staff are told.
            outbox.mark_failed(row, now, outcome.message)
            quiet = isinstance(outcome, BusinessQuiet)
            await _undelivered_to_business(session, self._services, row, quiet=quiet)
        elif isinstance(outcome, TelegramBadRequest) and _topic_gone(outcome):
            await _forget_topic(session, row)
            outbox.mark_retry(row, now, outcome.message, wait=0)
        elif (
            isinstance(outcome, TelegramBadRequest) and "message is not modified" in outcome.message
        ):
            # An edit the message already shows (a copy made after its original was edited).
            outbox.mark_sent(row, now, None)
        elif isinstance(outcome, TelegramAPIError):
            logger.warning("outbox message %s refused: %s", row.id, outcome.message)
            outbox.mark_failed(row, now, outcome.message)
            if isinstance(outcome, TelegramForbiddenError):  # the customer blocked the bot
                await self._receipt(session, row, sent=False)
        else:
            message_id = getattr(outcome, "message_id", None)
            for sent in [row, *(joined or [])]:
                outbox.mark_sent(sent, now, message_id)
            await self._receipt(session, row, sent=True)
            return 1 + len(joined or [])
        return 0

    async def _receipt(self, session: AsyncSession, row: OutboxMessage, sent: bool) -> None:
        """Do what the row's receipt asks for its outcome; a failure there keeps the mark."""
        if not row.receipt:
            return
        try:
            await receipts.settle(session, self._services, row.receipt, sent)
        except Exception as exc:
            if is_transient(exc):
                raise
            logger.exception("outbox message %s: its receipt could not be settled", row.id)

    async def _topic(self, bot: Bot, customer_id: int) -> tuple[int | None, int]:
        """The customer's staff group (None: STAFF_CHAT_ID) and topic, made if they have none.

        A customer of a shop account with a staff group of its own (the policy's
        business_staff_groups) gets their topic there; one who moves to another group (writes
        to another account, or to the bot) gets a new topic in it.
        """
        services = self._services
        groups = services.content.policy.business_staff_groups
        async with transaction(services.sessions) as session:
            customer = await session.get(Customer, customer_id)
            assert customer is not None
            group = await staff_group(session, customer.telegram_id, groups)
            if customer.topic_id is not None and customer.topic_chat_id == group:
                return group, customer.topic_id
            # A customer of a connected shop account: the topic names the account.
            found = await business_route(session, customer.telegram_id)
            name = topic_name(customer, found.account if found else None)
        staff_chat = group if group is not None else services.settings.telegram.staff_chat_id
        assert staff_chat is not None
        topic = await bot.create_forum_topic(staff_chat, name)
        async with transaction(services.sessions) as session:
            customer = await session.get(Customer, customer_id, populate_existing=True)
            assert customer is not None
            if customer.topic_id is None or customer.topic_chat_id != group:
                customer.topic_id = topic.message_thread_id
                customer.topic_chat_id = group
            conversation = await latest_conversation(session, customer_id)
            if conversation is not None:
                conversation.staff_topic_id = customer.topic_id
            return customer.topic_chat_id, customer.topic_id


async def _undelivered_to_business(
    session: AsyncSession, services: Services, row: OutboxMessage, *, quiet: bool = False
) -> None:
    """Tell staff in the customer's topic what could not reach them through the shop account.

    `quiet`: the bot kept its own line back while the owner answers personally (or paused).
    """
    customer = await find_by_telegram_id(session, row.chat_id)
    staff_chat = services.settings.telegram.staff_chat_id
    if customer is None or staff_chat is None:
        return
    l10n = services.staff_texts()
    if row.method in ("CopyMessage", "ForwardMessage"):  # a staff message of the topic
        found = await business_route(session, customer.telegram_id)
        note = l10n("business-undelivered", account=found.account if found else "?")
        quoted = row.payload.get("message_id")
        reply = ReplyParameters(message_id=quoted, allow_sending_without_reply=True)
        method = SendMessage(
            chat_id=staff_chat, text=note, reply_parameters=reply if quoted else None
        )
    else:
        text = str(row.payload.get("text") or row.payload.get("caption") or row.method)
        key = "business-kept-quiet-queued" if quiet else "business-undelivered-queued"
        note = l10n(key, text=text[:1000])
        method = SendMessage(chat_id=staff_chat, text=note)
    queue_in_topic(session, services, customer, method)


def _refused_by_business(outcome: Any) -> bool:
    """Whether a send to a shop account's customer cannot go through the account now.

    Refused before the call (BusinessUnavailable), or by Telegram when the connection changed
    after the route was last read (BUSINESS_PEER_INVALID, BUSINESS_CONNECTION_INVALID).
    """
    if isinstance(outcome, BusinessUnavailable):
        return True
    return isinstance(outcome, TelegramBadRequest) and "BUSINESS_" in outcome.message


async def _forget_topic(session: AsyncSession, row: OutboxMessage) -> None:
    """Staff deleted the topic: the next attempt creates a new one."""
    # In the sending transaction: a second one would wait for SQLite's only connection.
    assert row.customer_id is not None
    customer = await session.get(Customer, row.customer_id, populate_existing=True)
    if customer is not None:
        customer.topic_id = None


def _rebuild(row: OutboxMessage) -> TelegramMethod[Any]:
    """Turn a queued row back into the aiogram method it was made from."""
    cls = getattr(aiogram.methods, row.method, None)
    if not (isinstance(cls, type) and issubclass(cls, TelegramMethod)):
        raise ValueError(f"outbox message {row.id}: unknown method {row.method!r}")
    return cls.model_validate(row.payload)


def _topic_gone(exc: TelegramBadRequest) -> bool:
    return "thread not found" in exc.message.lower()
