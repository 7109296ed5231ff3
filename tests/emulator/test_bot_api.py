"""The Bot API as aiogram sees it: replies, validation against the spec, Telegram's limits."""

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
)

from tests.emulator.conftest import CUSTOMER, TOKEN
from tgemulator import Emulator


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=d)] for t, d in pairs]
    )


async def raw(emu: Emulator, method: str, **kwargs) -> tuple[int, dict]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{emu.api_url}/bot{TOKEN}/{method}", **kwargs) as response,
    ):
        return response.status, await response.json()


async def test_get_me(bot: Bot, emu: Emulator) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (4242, True, "service_bot")
    assert emu.calls[-1].method == "getMe" and emu.calls[-1].ok


async def test_send_message_is_stored_with_entities_and_keyboard(bot: Bot, emu: Emulator) -> None:
    sent = await bot.send_message(
        CUSTOMER,
        "<b>Hello</b>, Maria &amp; co",
        parse_mode="HTML",
        reply_markup=keyboard(("Yes", "y")),
    )
    assert sent.text == "Hello, Maria & co"
    assert sent.entities[0].type == "bold"
    assert sent.from_user.id == 4242 and sent.chat.id == CUSTOMER
    [stored] = emu.messages(CUSTOMER)
    assert stored["message_id"] == sent.message_id
    assert stored["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "y"
    assert emu.bot_messages(CUSTOMER) == [stored]


async def test_message_ids_increase_per_chat_and_both_directions_are_kept(
    bot: Bot, emu: Emulator
) -> None:
    incoming = await emu.send_text(CUSTOMER, "hi")
    reply = await bot.send_message(CUSTOMER, "hello")
    assert reply.message_id == incoming["message_id"] + 1
    assert [m["text"] for m in emu.messages(CUSTOMER)] == ["hi", "hello"]


async def test_missing_required_parameter_is_400(emu: Emulator) -> None:
    status, body = await raw(emu, "sendMessage", data={"text": "hi"})
    assert status == 400
    assert body == {
        "ok": False,
        "error_code": 400,
        "description": 'Bad Request: parameter "chat_id" is required',
    }
    assert emu.rejected_calls[-1].error == body["description"]


async def test_wrong_type_is_400_naming_the_parameter(emu: Emulator) -> None:
    status, body = await raw(
        emu, "sendMessage", data={"chat_id": CUSTOMER, "text": "hi", "message_thread_id": "abc"}
    )
    assert status == 400
    assert "message_thread_id" in body["description"]
    assert body["description"].startswith("Bad Request: ")


async def test_nested_required_field_is_checked(emu: Emulator) -> None:
    markup = {"inline_keyboard": [[{"callback_data": "x"}]]}
    status, body = await raw(
        emu, "sendMessage", json={"chat_id": CUSTOMER, "text": "hi", "reply_markup": markup}
    )
    assert status == 400
    assert "reply_markup" in body["description"]
    assert "inline_keyboard[0][0].text" in body["description"]


async def test_get_query_json_and_case_insensitive_names(emu: Emulator) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{emu.api_url}/bot{TOKEN}/GETME") as response,
    ):
        assert (await response.json())["result"]["id"] == 4242
    status, body = await raw(emu, "sendmessage", json={"chat_id": CUSTOMER, "text": "json"})
    assert status == 200 and body["result"]["text"] == "json"
    assert emu.calls[-1].method == "sendMessage"


async def test_wrong_token_is_unauthorized(emu: Emulator) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{emu.api_url}/bot1:wrong/getMe") as response,
    ):
        assert response.status == 401


async def test_unknown_and_unsupported_methods(bot: Bot, emu: Emulator) -> None:
    status, body = await raw(emu, "sendMesage", data={"chat_id": CUSTOMER})
    assert status == 400 and "sendMesage" in body["description"]
    with pytest.raises(TelegramBadRequest, match="not supported by the emulator: sendDice"):
        await bot.send_dice(CUSTOMER)
    assert emu.unsupported_calls == ["sendDice"]


