import os
import signal
import sys
from pathlib import Path

import pytest

from chaosgate.errors import CommandError
from chaosgate.process import run, start_service
from chaosgate.waiting import wait_until


def test_captures_output() -> None:
    result = run([sys.executable, "-c", "print('hi')"], timeout=30)
    assert (result.returncode, result.stdout) == (0, "hi\n")


def test_failure_carries_pasteable_command_and_output() -> None:
    argv = [sys.executable, "-c", "import sys; print('boom out'); sys.exit(3)"]
    with pytest.raises(CommandError) as caught:
        run(argv, timeout=30)
    message = str(caught.value)
    assert "exited with 3" in message
    assert "'import sys; print('\"'\"'boom out'\"'\"'); sys.exit(3)'" in message
    assert "boom out" in caught.value.output


def test_check_false_returns_failures() -> None:
    result = run([sys.executable, "-c", "raise SystemExit(4)"], timeout=30, check=False)
    assert result.returncode == 4


def test_timeout_is_an_error_naming_the_limit() -> None:
    with pytest.raises(CommandError, match=r"did not finish within 1 s"):
        run([sys.executable, "-c", "import time; time.sleep(30)"], timeout=1)


def test_missing_program_says_to_run_setup() -> None:
    with pytest.raises(CommandError, match="make setup"):
        run(["chaosgate-no-such-program"], timeout=5)


def test_env_is_added_to_the_environment() -> None:
    code = "import os; print(os.environ['CG_X'], 'PATH' in os.environ)"
    assert run([sys.executable, "-c", code], timeout=30, env={"CG_X": "1"}).stdout == "1 True\n"


def test_a_started_service_runs_on_detached_in_a_session_of_its_own(tmp_path: Path) -> None:
    log = tmp_path / "service.log"
    script = "import os, time; print(os.getpid(), os.getsid(0), flush=True); time.sleep(30)"
    start_service([sys.executable, "-c", script], log)
    assert wait_until(lambda: log.read_text().strip() != "", timeout=20, interval=0.05)
    pid, session = map(int, log.read_text().split())
    try:
        assert session == pid  # a session leader: our signals and exit do not reach it
        assert session != os.getsid(0)
        os.kill(pid, 0)  # still running after start_service returned
    finally:
        os.kill(pid, signal.SIGKILL)


def test_a_service_that_cannot_start_says_why_in_its_log(tmp_path: Path) -> None:
    # The fork returns before the exec, so the reason is in the log, where
    # callers that wait for the service point the user (see ensure_docker).
    log = tmp_path / "log"
    start_service(["/nonexistent/dockerd"], log)
    assert wait_until(lambda: "/nonexistent/dockerd" in log.read_text(), timeout=20, interval=0.05)
