"""A Prometheus server on loopback that scrapes the given heart-display targets.

Used where the replicas are reachable from this machine (the stack runtime's
published ports). Its data and log stay in the scenario's run directory, so
the series behind a verdict can be queried again after the run.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import yaml

from chaosgate.ports import LOOPBACK, free_port
from chaosgate.process import Background
from chaosgate.prometheus.api import PrometheusApi, PrometheusError
from chaosgate.tools.cache import tool_path
from chaosgate.waiting import Clock, SystemClock, wait_until

JOB = "heart-display"
READY_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class ScrapeTarget:
    """One /metrics endpoint (host:port on loopback) and the labels its series get."""

    address: str
    labels: Mapping[str, str] = field(default_factory=dict)


def scrape_config(targets: Sequence[ScrapeTarget], interval_s: float) -> str:
    """prometheus.yml for one job scraping every target each interval_s seconds."""
    interval = f"{round(interval_s * 1000)}ms"
    config = {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "scrape_configs": [
            {
                "job_name": JOB,
                "scrape_timeout": interval,
                "static_configs": [
                    {"targets": [target.address], "labels": dict(target.labels)}
                    for target in targets
                ],
            }
        ],
    }
    return yaml.safe_dump(config, sort_keys=False)


class LocalPrometheus:
    """`with LocalPrometheus(targets, work_dir) as prometheus:` scrapes until the block ends."""

    def __init__(
        self,
        targets: Sequence[ScrapeTarget],
        work_dir: Path,
        interval_s: float = 1.0,
        clock: Clock | None = None,
    ) -> None:
        self.targets = targets
        self.work_dir = work_dir
        self.interval_s = interval_s
        self.clock = clock or SystemClock()
        self.port = free_port()
        self.api = PrometheusApi(f"http://{LOOPBACK}:{self.port}")
        self._process: Background | None = None

    def __enter__(self) -> LocalPrometheus:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        config = self.work_dir / "prometheus.yml"
        config.write_text(scrape_config(self.targets, self.interval_s))
        argv = [
            str(tool_path("prometheus")),
            f"--config.file={config}",
            f"--storage.tsdb.path={self.work_dir / 'data'}",
            f"--web.listen-address={LOOPBACK}:{self.port}",
        ]
        self._process = Background(argv, self.work_dir / "prometheus.log")
        try:
            self._wait_ready()
            self._wait_first_scrapes()
        except BaseException:
            self._process.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._process is not None:
            self._process.stop()

    def _wait_first_scrapes(self) -> None:
        """Until every target has been scraped once: a window that opens before a
        replica's first scrape would be judged on a rate of part of it."""
        if not self.targets:
            return
        expr = f'count(up{{job="{JOB}"}})'

        def all_scraped() -> bool:
            answer = self.api.query(expr, time.time())
            return bool(answer) and answer[0].value >= len(self.targets)

        if not wait_until(all_scraped, timeout=READY_TIMEOUT_S, interval=0.2, clock=self.clock):
            raise PrometheusError(
                f"Prometheus on {self.api.base_url} had not scraped all {len(self.targets)} "
                f"targets within {READY_TIMEOUT_S:.0f} s."
            )

    def _wait_ready(self) -> None:
        process = self._process
        assert process is not None
        ready = wait_until(
            lambda: not process.alive() or self.api.ready(),
            timeout=READY_TIMEOUT_S,
            interval=0.2,
            clock=self.clock,
        )
        if not ready or not process.alive():
            raise PrometheusError(
                f"Prometheus did not become ready on {self.api.base_url} within "
                f"{READY_TIMEOUT_S:.0f} s; its log ({process.log_path}) ends:\n{process.log_tail()}"
            )
