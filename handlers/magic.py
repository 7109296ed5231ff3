"""Magic filters (`F.…`) checked on the event loop instead of in a worker thread."""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.utils.magic_filter import MagicFilter


class Magic(Filter):
    """Pass when every magic rule holds; what `.as_(...)` captures goes to the handler.

    aiogram runs a bare `F.…` rule, being a plain callable, through `asyncio.to_thread`: a round
    trip through the thread pool for a check of a few microseconds, on every update and every
    router it passes. Wrapped in this async filter the same rule is resolved inline.
    """

    def __init__(self, *rules: MagicFilter) -> None:
        self.rules = rules

    async def __call__(self, event: Any) -> bool | dict[str, Any]:
        """Resolve each rule against the event, as aiogram would."""
        captured: dict[str, Any] = {}
        for rule in self.rules:
            value = rule.resolve(event)
            if not value:
                return False
            if isinstance(value, dict):
                captured.update(value)
        return captured or True

    def __str__(self) -> str:
        return f"Magic({', '.join(map(str, self.rules))})"
