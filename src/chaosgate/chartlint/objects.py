"""Rendered Kubernetes objects as plain dicts, and small accessors that never raise.

Rendered manifests come from templates, so any field may be missing or of the
wrong type; the schema check reports those. The rules read fields through
these accessors and simply see "absent" where the shape is wrong.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

Manifest = dict[str, Any]

# Kinds whose pods come from spec.template (CronJob nests one level deeper).
POD_TEMPLATE_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"})


def dig(obj: Any, *keys: str) -> Any:
    """obj[k1][k2]... or None as soon as a level is missing or not a mapping."""
    for key in keys:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def as_dict(value: Any) -> dict[str, Any]:
    """value if it is a mapping, else an empty dict."""
    return dict(value) if isinstance(value, Mapping) else {}


def as_list(value: Any) -> list[Any]:
    """value if it is a list, else an empty list."""
    return list(value) if isinstance(value, list) else []


def ref(obj: Manifest) -> str:
    """The object as Kind/name, the way findings name it."""
    return f"{obj.get('kind', '?')}/{dig(obj, 'metadata', 'name') or '?'}"


def api_group(api_version: str) -> str:
    """The group of an apiVersion ("" for the core group "v1")."""
    return api_version.rpartition("/")[0]


def pod_template(obj: Manifest) -> dict[str, Any] | None:
    """The pod template (metadata + spec) of a workload, or None for other kinds."""
    kind = obj.get("kind")
    if kind in POD_TEMPLATE_KINDS:
        return as_dict(dig(obj, "spec", "template"))
    if kind == "CronJob":
        return as_dict(dig(obj, "spec", "jobTemplate", "spec", "template"))
    if kind == "Pod":
        return {"metadata": as_dict(obj.get("metadata")), "spec": as_dict(obj.get("spec"))}
    return None


def workloads(objects: list[Manifest]) -> Iterator[tuple[Manifest, dict[str, Any]]]:
    """Each object that runs pods, with its pod template."""
    for obj in objects:
        template = pod_template(obj)
        if template is not None:
            yield obj, template


def pod_labels(template: Mapping[str, Any]) -> dict[str, str]:
    """Labels of the pods a template creates."""
    return {str(k): str(v) for k, v in as_dict(dig(template, "metadata", "labels")).items()}


def containers(template: Mapping[str, Any], field: str = "containers") -> list[dict[str, Any]]:
    """The containers (or initContainers) of a pod template that are mappings."""
    return [as_dict(c) for c in as_list(dig(template, "spec", field)) if isinstance(c, Mapping)]


def selector_matches(selector: Any, labels: Mapping[str, str]) -> bool:
    """Whether a metav1.LabelSelector selects labels.

    As in Kubernetes, an empty selector ({}) selects everything and a missing
    (null) selector selects nothing.
    """
    if not isinstance(selector, Mapping):
        return False
    wanted = as_dict(selector.get("matchLabels"))
    if any(labels.get(str(k)) != str(v) for k, v in wanted.items()):
        return False
    return all(
        _expression_matches(as_dict(e), labels) for e in as_list(selector.get("matchExpressions"))
    )


def _expression_matches(expression: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    key = str(expression.get("key"))
    operator = expression.get("operator")
    values = {str(v) for v in as_list(expression.get("values"))}
    if operator == "In":
        return labels.get(key) in values
    if operator == "NotIn":
        return labels.get(key) not in values
    if operator == "Exists":
        return key in labels
    if operator == "DoesNotExist":
        return key not in labels
    return False  # an unknown operator is a schema error; select nothing
