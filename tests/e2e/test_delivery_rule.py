"""No Telegram call while a database transaction is open: the watch the e2e harness runs."""

from __future__ import annotations

from bot.db import transaction
from tests.e2e.conftest import Harness
from tests.e2e.transactions import watch_calls


async def test_the_watch_sees_a_call_made_inside_a_transaction(harness: Harness) -> None:
    h = harness
    with watch_calls(h.services.engine, h.bot) as watch:
        async with transaction(h.services.sessions) as session:
            await session.connection()  # the transaction has begun
            await h.bot.get_me()
        await h.bot.get_me()  # committed: fine
    assert watch.calls == 2
    assert len(watch.offences) == 1 and watch.offences[0].startswith("GetMe")
