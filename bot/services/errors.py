"""Domain errors: the rules raise them, the error router turns them into polite texts."""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """A rule refused an action; `key` names the locale text that explains it."""

    key: ClassVar[str] = "error-generic"

    def __init__(self, **args: Any) -> None:
        self.args_for_text = args
        super().__init__(self.key, args)
