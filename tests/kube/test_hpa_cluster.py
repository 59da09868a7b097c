"""The real HPA under simulated CPU load: out within budget, back in after the load.

One local cluster for the module, with the chart's HPA behaviour windows
shortened for the test (values-fast-hpa.yaml). Real: metrics-server, the
HPA controller, StatefulSet scaling; simulated: the CPU usage numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chaosgate.kube.usage import LoadProfile, UsageModel
from chaosgate.scenarios import hpa
from chaosgate.scenarios.cluster_backend import RunSettings, Windows
from chaosgate.timeline import HPA, WINDOW
from helpers.heart_cluster import HeartCluster, heart_cluster

pytestmark = [pytest.mark.needs_tools, pytest.mark.slow, pytest.mark.timeout(600)]

FAST_HPA = Path(__file__).resolve().parent / "values-fast-hpa.yaml"
MAX_REPLICAS = 12
# HPA sync (15 s) + two metrics-server scrapes for a new CPU rate (2 x 10 s) + margin
SCALE_OUT_BUDGET_S = 45.0


@pytest.fixture(scope="module")
def heart(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HeartCluster]:
    with heart_cluster(tmp_path_factory.mktemp("kwok"), values=[FAST_HPA]) as cluster:
        yield cluster


def test_hpa_scales_out_under_load_and_back_in(heart: HeartCluster, tmp_path: Path) -> None:
    # 30 users at 10 millicores each over 6 pods: 55m a pod, 110 % of the 50m request
    # against a 70 % target, so the HPA wants about 10 replicas.
    # The load lasts as long as the budget: a shorter run could not judge a slow HPA.
    profile = LoadProfile(
        peak_users=30, ramp_up_s=2, hold_s=SCALE_OUT_BUDGET_S, ramp_down_s=2, cooldown_s=60
    )
    timeline, artifacts = hpa.play(
        heart.info,
        profile,
        RunSettings(tmp_path / "run", Windows(baseline_s=5)),
        model=UsageModel(idle_millicores=5, millicores_per_user=10),
    )
    verdicts = hpa.judge(timeline, SCALE_OUT_BUDGET_S, MAX_REPLICAS)
    for verdict in verdicts:
        print(f"\n{verdict.outcome}: {verdict.check}: {verdict.message} {dict(verdict.figures)}")
    assert all(v.passed for v in verdicts), [v.message for v in verdicts]
    figures = verdicts[0].figures
    assert 6 < int(figures["peak_replicas"]) <= MAX_REPLICAS
    assert figures["end_replicas"] == 6
    assert {r.name for r in timeline.of_kind(WINDOW)} >= {"baseline", "load", "cooldown"}
    cpu = [r.data["currentCPUUtilizationPercentage"] for r in timeline.of_kind(HPA)]
    assert max(c for c in cpu if c is not None) > 70  # the real metrics pipeline saw the load
    assert artifacts.timeline_path.is_file()