async def test_callback_data_over_64_bytes(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(CUSTOMER, "pick", reply_markup=keyboard(("x", "d" * 100)))


async def test_text_and_caption_limits(bot: Bot, emu: Emulator) -> None:
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(CUSTOMER, "a" * 4097)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(CUSTOMER, "   ")
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(CUSTOMER, "")
    await bot.send_message(CUSTOMER, "a" * 4096)
    status, body = await raw(
        emu, "sendPhoto", data={"chat_id": CUSTOMER, "photo": "nope", "caption": "c" * 1025}
    )
    assert status == 400 and "caption is too long" in body["description"]


async def test_unparsable_markup_is_refused(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(CUSTOMER, "1 < 2 <b>bold", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="must be escaped"):
        await bot.send_message(CUSTOMER, "Done.", parse_mode="MarkdownV2")


async def test_chat_not_found_and_blocked_user(bot: Bot, emu: Emulator) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(999, "hi")
    await emu.block_bot(CUSTOMER)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(CUSTOMER, "hi")
    await emu.unblock_bot(CUSTOMER)
    await bot.send_message(CUSTOMER, "welcome back")


async def test_edits(bot: Bot, emu: Emulator) -> None:
    sent = await bot.send_message(CUSTOMER, "v1", reply_markup=keyboard(("A", "a")))
    edited = await bot.edit_message_text(
        "v2", chat_id=CUSTOMER, message_id=sent.message_id, reply_markup=keyboard(("B", "b"))
    )
    assert edited.text == "v2" and edited.edit_date is not None
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "v2", chat_id=CUSTOMER, message_id=sent.message_id, reply_markup=keyboard(("B", "b"))
        )
    await bot.edit_message_reply_markup(chat_id=CUSTOMER, message_id=sent.message_id)
    assert "reply_markup" not in emu.message(CUSTOMER, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=CUSTOMER, message_id=777)
    incoming = await emu.send_text(CUSTOMER, "mine")
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text("x", chat_id=CUSTOMER, message_id=incoming["message_id"])
    assert await bot.delete_message(CUSTOMER, sent.message_id) is True
    assert emu.message(CUSTOMER, sent.message_id) is None
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(CUSTOMER, sent.message_id)


async def test_reply_parameters(bot: Bot, emu: Emulator) -> None:
    question = await emu.send_text(CUSTOMER, "where is my order?")
    reply = await bot.send_message(
        CUSTOMER, "on its way", reply_parameters=ReplyParameters(message_id=question["message_id"])
    )
    assert reply.reply_to_message.text == "where is my order?"
    with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
        await bot.send_message(CUSTOMER, "x", reply_parameters=ReplyParameters(message_id=555))


async def test_reply_keyboard_is_kept_for_the_chat(bot: Bot, emu: Emulator) -> None:
    markup = ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text="Share phone", request_contact=True)]],
        resize_keyboard=True,
    )
    await bot.send_message(CUSTOMER, "menu", reply_markup=markup)
    assert emu.reply_keyboard(CUSTOMER)["keyboard"][0][0]["request_contact"] is True
    assert emu.messages(CUSTOMER)[-1]["reply_markup"]["keyboard"][0][0]["text"] == "Share phone"
    await bot.send_message(CUSTOMER, "thanks", reply_markup=ReplyKeyboardRemove())
    assert emu.reply_keyboard(CUSTOMER) is None


async def test_button_press_and_answer(bot: Bot, emu: Emulator) -> None:
    sent = await bot.send_message(
        CUSTOMER, "Did this help?", reply_markup=keyboard(("Yes", "faq:yes"))
    )
    query_id = await emu.press_button(CUSTOMER, CUSTOMER, sent.message_id, button_text="Yes")
    [update] = await bot.get_updates()
    assert update.callback_query.data == "faq:yes"
    assert update.callback_query.message.message_id == sent.message_id
    assert await bot.answer_callback_query(query_id, text="Thanks!") is True
    assert emu.callback_answer(query_id)["text"] == "Thanks!"
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query_id)
    forged = await emu.press_button(CUSTOMER, CUSTOMER, sent.message_id, "admin:drop_tables")
    updates = await bot.get_updates(offset=update.update_id + 1)
    assert updates[0].callback_query.id == forged
    assert updates[0].callback_query.data == "admin:drop_tables"


async def test_commands_chat_and_members(bot: Bot, emu: Emulator) -> None:
    await bot.set_my_commands(
        [BotCommand(command="start", description="Start")], language_code="ru"
    )
    assert [c.command for c in await bot.get_my_commands(language_code="ru")] == ["start"]
    assert await bot.get_my_commands() == []
    await bot.delete_my_commands(language_code="ru")
    assert await bot.get_my_commands(language_code="ru") == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad Command", description="x")])
    chat = await bot.get_chat(emu.group_id)
    assert chat.is_forum and chat.title == "Staff"
    assert (await bot.get_chat_member(emu.group_id, 2001)).status == "member"
    assert (await bot.get_chat_member(emu.group_id, CUSTOMER)).status == "left"
    assert (await bot.get_chat_member(emu.group_id, 4242)).status == "administrator"


async def test_chat_action(bot: Bot, emu: Emulator) -> None:
    assert await bot.send_chat_action(CUSTOMER, "typing") is True
    assert emu.chat_action(CUSTOMER)["action"] == "typing"
    await bot.send_message(CUSTOMER, "done typing")
    assert emu.chat_action(CUSTOMER) is None
    with pytest.raises(TelegramBadRequest, match="wrong parameter action"):
        await bot.send_chat_action(CUSTOMER, "dancing")


async def test_location_and_contact(bot: Bot, emu: Emulator) -> None:
    location = await bot.send_location(CUSTOMER, 55.75, 37.61)
    assert location.location.latitude == 55.75
    contact = await bot.send_contact(CUSTOMER, "+100200300", "Support")
    assert contact.contact.phone_number == "+100200300"
