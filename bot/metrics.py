"""Prometheus metrics: updates and their latency, waiting customers, breaches, deadline backlog."""

from __future__ import annotations

import hmac
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from sqlalchemy import func
from sqlmodel import col, select

from bot.container import Services
from bot.db import transaction
from bot.logs import current_update
from bot.services.outbox_rows import backlog as outbox_backlog
from models import Conversation, ConversationStatus, Deadline, DeadlineStatus, Event

UPDATES = Counter("bot_updates_total", "Telegram updates handled", ["type", "outcome"])
LATENCY = Histogram(
    "bot_update_seconds",
    "Time to handle one update, commit included",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


class MetricsMiddleware(BaseMiddleware):
    """Count updates and time them, outermost so the commit is included."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        """Time the update; count it by type and outcome."""
        kind = (event.event_type if isinstance(event, Update) else type(event).__name__) or "other"
        started = time.perf_counter()
        # The same outermost place stamps log lines with the update being handled.
        token = current_update.set(event.update_id if isinstance(event, Update) else None)
        try:
            result = await handler(event, data)
        except Exception:
            UPDATES.labels(kind, "error").inc()
            raise
        finally:
            LATENCY.observe(time.perf_counter() - started)
            current_update.reset(token)
        UPDATES.labels(kind, "ok").inc()
        return result


async def _gauges(services: Services) -> str:
    """Read the service's state from the database, at scrape time."""
    now = services.clock()
    async with transaction(services.sessions) as session:
        waiting = (
            await session.exec(
                select(func.count()).where(Conversation.status == ConversationStatus.WAITING_STAFF)
            )
        ).one()
        pending = (
            await session.exec(
                select(func.count()).where(Deadline.status == DeadlineStatus.PENDING)
            )
        ).one()
        overdue = (
            await session.exec(
                select(func.count()).where(
                    Deadline.status == DeadlineStatus.PENDING, col(Deadline.due_at) < now
                )
            )
        ).one()
        backlog = await outbox_backlog(session)
        breaches = (
            await session.exec(
                select(Event.kind, func.count())
                .where(col(Event.kind).in_(["reply_breach", "callback_breach"]))
                .group_by(Event.kind)
            )
        ).all()
    lines = [
        "# HELP bot_waiting_conversations Conversations waiting for a person now",
        "# TYPE bot_waiting_conversations gauge",
        f"bot_waiting_conversations {waiting}",
        "# HELP bot_pending_deadlines Service promises not yet due or kept",
        "# TYPE bot_pending_deadlines gauge",
        f"bot_pending_deadlines {pending}",
        "# HELP bot_overdue_deadlines Promises past due and not yet fired (sweeper backlog)",
        "# TYPE bot_overdue_deadlines gauge",
        f"bot_overdue_deadlines {overdue}",
        "# HELP bot_outbox_backlog Messages to staff and managers waiting to be sent",
        "# TYPE bot_outbox_backlog gauge",
        f"bot_outbox_backlog {backlog}",
        "# HELP bot_breaches Broken promises recorded, by kind",
        "# TYPE bot_breaches gauge",
    ]
    counts = dict(breaches)
    lines += [
        f'bot_breaches{{kind="{k}"}} {counts.get(k, 0)}'
        for k in ("reply_breach", "callback_breach")
    ]
    return "\n".join(lines) + "\n"


def add_ops_routes(
    app: web.Application, services: Services, fault: Callable[[], str | None] = lambda: None
) -> None:
    """Serve /healthz and /metrics on an aiohttp app; `fault` says why the bot is unhealthy."""

    async def healthz(_request: web.Request) -> web.Response:
        reason = fault()
        if reason is not None:
            return web.json_response({"ok": False, "reason": reason}, status=503)
        async with transaction(services.sessions) as session:
            await session.exec(select(1))
        return web.json_response({"ok": True})

    token = services.settings.webhook.metrics_token
    expected = f"Bearer {token.get_secret_value()}".encode() if token else None

    async def metrics(request: web.Request) -> web.Response:
        given = request.headers.get("Authorization", "").encode()
        if expected is not None and not hmac.compare_digest(given, expected):
            return web.Response(status=401, text="METRICS_TOKEN required as a Bearer token\n")
        body = generate_latest().decode() + await _gauges(services)
        return web.Response(text=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
