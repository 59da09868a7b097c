"""Waiting on conditions, with time behind a seam so tests need no real sleeps."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol


class Clock(Protocol):
    """Monotonic time and sleeping; the real one is SystemClock."""

    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def wait_until(
    predicate: Callable[[], bool],
    *,
    timeout: float,
    interval: float,
    clock: Clock | None = None,
) -> bool:
    """Poll predicate until it is true (return True) or timeout passes (return False)."""
    clock = clock or SystemClock()
    deadline = clock.now() + timeout
    while True:
        if predicate():
            return True
        remaining = deadline - clock.now()
        if remaining <= 0:
            return False
        clock.sleep(min(interval, remaining))
