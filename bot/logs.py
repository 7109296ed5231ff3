"""Logging with the update and conversation in every line, never secrets or message texts."""

from __future__ import annotations

import contextvars
import logging

current_update: contextvars.ContextVar[int | None] = contextvars.ContextVar("update", default=None)
current_conversation: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "conversation", default=None
)
FORMAT = (
    "%(asctime)s %(levelname)s %(name)s update=%(update_id)s conversation=%(conversation_id)s"
    " %(message)s"
)
# The scheduler ticks every second and Alembic narrates each step: not news at INFO.
QUIET = ("apscheduler", "alembic", "aiogram.event")


class ContextFilter(logging.Filter):
    """Stamp each record with the update and conversation being handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Add update_id and conversation_id ('-' outside an update)."""
        record.update_id = current_update.get() or "-"
        record.conversation_id = current_conversation.get() or "-"
        return True


def setup_logging(level: str) -> None:
    """Configure the root logger once, for the CLI."""
    handler = logging.StreamHandler()
    handler.addFilter(ContextFilter())
    handler.setFormatter(logging.Formatter(FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
