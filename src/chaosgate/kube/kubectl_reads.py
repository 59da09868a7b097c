"""Reading cluster state in suites: the pinned kubectl through the subprocess seam."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from chaosgate.process import run
from chaosgate.tools.cache import tool_path

ZONE_LABEL = "topology.kubernetes.io/zone"
HEART_SELECTOR = "app.kubernetes.io/name=heart-display,app.kubernetes.io/component=display"


def kubectl(kubeconfig: Path, *args: str, timeout: float = 60) -> str:
    argv = [str(tool_path("kubernetes", "kubectl")), f"--kubeconfig={kubeconfig}", *args]
    return run(argv, timeout=timeout).stdout


def get_json(kubeconfig: Path, *args: str) -> Any:
    return json.loads(kubectl(kubeconfig, "get", *args, "-o", "json"))


def ready_pods_per_zone(kubeconfig: Path, namespace: str, selector: str) -> Counter[str]:
    """Ready pods matching selector, counted by their node's zone."""
    zones = {
        node["metadata"]["name"]: node["metadata"].get("labels", {}).get(ZONE_LABEL, "?")
        for node in get_json(kubeconfig, "nodes")["items"]
    }
    counts: Counter[str] = Counter()
    for pod in get_json(kubeconfig, "pods", "-n", namespace, "-l", selector)["items"]:
        conditions = pod.get("status", {}).get("conditions") or []
        ready = any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)
        if ready and not pod["metadata"].get("deletionTimestamp"):
            counts[zones.get(pod["spec"].get("nodeName", ""), "?")] += 1
    return counts


def config_value(kubeconfig: Path, namespace: str, configmap: str, key: str) -> str | None:
    data = get_json(kubeconfig, "configmap", configmap, "-n", namespace).get("data") or {}
    value = data.get(key)
    return None if value is None else str(value)
