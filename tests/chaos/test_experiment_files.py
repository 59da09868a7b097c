"""The experiment files are standard Chaos Toolkit experiments that chaoslib accepts."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import pytest

from chaosgate.chaos import stack_actions
from chaosgate.chaos.runner import (
    ExperimentError,
    experiment_activities,
    load_experiment,
    validate_experiment,
)

CHAOS_DIR = Path(__file__).resolve().parents[2] / "chaos"
EXPERIMENTS = sorted(CHAOS_DIR.glob("stack-*.json"))
# Stand-ins for the values the stack runtime provides through the environment.
CONFIG_VARS = {
    "redis_container": "cg-x-redis",
    "redis_addr": "127.0.0.1:1",
    "heart_urls": "http://127.0.0.1:1",
    "target_container": "cg-x-heart-0",
    "target_url": "http://127.0.0.1:1",
}


def providers(experiment: dict[str, Any]) -> list[dict[str, Any]]:
    return [activity["provider"] for activity in experiment_activities(experiment)]


def test_the_three_stack_experiments_exist() -> None:
    assert [p.name for p in EXPERIMENTS] == [
        "stack-oom-kill.json",
        "stack-pod-kill.json",
        "stack-redis-outage.json",
    ]


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.stem)
def test_chaoslib_validates_it(path: Path) -> None:
    validate_experiment(load_experiment(path), CONFIG_VARS)


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.stem)
def test_it_has_the_standard_sections(path: Path) -> None:
    experiment = json.loads(path.read_text())
    for key in ("title", "description", "configuration", "steady-state-hypothesis", "method"):
        assert experiment.get(key), f"{path.name} lacks {key}"
    assert "rollbacks" in experiment
    # Every value comes from the environment, so `chaos run` works by hand.
    assert all(entry["type"] == "env" for entry in experiment["configuration"].values())


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.stem)
def test_every_activity_calls_our_provider_module(path: Path) -> None:
    for provider in providers(json.loads(path.read_text())):
        assert provider["module"] == "chaosgate.chaos.stack_actions"
        function = getattr(stack_actions, provider["func"])
        assert set(provider.get("arguments", {})) <= set(inspect.signature(function).parameters)


def test_rollbacks_undo_what_the_outage_does() -> None:
    outage = json.loads((CHAOS_DIR / "stack-redis-outage.json").read_text())
    assert [p["func"] for p in providers({"rollbacks": outage["rollbacks"]})] == ["start_redis"]


def test_missing_configuration_is_a_clear_error() -> None:
    with pytest.raises(ExperimentError, match="CHAOSGATE_REDIS_CONTAINER"):
        validate_experiment(load_experiment(CHAOS_DIR / "stack-redis-outage.json"))


def test_an_unreadable_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text("[1, 2")
    with pytest.raises(ExperimentError, match="Cannot read"):
        load_experiment(path)
