"""Updates reach the bot by long polling or by webhook, in order, exactly once."""

import asyncio
import json
import time
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.exceptions import TelegramConflictError
from aiogram.types import Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from tests.emulator.conftest import CUSTOMER
from tgemulator import Emulator


class Receiver:
    """A tiny webhook endpoint that records what it gets and can fail on demand."""

    def __init__(self) -> None:
        self.received: list[tuple[dict, str | None]] = []
        self.fail_next = 0
        self.got = asyncio.Event()
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        if self.fail_next:
            self.fail_next -= 1
            return web.Response(status=500)
        self.received.append(
            (await request.json(), request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        )
        self.got.set()
        return web.json_response({})


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    recv = Receiver()
    app = web.Application()
    app.router.add_post("/hook", recv.handle)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    recv.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    yield recv
    await runner.cleanup()


async def wait_until(condition, timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def test_long_polling_in_order_with_offset_confirmation(bot: Bot, emu: Emulator) -> None:
    for text in ("one", "two", "three"):
        await emu.send_text(CUSTOMER, text)
    first = await bot.get_updates(limit=2)
    assert [u.message.text for u in first] == ["one", "two"]
    again = await bot.get_updates()
    assert [u.update_id for u in again][:2] == [u.update_id for u in first]
    rest = await bot.get_updates(offset=first[-1].update_id + 1)
    assert [u.message.text for u in rest] == ["three"]
    assert await bot.get_updates(offset=rest[-1].update_id + 1, timeout=0) == []
    assert emu.pending_updates() == []


async def test_long_poll_wakes_on_new_update(bot: Bot, emu: Emulator) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    await emu.send_text(CUSTOMER, "are you there?")
    [update] = await poll
    assert update.message.text == "are you there?"
    assert time.monotonic() - started < 1.0


async def test_allowed_updates_filter(bot: Bot, emu: Emulator) -> None:
    await bot.get_updates(allowed_updates=["callback_query"])
    await emu.send_text(CUSTOMER, "ignored")
    assert emu.pending_updates() == []
    await bot.get_updates(allowed_updates=[])
    await emu.send_text(CUSTOMER, "kept")
    assert [u.message.text for u in await bot.get_updates()] == ["kept"]


async def test_edited_message_and_block_updates(bot: Bot, emu: Emulator) -> None:
    sent = await emu.send_text(CUSTOMER, "helo")
    await emu.edit_text(CUSTOMER, sent["message_id"], "hello")
    await emu.block_bot(CUSTOMER)
    updates = await bot.get_updates()
    assert updates[1].edited_message.text == "hello"
    assert updates[1].edited_message.edit_date is not None
    assert updates[2].my_chat_member.new_chat_member.status == "kicked"


async def test_webhook_delivery_with_secret_and_retry(
    bot: Bot, emu: Emulator, receiver: Receiver
) -> None:
    await emu.send_text(CUSTOMER, "old")
    await bot.set_webhook(receiver.url, secret_token="s3cret", drop_pending_updates=True)
    with pytest.raises(TelegramConflictError):
        await bot.get_updates()
    receiver.fail_next = 2
    await emu.send_text(CUSTOMER, "first")
    await emu.send_text(CUSTOMER, "second")
    await wait_until(lambda: len(receiver.received) == 2)
    assert [u["message"]["text"] for u, _ in receiver.received] == ["first", "second"]
    assert {secret for _, secret in receiver.received} == {"s3cret"}
    info = await bot.get_webhook_info()
    assert info.url == receiver.url and info.pending_update_count == 0
    await bot.delete_webhook()
    await emu.send_text(CUSTOMER, "polled")
    assert [u.message.text for u in await bot.get_updates()] == ["polled"]


async def test_webhook_failures_are_reported(bot: Bot, emu: Emulator, receiver: Receiver) -> None:
    receiver.fail_next = 1000
    await bot.set_webhook(receiver.url)
    await emu.send_text(CUSTOMER, "lost?")
    await wait_until(lambda: emu.world.webhook.last_error_message is not None)
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 1
    assert "500" in info.last_error_message


async def echo_router() -> Router:
    router = Router()

    @router.message(F.text)
    async def echo(message: Message) -> object:
        return message.answer(f"echo: {message.text}")

    return router


async def test_aiogram_webhook_reply_in_response_body(bot: Bot, emu: Emulator) -> None:
    dispatcher = Dispatcher()
    dispatcher.include_router(await echo_router())
    app = web.Application()
    SimpleRequestHandler(dispatcher, bot, handle_in_background=False).register(app, "/tg")
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        await bot.set_webhook(f"http://127.0.0.1:{runner.addresses[0][1]}/tg")
        await emu.send_text(CUSTOMER, "ping")
        reply = await emu.wait_for_bot_message(CUSTOMER, timeout=3)
        assert reply["text"] == "echo: ping"
        assert emu.calls_to("sendMessage")[-1].via == "webhook-reply"
    finally:
        await runner.cleanup()


async def test_aiogram_polling_end_to_end(bot: Bot, emu: Emulator) -> None:
    dispatcher = Dispatcher()
    dispatcher.include_router(await echo_router())
    polling = asyncio.create_task(
        dispatcher.start_polling(
            bot, handle_signals=False, close_bot_session=False, polling_timeout=1
        )
    )
    try:
        await emu.send_text(CUSTOMER, "one")
        first = await emu.wait_for_bot_message(CUSTOMER, lambda m: m["text"].endswith("one"))
        await emu.send_text(CUSTOMER, "two")
        second = await emu.wait_for_bot_message(CUSTOMER)
        assert (first["text"], second["text"]) == ("echo: one", "echo: two")
    finally:
        await dispatcher.stop_polling()
        await polling


async def test_wait_for_bot_message_times_out_with_a_report(emu: Emulator) -> None:
    await emu.send_text(CUSTOMER, "anyone?")
    with pytest.raises(TimeoutError, match=f"chat {CUSTOMER}"):
        await emu.wait_for_bot_message(CUSTOMER, timeout=0.05)


async def test_update_json_is_plain_telegram(emu: Emulator) -> None:
    await emu.send_text(CUSTOMER, "/start")
    [update] = emu.pending_updates()
    message = json.loads(json.dumps(update))["message"]
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert message["chat"] == {
        "id": CUSTOMER,
        "type": "private",
        "first_name": "Maria",
        "last_name": "Petrova",
        "username": "maria_p",
    }
