"""Locust load for heart-display: visitors who look at the heart as text, JSON or SVG.

Run by chaosgate (chaosgate.load.run.LoadRun), or by hand:

    HEART_TARGETS=http://127.0.0.1:8080,http://127.0.0.1:8081 \
      locust -f loadtests/heart.py --headless -u 10 -r 10 -t 30s
    # with a shape: -f loadtests/heart.py,loadtests/shapes.py and HEART_SHAPE=step

Targets: the stack runtime has no Service in front of the replicas, so each
request goes to a replica chosen at random from HEART_TARGETS (comma-separated
base URLs). We chose this over a loopback proxy: a proxy in Python would add a
hop whose latency and CPU (on a 2-CPU machine) would land in the very p99 we
judge. A request to a replica that was just killed fails, as it would for a
client whose connection was on that pod.

Degraded answers: a 200 with `X-Heart-Degraded: true` is a success (the
breaker's fallback worked) but is reported under "<kind> (degraded)", so the
locust report and the per-second degraded_ratio both show how much of the
traffic was served from local state.

Behind a Service (kind): each user keeps one keep-alive connection, and
kube-proxy balances connections, not requests, so with ten users a replica
can go without a single request. HEART_FRESH_CONNECTIONS=1 asks the server
to close every connection after its answer ("Connection: close"), so each
request is balanced on its own, as many short-lived clients would be.

Environment: HEART_TARGETS, HEART_WAIT_MIN_S / HEART_WAIT_MAX_S (think time,
default 0.05-0.15 s), HEART_FRESH_CONNECTIONS, HEART_SECONDS_FILE (per-second
JSON lines, optional).
"""

from __future__ import annotations

import os
import random

from locust import FastHttpUser, between, task

from chaosgate.load import locust_hooks
from chaosgate.load.seconds import DEGRADED_SUFFIX

TARGETS = [url.rstrip("/") for url in os.environ.get("HEART_TARGETS", "").split(",") if url]
FRESH_CONNECTIONS = os.environ.get("HEART_FRESH_CONNECTIONS") == "1"
EXPECTED_TYPE = {
    "text": "text/plain",
    "json": "application/json",
    "svg": "image/svg+xml",
}

locust_hooks.install()


class HeartVisitor(FastHttpUser):
    """Looks at the heart: mostly text, sometimes JSON, now and then the SVG."""

    host = TARGETS[0] if TARGETS else "http://127.0.0.1:8080"
    wait_time = between(
        float(os.environ.get("HEART_WAIT_MIN_S", "0.05")),
        float(os.environ.get("HEART_WAIT_MAX_S", "0.15")),
    )

    @task(6)
    def text(self) -> None:
        self.beat("text")

    @task(3)
    def json(self) -> None:
        self.beat("json")

    @task(1)
    def svg(self) -> None:
        self.beat("svg")

    def beat(self, kind: str) -> None:
        target = random.choice(TARGETS) if TARGETS else self.host  # noqa: S311 - not crypto
        accept = EXPECTED_TYPE[kind]
        headers = {"Accept": accept}
        if FRESH_CONNECTIONS:
            headers["Connection"] = "close"
        with self.client.get(
            f"{target}/", headers=headers, name=kind, catch_response=True
        ) as response:
            if response.status_code != 200:
                # A refused or reset connection has status 0 and the socket error in .error.
                response.failure(getattr(response, "error", None) or f"HTTP {response.status_code}")
            elif not (response.headers.get("Content-Type") or "").startswith(accept):
                response.failure(f"asked for {accept}, got {response.headers.get('Content-Type')}")
            else:
                if response.headers.get("X-Heart-Degraded") == "true":
                    response.request_meta["name"] = kind + DEGRADED_SUFFIX
                response.success()
