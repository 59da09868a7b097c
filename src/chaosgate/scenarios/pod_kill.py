"""pod_kill: a replica is killed under load; the fault lands and the workload has it back
within its recovery budget while the load SLOs hold.

- on a cluster (chaos/pod_kill.kube.json): the pod is deleted with grace period 0 and
  the StatefulSet must make a new one Ready; recovery is time to Ready;
- on the stack runtime (chaos/pod_kill.stack.json): SIGKILL to one replica's main
  process; the engine restarts it by its restart policy, as a kubelet would.
Budget: gate.yaml's pod_kill recovery_s. SLOs: loadtests/slo.yaml and monitoring/slo.yaml.
"""

from __future__ import annotations

from chaosgate.scenarios.definition import Family, Scenario
from chaosgate.scenarios.replica_fault import ReplicaFault

SCENARIO = Scenario(
    "pod_kill",
    (Family.KUBE, Family.STACK),
    kwok_simulates=(
        "real: pod deletion, StatefulSet recreation, scheduling; simulated by kwok: the "
        "replacement container starting and becoming Ready"
    ),
)
POD_KILL = ReplicaFault(SCENARIO, "pod_kill", lambda pod: {"target_pod": pod})
