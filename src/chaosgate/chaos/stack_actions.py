"""Chaos Toolkit actions and probes for the stack runtime (Python provider module).

Experiments in chaos/ call these by module and function name; their arguments
come from the experiment's `configuration` (environment variables set by the
stack runtime, see StackRuntime.chaos_env), so `chaos run chaos/<x>.json`
works by hand too.

Every action:
- refuses a container that the stack runtime did not create (no
  `chaosgate.managed=true` label): chaos only where we were allowed;
- in dry-run (configuration `dry_run` true) only says what it would do;
- checks that its fault really landed (the engine's FinishedAt moved, OOMKilled
  is set, Redis stopped answering) and returns a dict with `landed` and
  `landed_at` (UNIX time, the engine's);
- writes the FAULT records of what it did (start, landed at the engine's time,
  refused, end; chaosgate.verdicts.records) to the configuration's
  `fault_records` file, as the Kubernetes actions do: one path for every fault.
  A Redis outage starts at stop_redis and ends at start_redis.

Kills signal the container's main process directly when its PID is visible:
Docker then restarts it by its restart policy, as a kubelet restarts a killed
container. Otherwise it falls back to `docker kill`, which Docker does not
restart; the stack runtime's supervisor then does (see stack/supervisor.py).
"""

from __future__ import annotations

import signal as signals
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from chaosgate.chaos.configuration import Configuration, is_dry_run, records_emit
from chaosgate.errors import ChaosgateError, UnsafeTarget, UsageError
from chaosgate.fault_records import fault as fault_record
from chaosgate.prometheus.metrics_text import heart_metrics
from chaosgate.stack import docker_cli
from chaosgate.stack.docker_cli import ContainerError, ContainerState
from chaosgate.stack.http_probe import http_call, is_ready
from chaosgate.stack.http_probe import redis_answers as redis_ping
from chaosgate.termination import signals_deferred
from chaosgate.undo import UndoRecorder, recorder_from
from chaosgate.waiting import wait_until

LANDING_TIMEOUT = 15.0  # seconds to see a fault take effect before calling it not landed
ALLOCATE_CHUNK_MIB = 1024  # /chaos/allocate takes at most this per call
OOM_MARGIN_MIB = 32
REDIS_START_TIMEOUT = 30.0
START_CONTAINER_UNDO = "start_container"  # the undo ledger's name for it (chaosgate.recovery)


class RefusedTarget(UnsafeTarget):
    """An action was pointed at a container the stack runtime does not manage."""


BY_HAND = "as `python -m chaosgate.stack up` prints them"


def url_list(urls: str | list[str]) -> list[str]:
    """URLs from a list or a comma-separated string (environment values are strings).

    None at all is a usage error: "every replica is ready" must not hold of no replica.
    """
    items = urls.split(",") if isinstance(urls, str) else urls
    found = [url.strip().rstrip("/") for url in items if url.strip()]
    if not found:
        raise UsageError(
            f"The experiment names no heart-display URL; export CHAOSGATE_HEART_URLS and "
            f"CHAOSGATE_TARGET_URL {BY_HAND}."
        )
    return found


def managed_state(name: str) -> ContainerState:
    """The container's state, or RefusedTarget when chaosgate did not create it."""
    if not name:
        raise UsageError(
            f"The experiment names no container to act on; export "
            f"CHAOSGATE_TARGET_CONTAINER and CHAOSGATE_REDIS_CONTAINER {BY_HAND}."
        )
    state = docker_cli.inspect_one(name)
    if not state.managed:
        raise RefusedTarget(
            f"Refusing to touch container {name}: it has no {docker_cli.MANAGED_LABEL}=true "
            "label, so the stack runtime did not create it."
        )
    return state


def would(action: str, target: str, what: str) -> dict[str, Any]:
    return {"action": action, "target": target, "dry_run": True, "would": what, "landed": False}


def _pod_of(name: str, configuration: Configuration) -> str:
    """The pod a container stands for (its POD_LABEL), so records name what POD records name.

    Not looked up in dry-run (nothing is touched), nor for a container that is
    not there (the action's own error says so).
    """
    if is_dry_run(configuration) or not name:
        return name
    try:
        return docker_cli.inspect_one(name).labels.get(docker_cli.POD_LABEL) or name
    except ChaosgateError:  # the action's own checks say what is wrong, in its words
        return name


