"""Render a chart with the pinned helm into a list of Kubernetes objects.

Also checks the linter's inputs (chart directory, values files) first, so a
typo in a path is one clear sentence instead of a helm stack of errors.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from chaosgate.chartlint.objects import Manifest
from chaosgate.errors import CommandError, LintError, LintInputError
from chaosgate.process import run
from chaosgate.tools.cache import tool_path

HELM_TIMEOUT_SECONDS = 120
# The lint renders for a cluster that serves these API groups: the chart's HPA and PDB
# versions, and the Prometheus operator's, so an enabled ServiceMonitor is rendered too.
API_VERSIONS = ("autoscaling/v2", "policy/v1", "monitoring.coreos.com/v1")
DEFAULT_RELEASE = "heart"
DEFAULT_NAMESPACE = "heart"

_DOCUMENT_SEPARATOR = re.compile(r"^---[ \t]*$", re.MULTILINE)
_SOURCE_COMMENT = re.compile(r"^# Source: (.+)$", re.MULTILINE)


def check_chart_dir(chart: Path) -> Path:
    """Return chart if it is a Helm chart directory, else raise LintError saying why."""
    if not chart.is_dir():
        raise LintInputError(
            f"Chart directory {chart} does not exist; pass --chart with the path of a Helm "
            "chart, e.g. gitops/charts/heart-display."
        )
    if not (chart / "Chart.yaml").is_file():
        raise LintInputError(
            f"{chart} is not a Helm chart: it has no Chart.yaml; pass --chart with a chart's "
            "directory."
        )
    return chart


def check_values_file(path: Path) -> Path:
    """Return path if it is a YAML mapping (or empty), else raise LintError saying why."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise LintInputError(
            f"Values file {path} does not exist; pass --values with the path of a YAML values file."
        ) from None
    except (IsADirectoryError, UnicodeDecodeError) as exc:
        raise LintInputError(f"Values file {path} cannot be read as text: {exc}.") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise LintInputError(
            f"Values file {path} is not valid YAML: {_yaml_problem(exc)}."
        ) from None
    if data is not None and not isinstance(data, dict):
        raise LintInputError(
            f"Values file {path} must be a YAML mapping of values, but it holds a "
            f"{type(data).__name__}."
        )
    return path


def _yaml_problem(exc: yaml.YAMLError) -> str:
    # PyYAML's str() spans several lines; keep the problem and its position.
    if not isinstance(exc, yaml.MarkedYAMLError):
        return " ".join(str(exc).split())
    parts = [
        f"{text} (line {mark.line + 1}, column {mark.column + 1})"
        for text, mark in ((exc.context, exc.context_mark), (exc.problem, exc.problem_mark))
        if text and mark is not None
    ]
    return ": ".join(parts) or " ".join(str(exc).split())


def render_chart(
    chart: Path,
    values_files: Sequence[Path],
    *,
    kube_version: str,
    release: str = DEFAULT_RELEASE,
    namespace: str = DEFAULT_NAMESPACE,
    set_values: Mapping[str, str] | None = None,
    set_strings: Mapping[str, str] | None = None,
) -> list[Manifest]:
    """`helm template` chart for kube_version and return the rendered objects.

    set_values and set_strings are passed as --set / --set-string name=value
    (commas escaped, as Argo CD does for its helm parameters).
    A chart that does not render raises LintError carrying helm's own message.
    """
    argv = [str(tool_path("helm")), "template", release, str(chart)]
    argv += ["--namespace", namespace, "--kube-version", kube_version]
    for api_version in API_VERSIONS:
        argv += ["--api-versions", api_version]
    for values_file in values_files:
        argv += ["--values", str(values_file)]
    for flag, pairs in (("--set", set_values), ("--set-string", set_strings)):
        for name, value in (pairs or {}).items():
            argv += [flag, f"{name}={_escape_set_value(value)}"]
    try:
        output = run(argv, timeout=HELM_TIMEOUT_SECONDS).stdout
    except CommandError as exc:
        raise LintError(f"helm cannot render {chart}: {helm_error_summary(exc.output)}") from None
    return parse_manifests(output, origin=str(chart))


def _escape_set_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace(",", "\\,")


def helm_error_summary(output: str) -> str:
    """helm's error output as one line, without its --debug advice."""
    lines = [line.strip() for line in output.splitlines()]
    kept = [line for line in lines if line and not line.startswith("Use --debug flag")]
    return " ".join(kept).removeprefix("Error: ") or "helm failed without a message"


def parse_manifests(text: str, *, origin: str) -> list[Manifest]:
    """Parse multi-document YAML into objects, dropping empty documents and null fields.

    Null fields are dropped because the API server treats them as unset.
    """
    objects: list[Manifest] = []
    for document in _DOCUMENT_SEPARATOR.split(text):
        source = _SOURCE_COMMENT.search(document)
        where = f"{origin} ({source.group(1)})" if source else origin
        try:
            data = yaml.safe_load(document)
        except yaml.YAMLError as exc:
            raise LintError(f"{where} holds invalid YAML: {_yaml_problem(exc)}.") from None
        if data is None:
            continue
        if not isinstance(data, dict):
            raise LintError(f"{where} holds a document that is not a Kubernetes object.")
        objects.append(drop_nulls(data))
    return objects


def drop_nulls(value: Any) -> Any:
    """A copy of value with every null mapping entry removed, at any depth."""
    if isinstance(value, dict):
        return {k: drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_nulls(item) for item in value]
    return value
