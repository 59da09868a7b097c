"""The in-cluster Prometheus: what it scrapes, where it runs, how the harness reaches it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from chaosgate.process import run
from chaosgate.prometheus.incluster import (
    NODE_PORT,
    InClusterPrometheus,
    manifest,
    scrape_config,
)
from chaosgate.tools.cache import tool_path

PROMETHEUS = InClusterPrometheus("chaosgate.local/prometheus:v0.316.0", "Never")


def objects() -> dict[str, dict[str, Any]]:
    return {doc["kind"]: doc for doc in yaml.safe_load_all(manifest(PROMETHEUS))}


def test_the_config_passes_promtool(tmp_path: Path) -> None:
    path = tmp_path / "prometheus.yml"
    path.write_text(objects()["ConfigMap"]["data"]["prometheus.yml"])
    checked = run(
        [str(tool_path("prometheus", "promtool")), "check", "config", str(path)],
        timeout=60,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_it_keeps_only_the_workloads_http_port_and_names_series_by_pod() -> None:
    [job] = scrape_config(PROMETHEUS)["scrape_configs"]
    assert job["kubernetes_sd_configs"] == [{"role": "pod", "namespaces": {"names": ["heart"]}}]
    keeps = {
        tuple(r["source_labels"]): r["regex"]
        for r in job["relabel_configs"]
        if r.get("action") == "keep"
    }
    assert keeps == {
        ("__meta_kubernetes_pod_label_app_kubernetes_io_name",): "heart-display",
        ("__meta_kubernetes_pod_label_app_kubernetes_io_component",): "display",
        ("__meta_kubernetes_pod_container_port_name",): "http",
    }
    targets = {r["target_label"] for r in job["relabel_configs"] if "target_label" in r}
    assert {"pod", "instance"} <= targets


def test_it_runs_on_the_control_plane_never_pulls_and_is_published() -> None:
    found = objects()
    pod = found["Deployment"]["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {"node-role.kubernetes.io/control-plane": ""}
    [container] = pod["containers"]
    assert container["image"] == PROMETHEUS.image
    assert container["imagePullPolicy"] == "Never"
    assert found["Service"]["spec"]["type"] == "NodePort"
    assert found["Service"]["spec"]["ports"][0]["nodePort"] == NODE_PORT
    # It may only read pods (service discovery looks in the workload's namespace).
    assert found["ClusterRole"]["rules"] == [
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}
    ]
