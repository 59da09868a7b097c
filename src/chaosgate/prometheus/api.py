"""Prometheus' HTTP API: instant and range queries, on loopback only.

Answers are reduced to what the harness uses: each series' labels and its
value(s) as floats ("NaN" and "+Inf" included, as Prometheus sends them).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chaosgate.errors import ChaosgateError

QUERY_TIMEOUT_S = 10.0


class PrometheusError(ChaosgateError):
    """Prometheus could not be reached or refused a query."""


@dataclass(frozen=True)
class InstantSample:
    labels: Mapping[str, str]
    value: float


@dataclass(frozen=True)
class RangeSeries:
    labels: Mapping[str, str]
    points: tuple[tuple[float, float], ...]


class PrometheusApi:
    """A client of one Prometheus server, e.g. PrometheusApi("http://127.0.0.1:9090")."""

    def __init__(self, base_url: str) -> None:
        host = urllib.parse.urlsplit(base_url).hostname or ""
        if urllib.parse.urlsplit(base_url).scheme != "http" or not host.startswith("127."):
            raise PrometheusError(
                f"Prometheus at {base_url} is not on loopback; chaosgate queries only "
                "servers it reaches through 127.0.0.1."
            )
        self.base_url = base_url.rstrip("/")

    def query(self, expr: str, at: float) -> list[InstantSample]:
        """The instant vector of expr evaluated at UNIX time `at` (a scalar is one sample)."""
        data = self._get("/api/v1/query", {"query": expr, "time": f"{at:.3f}"})
        if data["resultType"] == "scalar":
            return [InstantSample({}, _float(data["result"][1]))]
        if data["resultType"] != "vector":
            raise PrometheusError(f"{expr!r} is a {data['resultType']}, not an instant vector.")
        return [InstantSample(item["metric"], _float(item["value"][1])) for item in data["result"]]

    def query_range(self, expr: str, start: float, end: float, step_s: float) -> list[RangeSeries]:
        """expr evaluated every step_s seconds from start to end."""
        params = {"query": expr, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": str(step_s)}
        data = self._get("/api/v1/query_range", params)
        return [
            RangeSeries(item["metric"], tuple((float(t), _float(v)) for t, v in item["values"]))
            for item in data["result"]
        ]

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base_url}/-/ready", timeout=1.0) as answer:  # noqa: S310
                return bool(answer.status == 200)
        except (OSError, urllib.error.URLError):
            return False

    def _get(self, path: str, params: Mapping[str, str]) -> Any:
        url = f"{self.base_url}{path}?{urllib.parse.urlencode(params)}"
        try:
            with urllib.request.urlopen(url, timeout=QUERY_TIMEOUT_S) as answer:  # noqa: S310
                body = json.loads(answer.read())
        except urllib.error.HTTPError as exc:
            body = _error_body(exc)
        except (OSError, urllib.error.URLError, ValueError) as exc:
            raise PrometheusError(f"Prometheus at {self.base_url} did not answer: {exc}") from exc
        if body.get("status") != "success":
            raise PrometheusError(
                f"Prometheus refused {params.get('query')!r}: {body.get('error', body)}"
            )
        return body["data"]


def _error_body(exc: urllib.error.HTTPError) -> Any:
    try:
        return json.loads(exc.read())
    except ValueError:
        return {"status": "error", "error": f"HTTP {exc.code}"}


def _float(text: str) -> float:
    return float(text)  # Prometheus sends "NaN", "+Inf", "-Inf", which float() reads
