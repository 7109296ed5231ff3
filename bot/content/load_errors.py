"""Errors raised while loading business content files."""

from __future__ import annotations


class ContentError(Exception):
    """A content file is malformed; the message names the file and the entry."""

    def __init__(self, file: str, entry: str, message: str) -> None:
        self.file = file
        self.entry = entry
        self.message = message
        super().__init__(f"{file}: {entry}: {message}")
