"""Logging with the update and conversation in every line, never secrets or message texts."""

from __future__ import annotations

import contextvars
import logging
import re
from typing import TextIO

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


# A Bot API token: the bot's numeric id, a colon, 35 URL-safe characters (more, to be safe).
TOKEN = re.compile(r"\b\d{3,}:[A-Za-z0-9_-]{30,}")
BOT_PATH = re.compile(r"/bot\d+:[^/\s]*/")
HIDDEN = "<token>"


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """The text without Bot API tokens: in API paths, bare, and the configured ones."""
    for secret in secrets:
        text = text.replace(secret, HIDDEN)
    text = BOT_PATH.sub(f"/bot{HIDDEN}/", text)
    return TOKEN.sub(HIDDEN, text)


class RedactFilter(logging.Filter):
    """Take the bot token out of every record, whichever library logged it."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        # A secret of a few characters would blank those characters in every word instead.
        self.secrets = tuple(s for s in secrets if len(s) >= 8)

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the message and the traceback now, redacted, so nothing renders them later."""
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: let the handler report it as it would
            return True
        record.msg, record.args = redact(message, self.secrets), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


def setup_logging(level: str, secrets: tuple[str, ...] = (), stream: TextIO | None = None) -> None:
    """Configure the root logger once, for the CLI; the secrets never appear in a line."""
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactFilter(secrets))
    handler.addFilter(ContextFilter())
    handler.setFormatter(logging.Formatter(FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