@contextmanager
def recorded_fault(
    configuration: Configuration, fault: str, pod: str, *, starts: bool = True, ends: bool = True
) -> Iterator[dict[str, Any]]:
    """FAULT records of one action on `pod`: start, then landed (if the result the action
    fills in says so, at the engine's time), refused (if it raised RefusedTarget), end."""
    emit = records_emit(configuration)
    common = {"target": pod, "dry_run": is_dry_run(configuration)}

    def record(t: float | None, phase: str, **data: Any) -> None:
        # The action's output names itself (kill_container) and the container: the
        # record names the fault and the pod instead.
        fields = {k: v for k, v in data.items() if k not in ("action", "phase")} | common
        emit(fault_record(t or time.time(), fault, phase, **fields))

    if starts:
        record(None, "start")
    result: dict[str, Any] = {}
    try:
        yield result
    except RefusedTarget as refusal:
        record(None, "refused", reason=str(refusal))
        raise
    finally:
        if result.get("landed"):
            record(result.get("landed_at"), "landed", **result)
        if ends:
            record(None, "end", landed=bool(result.get("landed")))


def _terminated_after(name: str, before: ContainerState) -> ContainerState | None:
    """The state once the container's FinishedAt moved past before's, or None on timeout."""
    seen: list[ContainerState] = []

    def terminated() -> bool:
        state = docker_cli.inspect_one(name)
        seen.append(state)
        return state.finished_at is not None and state.finished_at != before.finished_at

    if wait_until(terminated, timeout=LANDING_TIMEOUT, interval=0.05):
        return seen[-1]
    return None


def _landing(action: str, target: str, after: ContainerState | None) -> dict[str, Any]:
    """An action's result; evidence uses the labels of chaosgate.verdicts.records."""
    return {
        "action": action,
        "target": target,
        "landed": after is not None,
        "landed_at": after.finished_at if after else None,
        "oom_killed": after.oom_killed if after else None,
        # "terminated" is the kill itself; that the pod came back is the observer's to show.
        "evidence": ("OOMKilled" if after.oom_killed else "terminated") if after else None,
    }


# -- actions ------------------------------------------------------------------
def kill_container(
    name: str, signal: str = "KILL", configuration: Configuration = None
) -> dict[str, Any]:
    """Kill a container's main process with a signal (default SIGKILL), like a crash."""
    signum = signals.Signals[f"SIG{signal.upper().removeprefix('SIG')}"]
    with recorded_fault(configuration, "pod_kill", _pod_of(name, configuration)) as result:
        if is_dry_run(configuration):
            return would(
                "kill_container", name, f"send {signum.name} to the main process of {name}"
            )
        before = managed_state(name)
        if docker_cli.host_pid_visible(before.pid):
            docker_cli.kill_main_process(before, signum)
            method = "process"
        else:
            docker_cli.docker_kill(name, signum.name.removeprefix("SIG"))
            method = "engine"  # not restarted by Docker: the runtime's supervisor restarts it
        landing = _landing("kill_container", name, _terminated_after(name, before))
        result.update(landing, method=method)
    return result


def oom_container(
    name: str, url: str, mib: int = 0, configuration: Configuration = None
) -> dict[str, Any]:
    """Make a replica allocate past its memory limit through /chaos/allocate: a real OOM kill.

    mib 0 means the container's limit plus a margin. The allocation request
    never gets an answer when the kill lands; that is expected.
    """
    with recorded_fault(configuration, "oom_kill", _pod_of(name, configuration)) as result:
        if is_dry_run(configuration):
            return would(
                "oom_container", name, f"allocate past the memory limit of {name} via {url}"
            )
        (url,) = url_list([url])
        before = managed_state(name)
        total = mib or before.memory_limit // (1024 * 1024) + OOM_MARGIN_MIB
        remaining = total
        while remaining > 0:
            chunk = min(remaining, ALLOCATE_CHUNK_MIB)
            allocate = f"{url.rstrip('/')}/chaos/allocate?mib={chunk}"
            answer = http_call(allocate, method="POST", timeout=30)
            if not answer.ok:
                break  # killed mid-allocation (or refused): landing is judged below
            remaining -= chunk
        landing = _landing("oom_container", name, _terminated_after(name, before))
        result.update(landing, requested_mib=total)
    return result


def release_memory(url: str, configuration: Configuration = None) -> dict[str, Any]:
    """Drop memory a replica holds through /chaos/release (idempotent; rollback of oom_container).

    A replica that was OOM-killed holds nothing any more; this matters when the
    limit was not enforced and the allocation survived.
    """
    if is_dry_run(configuration):
        return would("release_memory", url, f"POST {url}/chaos/release")
    answer = http_call(f"{url.rstrip('/')}/chaos/release", method="POST", timeout=10)
    return {"action": "release_memory", "target": url, "status": answer.status, "landed": False}


