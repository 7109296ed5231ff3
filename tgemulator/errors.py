"""Errors the emulator answers with, shaped like the Bot API's own."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API error reply: HTTP status, description and optional parameters."""

    def __init__(
        self, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        """Return the JSON body Telegram would send for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str) -> ApiError:
    """Build a 400 error with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {reason}")


def forbidden(reason: str) -> ApiError:
    """Build a 403 error with Telegram's "Forbidden: " prefix."""
    return ApiError(403, f"Forbidden: {reason}")


def conflict(reason: str) -> ApiError:
    """Build a 409 error with Telegram's "Conflict: " prefix."""
    return ApiError(409, f"Conflict: {reason}")


class EmulatorError(Exception):
    """A misuse of the emulator's own API (unknown user, message or topic)."""
