"""The bot's session sends calls as JSON bodies, and the emulator stores what a form would give."""

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import SendDocument, SendMessage
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    LinkPreviewOptions,
    ReplyKeyboardMarkup,
)
from aiohttp import FormData
from aiohttp.payload import BytesPayload

from bot.telegram.session import JsonBodySession
from tests.emulator.conftest import CUSTOMER, TOKEN
from tgemulator import Emulator

KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="Да ✅", callback_data="faq:returns")]]
)


class _Closing(JsonBodySession):
    async def close(self) -> None:  # without aiogram's 250 ms grace sleep
        if self._session is not None and not self._session.closed:
            await self._session.close()


@pytest.fixture
async def json_bot(emu: Emulator) -> AsyncIterator[Bot]:
    session = _Closing(api=TelegramAPIServer.from_base(emu.api_url))
    yield Bot(TOKEN, session=session)
    await session.close()


def test_a_call_without_a_file_is_one_json_object_with_nested_values_as_objects() -> None:
    session = JsonBodySession()
    method = SendMessage(chat_id=CUSTOMER, text="привет", reply_markup=KEYBOARD)
    payload = session.build_form_data(Bot(TOKEN, session=session), method)
    assert isinstance(payload, BytesPayload)
    assert payload.content_type == "application/json"
    body = json.loads(payload._value)
    assert body["chat_id"] == CUSTOMER and body["text"] == "привет"
    assert body["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "faq:returns"


def test_a_call_with_a_file_stays_aiograms_multipart_form() -> None:
    session = JsonBodySession()
    bot = Bot(TOKEN, session=session)
    method = SendDocument(chat_id=CUSTOMER, document=BufferedInputFile(b"%PDF-1.4", "a.pdf"))
    assert isinstance(session.build_form_data(bot, method), FormData)


async def _calls(bot: Bot) -> None:
    await bot.send_message(
        CUSTOMER,
        "<b>Возврат</b> без чека &amp; жалоба",
        parse_mode="HTML",
        reply_markup=KEYBOARD,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
    menu = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="FAQ")]], resize_keyboard=True)
    sent = await bot.send_message(CUSTOMER, "Меню", reply_markup=menu)
    await bot.edit_message_text("Меню ✏️", chat_id=CUSTOMER, message_id=sent.message_id)
    await bot.set_my_commands([BotCommand(command="start", description="Начать")])
    await bot.send_document(CUSTOMER, BufferedInputFile(b"%PDF-1.4", "receipt.pdf"))


def _stored(emu: Emulator) -> list[dict[str, Any]]:
    keep = ("text", "entities", "reply_markup", "document", "edit_date")
    return [
        {key: (bool(m[key]) if key == "edit_date" else m[key]) for key in keep if key in m}
        for m in emu.messages(CUSTOMER)
    ]


async def test_the_emulator_stores_the_same_from_json_bodies_as_from_forms(
    emu: Emulator, bot: Bot, json_bot: Bot
) -> None:
    assert isinstance(bot.session, AiohttpSession)
    assert not isinstance(bot.session, JsonBodySession)
    runs: list[tuple[list[dict[str, Any]], list[Any]]] = []
    for client in (bot, json_bot):
        emu.reset()
        emu.add_user(CUSTOMER, "Maria", "Petrova", language_code="en")
        await _calls(client)
        stored = _stored(emu)
        for message in stored:
            message.get("document", {}).pop("file_id", None)
            message.get("document", {}).pop("file_unique_id", None)
        runs.append((stored, emu.commands()))
    assert runs[0] == runs[1]
    assert runs[1][0][0]["reply_markup"]["inline_keyboard"][0][0]["text"] == "Да ✅"
    assert not emu.rejected_calls


async def test_a_refused_json_call_raises_the_same_error_as_a_form(bot: Bot, json_bot: Bot) -> None:
    refusals: list[str] = []
    calls: list[Callable[[Bot], Awaitable[Any]]] = [
        lambda client: client.send_message(CUSTOMER, ""),
        lambda client: client.send_message(999_999_999, "hello"),
    ]
    for client in (bot, json_bot):
        for call in calls:
            with pytest.raises(TelegramBadRequest) as raised:
                await call(client)
            refusals.append(raised.value.message)
    assert refusals[:2] == refusals[2:]
