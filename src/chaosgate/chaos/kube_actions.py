"""Chaos Toolkit actions and probes for Kubernetes: the provider module of chaos/*.kube.json.

Every function follows chaoslib's conventions: its own arguments come from
the experiment, and `configuration` / `secrets` are filled in by chaoslib
(secrets are accepted and not used: the kubeconfig carries the credentials).
Configuration keys, set from CHAOSGATE_* environment variables by the
experiment files so `chaos run chaos/kube-<x>.json` works by hand:

  kubeconfig_path   the cluster's kubeconfig file (required)
  allow_context     must equal the kubeconfig's current context, or every
                    destructive action refuses (chaosgate.safety)
  namespace         where the workload lives (default "heart")
  fault_records     a JSON-lines file the FAULT records are appended to
                    ("" = only logged); scenarios merge it into their timeline
  dry_run           true: say what would be done, change nothing
  undo_ledger       the undo ledger file (default: the one `chaosgate recover` reads)
  undo_scope        the ledger scope, "<provider>/<cluster>" (default "kubeconfig:<path>")

Outputs are JSON-able summaries; they never carry a `landed` key, because
the injectors record their own FAULT records and the runner would
otherwise add a second one under the function's name.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from chaosgate.chaos.configuration import Configuration, is_dry_run, records_emit, setting
from chaosgate.errors import UsageError
from chaosgate.kube import pod_faults, real_oom, redis_outage, zone_drain
from chaosgate.kube.client import KubeApi, ObjectNotFound, connect_kubeconfig
from chaosgate.kube.object_data import statefulset_data
from chaosgate.tools.cache import tool_path
from chaosgate.undo import recorder_from
from chaosgate.waiting import wait_until

Secrets = Mapping[str, Any] | None
DEFAULT_NAMESPACE = "heart"


# --- configuration -----------------------------------------------------------------


def namespace_of(configuration: Configuration, namespace: str = "") -> str:
    return namespace or str(setting(configuration, "namespace", DEFAULT_NAMESPACE))


@contextmanager
def kube_api(configuration: Configuration) -> Iterator[KubeApi]:
    """A client for the configured kubeconfig; chaos allowed only for `allow_context`."""
    path = setting(configuration, "kubeconfig_path")
    if not path:
        raise UsageError(
            "The experiment's configuration has no kubeconfig_path; export "
            "CHAOSGATE_KUBECONFIG=<the cluster's kubeconfig> (`chaosgate cluster status` "
            "prints it)."
        )
    allow = setting(configuration, "allow_context")
    with connect_kubeconfig(Path(str(path)), allow_context=str(allow) if allow else None) as api:
        yield api


def _names(value: str | list[str]) -> tuple[str, ...] | None:
    """A namespace list from a list or a comma-separated string; None (all) when empty."""
    items = value.split(",") if isinstance(value, str) else value
    names = tuple(item.strip() for item in items if item.strip())
    return names or None


# --- actions -----------------------------------------------------------------------


def drain_zone(
    zone: str,
    *,
    hold_seconds: float = 10.0,
    eviction_deadline_seconds: float = 60.0,
    completion_timeout_seconds: float = 60.0,
    namespaces: str | list[str] = "",
    configuration: Configuration = None,
    secrets: Secrets = None,
) -> dict[str, Any]:
    """Cordon `zone`, evict its pods (PDBs enforced), hold it drained, then uncordon it."""
    settings = zone_drain.DrainSettings(
        eviction_deadline_s=float(eviction_deadline_seconds),
        completion_timeout_s=float(completion_timeout_seconds),
        hold_s=float(hold_seconds),
        namespaces=_names(namespaces),
    )
    with kube_api(configuration) as api:
        result = zone_drain.drain_zone(
            api,
            zone,
            dry_run=is_dry_run(configuration),
            settings=settings,
            emit=records_emit(configuration),
            undo=recorder_from(
                configuration, f"kubeconfig:{setting(configuration, 'kubeconfig_path')}"
            ),
        )
    return result.summary()


def uncordon_zone(
    zone: str, configuration: Configuration = None, secrets: Secrets = None
) -> dict[str, Any]:
    """Uncordon the nodes of `zone` that chaosgate cordoned (the drain's rollback; idempotent)."""
    with kube_api(configuration) as api:
        nodes = zone_drain.uncordon_zone(
            api, zone, dry_run=is_dry_run(configuration), emit=records_emit(configuration)
        )
    return {"zone": zone, "uncordoned": nodes, "dry_run": is_dry_run(configuration)}


def kill_pod(
    name: str, namespace: str = "", configuration: Configuration = None, secrets: Secrets = None
) -> dict[str, Any]:
    """Delete the pod with grace period 0 and wait until it is gone or replaced."""
    with kube_api(configuration) as api:
        result = pod_faults.kill_pod(
            api,
            namespace_of(configuration, namespace),
            name,
            dry_run=is_dry_run(configuration),
            emit=records_emit(configuration),
        )
    return result.summary()


def oom_kill_pod(
    name: str,
    *,
    namespace: str = "",
    container: str = "",
    mechanism: str = "auto",
    configuration: Configuration = None,
    secrets: Secrets = None,
) -> dict[str, Any]:
    """OOM-kill a container: for real on a real kubelet, simulated on a kwok node.

    mechanism: "allocate" (real: heart-display allocates past its limit), "kwok-stage"
    or "status-patch" (simulated), or "auto": allocate on a real kubelet, else simulate.
    """
    if mechanism != "allocate" and mechanism not in pod_faults.MECHANISMS:
        raise UsageError(
            f"mechanism must be auto, allocate, kwok-stage or status-patch, not {mechanism!r}."
        )
    ns = namespace_of(configuration, namespace)
    with kube_api(configuration) as api:
        pod = pod_faults.read_pod(api, ns, name)
        real = mechanism == "allocate" or (
            mechanism == "auto" and pod_faults.runs_on_real_kubelet(api, pod)
        )
        if real:
            result = real_oom.oom_kill_by_allocation(
                api,
                ns,
                name,
                kubectl=tool_path("kubernetes", "kubectl"),
                container=container or None,
                dry_run=is_dry_run(configuration),
                emit=records_emit(configuration),
            )
        else:
            result = pod_faults.oom_kill_simulated(
                api,
                ns,
                name,
                container=container or None,
                mechanism=pod_faults.MECHANISMS[mechanism],
                dry_run=is_dry_run(configuration),
                emit=records_emit(configuration),
            )
    return result.summary()


def pause_redis(
    service: str,
    *,
    seconds: float = 12.0,
    namespace: str = "",
    configuration: Configuration = None,
    secrets: Secrets = None,
) -> dict[str, Any]:
    """Redis behind `service` answers no client for `seconds` (CLIENT PAUSE ALL); it ends itself."""
    with kube_api(configuration) as api:
        result = redis_outage.pause_redis(
            api,
            namespace_of(configuration, namespace),
            service,
            kubectl=tool_path("kubernetes", "kubectl"),
            plan=redis_outage.OutagePlan(float(seconds)),
            dry_run=is_dry_run(configuration),
            emit=records_emit(configuration),
        )
    return result.summary()


# --- probes ------------------------------------------------------------------------


def _statefulset_counts(api: KubeApi, namespace: str, name: str) -> dict[str, int]:
    try:
        body = api.call(
            api.apps.read_namespaced_stateful_set,
            name,
            namespace,
            doing=f"reading StatefulSet {namespace}/{name}",
        )
    except ObjectNotFound as exc:
        raise UsageError(f"There is no StatefulSet {name} in namespace {namespace}.") from exc
    data = statefulset_data(body)
    return {"replicas": data["replicas"], "readyReplicas": data["readyReplicas"]}


def statefulset_ready(
    name: str,
    namespace: str = "",
    timeout_seconds: float = 60.0,
    configuration: Configuration = None,
) -> bool:
    """True once every desired replica of the StatefulSet is Ready (within timeout_seconds)."""
    with kube_api(configuration) as api:
        ns = namespace_of(configuration, namespace)

        def full() -> bool:
            counts = _statefulset_counts(api, ns, name)
            return counts["replicas"] > 0 and counts["readyReplicas"] >= counts["replicas"]

        return wait_until(full, timeout=float(timeout_seconds), interval=0.5)
