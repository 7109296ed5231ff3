"""A dispatcher that knows which updates it is handling, so shutdown can let them finish."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from aiogram.utils.backoff import BackoffConfig

from bot.telegram.business_routing import as_customer_update
from bot.telegram.connections import know_connection

if TYPE_CHECKING:
    from bot.inbox import Inbox

logger = logging.getLogger(__name__)

# Long enough for an update held up by a slow Bot API call or a short database hiccup; an
# update stuck in a database outage is not waited for past it (see docs/deployment.md).
DRAIN_SECONDS = 15.0


class DrainingDispatcher(Dispatcher):
    """Counts updates in flight, from before their user's lock to after their answers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self.inbox: Inbox | None = None  # set by bot.factory.create_dispatcher

    @property
    def in_flight(self) -> int:
        """Updates being handled now."""
        return self._in_flight

    async def feed_update(self, bot: Bot, update: Update, **kwargs: Any) -> Any:
        """Handle one update, counted while it runs."""
        self._in_flight += 1
        self._idle.clear()
        try:
            # A customer's message to a connected shop account runs the private journeys.
            update = as_customer_update(update)
            # A connection the bot never stored is asked of Telegram before any transaction.
            services = self.workflow_data.get("services")
            if services is not None:
                await know_connection(services, bot, update)
            return await super().feed_update(bot, update, **kwargs)
        finally:
            self._in_flight -= 1
            if not self._in_flight:
                self._idle.set()

    async def drain(self, timeout: float = DRAIN_SECONDS) -> int:
        """Wait until no update is in flight, for at most `timeout` s; return how many are left."""
        # Polling stops fetching and a webhook server stops accepting first; both leave the
        # updates already started running, and shutdown would close the database under them.
        if self._in_flight:
            logger.info("waiting for %s update(s) in flight", self._in_flight)
            try:
                await asyncio.wait_for(self._idle.wait(), timeout)
            except TimeoutError:
                logger.error(
                    "%s update(s) still in flight after %.0f s; stopping anyway",
                    self._in_flight,
                    timeout,
                )
        return self._in_flight

    async def _polling(
        self,
        bot: Bot,
        polling_timeout: int = 30,
        handle_as_tasks: bool = True,
        backoff_config: BackoffConfig | None = None,
        allowed_updates: list[str] | None = None,
        tasks_concurrency_limit: int | None = None,
        **kwargs: Any,
    ) -> None:
        """aiogram's start_polling runs this: fetch, store, confirm, then handle from the store."""
        from aiogram.dispatcher.dispatcher import DEFAULT_BACKOFF_CONFIG

        from bot.inbox import poll_into

        assert self.inbox is not None, "create_dispatcher gives the dispatcher its inbox"
        self.inbox.limit = tasks_concurrency_limit or 0
        await poll_into(
            self.inbox,
            bot,
            polling_timeout=polling_timeout,
            allowed_updates=allowed_updates,
            backoff_config=backoff_config or DEFAULT_BACKOFF_CONFIG,
        )
