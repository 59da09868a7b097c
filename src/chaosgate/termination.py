"""Turning SIGTERM into an exception, so every `finally` (container removal, rollbacks) runs.

Python's default SIGTERM action ends the process without unwinding, which
would leave containers running and Redis stopped. Handlers can only be set in
the main thread; elsewhere these helpers do nothing and say so in their result.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived. A KeyboardInterrupt, so it unwinds like Ctrl-C and chaoslib
    treats it as an interruption (rollbacks still run)."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated(f"received signal {signal.Signals(signum).name}")


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextmanager
def sigterm_raises() -> Iterator[bool]:
    """While active, SIGTERM raises Terminated. Yields whether our handler is installed.

    A handler someone else installed (a CLI, chaoslib) is left in place: they
    already decided what SIGTERM means.
    """
    if not _in_main_thread() or signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, None):
        yield False
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield True
    finally:
        signal.signal(signal.SIGTERM, previous)


def arm_sigterm() -> bool:
    """Make SIGTERM raise Terminated from now on (main thread only); True when armed.

    For code that runs inside someone else's handler scope and must not let
    their handler win, such as chaoslib's run (see chaos/runner.py).
    """
    if not _in_main_thread():
        return False
    signal.signal(signal.SIGTERM, _raise_terminated)
    return True


@contextmanager
def signals_deferred() -> Iterator[list[int]]:
    """While active, SIGINT and SIGTERM are only noted; afterwards the first one is acted on.

    For work that must not be cut in half, such as rollbacks: the list yielded
    holds the signals that arrived. On exit a noted signal is raised as
    KeyboardInterrupt (SIGINT) or Terminated (SIGTERM).
    """
    received: list[int] = []
    if not _in_main_thread():
        yield received
        return

    def note(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    previous = {sig: signal.signal(sig, note) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield received
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if received:
        if received[0] == signal.SIGTERM:
            raise Terminated("received signal SIGTERM (deferred until rollbacks finished)")
        raise KeyboardInterrupt
