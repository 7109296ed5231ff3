"""The Bot API methods the emulator serves, with Telegram's limits and error texts."""

# Importing the method modules registers their handlers in HANDLERS.
from tgemulator.methods import business, chats, messages, updates
from tgemulator.methods.core import (
    CAPTION_LIMIT,
    HANDLERS,
    TEXT_LIMIT,
    BotApi,
    api_error_for,
    new_callback_id,
    serves,
)

__all__ = [
    "CAPTION_LIMIT",
    "HANDLERS",
    "TEXT_LIMIT",
    "BotApi",
    "api_error_for",
    "business",
    "chats",
    "messages",
    "new_callback_id",
    "serves",
    "updates",
]
