"""Logs never show the bot token or other secrets, whichever library writes the line."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramNetworkError
from aiohttp import web

from bot.logs import RedactFilter, redact, setup_logging
from bot.telegram.limiter import TelegramLimiter

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
SECRET = "console-secret-" + "c" * 20


@pytest.fixture
def log() -> Iterator[io.StringIO]:
    """What the CLI's logging writes, configured as the CLI does with the settings' secrets."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    stream = io.StringIO()
    setup_logging("INFO", (TOKEN, SECRET), stream=stream)
    yield stream
    root.handlers[:], level = saved
    root.setLevel(level)


async def test_the_limiters_warning_about_a_redirecting_api_hides_the_token(
    log: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound(str(request.rel_url))  # a misconfigured proxy: round and round

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", redirect)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    api = TelegramAPIServer.from_base(f"http://127.0.0.1:{port}")
    bot = Bot(TOKEN, session=AiohttpSession(api=api))
    bot.session.middleware(TelegramLimiter())

    async def no_wait(_seconds: float) -> None:
        return None

    monkeypatch.setattr("bot.telegram.limiter.asyncio.sleep", no_wait)
    try:
        with pytest.raises(TelegramNetworkError) as raised:
            await bot.get_me()
    finally:
        await bot.session.close()
        await runner.cleanup()
    assert TOKEN in str(raised.value)  # aiohttp's error names the URL, token and all
    output = log.getvalue()
    assert "TooManyRedirects" in output and "retrying in" in output
    assert "/bot<token>/getMe" in output
    assert TOKEN not in output and TOKEN.split(":")[1] not in output


def test_every_logger_args_and_traceback_are_redacted(log: io.StringIO) -> None:
    try:
        raise RuntimeError(f"GET https://api.telegram.org/bot{TOKEN}/getUpdates: 502")
    except RuntimeError:
        logging.getLogger("aiogram.dispatcher").exception(
            "Failed to fetch updates - %s with %s", f"bot{TOKEN}", SECRET
        )
    logging.getLogger("aiohttp.client").warning("bare %s", TOKEN)
    logging.getLogger("anything").error(
        "other bot's token %s", "987654321:ZZHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    )
    output = log.getvalue()
    assert "Failed to fetch updates" in output and "RuntimeError" in output
    assert "/bot<token>/getUpdates: 502" in output  # the traceback, redacted
    assert TOKEN not in output and SECRET not in output
    assert "ZZHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" not in output
    assert output.count("<token>") >= 5


def test_redact_leaves_ordinary_text_alone() -> None:
    text = "order 12345: 3 items at 10:30, see /botanical/garden"
    assert redact(text) == text
    assert redact(f"/bot{TOKEN}/sendMessage") == "/bot<token>/sendMessage"
    assert redact("ratio 1:2 and id 42") == "ratio 1:2 and id 42"


def test_a_short_secret_does_not_blank_every_word() -> None:
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "abc in abcdef", None, None)
    assert RedactFilter(("abc", "abcdefgh1")).filter(record)
    assert record.getMessage() == "abc in abcdef"
