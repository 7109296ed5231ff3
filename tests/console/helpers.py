"""Settings and a clock for the console's tests, shared by the fixtures and helpers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.config import Settings
from bot.console.settings import ConsoleSettings
from tests.console.world import BORIS, STAFF_CHAT

SECRET = "test-console-secret-" + "x" * 20
TOKEN = "123456:TEST-token-for-console-tests"


class Clock:
    """A clock the tests move by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def console_config(**overrides: Any) -> ConsoleSettings:
    """Console settings for tests, independent of the environment."""
    values: dict[str, Any] = {"console_secret": SECRET, "console_url": "http://console.test"}
    values.update(overrides)
    return ConsoleSettings(_env_file=None, **values)


def app_settings(
    database_url: str, api_url: str = "http://127.0.0.1:9", token: str = TOKEN
) -> Settings:
    """Bot settings with one configured manager and the business in Moscow."""
    return Settings.load(
        env_file=None,
        database_url=database_url,
        bot_token=token,
        telegram_api_url=api_url,
        staff_chat_id=STAFF_CHAT,
        manager_ids=frozenset({BORIS}),
        timezone="Europe/Moscow",
    )
