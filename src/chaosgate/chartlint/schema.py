"""Schema validity of rendered objects for the pinned Kubernetes version.

Built-in kinds are validated against the OpenAPI (swagger 2.0) spec shipped in
the k8s.io/kubernetes Go module of the pinned release, made strict: an object
definition that lists its properties rejects unknown fields, as
`kubectl apply --validate=strict` does. Custom resources are validated against
their CRD's openAPIV3Schema when one is given (see crds.py); kinds that are in
neither are reported as unknown, because a typo in apiVersion or a removed API
version looks exactly like that.
"""

from __future__ import annotations

import copy
import json
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator, ValidationError

from chaosgate.chartlint.finding import Finding
from chaosgate.chartlint.objects import Manifest, api_group, ref
from chaosgate.errors import ChaosgateError, LintError
from chaosgate.process import run
from chaosgate.tools.cache import ToolCache

KUBERNETES_MODULE = "k8s.io/kubernetes"
SPEC_IN_MODULE = Path("api/openapi-spec/swagger.json")
GO_MOD_DOWNLOAD_TIMEOUT = 300
GVK_EXTENSION = "x-kubernetes-group-version-kind"
INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
# The spec types these as plain strings, but the API server accepts either form.
LOOSE_TYPES = {
    INT_OR_STRING: {"type": ["integer", "string"]},
    QUANTITY: {"type": ["string", "number"]},
}

GroupVersionKind = tuple[str, str, str]


def openapi_spec_path(kube_version: str) -> Path:
    """Path of swagger.json for kube_version.

    The copy next to the built Kubernetes tool is used when present; otherwise
    the module is looked up with `go mod download` (instant when it is in the
    Go module cache, as after `make setup`).
    """
    cached = ToolCache.default().root / "kubernetes" / kube_version / "openapi-spec/swagger.json"
    if cached.is_file():
        return cached
    argv = ["go", "mod", "download", "-json", f"{KUBERNETES_MODULE}@{kube_version}"]
    try:
        # Outside any module, so the user's current directory (heart/, say) plays no part.
        with tempfile.TemporaryDirectory(prefix="chartlint-") as outside:
            out = run(argv, timeout=GO_MOD_DOWNLOAD_TIMEOUT, cwd=Path(outside), check=False)
        info = json.loads(out.stdout or "{}")
    except (ChaosgateError, json.JSONDecodeError) as exc:
        raise LintError(
            f"Cannot locate the Kubernetes {kube_version} OpenAPI spec with `go mod download`: "
            f"{exc}"
        ) from None
    if "Dir" not in info:
        problem = info.get("Error") or (out.stderr.strip() or "no module directory returned")
        raise LintError(
            f"Cannot download {KUBERNETES_MODULE}@{kube_version} for its OpenAPI spec: {problem}; "
            "run `make setup` (it fills the Go module cache)."
        )
    return Path(info["Dir"]) / SPEC_IN_MODULE


def strict_definitions(swagger: Mapping[str, Any]) -> dict[str, Any]:
    """The swagger definitions as Draft 4 schemas that reject unknown fields."""
    definitions: dict[str, Any] = copy.deepcopy(dict(swagger.get("definitions", {})))
    for name, definition in definitions.items():
        if name in LOOSE_TYPES:
            definitions[name] = dict(LOOSE_TYPES[name])
        elif "properties" in definition and "additionalProperties" not in definition:
            definition["additionalProperties"] = False
    return definitions


def kinds_index(definitions: Mapping[str, Any]) -> dict[GroupVersionKind, str]:
    """Map (group, version, kind) to the definition that describes it."""
    index: dict[GroupVersionKind, str] = {}
    for name, definition in definitions.items():
        for gvk in definition.get(GVK_EXTENSION, []):
            index.setdefault((gvk.get("group", ""), gvk["version"], gvk["kind"]), name)
    return index


def split_api_version(api_version: str) -> tuple[str, str]:
    """("apps", "v1") for "apps/v1"; ("", "v1") for "v1"."""
    return api_group(api_version), api_version.rpartition("/")[2]


@dataclass
class SchemaSet:
    """JSON schemas by (group, version, kind), built lazily into validators."""

    kubernetes_version: str
    definitions: dict[str, Any]
    builtin: dict[GroupVersionKind, str]
    custom: dict[GroupVersionKind, dict[str, Any]] = field(default_factory=dict)
    _validators: dict[GroupVersionKind, Draft4Validator] = field(default_factory=dict)

    @classmethod
    def from_swagger(cls, swagger: Mapping[str, Any], kubernetes_version: str) -> SchemaSet:
        definitions = strict_definitions(swagger)
        return cls(kubernetes_version, definitions, kinds_index(definitions))

    def add_custom(self, schemas: Mapping[GroupVersionKind, dict[str, Any]]) -> None:
        """Add CRD schemas (already made strict, see crds.crd_schemas)."""
        self.custom.update(schemas)

    def is_builtin(self, gvk: GroupVersionKind) -> bool:
        return gvk in self.builtin

    def validator(self, gvk: GroupVersionKind) -> Draft4Validator | None:
        """The validator for a kind, or None when no schema is known for it."""
        if gvk not in self._validators:
            schema = self._schema(gvk)
            if schema is None:
                return None
            self._validators[gvk] = Draft4Validator(schema)
        return self._validators[gvk]

    def _schema(self, gvk: GroupVersionKind) -> dict[str, Any] | None:
        if gvk in self.builtin:
            return {"$ref": f"#/definitions/{self.builtin[gvk]}", "definitions": self.definitions}
        return self.custom.get(gvk)


