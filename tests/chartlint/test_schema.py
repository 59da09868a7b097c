"""Schema validation: a tiny hand-written swagger and CRD, then the pinned Kubernetes spec."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from chaosgate.chartlint.crds import (
    argocd_crd_dir,
    crd_schemas,
    load_crd_schemas,
    required_field_findings,
    strict_openapi_v3,
)
from chaosgate.chartlint.schema import (
    SchemaSet,
    json_path,
    kinds_index,
    openapi_spec_path,
    strict_definitions,
    unknown_kind_findings,
    validate_object,
)
from chaosgate.errors import LintError
from chaosgate.tools.cache import ToolCache
from chaosgate.versions import load_versions

TINY_SWAGGER: dict[str, Any] = {
    "definitions": {
        "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {
            "type": "string",
            "format": "int-or-string",
        },
        "io.k8s.apimachinery.pkg.api.resource.Quantity": {"type": "string"},
        "test.Widget": {
            "type": "object",
            "required": ["spec"],
            "properties": {
                "apiVersion": {"type": "string"},
                "kind": {"type": "string"},
                "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
                "spec": {"$ref": "#/definitions/test.WidgetSpec"},
            },
            "x-kubernetes-group-version-kind": [
                {"group": "example.io", "version": "v1", "kind": "Widget"}
            ],
        },
        "test.WidgetSpec": {
            "type": "object",
            "properties": {
                "port": {"$ref": "#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString"},
                "memory": {"$ref": "#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity"},
                "replicas": {"type": "integer"},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        },
    }
}


def widget(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "example.io/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": spec,
    }


@pytest.fixture
def tiny_schemas() -> SchemaSet:
    return SchemaSet.from_swagger(TINY_SWAGGER, "v9.9.9")


def test_strict_definitions_close_objects_and_loosen_int_or_string() -> None:
    definitions = strict_definitions(TINY_SWAGGER)
    assert definitions["test.WidgetSpec"]["additionalProperties"] is False
    # A map (additionalProperties already set) keeps accepting any key.
    assert definitions["test.Widget"]["properties"]["metadata"]["additionalProperties"] == {
        "type": "string"
    }
    assert definitions["io.k8s.apimachinery.pkg.util.intstr.IntOrString"] == {
        "type": ["integer", "string"]
    }
    assert definitions["io.k8s.apimachinery.pkg.api.resource.Quantity"] == {
        "type": ["string", "number"]
    }
    assert (
        "additionalProperties" not in TINY_SWAGGER["definitions"]["test.WidgetSpec"]
    )  # no mutation


def test_kinds_index_reads_the_gvk_extension() -> None:
    assert kinds_index(TINY_SWAGGER["definitions"]) == {
        ("example.io", "v1", "Widget"): "test.Widget"
    }


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        pytest.param(widget(port=8080, memory="64Mi", replicas=2), [], id="valid"),
        pytest.param(widget(port="http", memory=1.5), [], id="int-or-string-and-quantity-forms"),
        pytest.param(
            widget(prot=80),
            ["spec: unknown field 'prot' (not in example.io/v1 Widget of Kubernetes v9.9.9)"],
            id="unknown-field",
        ),
        pytest.param(
            widget(replicas="3"), ["spec.replicas: must be integer, not str '3'"], id="wrong-type"
        ),
        pytest.param(
            {"apiVersion": "example.io/v1", "kind": "Widget"},
            ["(top level): required field 'spec' is missing"],
            id="missing-required",
        ),
        pytest.param(widget(labels={"any": "key"}), [], id="maps-stay-open"),
    ],
)
def test_validate_object(tiny_schemas: SchemaSet, obj: dict[str, Any], expected: list[str]) -> None:
    findings = validate_object(obj, tiny_schemas)
    assert [f.message for f in findings] == expected
    assert all(f.rule == "k8s-schema" and f.where.startswith("Widget/") for f in findings)


def test_unknown_field_fix_points_at_kubectl_explain(tiny_schemas: SchemaSet) -> None:
    (finding,) = validate_object(widget(prot=80), tiny_schemas)
    assert "`kubectl explain widget.spec`" in finding.fix


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ([], "(top level)"),
        (["spec"], "spec"),
        (["spec", "containers", 0, "image"], "spec.containers[0].image"),
    ],
)
def test_json_path(path: list[str | int], text: str) -> None:
    assert json_path(path) == text


def test_unknown_kinds_are_reported_unless_known(tiny_schemas: SchemaSet) -> None:
    gadget = {"apiVersion": "example.io/v1", "kind": "Gadget", "metadata": {"name": "g"}}
    (finding,) = unknown_kind_findings([widget(), gadget], tiny_schemas, [])
    assert finding.rule == "unknown-kind"
    assert finding.where == "Gadget/g"
    assert "not served by Kubernetes v9.9.9" in finding.message
    assert unknown_kind_findings([gadget], tiny_schemas, [("example.io", "v1", "Gadget")]) == []


# --- Custom resources ----------------------------------------------------------------------

TINY_CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "spec": {
        "group": "example.io",
        "names": {"kind": "Gizmo"},
        "versions": [
            {
                "name": "v1",
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "apiVersion": {"type": "string"},
                            "kind": {"type": "string"},
                            "metadata": {"type": "object"},
                            "spec": {
                                "type": "object",
                                "required": ["target"],
                                "properties": {
                                    "target": {"x-kubernetes-int-or-string": True},
                                    "note": {"type": "string", "nullable": True},
                                    "free": {
                                        "type": "object",
                                        "x-kubernetes-preserve-unknown-fields": True,
                                    },
                                    "items": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "properties": {"name": {"type": "string"}},
                                        },
                                    },
                                },
                            },
                        },
                    }
                },
            }
        ],
    },
}


def gizmo(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "example.io/v1", "kind": "Gizmo", "metadata": {"name": "g"}, "spec": spec}


def test_strict_openapi_v3_conversion() -> None:
    spec = strict_openapi_v3(TINY_CRD["spec"]["versions"][0]["schema"]["openAPIV3Schema"])[
        "properties"
    ]["spec"]
    assert spec["additionalProperties"] is False
    assert spec["properties"]["target"]["type"] == ["integer", "string"]
    assert spec["properties"]["note"]["type"] == ["string", "null"]
    assert "additionalProperties" not in spec["properties"]["free"]
    assert spec["properties"]["items"]["items"]["additionalProperties"] is False


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        pytest.param(gizmo(target=3, note=None, free={"anything": [1]}), [], id="valid"),
        pytest.param(gizmo(target="half"), [], id="int-or-string"),
        pytest.param(gizmo(), ["spec: required field 'target' is missing"], id="missing"),
        pytest.param(
            gizmo(target=1, items=[{"nmae": "x"}]),
            ["spec.items[0]: unknown field 'nmae' (not in example.io/v1 Gizmo)"],
            id="unknown-nested",
        ),
    ],
)
def test_crd_schema_validation(
    tiny_schemas: SchemaSet, obj: dict[str, Any], expected: list[str]
) -> None:
    tiny_schemas.add_custom(crd_schemas(TINY_CRD))
    findings = validate_object(obj, tiny_schemas)
    assert [f.message for f in findings] == expected
    assert all(f.rule == "crd-schema" for f in findings)


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        pytest.param(
            {
                "apiVersion": "monitoring.coreos.com/v1",
                "kind": "ServiceMonitor",
                "spec": {"selector": {}},
            },
            [
                "spec.endpoints is missing: it must hold at least one endpoint (port and path) "
                "to scrape"
            ],
            id="service-monitor-without-endpoints",
        ),
        pytest.param(
            {
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "Application",
                "spec": {"project": "heart", "destination": {"namespace": "heart"}},
            },
            ["spec.source is missing: it must hold what to deploy (or spec.sources)"],
            id="application-without-source",
        ),
        pytest.param(
            {
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "Application",
                "spec": {"project": "p", "destination": {"name": "x"}, "sources": [{"path": "a"}]},
            },
            [],
            id="application-with-sources",
        ),
    ],
)
def test_required_field_findings(obj: dict[str, Any], expected: list[str]) -> None:
    assert [f.message for f in required_field_findings([obj])] == expected


def test_argocd_crds_come_from_the_tool_cache_when_built(tmp_path: Path) -> None:
    cache = ToolCache(tmp_path, load_versions())
    assert argocd_crd_dir(cache) is None  # not built: the CRD schema check is skipped
    crds = cache.version_dir("argocd") / "manifests" / "crds"
    crds.mkdir(parents=True)
    (crds / "gizmo-crd.yaml").write_text(yaml.safe_dump(TINY_CRD))
    assert argocd_crd_dir(cache) == crds
    assert list(load_crd_schemas(crds)) == [("example.io", "v1", "Gizmo")]
    assert load_crd_schemas(None) == {}


def test_missing_go_is_a_clear_lint_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CHAOSGATE_CACHE", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(
        LintError, match=r"^Cannot locate the Kubernetes v1\.0\.0 OpenAPI spec .*make setup"
    ):
        openapi_spec_path("v1.0.0")


# --- The pinned Kubernetes spec ------------------------------------------------------------


def statefulset(container: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "heart"},
        "spec": {
            "serviceName": "heart",
            "selector": {"matchLabels": {"app": "heart"}},
            "template": {
                "metadata": {"labels": {"app": "heart"}},
                "spec": {"containers": [container]},
            },
        },
    }


@pytest.mark.needs_tools
def test_pinned_spec_accepts_a_valid_statefulset(kubernetes_schemas: SchemaSet) -> None:
    container = {
        "name": "app",
        "image": "repo/app:1.0",
        "ports": [{"name": "http", "containerPort": 8080}],
        "readinessProbe": {"httpGet": {"path": "/readyz", "port": "http"}},
        "resources": {"limits": {"cpu": 1, "memory": "64Mi"}},
    }
    assert validate_object(statefulset(container), kubernetes_schemas) == []


@pytest.mark.needs_tools
def test_pinned_spec_rejects_unknown_fields_with_their_path(kubernetes_schemas: SchemaSet) -> None:
    container = {
        "name": "app",
        "image": "repo/app:1.0",
        "livenessProbe": {"httpGet": {"pth": "/", "port": 80}},
    }
    (finding,) = validate_object(statefulset(container), kubernetes_schemas)
    assert finding.rule == "k8s-schema"
    assert finding.message.startswith(
        "spec.template.spec.containers[0].livenessProbe.httpGet: unknown field 'pth' "
        "(not in apps/v1 StatefulSet"
    )


@pytest.mark.needs_tools
def test_pinned_spec_does_not_serve_removed_api_versions(kubernetes_schemas: SchemaSet) -> None:
    old_pdb = {
        "apiVersion": "policy/v1beta1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "x"},
    }
    (finding,) = unknown_kind_findings([old_pdb], kubernetes_schemas, [])
    assert "policy/v1beta1 PodDisruptionBudget is not served by Kubernetes v1.34" in finding.message
