"""What an update costs: no thread hops on the way, and no row read twice for an answer."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandStart, StateFilter
from aiogram.types import CallbackQuery, Chat, Message
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot.config import Settings
from bot.db import create_engine, create_sessionmaker, transaction
from bot.sqlite import Connection as InLoopConnection
from handlers import _flat, _split_by_share, build_router
from handlers.customer import blocked, complaints, forward_to_topic, insults, questions, start
from handlers.magic import Magic
from models import Direction
from models import Message as Logged
from tests.e2e.conftest import Harness, eventually

pytestmark = pytest.mark.timeout(60)


def test_every_filter_and_handler_runs_on_the_event_loop() -> None:
    # aiogram sends any synchronous callable (a bare `F.…` rule) through asyncio.to_thread.
    root = build_router(Settings.load(env_file=None, bot_token="1:x", staff_chat_id=-100))
    checked = 0
    for router in root.chain_tail:
        for name, observer in router.observers.items():
            # The observer's own handler only carries the router-level filters.
            for handler in [observer._handler, *observer.handlers]:
                assert handler.awaitable or handler is observer._handler, handler.callback
                for check in handler.filters or []:
                    assert check.awaitable, f"{router.name}.{name}: {check.callback}"
                    checked += 1
    assert checked > 50


def test_an_update_passes_few_routers_and_meets_the_handlers_in_feature_order() -> None:
    # aiogram's cost per router passed exceeded the handlers' checks: features are flattened,
    # then split by whether the customer is at a step of a form.
    root = build_router(Settings.load(env_file=None, bot_token="1:x", staff_chat_id=-100))
    names = [router.name for router in root.chain_tail]
    assert names == [
        *("root", "manager", "customer"),
        *("customer-no-step-command", "customer-no-step", "customer-in-step"),
        *("staff", "staff-chat", "staff-topic", "stale"),
    ]
    routers = {r.name: r for r in root.chain_tail}
    commands = [h.callback for h in routers["customer-no-step-command"].message.handlers]
    idle = [h.callback for h in routers["customer-no-step"].message.handlers]
    stepped = [h.callback for h in routers["customer-in-step"].message.handlers]
    first = [h.callback for r in (blocked.router, insults.router) for h in r.message.handlers]
    first += [h.callback for h in start.router.message.handlers]
    assert commands[: len(first)] == first == stepped[: len(first)]
    assert idle[-3:] == [
        questions.answer,
        *(h.callback for h in forward_to_topic.router.message.handlers),
    ]
    # Plain text at no step meets no command; the rest keep their order.
    assert not set(idle) & {h.callback for h in start.router.message.handlers}
    assert idle == [c for c in commands if c in idle] and set(idle) < set(commands)
    # The FAQ needs no step, the complaint's text step needs one; the relay catches all in both.
    assert (
        questions.answer not in stepped
        and complaints.text not in idle
        and complaints.text in stepped
    )
    assert forward_to_topic.relay in idle and forward_to_topic.relay in stepped
    # A feature router's own filter now guards each of its handlers, ahead of their filters.
    refuse = routers["customer-no-step"].message.handlers[0]
    assert isinstance(refuse.filters[0].callback, blocked.IsBlocked)
    # The module routers stay free: a second tree can be built from them.
    assert blocked.router.parent_router is None
    build_router(Settings.load(env_file=None, bot_token="1:x", staff_chat_id=-100))


async def test_the_split_routers_keep_every_handler_that_could_match_in_order() -> None:
    flat = Router(name="flat")
    for states in [(None,), ("*",), ("Form:a",), (None, "Form:a"), ()]:
        for commands in [(), (CommandStart(),), (Command("help"),), (Command("ban", prefix="!"),)]:

            async def handler(message: Message) -> None:
                pass

            filters = [*([StateFilter(*states)] if states else []), *commands]
            flat.message.register(handler, *filters)

    async def on_button(query: CallbackQuery) -> None:
        pass

    flat.callback_query.register(on_button, StateFilter(None))
    original = flat.message.handlers
    routers = _split_by_share("flat", flat)
    assert [r.name for r in routers] == ["flat-no-step-command", "flat-no-step", "flat-in-step"]
    bot = Bot("1:x")
    texts = ["x", "/start", "  /help me", "!ban", "/ban", "", "   ", None, "/Help", "/ help"]
    for raw_state in (None, "Form:a", "Form:b"):
        for text in texts:
            for caption in (None, "/help") if text is None else (None,):
                message = _message(text, caption=caption)
                data = {"raw_state": raw_state, "bot": bot}
                taking = [
                    r for r in routers if (await r.message._handler.check(message, **data))[0]
                ]
                assert len(taking) == 1, (raw_state, text, [r.name for r in taking])
                could = [h.callback for h in original if (await h.check(message, **data))[0]]
                kept = [
                    h.callback
                    for h in taking[0].message.handlers
                    if (await h.check(message, **data))[0]
                ]
                assert kept == could, (raw_state, text, taking[0].name)
    # A button goes to the share for its step, never to the commands'.
    assert [len(r.callback_query.handlers) for r in routers] == [0, 1, 0]


async def test_a_flattened_router_answers_as_the_nested_routers_did() -> None:
    seen: list[str] = []
    first, second = Router(name="first"), Router(name="second")
    first.message.filter(Magic(F.text != "skip-first"))

    @first.message(Magic(F.text.startswith("a")))
    async def in_first(message: Message) -> None:
        seen.append("first")

    @second.message()
    async def in_second(message: Message) -> None:
        seen.append("second")

    flat = _flat("both", first, second)
    for text in ("apple", "banana", "skip-first"):
        handlers = flat.message.handlers
        for handler in handlers:
            passed, _ = await handler.check(_message(text))
            if passed:
                await handler.call(_message(text))
                break
    assert seen == ["first", "second", "second"]


def test_routers_with_middlewares_or_sub_routers_are_not_flattened() -> None:
    nested, child = Router(name="nested"), Router(name="child")
    nested.include_router(child)
    with pytest.raises(ValueError, match="nested: a router with sub-routers"):
        _flat("x", nested)
    guarded = Router(name="guarded")
    guarded.message.middleware(lambda handler, event, data: handler(event, data))
    with pytest.raises(ValueError, match=r"guarded\.message: middlewares"):
        _flat("x", guarded)


def _message(text: str | None, chat_type: str = "private", caption: str | None = None) -> Message:
    chat = Chat(id=5, type=chat_type)
    return Message.model_validate(
        {"message_id": 1, "date": 0, "chat": chat, "text": text, "caption": caption}
    )


async def test_magic_passes_when_every_rule_holds_and_hands_on_what_it_captures() -> None:
    private_text = Magic(F.chat.type == "private", F.text, ~F.text.startswith("/"))
    assert await private_text(_message("hello")) is True
    assert await private_text(_message("/start")) is False
    assert await private_text(_message(None)) is False
    assert await private_text(_message("hello", "group")) is False
    assert await Magic(F.text.as_("said"))(_message("hello")) == {"said": "hello"}


async def _logged(reads: Any, chat_id: int, reply: dict[str, Any]) -> list[Logged]:
    """The chat's logged messages, once the bot has committed the row of its reply."""

    async def read() -> list[Logged] | None:
        async with transaction(reads) as session:
            stmt = select(Logged).where(Logged.chat_id == chat_id).order_by(col(Logged.id))
            rows = list((await session.exec(stmt)).all())
        return rows if rows and rows[-1].telegram_message_id == reply["message_id"] else None

    return await eventually(read) or []


