"""The chaos/kube-*.json experiments are valid Chaos Toolkit experiments wired to our module."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from chaosgate.chaos import kube_actions as actions
from chaosgate.chaos.runner import experiment_activities, load_experiment, validate_experiment
from chaosgate.errors import UsageError

REPO = Path(__file__).resolve().parents[2]
EXPERIMENTS = sorted((REPO / "chaos").glob("*.kube.json"))
VALUES = {"kubeconfig_path": "/nonexistent/kubeconfig"}


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.name)
def test_experiment_is_valid(path: Path) -> None:
    validate_experiment(load_experiment(path), VALUES)


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.name)
def test_every_activity_uses_our_module_with_configuration(path: Path) -> None:
    experiment = load_experiment(path)
    for activity in experiment_activities(experiment):
        provider = activity["provider"]
        assert provider["module"] == "chaosgate.chaos.kube_actions"
        function = getattr(actions, provider["func"])
        assert "configuration" in inspect.signature(function).parameters
    config = experiment["configuration"]
    assert config["kubeconfig_path"]["key"] == "CHAOSGATE_KUBECONFIG"
    assert config["dry_run"]["key"] == "CHAOSGATE_DRY_RUN"
    assert (
        f"--no-version-check run --rollback-strategy always chaos/{path.name}"
        in (experiment["description"])
    )  # says how to run it by hand


def test_the_zone_drain_rolls_back_by_uncordoning() -> None:
    experiment = load_experiment(REPO / "chaos" / "az_drain.kube.json")
    assert [r["provider"]["func"] for r in experiment["rollbacks"]] == ["uncordon_zone"]


def test_destructive_actions_need_a_kubeconfig() -> None:
    with pytest.raises(UsageError, match="CHAOSGATE_KUBECONFIG"):
        actions.kill_pod("heart-display-0", configuration={})
