"""Settings come from the environment and bad values fail with one line naming the variable."""

from __future__ import annotations

import pytest

from bot.config import DEFAULT_DATABASE_URL, ConfigError, Settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BOT_TOKEN", "DATABASE_URL", "MANAGER_IDS", "REDIS_URL", "TIMEZONE"):
        monkeypatch.delenv(name, raising=False)


def test_defaults_need_no_environment() -> None:
    settings = Settings.load(env_file=None)
    assert settings.storage.database_url == DEFAULT_DATABASE_URL
    assert settings.telegram.bot_token is None
    assert settings.telegram.manager_ids == frozenset()


def test_values_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123:abc")
    monkeypatch.setenv("MANAGER_IDS", "10, 20;30")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    monkeypatch.setenv("STAFF_CHAT_ID", "-1001")
    s = Settings.load(env_file=None)
    assert s.telegram.bot_token is not None
    assert s.telegram.bot_token.get_secret_value() == "123:abc"
    assert s.telegram.manager_ids == {10, 20, 30}
    assert s.storage.database_url == "postgresql+asyncpg://u@h/db"
    assert s.telegram.staff_chat_id == -1001


def test_dotenv_file_is_read(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = tmp_path / ".env"
    env.write_text("MANAGER_IDS=5\nLOG_LEVEL=debug\n")
    s = Settings.load(env_file=env)
    assert s.telegram.manager_ids == {5}
    assert s.app.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("MANAGER_IDS", "1,two", "MANAGER_IDS: must be comma-separated"),
        ("WEBHOOK_PORT", "http", "WEBHOOK_PORT: "),
        ("TIMEZONE", "Mars/Olympus", "TIMEZONE: unknown time zone"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL: must start with"),
        ("REDIS_URL", "localhost:6379", "REDIS_URL: must start with redis://"),
        ("LOG_LEVEL", "loud", "LOG_LEVEL: unknown log level"),
        ("TELEGRAM_API_URL", "ftp://x", "TELEGRAM_API_URL: must be an http(s) URL"),
    ],
)
def test_bad_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as err:
        Settings.load(env_file=None)
    assert str(err.value).startswith(expected)
    assert "\n" not in str(err.value)


def test_a_bad_token_is_not_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "secret-without-colon")
    with pytest.raises(ConfigError) as err:
        Settings.load(env_file=None)
    assert "secret-without-colon" not in str(err.value)
    assert str(err.value).startswith("BOT_TOKEN:")


def test_empty_variables_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "")
    monkeypatch.setenv("REDIS_URL", "")
    settings = Settings.load(env_file=None)
    assert settings.storage.database_url == DEFAULT_DATABASE_URL
    assert settings.storage.redis_url is None


@pytest.mark.parametrize(
    ("given", "posted_to", "served_at"),
    [
        ("https://shop.example", "https://shop.example/webhook", "/webhook"),
        ("https://shop.example/", "https://shop.example/webhook", "/webhook"),
        ("https://shop.example/webhook", "https://shop.example/webhook", "/webhook"),
        ("https://shop.example/tg/hook", "https://shop.example/tg/hook", "/tg/hook"),
    ],
)
def test_webhook_url_is_the_address_telegram_posts_to(
    monkeypatch: pytest.MonkeyPatch, given: str, posted_to: str, served_at: str
) -> None:
    """The full address (documented) and the old bare host both work; never /webhook/webhook."""
    monkeypatch.setenv("WEBHOOK_URL", given)
    webhook = Settings.load(env_file=None).webhook
    assert webhook.webhook_url == posted_to
    assert webhook.webhook_path == served_at


@pytest.mark.parametrize("value", ["shop.example/webhook", "https://shop.example/hook?x=1"])
def test_a_webhook_url_that_is_not_an_address_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("WEBHOOK_URL", value)
    with pytest.raises(ConfigError) as err:
        Settings.load(env_file=None)
    assert str(err.value).startswith("WEBHOOK_URL: must")