def load_schema_set(kube_version: str) -> SchemaSet:
    """The strict schemas of every built-in kind of kube_version."""
    path = openapi_spec_path(kube_version)
    try:
        swagger = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise LintError(f"Cannot read the Kubernetes OpenAPI spec {path}: {exc}.") from None
    return SchemaSet.from_swagger(swagger, kube_version)


def gvk_of(obj: Manifest) -> GroupVersionKind:
    group, version = split_api_version(str(obj.get("apiVersion", "")))
    return group, version, str(obj.get("kind", ""))


def validate_object(obj: Manifest, schemas: SchemaSet) -> list[Finding]:
    """Findings for every way obj breaks its kind's schema (none if no schema is known)."""
    gvk = gvk_of(obj)
    validator = schemas.validator(gvk)
    if validator is None:
        return []
    rule = "k8s-schema" if schemas.is_builtin(gvk) else "crd-schema"
    errors = sorted(
        validator.iter_errors(obj), key=lambda e: (json_path(e.absolute_path), e.message)
    )
    described = f"{obj.get('apiVersion')} {gvk[2]}"
    if rule == "k8s-schema":
        described += f" of Kubernetes {schemas.kubernetes_version}"
    return [
        Finding(rule, ref(obj), message, fix)
        for error in errors
        for message, fix in describe_error(error, gvk[2], described)
    ]


def json_path(path: Iterable[str | int]) -> str:
    """A deque of keys and indexes as spec.containers[0].image."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def explain_path(kind: str, path: Iterable[str | int]) -> str:
    """The `kubectl explain` argument for a field path (list indexes dropped)."""
    return ".".join([kind.lower(), *(p for p in path if isinstance(p, str))])


def describe_error(error: ValidationError, kind: str, described: str) -> Iterator[tuple[str, str]]:
    """(message, fix) pairs for one validation error, in words a chart author acts on."""
    where = json_path(error.absolute_path)
    explain = f"`kubectl explain {explain_path(kind, error.absolute_path)}` lists the fields"
    instance = error.instance
    if error.validator == "additionalProperties" and isinstance(instance, Mapping):
        schema = error.schema if isinstance(error.schema, Mapping) else {}
        known = set(schema.get("properties", {}))
        for unknown in sorted(set(instance) - known):
            yield (
                f"{where}: unknown field {unknown!r} (not in {described})",
                f"remove or rename it; {explain}",
            )
    elif error.validator == "required" and isinstance(instance, Mapping):
        for missing in _as_list(error.validator_value):
            if missing not in instance:
                yield f"{where}: required field {missing!r} is missing", f"set it; {explain}"
    elif error.validator == "type":
        expected = error.validator_value
        wanted = " or ".join(_as_list(expected)) if isinstance(expected, list) else str(expected)
        yield (
            f"{where}: must be {wanted}, not {type(instance).__name__} {instance!r}",
            f"write the value as {wanted} (quote strings, unquote numbers)",
        )
    elif error.validator == "enum":
        allowed = ", ".join(_as_list(error.validator_value))
        yield f"{where}: {instance!r} is not one of {allowed}", "use one of the allowed values"
    else:
        yield f"{where}: {error.message}", f"correct the value; {explain}"


def _as_list(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def unknown_kind_findings(
    objects: Iterable[Manifest], schemas: SchemaSet, known_custom: Iterable[GroupVersionKind]
) -> list[Finding]:
    """A finding for each object whose kind is neither built in nor a known custom kind."""
    known = set(known_custom) | set(schemas.custom)
    findings = []
    for obj in objects:
        gvk = gvk_of(obj)
        if schemas.is_builtin(gvk) or gvk in known:
            continue
        findings.append(
            Finding(
                "unknown-kind",
                ref(obj),
                f"{obj.get('apiVersion')} {gvk[2]} is not served by Kubernetes "
                f"{schemas.kubernetes_version} and is not a custom resource this linter knows",
                "check apiVersion and kind (a removed API version looks like this), or add the "
                "custom kind to chaosgate.chartlint.crds.KNOWN_CUSTOM_KINDS",
            )
        )
    return findings
