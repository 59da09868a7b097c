"""`chaosgate lint`: render the chart, check schemas and rules, check the Argo CD tree."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path

from chaosgate.chartlint.argocd import discover_gitops_tree, find_repo_root
from chaosgate.chartlint.crds import (
    argocd_crd_dir,
    known_custom_kinds,
    load_crd_schemas,
    required_field_findings,
)
from chaosgate.chartlint.finding import Finding
from chaosgate.chartlint.objects import Manifest
from chaosgate.chartlint.render import check_chart_dir, check_values_file, render_chart
from chaosgate.chartlint.rules import DEFAULT_ZONES, run_rules
from chaosgate.chartlint.schema import (
    SchemaSet,
    load_schema_set,
    unknown_kind_findings,
    validate_object,
)
from chaosgate.versions import load_versions


def lint_chart(chart: Path, values: list[Path], *, zones: int = DEFAULT_ZONES) -> list[Finding]:
    """Lint a chart rendered with values layered over its defaults; [] means clean.

    Renders with the pinned helm for the pinned Kubernetes version, validates
    every object against that version's schema, applies the resilience rules
    (zones is the number of availability zones assumed by the zone-loss rule),
    and, when the chart lives in a repository with gitops/argocd, checks the
    Argo CD Applications found there. Inputs that make linting impossible
    raise LintError; a missing pinned helm raises ToolError.
    """
    chart = check_chart_dir(chart)
    values_files = [check_values_file(path) for path in values]
    kube_version = load_versions().tool("kubernetes")
    objects = render_chart(chart, values_files, kube_version=kube_version)
    schemas = load_schema_set(kube_version)
    schemas.add_custom(load_crd_schemas(argocd_crd_dir()))
    findings = manifest_findings(objects, schemas) + run_rules(objects, zones)
    repo_root = find_repo_root(chart)
    if repo_root is not None:
        tree = discover_gitops_tree(repo_root, kube_version)
        for origin, obj in tree.manifests:
            findings += [_located(f, origin) for f in manifest_findings([obj], schemas)]
        findings += tree.findings
    return findings


def manifest_findings(objects: Iterable[Manifest], schemas: SchemaSet) -> list[Finding]:
    """Schema findings: unknown kinds, schema violations, missing custom-resource fields."""
    objects = list(objects)
    findings = unknown_kind_findings(objects, schemas, known_custom_kinds())
    for obj in objects:
        findings += validate_object(obj, schemas)
    return findings + required_field_findings(objects)


def _located(finding: Finding, origin: str) -> Finding:
    return dataclasses.replace(finding, where=f"{finding.where} ({origin})")
