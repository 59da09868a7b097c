"""Locust event hooks that write exact per-second statistics. Import ONLY inside locust.

Importing locust monkey-patches the standard library for gevent, which is why
the harness runs locust in a subprocess and never imports this module itself.
A locustfile calls install(); every request then lands in a SecondStats bucket
and a greenlet appends each finished second, as a JSON line, to the file named
by HEART_SECONDS_FILE (see seconds.py for why locust's CSV history is not enough).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import gevent  # type: ignore[import-untyped]  # gevent ships no type information
from locust import events
from locust.env import Environment

from chaosgate.load.seconds import (
    DEGRADED_SUFFIX,
    SECONDS_FILE_ENV,
    SecondStats,
    summary_lines,
)

FLUSH_INTERVAL = 0.25  # seconds; a finished second is written at most this late


class SecondsWriter:
    """Feeds requests into SecondStats and writes finished seconds to a file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.stats = SecondStats()
        self.environment: Environment | None = None

    def on_request(self, name: str, response_time: float, exception: Any, **_: Any) -> None:
        degraded = name.endswith(DEGRADED_SUFFIX)
        self.stats.add(time.time(), float(response_time), exception is not None, degraded)

    def users(self) -> int:
        runner = self.environment.runner if self.environment else None
        return int(runner.user_count) if runner is not None else 0

    def flush(self, *, everything: bool = False) -> None:
        buckets = self.stats.pop_all() if everything else self.stats.pop_finished(time.time())
        if buckets:
            with self.path.open("a") as out:
                out.write(summary_lines(buckets, self.users()))

    def run_forever(self) -> None:
        while True:
            gevent.sleep(FLUSH_INTERVAL)
            self.flush()


def install() -> SecondsWriter | None:
    """Hook a SecondsWriter into locust's events when HEART_SECONDS_FILE is set."""
    target = os.environ.get(SECONDS_FILE_ENV)
    if not target:
        return None
    writer = SecondsWriter(Path(target))

    def on_init(environment: Environment, **_: Any) -> None:
        writer.environment = environment
        gevent.spawn(writer.run_forever)

    def on_quit(**_: Any) -> None:
        # "quit", not "quitting": it fires after the users are stopped, so the
        # requests still in flight at "quitting" are counted too.
        writer.flush(everything=True)

    # locust's EventHook.add_listener is unannotated; seen as Any, it is called as documented.
    hooks: Any = events
    hooks.init.add_listener(on_init)
    hooks.quit.add_listener(on_quit)
    hooks.request.add_listener(writer.on_request)
    return writer
