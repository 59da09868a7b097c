"""Input checks and rendering with the pinned helm."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chaosgate.chartlint.render import (
    check_chart_dir,
    check_values_file,
    helm_error_summary,
    parse_manifests,
    render_chart,
)
from chaosgate.errors import LintError

from .conftest import CHART, FIXTURES, PROVIDER_VALUES

HEART_CONFIG_KEYS = {
    "love-level",
    "heartbeat-interval",
    "theme-color",
    "theme-size",
    "theme-frequency",
    "breaker-failure-threshold",
    "breaker-open-seconds",
    "breaker-half-open-probes",
    "redis-timeout",
}


def test_missing_chart_dir_is_one_clear_sentence(tmp_path: Path) -> None:
    with pytest.raises(LintError, match=r"^Chart directory .*/nope does not exist; pass --chart"):
        check_chart_dir(tmp_path / "nope")
    with pytest.raises(LintError, match=r"is not a Helm chart: it has no Chart.yaml; pass --chart"):
        check_chart_dir(tmp_path)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("absent.yaml", r"^Values file .*absent\.yaml does not exist; pass --values"),
        (
            "not-yaml.yaml",
            r"is not valid YAML: while scanning a quoted scalar \(line 2, column 8\)",
        ),
        ("values-list.yaml", r"must be a YAML mapping of values, but it holds a list\.$"),
    ],
)
def test_bad_values_files_are_one_line_errors(name: str, message: str) -> None:
    with pytest.raises(LintError, match=message) as raised:
        check_values_file(FIXTURES / name)
    assert "\n" not in str(raised.value)


def test_an_empty_values_file_is_fine(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing to override\n")
    assert check_values_file(empty) == empty


def test_parse_manifests_drops_empty_documents_and_nulls() -> None:
    text = "---\n# Source: c/templates/a.yaml\nkind: A\nspec:\n  x: null\n  y: [1, null]\n---\n\n"
    assert parse_manifests(text, origin="c") == [{"kind": "A", "spec": {"y": [1, None]}}]


def test_parse_manifests_rejects_non_objects() -> None:
    with pytest.raises(LintError, match=r"^c \(c/templates/a\.yaml\) holds a document that is not"):
        parse_manifests("---\n# Source: c/templates/a.yaml\n- 1\n", origin="c")


def test_helm_error_summary_is_one_line_without_debug_advice() -> None:
    output = (
        "Error: values don't meet the specs:\n- at '/loveLevel': maximum\n\n"
        "Use --debug flag to render out invalid YAML\n"
    )
    assert helm_error_summary(output) == "values don't meet the specs: - at '/loveLevel': maximum"


def kinds(objects: list[dict[str, Any]]) -> list[str]:
    return sorted(f"{o['kind']}/{o['metadata']['name']}" for o in objects)


@pytest.mark.needs_tools
def test_shipped_chart_renders_the_heart_stack(pinned_helm: Path, kube_version: str) -> None:
    objects = render_chart(CHART, [], kube_version=kube_version)
    assert kinds(objects) == [
        "ConfigMap/heart-display",
        "Deployment/heart-redis",
        "HorizontalPodAutoscaler/heart-display",
        "PodDisruptionBudget/heart-display",
        "Service/heart-display",
        "Service/heart-display-headless",
        "Service/heart-redis",
        "StatefulSet/heart-display",
    ]
    by_kind = {o["kind"]: o for o in objects}
    assert set(by_kind["ConfigMap"]["data"]) == HEART_CONFIG_KEYS
    sts = by_kind["StatefulSet"]["spec"]
    assert "replicas" not in sts  # the HPA owns it
    assert sts["serviceName"] == "heart-display-headless"
    assert sts["podManagementPolicy"] == "Parallel"
    assert "annotations" not in sts["template"]["metadata"]  # no checksum/config: hot reload
    (main,) = sts["template"]["spec"]["containers"]
    assert main["args"][-2:] == ["--redis-addr", "heart-redis:6379"]
    (init,) = sts["template"]["spec"]["initContainers"]
    assert init["command"] == ["/heart-display", "validate-config", "/etc/heart"]


@pytest.mark.needs_tools
def test_replicas_are_rendered_when_autoscaling_is_off(
    pinned_helm: Path, kube_version: str
) -> None:
    objects = render_chart(
        CHART, [], kube_version=kube_version, set_values={"autoscaling.enabled": "false"}
    )
    (sts,) = [o for o in objects if o["kind"] == "StatefulSet"]
    assert sts["spec"]["replicas"] == 6
    assert not [o for o in objects if o["kind"] == "HorizontalPodAutoscaler"]


@pytest.mark.needs_tools
@pytest.mark.parametrize(
    ("overrides", "present", "absent"),
    [
        ({"display.enabled": "false"}, "Deployment/heart-redis", "StatefulSet/heart-display"),
        ({"redis.enabled": "false"}, "StatefulSet/heart-display", "Deployment/heart-redis"),
    ],
)
def test_parts_can_be_switched_off_for_the_two_argo_cd_applications(
    pinned_helm: Path, kube_version: str, overrides: dict[str, str], present: str, absent: str
) -> None:
    rendered = kinds(render_chart(CHART, [], kube_version=kube_version, set_values=overrides))
    assert present in rendered
    assert absent not in rendered


@pytest.mark.needs_tools
def test_kwok_placement_from_local_values(pinned_helm: Path, kube_version: str) -> None:
    objects = render_chart(CHART, [PROVIDER_VALUES / "local.yaml"], kube_version=kube_version)
    for obj in (o for o in objects if o["kind"] in {"StatefulSet", "Deployment"}):
        pod = obj["spec"]["template"]["spec"]
        assert pod["nodeSelector"] == {"type": "kwok"}
        assert pod["tolerations"][0]["key"] == "kwok.x-k8s.io/node"


@pytest.mark.needs_tools
def test_service_monitor_renders_when_enabled(pinned_helm: Path, kube_version: str) -> None:
    objects = render_chart(CHART, [FIXTURES / "monitoring-on.yaml"], kube_version=kube_version)
    assert {"ServiceMonitor/heart-display", "PrometheusRule/heart-display"} <= set(kinds(objects))


@pytest.mark.needs_tools
def test_values_breaking_the_chart_schema_are_a_lint_error(
    pinned_helm: Path, kube_version: str, tmp_path: Path
) -> None:
    values = tmp_path / "values.yaml"
    values.write_text("loveLevel: 11\n")
    with pytest.raises(LintError, match=r"^helm cannot render .*loveLevel.*10") as raised:
        render_chart(CHART, [values], kube_version=kube_version)
    assert "\n" not in str(raised.value)
