"""Foundation end to end: /start in both languages, the message log, webhook, bad calls."""

from __future__ import annotations

import aiohttp
import pytest
from aiogram.exceptions import TelegramBadRequest
from sqlmodel import col, select

from bot.config import Settings
from bot.db import transaction
from models import AuthorKind, Direction, Message
from tests.e2e.conftest import MANAGER_ID, STAFF_ID, Harness, eventually, start_webhook
from tgemulator import Emulator

pytestmark = pytest.mark.timeout(60)


async def logged(h: Harness, chat_id: int, expected: int) -> list[Message]:
    """Read a chat's logged messages once the bot has committed `expected` of them."""

    async def read() -> list[Message] | None:
        async with transaction(h.services.sessions) as session:
            stmt = select(Message).where(Message.chat_id == chat_id).order_by(col(Message.id))
            rows = list((await session.exec(stmt)).all())
        return rows if len(rows) >= expected else None

    return await eventually(read) or []


async def test_start_greets_in_english_with_the_main_menu(harness: Harness) -> None:
    user = harness.customer(700001, "Maria", "en")
    reply = await harness.say(user, "/start")
    assert reply["text"].startswith("Hello, Maria!")
    keyboard = reply["reply_markup"]["keyboard"]
    labels = [button["text"] for row in keyboard for button in row]
    assert "👤 Talk to a person" in labels and "↩️ Return a product" in labels


async def test_start_greets_in_russian_from_the_app_language(harness: Harness) -> None:
    user = harness.customer(700002, "Иван", "ru")
    reply = await harness.say(user, "/start")
    assert reply["text"].startswith("Здравствуйте, Иван!")
    labels = [b["text"] for row in reply["reply_markup"]["keyboard"] for b in row]
    assert "↩️ Вернуть товар" in labels


async def test_every_message_in_both_directions_is_logged(harness: Harness) -> None:
    user = harness.customer(700003)
    reply = await harness.say(user, "/start")
    rows = await logged(harness, user, 2)
    assert [(r.direction, r.author_kind) for r in rows] == [
        (Direction.IN, AuthorKind.CUSTOMER),
        (Direction.OUT, AuthorKind.BOT),
    ]
    assert rows[0].text == "/start"
    assert rows[1].telegram_message_id == reply["message_id"]
    assert rows[1].text == reply["text"]
    assert rows[0].conversation_id is not None
    assert rows[0].conversation_id == rows[1].conversation_id


async def test_commands_are_published_in_both_languages(harness: Harness) -> None:
    await harness.emu.wait_for_call(
        "setMyCommands", lambda c: c.params.get("language_code") == "ru"
    )
    scope = {"type": "all_private_chats"}
    assert {c["command"] for c in harness.emu.commands(scope)} >= {
        "start",
        "menu",
        "help",
        "cancel",
    }
    assert harness.emu.commands(scope, "ru")[0]["description"] == "Начать сначала"


async def test_managers_get_their_commands_in_their_menu(harness: Harness) -> None:
    await harness.emu.wait_for_call(
        "setMyCommands",
        lambda c: (
            c.params.get("scope", {}).get("type") == "chat"
            and c.params.get("language_code") == "ru"
        ),
    )
    scope = {"type": "chat", "chat_id": MANAGER_ID}
    names = [c["command"] for c in harness.emu.commands(scope)]
    assert names == ["start", "menu", "help", "cancel", "console", "stats", "log"]
    assert harness.emu.commands(scope, "ru")[4]["description"] == "Войти в консоль сервиса"
    # Staff who are not managers keep the customer menu.
    assert harness.emu.commands({"type": "chat", "chat_id": STAFF_ID}) == []


async def test_emulator_rejects_a_malformed_call(harness: Harness) -> None:
    url = f"{harness.emu.api_url}/bot{harness.emu.token}/sendMessage"
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, data={"text": "no chat id"}) as response,
    ):
        body = await response.json()
    assert response.status == 400
    assert body["ok"] is False and body["error_code"] == 400
    assert "chat_id" in body["description"]
    with pytest.raises(TelegramBadRequest):
        await harness.bot.send_message(700001, "")
    assert harness.emu.rejected_calls


async def test_webhook_mode_answers_start(webhook_harness: Harness) -> None:
    h = webhook_harness
    await h.emu.wait_for_call("setWebhook")
    user = h.customer(700004, "Olga", "en")
    reply = await h.say(user, "/start")
    assert reply["text"].startswith("Hello, Olga!")
    assert len(await logged(h, user, 2)) == 2


