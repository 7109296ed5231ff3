"""Run the emulator standalone: the offline sandbox with a few demo people."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from tgemulator import business
from tgemulator.emulator import DEFAULT_TOKEN, Emulator

logger = logging.getLogger("tgemulator")

DEMO_STAFF = ((900001, "Anna", "Duty"), (900002, "Boris", "Manager"))
DEMO_CUSTOMERS = ((700001, "Maria", "en"), (700002, "Иван", "ru"))
# Telegram Business: the shop's own account, connected to the bot, and a customer writing to it.
DEMO_SHOP_ACCOUNT = (700010, "Corner Shop", "corner_shop")
DEMO_SHOP_CUSTOMER = (700011, "Olga", "writes to @corner_shop")


def seed_demo(emu: Emulator) -> None:
    """Add two staff members (the second a group administrator) and two customers."""
    for user_id, first_name, last_name in DEMO_STAFF:
        if user_id not in emu.world.users:
            emu.add_user(user_id, first_name, last_name, staff=True)
    emu.set_member_status(DEMO_STAFF[1][0], "administrator")
    for user_id, first_name, language in DEMO_CUSTOMERS:
        if user_id not in emu.world.users:
            emu.add_user(user_id, first_name, language_code=language)
    owner_id, shop_name, username = DEMO_SHOP_ACCOUNT
    if owner_id not in emu.world.users:
        emu.add_user(owner_id, shop_name, username=username, started=False)
    if not business.connections(emu.world):
        business.connect(emu.world, owner_id)
    user_id, first_name, last_name = DEMO_SHOP_CUSTOMER
    if user_id not in emu.world.users:
        emu.add_user(user_id, first_name, last_name, started=False)
        emu.world.users[user_id].via_owner = owner_id


async def run_emulator(
    host: str = "127.0.0.1",
    port: int = 8081,
    token: str = DEFAULT_TOKEN,
    *,
    spec_path: str | Path | None = None,
    bot_username: str = "service_bot",
    seed: bool = True,
    on_ready: Callable[[Emulator], Awaitable[None] | None] | None = None,
) -> None:
    """Serve the emulator until cancelled; on_ready(emu) runs once it listens."""
    emu = Emulator(token, spec_path=spec_path, bot_username=bot_username)
    if seed:
        seed_demo(emu)
        emu.after_reset.append(seed_demo)
    base_url = await emu.start(host, port)
    logger.info("sandbox page: %s/  Bot API base: %s  token: %s", base_url, base_url, token)
    try:
        if on_ready is not None:
            pending = on_ready(emu)
            if pending is not None:
                await pending
        await asyncio.Event().wait()
    finally:
        await emu.stop()
