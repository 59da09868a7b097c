"""kwok Stages that simulate an OOM kill and the kubelet's restart of the container.

kwok v0.8.0's default pod Stages (pod-ready, pod-complete, pod-delete) have
no OOM path, and its `pod-container-running-failed` chaos Stage fails the
whole pod (phase Failed, restartCount 0: a restartPolicy Never pod), which
is not what an OOM kill of a StatefulSet pod looks like. These two Stages
write what a kubelet writes instead:

1. chaosgate-pod-oom-kill — when a Running, Ready pod is annotated
   `chaosgate.io/simulate-oom: kill`: the annotated container terminated
   (reason OOMKilled, exit code 137), the pod not Ready; the annotation
   moves on to `restart`.
2. chaosgate-pod-oom-restart — `restart_delay_ms` later (the kubelet's
   restart back-off): the container running again, restartCount + 1, the
   OOM kill in lastState, the pod Ready; the annotations are removed.

kwok reads Stages from its configuration at start, and a configuration
that has any Stage replaces kwok's defaults, so a provider that wants these
must list them together with the default Stages (see the local provider).
pod_faults.oom_kill_simulated writes the same status itself when kwok
does not react, so scenarios run on clusters without these Stages too.
"""

from __future__ import annotations

from typing import Any

TRIGGER_ANNOTATION = "chaosgate.io/simulate-oom"
CONTAINER_ANNOTATION = "chaosgate.io/simulate-oom-container"
TRIGGER_KILL, TRIGGER_RESTART = "kill", "restart"
STAGE_API = "kwok.x-k8s.io/v1alpha1"

_READY = '.status.conditions.[] | select( .type == "Ready" ) | .status'


# Go templates (kwok renders them with sprig); `.` is the pod.
def _status_patch(ready: bool, target_container: str) -> str:
    """A pod status template: both readiness conditions set to `ready`, the
    container named by the annotation given `target_container` (a template of
    its status entry), every other container kept as it is."""
    status = "True" if ready else "False"
    reason = "" if ready else "  reason: ContainersNotReady\n"
    conditions = "".join(
        f'- type: {kind}\n  status: "{status}"\n{reason}'
        "  lastTransitionTime: {{ $now | Quote }}\n"
        for kind in ("Ready", "ContainersReady")
    )
    return (
        "{{ $now := Now }}\n"
        f'{{{{ $target := index .metadata.annotations "{CONTAINER_ANNOTATION}" }}}}\n'
        f"conditions:\n{conditions}"
        "containerStatuses:\n"
        "{{ range .status.containerStatuses }}\n"
        "{{ if eq .name $target }}\n"
        f"{target_container}"
        "{{ else }}\n"
        "- {{ YAML . 1 }}\n"
        "{{ end }}\n"
        "{{ end }}\n"
    )


_KILLED_STATUS = _status_patch(
    ready=False,
    target_container="""\
- name: {{ .name | Quote }}
  image: {{ .image | Quote }}
  ready: false
  started: false
  restartCount: {{ .restartCount }}
  state:
    terminated:
      exitCode: 137
      reason: OOMKilled
      startedAt: {{ or .state.running.startedAt $now | Quote }}
      finishedAt: {{ $now | Quote }}
""",
)

_RESTARTED_STATUS = _status_patch(
    ready=True,
    target_container="""\
- name: {{ .name | Quote }}
  image: {{ .image | Quote }}
  ready: true
  started: true
  restartCount: {{ add1 .restartCount }}
  lastState:
    terminated:
      exitCode: 137
      reason: OOMKilled
      startedAt: {{ .state.terminated.startedAt | Quote }}
      finishedAt: {{ .state.terminated.finishedAt | Quote }}
  state:
    running:
      startedAt: {{ $now | Quote }}
""",
)


def _annotation_is(value: str) -> dict[str, Any]:
    return {
        "key": f'.metadata.annotations["{TRIGGER_ANNOTATION}"]',
        "operator": "In",
        "values": [value],
    }


def _running_pod(ready: str) -> list[dict[str, Any]]:
    return [
        {"key": ".metadata.deletionTimestamp", "operator": "DoesNotExist"},
        {"key": ".status.phase", "operator": "In", "values": ["Running"]},
        {"key": _READY, "operator": "In", "values": [ready]},
    ]


def _stage(
    name: str, match: list[dict[str, Any]], next_: dict[str, Any], delay_ms: int = 0
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "resourceRef": {"apiGroup": "v1", "kind": "Pod"},
        "selector": {"matchExpressions": match},
        "next": next_,
    }
    if delay_ms:
        spec["delay"] = {"durationMilliseconds": delay_ms}
    return {"apiVersion": STAGE_API, "kind": "Stage", "metadata": {"name": name}, "spec": spec}


def oom_stages(restart_delay_ms: int = 2000) -> list[dict[str, Any]]:
    """The two Stages, as documents for a kwok (or kwokctl) configuration file.

    Patches are ordered annotation first: the pod's Ready condition is in each
    selector, so neither Stage can fire twice for one trigger.
    """
    kill = _stage(
        "chaosgate-pod-oom-kill",
        [_annotation_is(TRIGGER_KILL), *_running_pod(ready="True")],
        {
            "patches": [
                {
                    "root": "metadata",
                    "template": _annotations({TRIGGER_ANNOTATION: TRIGGER_RESTART}),
                },
                {"subresource": "status", "root": "status", "template": _KILLED_STATUS},
            ]
        },
    )
    restart = _stage(
        "chaosgate-pod-oom-restart",
        [_annotation_is(TRIGGER_RESTART), *_running_pod(ready="False")],
        {
            "patches": [
                {"subresource": "status", "root": "status", "template": _RESTARTED_STATUS},
                {
                    "root": "metadata",
                    "template": _annotations(
                        {TRIGGER_ANNOTATION: None, CONTAINER_ANNOTATION: None}
                    ),
                },
            ]
        },
        delay_ms=restart_delay_ms,
    )
    return [kill, restart]


def _annotations(values: dict[str, str | None]) -> str:
    lines = [f"  {key}: {'null' if value is None else value}" for key, value in values.items()]
    return "annotations:\n" + "\n".join(lines) + "\n"
