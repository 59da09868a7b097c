"""SIGTERM becomes an exception (so `finally` runs), and can be deferred around rollbacks."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator

import pytest

from chaosgate.termination import Terminated, signals_deferred, sigterm_raises


@pytest.fixture(autouse=True)
def default_sigterm() -> Iterator[None]:
    """Start from Python's default SIGTERM action (a pytest plugin may have set its own)."""
    previous = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    yield
    signal.signal(signal.SIGTERM, previous)


def test_sigterm_raises_terminated_and_the_old_handler_comes_back() -> None:
    before = signal.getsignal(signal.SIGTERM)
    cleaned_up = False
    with pytest.raises(Terminated), sigterm_raises() as installed:
        assert installed
        try:
            os.kill(os.getpid(), signal.SIGTERM)  # the handler runs as os.kill returns
        finally:
            cleaned_up = True
    assert cleaned_up
    assert signal.getsignal(signal.SIGTERM) == before == signal.SIG_DFL


def test_a_handler_someone_else_installed_is_left_alone() -> None:
    seen: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: seen.append(signum))
    try:
        with sigterm_raises() as installed:
            assert not installed
            os.kill(os.getpid(), signal.SIGTERM)
        assert seen == [signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_deferred_signals_wait_for_the_block_to_finish() -> None:
    finished = False
    with pytest.raises(Terminated), signals_deferred() as received:
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGINT)
        finished = True
    assert finished
    assert received == [signal.SIGTERM, signal.SIGINT]


def test_outside_the_main_thread_nothing_is_installed() -> None:
    results: list[bool] = []

    def worker() -> None:
        with sigterm_raises() as installed:
            results.append(installed)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert results == [False]
