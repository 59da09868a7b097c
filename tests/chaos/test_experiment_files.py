"""The experiment files are standard Chaos Toolkit experiments that chaoslib accepts."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from collections.abc import Callable
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
from chaosgate.errors import UsageError
from chaosgate.scenarios.catalog import SCENARIOS

CHAOS_DIR = Path(__file__).resolve().parents[2] / "chaos"
EXPERIMENTS = sorted(CHAOS_DIR.glob("*.stack.json"))
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
    outage = json.loads((CHAOS_DIR / "breaker.stack.json").read_text())
    assert [p["func"] for p in providers({"rollbacks": outage["rollbacks"]})] == ["start_redis"]


EVERY_EXPERIMENT = sorted(CHAOS_DIR.glob("*.json"))


def test_each_file_is_the_experiment_of_one_scenario_and_backend_family() -> None:
    """chaos/<scenario>.<family>.json, one per family a scenario lands a fault on."""
    wanted = {
        scenario.experiment(family)
        for scenario in SCENARIOS.values()
        if not scenario.experiment_free
        for family in scenario.families
    }
    assert set(EVERY_EXPERIMENT) == wanted
    assert {p.name for p in EXPERIMENTS} == {
        "breaker.stack.json",
        "oom.stack.json",
        "pod_kill.stack.json",
    }


@pytest.mark.parametrize("path", EVERY_EXPERIMENT, ids=lambda p: p.name)
def test_plain_chaos_validate_passes_with_an_empty_environment(path: Path, tmp_path: Path) -> None:
    """What a Chaos Toolkit user runs first: every configuration key has a default."""
    env = {"PATH": os.environ["PATH"], "HOME": os.environ["HOME"]}
    chaos = Path(sys.executable).parent / "chaos"
    done = subprocess.run(  # in tmp_path: chaos writes chaostoolkit.log where it runs
        [str(chaos), "--no-version-check", "validate", str(path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "experiment syntax and semantic look valid" in done.stdout + done.stderr


@pytest.mark.parametrize(
    ("call", "names"),
    [
        (lambda: stack_actions.kill_container(""), "CHAOSGATE_TARGET_CONTAINER"),
        (lambda: stack_actions.stop_redis(""), "CHAOSGATE_REDIS_CONTAINER"),
        (lambda: stack_actions.wait_all_ready("", timeout_s=0.1), "CHAOSGATE_HEART_URLS"),
        (lambda: stack_actions.all_ready(""), "CHAOSGATE_HEART_URLS"),
        (lambda: stack_actions.oom_container("cg-x", ""), "CHAOSGATE_TARGET_URL"),
        (lambda: stack_actions.redis_answers(""), "CHAOSGATE_REDIS_ADDR"),
    ],
)
def test_an_unset_target_is_a_sentence_naming_the_variable(
    call: Callable[[], object], names: str
) -> None:
    """Defaults are empty: run without the exports, an action says which one is missing
    (and "every replica is ready" never holds of no replica)."""
    with pytest.raises(UsageError, match=names):
        call()


def test_an_unreadable_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text("[1, 2")
    with pytest.raises(ExperimentError, match="Cannot read"):
        load_experiment(path)


def test_the_catalog_finds_every_scenario_of_the_cli() -> None:
    assert sorted(SCENARIOS) == sorted(["gitops", "pod_kill", "oom", "az_drain", "hpa", "breaker"])
