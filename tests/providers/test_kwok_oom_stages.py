"""The kwok Stages that simulate an OOM kill: shape and wiring (kwok renders the templates).

The local provider ships them with kwok's default Stages; their behaviour on
a real kwok (kill: OOMKilled / 137 / not Ready; restart after the delay:
restartCount 1, the kill in lastState, Ready) is checked by
tests/kube/test_pod_faults_cluster.py.
"""

from __future__ import annotations

from typing import Any

from chaosgate.providers.kwok_oom_stages import (
    CONTAINER_ANNOTATION,
    TRIGGER_ANNOTATION,
    TRIGGER_KILL,
    TRIGGER_RESTART,
    oom_stages,
)


def selector_values(stage: dict[str, Any], key_part: str) -> list[str]:
    for expression in stage["spec"]["selector"]["matchExpressions"]:
        if key_part in expression["key"]:
            return list(expression.get("values", []))
    return []


def test_two_stages_kill_then_restart_after_the_delay() -> None:
    kill, restart = oom_stages(restart_delay_ms=1500)
    assert [kill["metadata"]["name"], restart["metadata"]["name"]] == [
        "chaosgate-pod-oom-kill",
        "chaosgate-pod-oom-restart",
    ]
    assert all(
        s["kind"] == "Stage" and s["apiVersion"] == "kwok.x-k8s.io/v1alpha1"
        for s in (kill, restart)
    )
    assert selector_values(kill, TRIGGER_ANNOTATION) == [TRIGGER_KILL]
    assert selector_values(restart, TRIGGER_ANNOTATION) == [TRIGGER_RESTART]
    # Each fires on one Ready state only, so neither can fire twice for one trigger.
    assert selector_values(kill, '"Ready"') == ["True"]
    assert selector_values(restart, '"Ready"') == ["False"]
    assert "delay" not in kill["spec"]
    assert restart["spec"]["delay"] == {"durationMilliseconds": 1500}


def test_patches_write_the_kubelet_status_and_move_the_trigger_on() -> None:
    kill, restart = oom_stages()
    kill_meta, kill_status = kill["spec"]["next"]["patches"]
    assert kill_meta["root"] == "metadata"
    assert f"{TRIGGER_ANNOTATION}: {TRIGGER_RESTART}" in kill_meta["template"]
    assert kill_status["subresource"] == "status"
    assert "reason: OOMKilled" in kill_status["template"]
    assert "exitCode: 137" in kill_status["template"]
    assert CONTAINER_ANNOTATION in kill_status["template"]
    restart_status, restart_meta = restart["spec"]["next"]["patches"]
    assert "add1 .restartCount" in restart_status["template"]
    assert "lastState:" in restart_status["template"]
    assert f"{TRIGGER_ANNOTATION}: null" in restart_meta["template"]
    assert f"{CONTAINER_ANNOTATION}: null" in restart_meta["template"]
