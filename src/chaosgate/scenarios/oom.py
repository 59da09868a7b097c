"""oom: a replica allocates past its memory limit under load; the kernel OOM-kills it, it
restarts, and the service recovers within the recovery budget while the load SLOs hold.

- on kind (chaos/oom.kube.json): heart-display's /chaos/allocate grows past the
  container's limit; the evidence is the kubelet's lastState.terminated.reason
  OOMKilled and the restart count. On kwok pods the kill is simulated (a Stage);
- on the stack runtime (chaos/oom.stack.json): the same allocation in a container
  with a cgroup memory limit, killed by the kernel.
Budget: gate.yaml's oom recovery_s. SLOs: loadtests/slo.yaml and monitoring/slo.yaml.
"""

from __future__ import annotations

from chaosgate.scenarios.definition import Family, Scenario
from chaosgate.scenarios.replica_fault import ReplicaFault

SCENARIO = Scenario(
    "oom",
    (Family.KUBE, Family.STACK),
    kwok_simulates=(
        "simulated: the OOM kill itself (status OOMKilled / exit 137 and the restart written "
        "by kwok's OOM Stage or by chaosgate, see each FAULT record's mechanism); real: "
        "readiness accounting by the StatefulSet controller"
    ),
)
OOM = ReplicaFault(SCENARIO, "oom_kill", lambda pod: {"target_pod": pod, "oom_mechanism": "auto"})