def stop_redis(name: str, addr: str = "", configuration: Configuration = None) -> dict[str, Any]:
    """Stop the Redis container (an outage of the stack's dependency; start_redis ends it)."""
    with recorded_fault(
        configuration, "redis_outage", _pod_of(name, configuration), ends=False
    ) as result:
        if is_dry_run(configuration):
            return would("stop_redis", name, f"stop container {name}")
        result.update(_stop_redis(name, addr, configuration))
    return result


def _stop_redis(name: str, addr: str, configuration: Configuration) -> dict[str, Any]:
    before = managed_state(name)
    # Noted before the stop, so a harness killed mid-outage leaves `chaosgate recover`
    # what it needs; start_redis (the rollback) settles it.
    _undo(configuration).before_change(
        START_CONTAINER_UNDO,
        {"container": name, "addr": addr},
        f"Redis container {name} is stopped",
    )
    # A stop cut short by SIGTERM would leave the engine stopping Redis after our
    # rollback started it again: let the stop finish, then act on the signal.
    with signals_deferred():
        docker_cli.stop(name, grace_seconds=1)
    after = docker_cli.inspect_one(name)
    landed = not after.running and not (addr and redis_ping(addr, timeout=0.5))
    changed = after.finished_at != before.finished_at
    return {
        "action": "stop_redis",
        "target": name,
        "landed": landed and changed,
        "landed_at": after.finished_at,
        "evidence": "stopped",
    }


def start_redis(name: str, addr: str = "", configuration: Configuration = None) -> dict[str, Any]:
    """Start the Redis container again (idempotent: a running Redis is left alone).

    Fails unless Redis answers PING (when addr is given) within REDIS_START_TIMEOUT,
    so a rollback that did not bring Redis back is a failed rollback.
    """
    with recorded_fault(
        configuration, "redis_outage", _pod_of(name, configuration), starts=False
    ) as result:
        if is_dry_run(configuration):
            return would("start_redis", name, f"start container {name} if it is stopped")
        state = managed_state(name)
        if not state.running:
            with signals_deferred():
                docker_cli.start(name)
        if addr and not _redis_back(addr):
            raise ContainerError(f"Redis in {name} did not answer at {addr} after starting it.")
        _undo(configuration).settle(START_CONTAINER_UNDO, container=name)
        result.update(action="start_redis", target=name, already_running=state.running)
    return result


def _undo(configuration: Configuration) -> UndoRecorder:
    return recorder_from(configuration, "stack/by-hand")


def _redis_back(addr: str) -> bool:
    return wait_until(lambda: redis_ping(addr), timeout=REDIS_START_TIMEOUT, interval=0.05)


# -- probes -------------------------------------------------------------------
def hold(seconds: float, configuration: Configuration = None) -> float:
    """Keep the fault in place for `seconds` (returns the seconds held; 0 in dry-run).

    Use this instead of an activity's "pauses": chaoslib 1.44 sleeps a pause in
    a `finally` block, so a SIGTERM that lands during the paused activity waits
    the whole pause out before the rollbacks run. This sleep is interruptible.
    """
    if is_dry_run(configuration):
        return 0.0
    began = time.monotonic()
    time.sleep(float(seconds))
    return round(time.monotonic() - began, 3)


def all_ready(urls: str | list[str]) -> bool:
    """True when every replica's /readyz answers 200."""
    return all(is_ready(url) for url in url_list(urls))


def wait_all_ready(urls: str | list[str], timeout_s: float = 30.0) -> bool:
    """True once every replica is ready again within timeout_s (recovery after a fault)."""
    return wait_until(lambda: all_ready(urls), timeout=timeout_s, interval=0.1)


def breaker_state(url: str) -> int:
    """The replica's breaker state from /metrics: 0 closed, 1 open, 2 half-open (-1: no answer)."""
    answer = http_call(f"{url.rstrip('/')}/metrics")
    if not answer.ok:
        return -1
    state = heart_metrics(answer.body)["breaker_state"]
    return -1 if state is None else int(state)


def redis_answers(addr: str) -> bool:
    """True when Redis answers PING."""
    if not addr:
        raise UsageError(
            f"The experiment names no Redis address; export CHAOSGATE_REDIS_ADDR {BY_HAND}."
        )
    return redis_ping(addr)
