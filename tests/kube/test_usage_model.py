"""Simulated CPU usage from a load profile: the model and the profile, table-style."""

from __future__ import annotations

from typing import Any

import pytest

from chaosgate.kube.usage import LoadProfile, UsageModel, usage_patches

PROFILE = LoadProfile(peak_users=30, ramp_up_s=10, hold_s=20, ramp_down_s=10, cooldown_s=30)


@pytest.mark.parametrize(
    ("elapsed", "users"),
    [(-1, 0), (0, 0), (5, 15), (10, 30), (25, 30), (30, 30), (35, 15), (40, 0), (60, 0)],
)
def test_profile_ramps_holds_and_ramps_down(elapsed: float, users: float) -> None:
    assert PROFILE.users_at(elapsed) == pytest.approx(users)


def test_profile_windows() -> None:
    assert PROFILE.load_s == 40
    assert PROFILE.total_s == 70


@pytest.mark.parametrize(
    ("users", "ready", "millicores"),
    [
        pytest.param(0, 6, 5, id="idle"),
        pytest.param(30, 6, 55, id="load-shared-by-six"),
        pytest.param(30, 10, 35, id="more-pods-less-each"),
        pytest.param(30, 0, 305, id="no-ready-pod-counts-as-one"),
    ],
)
def test_usage_per_pod(users: float, ready: int, millicores: int) -> None:
    assert UsageModel(idle_millicores=5, millicores_per_user=10).per_pod(users, ready) == millicores


def pod(
    name: str, *, ready: bool = True, usage: str | None = None, deleting: bool = False
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "annotations": {}}
    if usage:
        meta["annotations"]["kwok.x-k8s.io/usage-cpu"] = usage
    if deleting:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    status = {"conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}
    return {"metadata": meta, "status": status}


def test_only_pods_whose_usage_changes_are_patched() -> None:
    pods = [
        pod("a", usage="55m"),
        pod("b", usage="5m"),
        pod("c", ready=False),
        pod("d", deleting=True),
    ]
    # Two Ready pods share 10 users: 5 + 10 * 10 / 2 = 55m; the unready one idles.
    assert usage_patches(pods, UsageModel(), 10) == {"b": "55m", "c": "5m"}
