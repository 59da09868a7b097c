"""Each heart-display pod's /metrics, scraped through the API server's pod proxy.

The breaker verdict needs every replica's breaker state, and a Service hides
which pod answered. The harness never sends traffic to a pod address: the
API server (reached on 127.0.0.1) proxies each scrape to the pod. One thread
lists the pods and scrapes each Running one every `interval`; each answer
becomes a METRICS record named after the pod (chaosgate.verdicts.records).
A pod that does not answer leaves no record for that round.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from chaosgate.fault_records import Emit
from chaosgate.kube.client import KubeApi, KubeApiError
from chaosgate.prometheus.metrics_text import MetricsFormatError, heart_metrics
from chaosgate.timeline import METRICS, Record

log = logging.getLogger(__name__)
SCRAPE_TIMEOUT_S = 1.0


class PodMetricsScraper:
    """Background scrapes of `port`/metrics on the pods matching `selector` (context manager)."""

    def __init__(
        self,
        api: KubeApi,
        namespace: str,
        selector: str,
        *,
        port: int,
        emit: Emit,
        interval: float = 0.5,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.api, self.namespace, self.selector, self.port = api, namespace, selector, port
        self.emit = emit
        self.interval = interval
        self.wall_clock = wall_clock
        self.failed_scrapes = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="pod-metrics", daemon=True)

    def running_pods(self) -> list[str]:
        body = self.api.call(
            self.api.core.list_namespaced_pod,
            self.namespace,
            doing=f"listing pods {self.selector} in {self.namespace}",
            label_selector=self.selector,
        )
        items: list[dict[str, Any]] = list(body.get("items") or [])
        return sorted(
            str(p["metadata"]["name"])
            for p in items
            if (p.get("status") or {}).get("phase") == "Running"
            and not p["metadata"].get("deletionTimestamp")
        )

    def scrape(self, pod: str) -> None:
        """One scrape of one pod; its METRICS record, or a count of the failure."""
        try:
            text = self.api.call_text(
                self.api.core.connect_get_namespaced_pod_proxy_with_path,
                f"{pod}:{self.port}",
                self.namespace,
                "metrics",
                doing=f"scraping /metrics of pod {self.namespace}/{pod}",
                timeout=SCRAPE_TIMEOUT_S,
            )
            figures = heart_metrics(text)
        except (KubeApiError, MetricsFormatError, OSError) as exc:
            self.failed_scrapes += 1
            log.debug("scrape of %s failed: %s", pod, exc)
            return
        self.emit(Record(self.wall_clock(), METRICS, pod, {**figures, "pod": pod}))

    def scrape_all(self) -> None:
        for pod in self.running_pods():
            self.scrape(pod)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            began = time.monotonic()
            try:
                self.scrape_all()
            except KubeApiError as exc:  # one failed round must not end the scraping
                self.failed_scrapes += 1
                log.info("listing pods to scrape failed: %s", exc)
            self._stopping.wait(max(0.0, self.interval - (time.monotonic() - began)))

    def __enter__(self) -> PodMetricsScraper:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        self._thread.join(timeout=10)
