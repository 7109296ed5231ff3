"""The offline sandbox: the Telegram emulator, the bot and the default content, no token needed."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from pathlib import Path

from sqlalchemy import func
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from bot.config import Settings
from bot.console.server import start_console, stop_console
from bot.container import Services
from bot.db import create_engine, create_sessionmaker
from bot.factory import create_bot, create_dispatcher, create_services
from bot.runner import poll
from bot.services.duty import staff_member
from models import Customer, Message, StaffMember, StaffRole
from tgemulator import DEFAULT_TOKEN, Emulator, seed_demo
from tgemulator.run import DEMO_STAFF

logger = logging.getLogger(__name__)
SANDBOX_DATABASE = "sqlite+aiosqlite:///data/sandbox.db"


def sandbox_database() -> str:
    """The sandbox's database: DATABASE_URL when set, else its own SQLite file."""
    return os.environ.get("DATABASE_URL") or SANDBOX_DATABASE


def sandbox_settings(settings: Settings, api_url: str, group_id: int) -> Settings:
    """Point the bot at the emulator; keep the sandbox's data apart from a real bot's."""
    overrides = {
        "bot_token": DEFAULT_TOKEN,
        "telegram_api_url": api_url,
        "staff_chat_id": group_id,
        "manager_ids": frozenset({DEMO_STAFF[1][0]}),
        "database_url": sandbox_database(),
        "redis_url": os.environ.get("REDIS_URL") or None,
        "content_dir": settings.app.content_dir,
        "timezone": settings.app.timezone,
        "log_level": settings.app.log_level,
        "staff_language": settings.app.staff_language,
        "console_port": settings.app.console_port,
        # The sandbox's token is public, so its console signs with a key of its own run.
        "console_secret": (
            settings.console.console_secret.get_secret_value()
            if settings.console.console_secret
            else secrets.token_hex(32)
        ),
    }
    return Settings.load(env_file=None, **overrides)


async def used_ids(database_url: str) -> tuple[int, int]:
    """Return the highest user id and message or topic id the bot's database knows."""
    people = (Customer.telegram_id, StaffMember.telegram_id)
    messages = (Message.telegram_message_id, Message.thread_id, Customer.topic_id)
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            highest = [(await session.exec(select(func.max(c)))).one() or 0 for c in people]
            top = [(await session.exec(select(func.max(c)))).one() or 0 for c in messages]
    except DBAPIError:
        return 0, 0  # a new database: its tables come with the first migration
    finally:
        await engine.dispose()
    return max(highest), max(top)


async def name_demo_staff(services: Services) -> None:
    """Put the demo staff in the staff table by their names, so the console shows Anna, not 900001.

    A real staff member is named there the first time they act (/duty); the demo's two are
    named at start, as Telegram would give their names, the manager with the manager's role.
    """
    managers = services.settings.telegram.manager_ids
    async with services.sessions() as session:
        for telegram_id, first_name, last_name in DEMO_STAFF:
            name = f"{first_name} {last_name}"
            member = await staff_member(session, telegram_id, name, None, services.clock())
            if telegram_id in managers:
                member.role = StaffRole.MANAGER
        await session.commit()


def forget_sandbox_data() -> list[Path]:
    """Delete the sandbox's own SQLite database (and its WAL), to start clean."""
    database = Path(SANDBOX_DATABASE.split(":///", 1)[1])
    removed = [p for p in (database, *database.parent.glob(database.name + "-*")) if p.exists()]
    for path in removed:
        path.unlink()
    return removed


async def run_sandbox(settings: Settings, host: str = "127.0.0.1", port: int = 8081) -> None:
    """Run the emulator and the bot together until interrupted."""
    emu = Emulator(DEFAULT_TOKEN)
    seed_demo(emu)
    # Reset forgets the people on the page; the demo staff (Boris is the manager who signs in
    # to the console) and customers come back at once.
    emu.after_reset.append(seed_demo)
    # The database outlives the page: people created on it get ids the database has never
    # seen, so a new person never takes over an old customer's open conversation or topic.
    # Read before the page is served, so nobody can be created in between.
    emu.world.reserve_ids(*await used_ids(sandbox_database()))
    base_url = await emu.start(host, port)
    try:
        services = await create_services(sandbox_settings(settings, base_url, emu.group_id))
        await name_demo_staff(services)
        bot = create_bot(services)
        dp = create_dispatcher(services, bot)
        print(
            f"\n  Sandbox ready: open {base_url}/ in your browser.\n"
            "  Play a customer on the left and the staff group on the right. Ctrl+C stops.\n",
            flush=True,
        )
        console = await start_console(services.settings, services.engine, services.clock)
        if console is not None:
            url = services.settings.console.base_url(services.settings.app.console_port)
            print(f"  Manager console: {url}/ (sign in with /console as Boris).\n", flush=True)
        try:
            await poll(dp, bot, handle_signals=False)
        finally:
            await stop_console(console)
            await bot.session.close()
    except asyncio.CancelledError:
        pass
    finally:
        await emu.stop()
