"""PodMetricsScraper against a fake API server: one METRICS record per Running pod scraped."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chaosgate.kube.client import connect_kubeconfig
from chaosgate.kube.pod_metrics import PodMetricsScraper
from chaosgate.timeline import METRICS, Record
from helpers.fake_apiserver import FakeApiServer

PODS = "/api/v1/namespaces/heart/pods"
OPEN_BREAKER = """# HELP heart_display_breaker_state 0 closed, 1 open, 2 half-open
heart_display_breaker_state 1
heart_display_breaker_transitions_total{from="closed",to="open"} 1
heart_display_beats_total 42
"""


def pod(name: str, phase: str, *, deleting: bool = False) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "namespace": "heart"}
    if deleting:
        metadata["deletionTimestamp"] = "2026-12-02T00:00:00Z"
    return {"metadata": metadata, "status": {"phase": phase}}


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[FakeApiServer]:
    with FakeApiServer().running() as server:
        yield server


def test_each_running_pod_is_scraped_through_the_api_server_proxy(
    fake: FakeApiServer, tmp_path: Path
) -> None:
    pods = [pod("heart-display-0", "Running"), pod("heart-display-1", "Pending")]
    pods.append(pod("heart-display-2", "Running", deleting=True))
    fake.add_list(PODS, "7", pods)
    fake.texts[f"{PODS}/heart-display-0:8080/proxy/metrics"] = OPEN_BREAKER
    records: list[Record] = []
    with connect_kubeconfig(fake.kubeconfig(tmp_path)) as api:
        scraper = PodMetricsScraper(api, "heart", "app=x", port=8080, emit=records.append)
        assert scraper.running_pods() == ["heart-display-0"]
        scraper.scrape_all()
    (scrape,) = records
    assert (scrape.kind, scrape.name) == (METRICS, "heart-display-0")
    assert scrape.data["breaker_state"] == 1
    assert scrape.data["breaker_transitions"] == {"closed->open": 1}
    assert scrape.data["beats_total"] == 42
    assert scraper.failed_scrapes == 0


def test_a_pod_that_does_not_answer_leaves_no_record_and_is_counted(
    fake: FakeApiServer, tmp_path: Path
) -> None:
    fake.add_list(PODS, "7", [pod("heart-display-0", "Running")])
    records: list[Record] = []  # no text scripted: the fake answers JSON, not metrics
    with connect_kubeconfig(fake.kubeconfig(tmp_path)) as api:
        scraper = PodMetricsScraper(api, "heart", "app=x", port=8080, emit=records.append)
        scraper.scrape_all()
    assert records == []
    assert scraper.failed_scrapes == 1
