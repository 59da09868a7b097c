"""Chaos against real containers: rollbacks survive SIGTERM, and foreign containers are refused."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from chaosgate.chaos.stack_actions import RefusedTarget, kill_container
from chaosgate.containers.images import ImageRefs, build_images
from chaosgate.stack import docker_cli
from chaosgate.stack.config import StackConfig
from chaosgate.stack.http_probe import redis_answers
from chaosgate.stack.runtime import StackRuntime
from chaosgate.timeline import Record
from chaosgate.waiting import wait_until

pytestmark = [pytest.mark.needs_docker, pytest.mark.slow]
CHAOS_DIR = Path(__file__).resolve().parents[2] / "chaos"


@pytest.fixture(scope="module")
def images() -> ImageRefs:
    return build_images(log=print)


@pytest.fixture
def stack(images: ImageRefs, tmp_path: Path) -> Iterator[StackRuntime]:
    with StackRuntime(StackConfig(tmp_path / "stack", replicas=1, images=images)) as running:
        yield running


def redis_stopped(stack: StackRuntime, records: Path) -> bool:
    return not docker_cli.inspect_one(stack.redis.container).running


def outage_held(stack: StackRuntime, records: Path) -> bool:
    return records.is_file() and '"landed"' in records.read_text()


@pytest.mark.parametrize("moment", [redis_stopped, outage_held], ids=lambda f: f.__name__)
def test_sigterm_mid_outage_still_brings_redis_back(
    stack: StackRuntime, tmp_path: Path, moment: Callable[[StackRuntime, Path], bool]
) -> None:
    journal, records = tmp_path / "journal.json", tmp_path / "faults.jsonl"
    experiment = CHAOS_DIR / "breaker.stack.json"
    argv = [sys.executable, "-m", "chaosgate.chaos.runner", str(experiment)]
    argv += ["--journal", str(journal), "--records", str(records)]
    env = {**os.environ, **stack.chaos_env(), "CHAOSGATE_OUTAGE_SECONDS": "120"}
    with subprocess.Popen(argv, env=env, stderr=subprocess.PIPE, text=True) as runner:
        # Mid-experiment: while stop_redis runs, or while the 120 s outage is held.
        assert wait_until(lambda: moment(stack, records), timeout=60, interval=0.05)
        runner.send_signal(signal.SIGTERM)
        _, stderr = runner.communicate(timeout=60)
    assert runner.returncode == 3, stderr  # "interrupted"

    assert docker_cli.inspect_one(stack.redis.container).running
    assert redis_answers(stack.redis.addr)
    written = json.loads(journal.read_text())
    assert written["status"] == "interrupted"
    assert [(r["activity"]["name"], r["status"]) for r in written["rollbacks"]] == [
        ("ensure-redis-started", "succeeded")
    ]
    phases = [
        (r.data["action"], r.data["phase"], r.data["target"])
        for r in map(Record.from_json, records.read_text().splitlines())
    ]
    # Written by stop_redis and by start_redis (the rollback), named by the pod Redis
    # stands for; "landed" is there only if the signal came after stop_redis returned.
    assert phases[0] == ("redis_outage", "start", "redis")
    assert phases[-1] == ("redis_outage", "end", "redis")


def test_a_container_we_did_not_create_is_refused(images: ImageRefs, tmp_path: Path) -> None:
    name = f"cg-test-foreign-{tmp_path.name[-8:]}"
    docker_cli.docker(["run", "-d", "--name", name, "--network", "none", images.redis])
    try:
        with pytest.raises(RefusedTarget, match="did not create it"):
            kill_container(name)
        assert docker_cli.inspect_one(name).running
    finally:
        docker_cli.remove([name])
