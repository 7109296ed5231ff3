"""Typed settings from the environment and an optional .env file, one class per concern."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

OFFICIAL_API_URL = "https://api.telegram.org"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/bot.db"
DEFAULT_WEBHOOK_PATH = "/webhook"


MISSING_SECRET = (
    "CONSOLE_SECRET: not set; the manager console signs its sign-in links and sessions with it"
    " (`openssl rand -hex 32`), or set CONSOLE_PORT=0 to turn the console off"
)


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable."""


class _Base(BaseSettings):
    # An empty variable (DATABASE_URL=) means "not set", as people write it in .env files.
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", case_sensitive=False, env_ignore_empty=True
    )


class TelegramSettings(_Base):
    """How to reach Telegram and who the people behind the bot are."""

    bot_token: SecretStr | None = None
    telegram_api_url: str = OFFICIAL_API_URL
    staff_chat_id: int | None = None
    manager_ids: Annotated[frozenset[int], NoDecode] = frozenset()

    @field_validator("manager_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            try:
                return frozenset(int(p) for p in parts)
            except ValueError:
                raise ValueError(
                    f"must be comma-separated Telegram user ids, got {value!r}"
                ) from None
        return value

    # Telegram's flood limits, as `limits` strings ("20/minute", "5 per 5 seconds").
    rate_limit_chat: str = "5 per 5 seconds"
    rate_limit_group: str = "20/minute"
    rate_limit_overall: str = "30/second"

    @field_validator("rate_limit_chat", "rate_limit_group", "rate_limit_overall")
    @classmethod
    def _rate(cls, value: str) -> str:
        from limits import parse

        try:
            parse(value)
        except ValueError:
            raise ValueError(
                f"must read like '20/minute' or '5 per 5 seconds', got {value!r}"
            ) from None
        return value

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value():
            head, sep, tail = value.get_secret_value().partition(":")
            if not (sep and head.isdigit() and tail):
                raise ValueError("must look like 123456789:AA... as given by @BotFather")
        return value if value and value.get_secret_value() else None

    @field_validator("telegram_api_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"must be an http(s) URL, got {value!r}")
        return value.rstrip("/")


class StorageSettings(_Base):
    """Where state lives: the database and, in cluster mode, Redis."""

    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None

    @field_validator("database_url")
    @classmethod
    def _db_url(cls, value: str) -> str:
        allowed = ("sqlite+aiosqlite://", "postgresql+asyncpg://", "postgresql://", "sqlite://")
        if not value.startswith(allowed):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        # Plain driver names are accepted and mapped to the async drivers the bot needs.
        if value.startswith("postgresql://"):
            return "postgresql+asyncpg://" + value.removeprefix("postgresql://")
        if value.startswith("sqlite://"):
            return "sqlite+aiosqlite://" + value.removeprefix("sqlite://")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(f"must start with redis://, got {value!r}")
        return value or None


class WebhookSettings(_Base):
    """The public webhook address and the local server behind it."""

    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    # Behind the reverse proxy on this machine: /metrics and /healthz stay off the network.
    webhook_host: str = "127.0.0.1"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    metrics_token: SecretStr | None = None

    @field_validator("metrics_token")
    @classmethod
    def _metrics_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters (try `openssl rand -hex 16`)")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parsed = urlsplit(value)
        if parsed.scheme not in ("https", "http") or not parsed.hostname:
            raise ValueError(f"must be the full address Telegram posts to, got {value!r}")
        if parsed.query or parsed.fragment:
            raise ValueError(f"must not have a query or fragment, got {value!r}")
        if not parsed.path.strip("/"):
            # A bare host keeps its meaning from before: the bot served /webhook there.
            return value.rstrip("/") + DEFAULT_WEBHOOK_PATH
        return value

    @property
    def webhook_path(self) -> str:
        """Return the local path the server answers on: the path of WEBHOOK_URL."""
        if not self.webhook_url:
            return DEFAULT_WEBHOOK_PATH
        return urlsplit(self.webhook_url).path

    @field_validator("webhook_secret")
    @classmethod
    def _secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        secret = value.get_secret_value()
        # Telegram accepts 1-256 characters from A-Z, a-z, 0-9, _ and -.
        if len(secret) > 256 or not all(c.isalnum() or c in "_-" for c in secret):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value


class AppSettings(_Base):
    """Everything else: time zone, content, logging, the console."""

    timezone: str = "Europe/Moscow"
    content_dir: Path = Path("content")
    log_level: str = "INFO"
    console_port: int = Field(default=8090, ge=0, le=65535)
    sweep_interval_seconds: float = Field(default=0.5, gt=0, le=60)
    outbox_poll_seconds: float = Field(default=2.0, gt=0, le=60)
    staff_language: str = Field(default="en", pattern="^(en|ru)$")
    # builtin (the embedded sentence encoder), lexical (words only) or the URL of an
    # OpenAI-compatible embeddings endpoint.
    faq_encoder: str = "builtin"
    faq_encoder_model: str = ""
    faq_encoder_key: SecretStr | None = None
    faq_cache_dir: Path = Path("data/faq-cache")
    # Overrides the threshold the FAQ calibrates for itself.
    faq_threshold: float | None = Field(default=None, ge=0, le=1)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use e.g. Europe/Moscow)") from None
        return value

    @field_validator("faq_encoder")
    @classmethod
    def _encoder(cls, value: str) -> str:
        value = value.strip()
        if value not in ("builtin", "lexical") and not value.startswith(("http://", "https://")):
            raise ValueError(f"expected builtin, lexical or an http(s) URL, got {value!r}")
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.upper()
        if level not in logging.getLevelNamesMapping():
            raise ValueError(f"unknown log level {value!r}")
        return level


class ConsoleSettings(_Base):
    """CONSOLE_* variables; CONSOLE_PORT stays with the app settings."""

    console_secret: SecretStr | None = None
    console_url: str | None = None
    console_host: str = "127.0.0.1"
    console_link_ttl_seconds: int = Field(default=600, ge=30, le=86_400)
    console_session_ttl_seconds: int = Field(default=43_200, ge=300, le=30 * 86_400)

    @field_validator("console_secret")
    @classmethod
    def _secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters (try `openssl rand -hex 32`)")
        return value

    @field_validator("console_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"must be an http(s) URL, got {value!r}")
        return value.rstrip("/")

    @property
    def link_ttl(self) -> timedelta:
        """How long a sign-in link from the bot stays valid."""
        return timedelta(seconds=self.console_link_ttl_seconds)

    @property
    def session_ttl(self) -> timedelta:
        """How long a console session lasts after signing in."""
        return timedelta(seconds=self.console_session_ttl_seconds)

    def base_url(self, port: int) -> str:
        """The address managers open: CONSOLE_URL, or this machine on CONSOLE_PORT."""
        return self.console_url or f"http://127.0.0.1:{port}"


class Settings:
    """All settings, grouped by concern."""

    def __init__(
        self,
        telegram: TelegramSettings,
        storage: StorageSettings,
        webhook: WebhookSettings,
        app: AppSettings,
        console: ConsoleSettings,
    ) -> None:
        self.telegram = telegram
        self.storage = storage
        self.webhook = webhook
        self.app = app
        self.console = console

    @classmethod
    def load(cls, env_file: str | Path | None = ".env", **overrides: Any) -> Settings:
        """Read settings from the environment; raise ConfigError naming the bad variable."""
        groups: dict[str, type[_Base]] = {
            "telegram": TelegramSettings,
            "storage": StorageSettings,
            "webhook": WebhookSettings,
            "app": AppSettings,
            "console": ConsoleSettings,
        }
        built: dict[str, Any] = {}
        for name, klass in groups.items():
            fields = {k: v for k, v in overrides.items() if k in klass.model_fields}
            try:
                built[name] = klass(_env_file=env_file, **fields)
            except ValidationError as exc:
                raise ConfigError(_describe(exc)) from None
        return cls(**built)

    def secrets(self) -> tuple[str, ...]:
        """The secret values set, so logging can keep them out of every line."""
        found = (
            self.telegram.bot_token,
            self.webhook.webhook_secret,
            self.webhook.metrics_token,
            self.console.console_secret,
        )
        return tuple(s.get_secret_value() for s in found if s is not None)

    def check_console(self) -> None:
        """Refuse to serve the console without its own signing key."""
        if self.app.console_port and self.console.console_secret is None:
            raise ConfigError(MISSING_SECRET)


def _describe(exc: ValidationError) -> str:
    """Turn a pydantic error into one line naming the environment variable."""
    err = exc.errors()[0]
    variable = str(err["loc"][0]).upper() if err["loc"] else "settings"
    message = str(err["msg"]).removeprefix("Value error, ")
    if (
        "got " not in message
        and "input" in err
        and variable not in {"BOT_TOKEN", "WEBHOOK_SECRET", "CONSOLE_SECRET", "METRICS_TOKEN"}
    ):
        message += f", got {err['input']!r}"  # never echo a secret back into logs
    return f"{variable}: {message}"
