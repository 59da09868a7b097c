"""The single subprocess seam: every external command goes through run().

No shell is ever involved (argv lists only), every call has a timeout, and a
failure raises CommandError carrying a pasteable command line and the tail of
its output, so the user sees what ran and why it failed.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from chaosgate.errors import CommandError

OUTPUT_TAIL_CHARS = 4000


@dataclass(frozen=True)
class Completed:
    """The result of a command that exited zero (or was allowed to fail)."""

    argv: list[str]
    returncode: int
    stdout: str
    stderr: str


def pretty(argv: list[str]) -> str:
    """Return argv as a command line the user can paste into a shell."""
    return shlex.join(argv)


def _tail(text: str) -> str:
    return text if len(text) <= OUTPUT_TAIL_CHARS else "…" + text[-OUTPUT_TAIL_CHARS:]


def run(
    argv: list[str],
    *,
    timeout: float,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    input_text: str | None = None,
    check: bool = True,
) -> Completed:
    """Run argv to completion and capture its output.

    env entries are added to the current environment rather than replacing it,
    because the tools we run need PATH, HOME and the Go caches.
    """
    full_env = {**os.environ, **env} if env else None
    try:
        proc = subprocess.run(
            argv,
            cwd=cwd,
            env=full_env,
            input=input_text,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        raise CommandError(
            f"{argv[0]} was not found; run `make setup` to install the pinned tools.",
            argv,
        ) from exc
    except subprocess.TimeoutExpired as exc:
        output = _decode(exc.stdout) + _decode(exc.stderr)
        raise CommandError(
            f"`{pretty(argv)}` did not finish within {timeout:.0f} s.\n{_tail(output)}",
            argv,
            output,
        ) from exc
    result = Completed(argv, proc.returncode, proc.stdout, proc.stderr)
    if check and proc.returncode != 0:
        output = proc.stdout + proc.stderr
        raise CommandError(
            f"`{pretty(argv)}` exited with {proc.returncode}.\n{_tail(output)}",
            argv,
            output,
        )
    return result


def _decode(data: bytes | str | None) -> str:
    if data is None:
        return ""
    return data if isinstance(data, str) else data.decode(errors="replace")


class Background:
    """A long-running process (a server) started through the seam, stopped on exit.

    Output goes to a log file, so a server that dies can be diagnosed; stop()
    sends SIGTERM, then SIGKILL after grace seconds, and never raises.
    """

    def __init__(
        self,
        argv: list[str],
        log_path: Path,
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.argv = argv
        self.log_path = log_path
        full_env = {**os.environ, **env} if env else None
        with log_path.open("ab") as log:
            try:
                self._proc = subprocess.Popen(
                    argv, stdout=log, stderr=subprocess.STDOUT, env=full_env, cwd=cwd
                )
            except FileNotFoundError as exc:
                raise CommandError(
                    f"{argv[0]} was not found; run `make setup` to install it.", argv
                ) from exc

    @property
    def pid(self) -> int:
        return self._proc.pid

    def alive(self) -> bool:
        return self._proc.poll() is None

    def log_tail(self) -> str:
        return _tail(self.log_path.read_text(errors="replace"))

    def stop(self, grace: float = 10.0) -> int | None:
        """Terminate the process (SIGTERM, then SIGKILL) and return its exit code."""
        if self.alive():
            self._proc.terminate()
            try:
                return self._proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self._proc.kill()
        return self._proc.wait()

    def __enter__(self) -> Background:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def start_service(argv: list[str], log_path: Path) -> None:
    """Start a daemon that outlives this process, in a session of its own.

    For system services the harness only switches on, like dockerd: they are
    not ours to stop, so unlike Background there is no handle. `setsid --fork`
    detaches it and returns at once, so no child of ours is left running
    (Python would warn about such a child when its handle is collected).
    The fork returns before the exec, so a service that fails to start says
    why in log_path; callers wait for it to answer and point there.
    """
    with log_path.open("ab") as log:
        try:
            subprocess.run(
                ["setsid", "--fork", *argv],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                timeout=30,
                check=True,
            )
        except FileNotFoundError as exc:
            raise CommandError("setsid was not found; install util-linux.", argv) from exc
        except subprocess.CalledProcessError as exc:
            raise CommandError(
                f"`{pretty(argv)}` could not be started (exit {exc.returncode}); see {log_path}.",
                argv,
            ) from exc
