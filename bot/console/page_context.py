"""What the console's pages need: settings, keys, sessions for reads and writes, files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import MISSING_SECRET, ConfigError, Settings
from bot.console.files import TelegramFiles
from bot.console.read_engine import create_reader
from bot.console.settings import ConsoleSettings
from bot.content.loader import load_content
from bot.db import create_sessionmaker
from bot.i18n import Translations
from bot.services.console_auth import ConsoleKeys
from models.types import utcnow


@dataclass
class ConsoleContext:
    """The console's dependencies, built once per app."""

    settings: Settings
    console: ConsoleSettings
    keys: ConsoleKeys
    writer: async_sessionmaker[AsyncSession]
    reader: async_sessionmaker[AsyncSession]
    reader_engine: AsyncEngine
    files: TelegramFiles
    clock: Callable[[], datetime] = utcnow
    owns_reader: bool = False
    # The promises the figures measure, from content/policy.yaml (and its env overrides).
    reply_sla_seconds: int = 180
    callback_deadline: time = time(11, 0)
    translations: Translations | None = None

    @property
    def texts(self) -> Translations:
        """The console's texts in every language, loaded once."""
        if self.translations is None:
            self.translations = Translations()
        return self.translations

    @property
    def tz(self) -> ZoneInfo:
        """The business time zone that pages show times in."""
        return ZoneInfo(self.settings.app.timezone)

    @property
    def managers(self) -> frozenset[int]:
        """The managers configured in MANAGER_IDS (the database adds those with the role)."""
        return self.settings.telegram.manager_ids

    @property
    def backend(self) -> str:
        """The database dialect: sqlite or postgresql."""
        return self.reader_engine.dialect.name


def console_keys(settings: Settings, console: ConsoleSettings) -> ConsoleKeys:
    """Build the signing keys from CONSOLE_SECRET; refuse to sign with anything else."""
    if console.console_secret is None:
        raise ConfigError(MISSING_SECRET)
    secret = console.console_secret.get_secret_value()
    return ConsoleKeys(secret, console.link_ttl, console.session_ttl)


def build_context(
    settings: Settings,
    console: ConsoleSettings,
    engine: AsyncEngine,
    clock: Callable[[], datetime] = utcnow,
) -> ConsoleContext:
    """Assemble the console's context around the bot's (or its own) database engine."""
    reader = create_reader(settings.storage.database_url, engine)
    policy = load_content(settings.app.content_dir).policy
    return ConsoleContext(
        settings=settings,
        console=console,
        keys=console_keys(settings, console),
        writer=create_sessionmaker(engine),
        reader=create_sessionmaker(reader),
        reader_engine=reader,
        files=TelegramFiles(settings.telegram.telegram_api_url, settings.telegram.bot_token),
        clock=clock,
        owns_reader=reader is not engine,
        reply_sla_seconds=policy.reply_sla_seconds,
        callback_deadline=policy.callback_deadline,
        translations=Translations(),
    )
