"""Faults injected on demand: flood limits, server errors, slow or dropped replies."""

from __future__ import annotations

from dataclasses import dataclass

from tgemulator.errors import ApiError

FAULT_KINDS = ("429", "500", "502", "slow", "drop")


@dataclass(slots=True)
class Fault:
    """One injected fault for a method (or every method), used up after `remaining` calls."""

    method: str | None
    kind: str
    remaining: int | None
    retry_after: int = 1
    delay: float = 0.5

    def error(self) -> ApiError | None:
        """Return the error reply this fault produces, if it produces one."""
        if self.kind == "429":
            return ApiError(
                429,
                f"Too Many Requests: retry after {self.retry_after}",
                {"retry_after": self.retry_after},
            )
        if self.kind == "500":
            return ApiError(500, "Internal Server Error")
        if self.kind == "502":
            return ApiError(502, "Bad Gateway")
        return None

    def view(self) -> dict[str, object]:
        """Return the fault as JSON for the control API."""
        return {
            "method": self.method,
            "kind": self.kind,
            "remaining": self.remaining,
            "retry_after": self.retry_after,
            "delay": self.delay,
        }


class Faults:
    """The queue of injected faults, matched by method name ignoring case."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(
        self,
        method: str | None = None,
        kind: str = "429",
        count: int | None = 1,
        retry_after: int = 1,
        delay: float = 0.5,
    ) -> Fault:
        """Queue a fault; count=None keeps it until cleared."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use one of {', '.join(FAULT_KINDS)}")
        if count is not None and count < 1:
            raise ValueError("count must be at least 1 (or None for no limit)")
        fault = Fault(method.lower() if method else None, kind, count, retry_after, delay)
        self._faults.append(fault)
        return fault

    def take(self, method: str) -> Fault | None:
        """Use up and return the first fault matching this method, if any."""
        name = method.lower()
        for fault in self._faults:
            if fault.method is None or fault.method == name:
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                return fault
        return None

    def clear(self) -> None:
        """Remove every fault."""
        self._faults.clear()

    def active(self) -> list[Fault]:
        """Return the faults still queued."""
        return list(self._faults)