async def test_webhook_refuses_a_wrong_secret(webhook_harness: Harness) -> None:
    url = f"http://127.0.0.1:{webhook_harness.extra['port']}/webhook"
    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 1, "type": "private"},
            "from": {"id": 1, "is_bot": False, "first_name": "X"},
            "text": "/start",
        },
    }
    async with aiohttp.ClientSession() as http:
        async with http.post(
            url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}
        ) as r:
            assert r.status == 401
        async with http.post(url, json=update) as r:
            assert r.status == 401


async def test_a_redelivered_update_is_not_handled_twice(webhook_harness: Harness) -> None:
    h = webhook_harness
    await h.emu.wait_for_call("setWebhook")
    user = h.customer(700005, "Olga", "en")
    await h.say(user, "/start")
    update = {
        "update_id": 987654321,
        "message": {
            "message_id": 999,
            "date": 0,
            "text": "/help",
            "chat": {"id": user, "type": "private", "first_name": "Olga"},
            "from": {"id": user, "is_bot": False, "first_name": "Olga"},
        },
    }
    url = f"http://127.0.0.1:{h.extra['port']}/webhook"
    headers = {"X-Telegram-Bot-Api-Secret-Token": h.extra["secret"]}
    async with aiohttp.ClientSession() as http:
        for _ in range(2):  # Telegram retries when it did not hear back in time
            async with http.post(url, json=update, headers=headers) as response:
                assert response.status == 200  # stored: it is handled after the answer

    def helps() -> list[dict[str, object]]:
        return [m for m in h.emu.bot_messages(user) if "/menu" in (m.get("text") or "")]

    async def answered() -> bool:
        return bool(helps()) and h.dp.inbox.in_flight == 0  # type: ignore[attr-defined]

    assert await eventually(answered)
    assert len(helps()) == 1


async def test_health_and_metrics_are_served(webhook_harness: Harness) -> None:
    h = webhook_harness
    await h.emu.wait_for_call("setWebhook")
    user = h.customer(700006)
    await h.say(user, "👤 Talk to a person")
    base = f"http://127.0.0.1:{h.extra['port']}"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/healthz") as response:
            assert response.status == 200 and (await response.json()) == {"ok": True}
        async with http.get(f"{base}/metrics") as response:
            body = await response.text()
    assert 'bot_updates_total{outcome="ok",type="message"}' in body
    assert "bot_update_seconds_bucket" in body
    assert "bot_waiting_conversations 1" in body
    assert "bot_pending_deadlines" in body and 'bot_breaches{kind="reply_breach"} 0' in body
    assert h.services.settings.telegram.bot_token.get_secret_value() not in body


async def test_metrics_stay_on_this_machine_or_behind_a_token(
    emu: Emulator, database_url: str
) -> None:
    assert Settings.load(env_file=None).webhook.webhook_host == "127.0.0.1"
    token = "metrics-" + "t" * 24
    h = await start_webhook(emu, database_url, metrics_token=token)
    try:
        base = f"http://127.0.0.1:{h.extra['port']}"
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": token}):
                async with http.get(f"{base}/metrics", headers=headers) as response:
                    assert response.status == 401
                    assert "bot_updates_total" not in await response.text()
            bearer = {"Authorization": f"Bearer {token}"}
            async with http.get(f"{base}/metrics", headers=bearer) as response:
                assert response.status == 200
                assert "bot_pending_deadlines" in await response.text()
            async with http.get(f"{base}/healthz") as response:
                assert response.status == 200  # the proxy's health check needs no token
    finally:
        await h.stop()


async def test_the_sweeper_and_the_outbox_poll_run_on_the_monotonic_clock(
    harness: Harness,
) -> None:
    h = harness
    jobs = {job.name: job for job in h.dp["periodic"]}
    assert set(jobs) == {"outbox", "deadline-sweeper", "faq-refresh"}

    async def started() -> bool:  # at the end of the start-up, after the command menus
        return all(job.running for job in jobs.values())

    assert await eventually(started)
    assert jobs["deadline-sweeper"].seconds == h.services.settings.app.sweep_interval_seconds
    runs = jobs["deadline-sweeper"].runs

    async def swept_again() -> bool:
        return jobs["deadline-sweeper"].runs > runs

    assert await eventually(swept_again)
    assert [job.id for job in h.dp["scheduler"].get_jobs()] == ["housekeeping"]
