"""The console's settings live in bot.config (CONSOLE_*); this keeps the console's one accessor."""

from __future__ import annotations

from bot.config import ConsoleSettings, Settings

__all__ = ["ConsoleSettings", "console_settings"]


def console_settings(settings: Settings) -> ConsoleSettings:
    """Return the console's settings."""
    return settings.console
