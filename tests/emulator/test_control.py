"""The /_emu/ control API and the sandbox page, as a script or the browser uses them."""

import asyncio
import base64

import aiohttp
from aiogram import Bot
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from tests.emulator.conftest import CUSTOMER, STAFF
from tgemulator import Emulator
from tgemulator.media import sample_png


async def call(emu: Emulator, method: str, path: str, **kwargs) -> tuple[int, dict]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, f"{emu.api_url}{path}", **kwargs) as response,
    ):
        return response.status, await response.json()


async def test_sandbox_page_and_static_files(emu: Emulator) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{emu.api_url}/") as response:
            page = await response.text()
            assert response.status == 200 and "<title>" in page
        for asset in ("sandbox.js", "sandbox.css"):
            async with session.get(f"{emu.api_url}/static/{asset}") as response:
                assert response.status == 200, asset


async def test_users_and_messages_as_a_script(bot: Bot, emu: Emulator) -> None:
    status, body = await call(
        emu, "POST", "/_emu/users", json={"first_name": "Иван", "language_code": "ru"}
    )
    assert status == 201
    ivan = body["result"]["id"]
    status, body = await call(emu, "POST", f"/_emu/users/{ivan}/text", json={"text": "Привет"})
    assert status == 200 and body["result"]["from"]["language_code"] == "ru"
    await call(emu, "POST", f"/_emu/users/{ivan}/contact", json={})
    await call(emu, "POST", f"/_emu/users/{ivan}/location", json={"latitude": 1, "longitude": 2})
    photo = base64.b64encode(sample_png()).decode()
    await call(
        emu, "POST", f"/_emu/users/{ivan}/photo", json={"photo_base64": photo, "caption": "c"}
    )
    form = aiohttp.FormData()
    form.add_field("photo", sample_png(), filename="p.png", content_type="image/png")
    status, _ = await call(emu, "POST", f"/_emu/users/{ivan}/photo", data=form)
    assert status == 200
    kinds = [
        next(k for k in ("text", "contact", "location", "photo") if k in u["message"])
        for u in emu.pending_updates()
    ]
    assert kinds == ["text", "contact", "location", "photo", "photo"]

    await bot.send_message(ivan, "Ответ")
    status, body = await call(emu, "GET", f"/_emu/messages?chat_id={ivan}&since=0")
    assert [m["message"].get("text") for m in body["result"]["messages"]][-1] == "Ответ"
    cursor = body["result"]["cursor"]
    status, body = await call(emu, "GET", f"/_emu/messages?chat_id={ivan}&since={cursor}")
    assert body["result"]["messages"] == []


async def test_errors_are_json(emu: Emulator) -> None:
    status, body = await call(emu, "POST", "/_emu/users/424242/text", json={"text": "x"})
    assert status == 400 and "no simulated user" in body["error"]
    status, body = await call(emu, "POST", f"/_emu/users/{CUSTOMER}/text", data=b"{")
    assert status == 400


async def test_press_button_and_staff_in_topic(bot: Bot, emu: Emulator) -> None:
    topic = await bot.create_forum_topic(emu.group_id, "Case")
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Approve", callback_data="ret:ok:7")]]
    )
    sent = await bot.send_message(
        emu.group_id, "Return #7", message_thread_id=topic.message_thread_id, reply_markup=markup
    )
    status, body = await call(
        emu,
        "POST",
        f"/_emu/users/{STAFF}/press",
        json={"chat_id": emu.group_id, "message_id": sent.message_id, "button_text": "Approve"},
    )
    assert status == 200
    query_id = body["result"]["callback_query_id"]
    await call(
        emu,
        "POST",
        f"/_emu/staff/{STAFF}/text",
        json={"thread_id": topic.message_thread_id, "text": "// internal note"},
    )
    press, note = await bot.get_updates()
    assert press.callback_query.id == query_id and press.callback_query.data == "ret:ok:7"
    assert note.message.text == "// internal note"
    assert note.message.message_thread_id == topic.message_thread_id
    status, body = await call(emu, "GET", "/_emu/topics")
    assert body["result"][0]["name"] == "Case"


async def test_feed_long_poll_wakes_on_change(bot: Bot, emu: Emulator) -> None:
    _, body = await call(emu, "GET", "/_emu/feed")
    first = body["result"]
    assert first["full"] and {u["id"] for u in first["users"]} == {CUSTOMER, STAFF}
    query = f"/_emu/feed?since={first['cursor']}&epoch={first['epoch']}&timeout=5"
    waiting = asyncio.create_task(call(emu, "GET", query))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    await bot.send_message(CUSTOMER, "news")
    _, body = await asyncio.wait_for(waiting, 2)
    feed = body["result"]
    assert not feed["full"]
    assert [m["message"]["text"] for m in feed["messages"]] == ["news"]
    assert feed["messages"][0]["outgoing"] is True


async def test_calls_faults_and_reset(bot: Bot, emu: Emulator) -> None:
    status, _ = await call(emu, "POST", "/_emu/faults", json={"method": "getMe", "kind": "500"})
    assert status == 201
    status, body = await call(emu, "GET", "/_emu/faults")
    assert body["result"][0]["kind"] == "500"
    await call(emu, "DELETE", "/_emu/faults")
    await bot.get_me()
    status, body = await call(emu, "GET", "/_emu/calls?method=getme")
    assert [c["method"] for c in body["result"]] == ["getMe"]
    await emu.send_text(CUSTOMER, "before reset")
    status, _ = await call(emu, "POST", "/_emu/reset")
    assert emu.users() == [] and emu.pending_updates() == [] and emu.calls == []


async def test_block_via_control(bot: Bot, emu: Emulator) -> None:
    await call(emu, "POST", f"/_emu/users/{CUSTOMER}/block")
    _, body = await call(emu, "GET", "/_emu/users")
    assert next(u for u in body["result"] if u["id"] == CUSTOMER)["blocked"] is True
