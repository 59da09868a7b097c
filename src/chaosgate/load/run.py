"""LoadRun: locust, headless, in a subprocess, with exact per-second LOAD records.

The locustfile (loadtests/heart.py) spreads requests over the replicas named
in HEART_TARGETS, writes one JSON line per finished second (see seconds.py)
and leaves locust's CSV files (summary, failures, full history) next to it
for people and for a cross-check of the totals.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from chaosgate.errors import ChaosgateError
from chaosgate.load.locust_summary import Totals, final_totals
from chaosgate.load.seconds import SECONDS_FILE_ENV, read_load_records
from chaosgate.process import Background
from chaosgate.timeline import Record
from chaosgate.versions import REPO_ROOT
from chaosgate.waiting import Clock, wait_until

LOADTESTS = REPO_ROOT / "loadtests"


class LoadError(ChaosgateError):
    """Locust could not start or produced no traffic."""


@dataclass(frozen=True)
class LoadConfig:
    """What load to run against which replicas. Defaults suit a short stack-runtime scenario."""

    targets: tuple[str, ...]  # base URLs, e.g. http://127.0.0.1:34567
    work_dir: Path  # CSVs, the per-second file and locust's log go here
    users: int = 10
    spawn_rate: float = 10.0
    # A cap, not the plan: locust stops by itself even if stop() is never called.
    max_run_time_s: int = 600
    shape: str | None = None  # steady | step | spike | pulse (loadtests/shapes.py); None: --users
    peak_users: int | None = None
    shape_duration_s: float = 60.0
    pulse_lead_s: float = 0.0  # pulse: base load this long before the peak
    pulse_peak_s: float = 30.0  # pulse: how long the peak lasts
    wait_min_s: float = 0.05  # think time of each user between requests
    wait_max_s: float = 0.15
    # Close each connection after its answer, so a Service balances every request
    # (kube-proxy balances connections: see loadtests/heart.py).
    fresh_connections: bool = False
    locustfile: Path = LOADTESTS / "heart.py"
    shapes_file: Path = LOADTESTS / "shapes.py"


def locust_argv(config: LoadConfig, csv_prefix: Path) -> list[str]:
    """The locust command line (run with this interpreter, so the venv's locust runs)."""
    files = str(config.locustfile)
    if config.shape:
        files += f",{config.shapes_file}"
    return [
        sys.executable,
        "-m",
        "locust",
        "-f",
        files,
        "--headless",
        "--users",
        str(config.users),
        "--spawn-rate",
        str(config.spawn_rate),
        "--run-time",
        f"{config.max_run_time_s}s",
        "--host",
        config.targets[0],
        "--csv",
        str(csv_prefix),
        "--csv-full-history",
        "--json-file",
        str(csv_prefix),
        "--only-summary",
        "--stop-timeout",
        "2",
    ]


def locust_env(config: LoadConfig, seconds_file: Path) -> dict[str, str]:
    env = {
        "HEART_TARGETS": ",".join(config.targets),
        SECONDS_FILE_ENV: str(seconds_file),
        "HEART_WAIT_MIN_S": str(config.wait_min_s),
        "HEART_WAIT_MAX_S": str(config.wait_max_s),
        "HEART_FRESH_CONNECTIONS": "1" if config.fresh_connections else "0",
    }
    if config.shape:
        env |= {
            "HEART_SHAPE": config.shape,
            "HEART_USERS": str(config.users),
            "HEART_PEAK_USERS": str(config.peak_users or config.users * 3),
            "HEART_DURATION_S": str(config.shape_duration_s),
            "HEART_SPAWN_RATE": str(config.spawn_rate),
            "HEART_LEAD_S": str(config.pulse_lead_s),
            "HEART_PEAK_S": str(config.pulse_peak_s),
        }
    return env


class LoadRun:
    """Locust running against the stack until stop() (context manager)."""

    def __init__(self, config: LoadConfig) -> None:
        if not config.targets:
            raise LoadError("LoadRun needs at least one target URL.")
        self.config = config
        config.work_dir.mkdir(parents=True, exist_ok=True)
        self.seconds_file = config.work_dir / "load-seconds.jsonl"
        self.csv_prefix = config.work_dir / "locust"
        self.log_path = config.work_dir / "locust.log"
        self._process: Background | None = None
        self.exit_code: int | None = None

    def start(self) -> LoadRun:
        self.seconds_file.unlink(missing_ok=True)
        argv = locust_argv(self.config, self.csv_prefix)
        env = locust_env(self.config, self.seconds_file)
        self._process = Background(argv, self.log_path, env=env)
        return self

    def wait_for_traffic(self, timeout: float = 30.0, clock: Clock | None = None) -> None:
        """Block until a finished second with requests is on record (locust takes ~2 s)."""

        def traffic() -> bool:
            if self._process is not None and not self._process.alive():
                raise LoadError(f"locust exited early; see {self.log_path}:\n{self._log_tail()}")
            return any(r.data.get("requests", 0) > 0 for r in self.records())

        if not wait_until(traffic, timeout=timeout, interval=0.2, clock=clock):
            raise LoadError(f"No load within {timeout:.0f} s; see {self.log_path}.")

    def running(self) -> bool:
        """Whether locust is still running (a shape or --run-time may end it by itself)."""
        return self._process is not None and self._process.alive()

    def stop(self) -> int | None:
        """Stop locust gracefully (SIGTERM: it finishes, writes its CSVs). Idempotent."""
        if self._process is not None and self.exit_code is None:
            self.exit_code = self._process.stop(grace=20)
        return self.exit_code

    def records(self) -> list[Record]:
        """LOAD records of every finished second so far."""
        return read_load_records(self.seconds_file)

    @property
    def summary_json(self) -> Path:
        return Path(f"{self.csv_prefix}.json")

    def totals(self) -> Totals | None:
        """Locust's own request and failure totals (written when it stops)."""
        return final_totals(self.summary_json)

    def _log_tail(self) -> str:
        return self._process.log_tail() if self._process is not None else ""

    def __enter__(self) -> LoadRun:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
