"""Custom resources we ship: which kinds they are and how far we can check them.

The upstream CRD schemas of the Prometheus operator are not pinned anywhere in
this repository, so ServiceMonitor and PrometheusRule only get the small
hand-written check of required fields below. Argo CD's Application and
AppProject are validated against the openAPIV3Schema of the pinned Argo CD
release when its manifests are in the tool cache
(~/.cache/chaosgate/tools/argocd/<version>/manifests/crds/, built by
`make setup`); when they are not, that check is skipped silently, so the lint
output depends only on the repository and the tool cache, and the hand-written
check still runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from chaosgate.chartlint.finding import Finding
from chaosgate.chartlint.objects import Manifest, as_list, dig, ref
from chaosgate.chartlint.schema import GroupVersionKind, gvk_of
from chaosgate.errors import ConfigError
from chaosgate.tools.cache import ToolCache

# A required field: a path of keys and the words that describe it.
RequiredField = tuple[tuple[str, ...], str]

KNOWN_CUSTOM_KINDS: dict[GroupVersionKind, tuple[RequiredField, ...]] = {
    ("monitoring.coreos.com", "v1", "ServiceMonitor"): (
        (("spec", "selector"), "a label selector of the Services to scrape"),
        (("spec", "endpoints"), "at least one endpoint (port and path) to scrape"),
    ),
    ("monitoring.coreos.com", "v1", "PrometheusRule"): (
        (("spec", "groups"), "at least one rule group"),
    ),
    ("argoproj.io", "v1alpha1", "Application"): (
        (("spec", "project"), "the AppProject the Application belongs to"),
        (("spec", "destination"), "the destination cluster and namespace"),
    ),
    ("argoproj.io", "v1alpha1", "AppProject"): (
        (("spec", "sourceRepos"), "the repositories the project may deploy from"),
        (("spec", "destinations"), "the clusters and namespaces the project may deploy to"),
    ),
}
# Application needs a source in one of two forms, which a path list cannot say.
_SOURCE_FORMS = (("spec", "source"), ("spec", "sources"))


def required_field_findings(objects: Iterable[Manifest]) -> list[Finding]:
    """Findings for known custom resources that lack a field they cannot work without."""
    findings = []
    for obj in objects:
        gvk = gvk_of(obj)
        for path, meaning in KNOWN_CUSTOM_KINDS.get(gvk, ()):
            if _is_empty(dig(obj, *path)):
                findings.append(_missing(obj, ".".join(path), meaning))
        if gvk[2] == "Application" and all(_is_empty(dig(obj, *p)) for p in _SOURCE_FORMS):
            findings.append(_missing(obj, "spec.source", "what to deploy (or spec.sources)"))
    return findings


def _is_empty(value: Any) -> bool:
    # An empty mapping counts as set: an empty label selector ({}) selects everything.
    return value is None or value in ([], "")


def _missing(obj: Manifest, path: str, meaning: str) -> Finding:
    return Finding(
        "crd-fields",
        ref(obj),
        f"{path} is missing: it must hold {meaning}",
        f"set {path} in the {obj.get('kind')} manifest",
    )


def argocd_crd_dir(cache: ToolCache | None = None) -> Path | None:
    """The CRD directory of the pinned Argo CD build, or None if it is not built."""
    try:
        cache = cache or ToolCache.default()
        path = cache.version_dir("argocd") / "manifests" / "crds"
    except ConfigError:
        return None  # no Argo CD pin: nothing to validate against
    return path if path.is_dir() else None


def load_crd_schemas(crd_dir: Path | None) -> dict[GroupVersionKind, dict[str, Any]]:
    """Strict JSON schemas of every CRD version in crd_dir (empty when crd_dir is None)."""
    if crd_dir is None:
        return {}
    schemas: dict[GroupVersionKind, dict[str, Any]] = {}
    for path in sorted(crd_dir.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if isinstance(document, dict) and document.get("kind") == "CustomResourceDefinition":
                schemas.update(crd_schemas(document))
    return schemas


def crd_schemas(crd: Mapping[str, Any]) -> dict[GroupVersionKind, dict[str, Any]]:
    """The strict schema of each version of one CustomResourceDefinition."""
    group = str(dig(crd, "spec", "group") or "")
    kind = str(dig(crd, "spec", "names", "kind") or "")
    schemas = {}
    for version in as_list(dig(crd, "spec", "versions")):
        schema = dig(version, "schema", "openAPIV3Schema")
        if isinstance(schema, Mapping):
            schemas[(group, str(dig(version, "name")), kind)] = strict_openapi_v3(schema)
    return schemas


def strict_openapi_v3(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A structural CRD schema as a Draft 4 JSON schema that rejects unknown fields.

    x-kubernetes-int-or-string becomes "integer or string", nullable adds null,
    and objects that list properties reject other fields unless they preserve
    unknown fields. Unknown keywords (x-kubernetes-*) are ignored by Draft 4.
    """
    result = {key: _convert_nested(key, value) for key, value in schema.items()}
    if result.get("x-kubernetes-int-or-string"):
        result.pop("type", None)
        result["type"] = ["integer", "string"]
    if result.get("nullable") and isinstance(result.get("type"), str):
        result["type"] = [result["type"], "null"]
    preserves = result.get("x-kubernetes-preserve-unknown-fields")
    if "properties" in result and "additionalProperties" not in result and not preserves:
        result["additionalProperties"] = False
    return result


_SCHEMA_MAPS = ("properties", "patternProperties", "definitions")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_SCHEMA_VALUES = ("items", "additionalProperties", "not")


def _convert_nested(key: str, value: Any) -> Any:
    convert = strict_openapi_v3
    if key in _SCHEMA_MAPS and isinstance(value, Mapping):
        return {name: convert(sub) for name, sub in value.items() if isinstance(sub, Mapping)}
    if key in _SCHEMA_LISTS and isinstance(value, list):
        return [convert(sub) for sub in value if isinstance(sub, Mapping)]
    if key in _SCHEMA_VALUES and isinstance(value, Mapping):
        return convert(value)
    return value


def known_custom_kinds() -> list[GroupVersionKind]:
    """Every custom kind the linter knows, with or without a schema."""
    return list(KNOWN_CUSTOM_KINDS)