@contextlib.asynccontextmanager
async def recorded(engine: AsyncEngine) -> AsyncIterator[list[str]]:
    """Every statement the bot's engine runs, including those sent to the driver directly."""
    statements: list[str] = []
    async with engine.connect() as connection:  # SQLite's pool holds its one connection
        driver = (await connection.get_raw_connection()).driver_connection
    if isinstance(driver, InLoopConnection):

        def trace(statement: str) -> None:
            # SQLite reports a statement again as each of its trigger programs (FTS) starts.
            if not statement.startswith("--") and statements[-1:] != [statement]:
                statements.append(statement)

        driver.trace(trace)
        try:
            yield statements
        finally:
            driver.trace(None)
        return

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    # The prepared writes go to asyncpg directly: its own query log shows them.
    logged: set[Any] = set()

    def log(query: Any) -> None:
        statements.append(query.query)

    def on_checkout(dbapi_connection: Any, *_: Any) -> None:
        logged.add(dbapi_connection.driver_connection)
        dbapi_connection.driver_connection.add_query_logger(log)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    event.listen(engine.sync_engine, "checkout", on_checkout)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
        event.remove(engine.sync_engine, "checkout", on_checkout)
        for driver in logged:
            driver.remove_query_logger(log)


async def test_an_faq_answer_hops_to_no_thread_and_reads_each_row_once(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = harness
    # The test reads through an engine of its own, so only the bot's statements are counted.
    reader = create_engine(h.services.engine.url.render_as_string(hide_password=False))
    reads = create_sessionmaker(reader)
    user = h.customer(780001)
    await _logged(reads, user, await h.say(user, "/start"))
    hops: list[Any] = []
    to_thread = asyncio.to_thread

    async def counted(func: Any, /, *args: Any, **kwargs: Any) -> Any:
        hops.append(func)
        return await to_thread(func, *args, **kwargs)

    monkeypatch.setattr(asyncio, "to_thread", counted)
    try:
        async with recorded(h.services.engine) as statements:
            reply = await h.say(user, "How long does delivery take?")
            rows = await _logged(reads, user, reply)
    finally:
        await reader.dispose()
    assert "delivery" in reply["text"].lower()
    assert hops == []
    # One read, of the customer with their latest conversation, by the context middleware;
    # the outbound log takes both from it. Messages are inserted without looking for them first.
    selects = [s for s in statements if "FROM customers" in s or "FROM conversations" in s]
    assert len(selects) == 1, statements  # (the scheduler's sweeps read other tables)
    assert "FROM customers" in selects[0] and "FROM conversations" in selects[0]
    assert not any("FROM messages" in s for s in statements), statements
    assert sum(s.startswith("INSERT INTO messages") for s in statements) == 2, statements
    question, answer = rows[-2], rows[-1]
    assert (question.direction, answer.direction) == (Direction.IN, Direction.OUT)
    assert answer.customer_id == question.customer_id is not None
    assert answer.conversation_id == question.conversation_id is not None
