"""The Argo CD tree: pure source checks, then the shipped app-of-apps rendered with helm."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from chaosgate.chartlint.argocd import (
    FoundApplication,
    application_findings,
    discover_gitops_tree,
    expand_build_env,
    find_repo_root,
    repo_relative,
)

from .conftest import REPO_ROOT

EXISTING = {"gitops/charts/heart-display", "gitops/values/local.yaml"}
PARENT = ("file:///repo.git", "abc123")


def application(source: dict[str, Any], parent: tuple[str, str] | None = None) -> FoundApplication:
    manifest = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "child"},
        "spec": {"source": source},
    }
    return FoundApplication(manifest, "test", parent)


def chart_source(**extra: Any) -> dict[str, Any]:
    return {
        "repoURL": PARENT[0],
        "targetRevision": PARENT[1],
        "path": "gitops/charts/heart-display",
        **extra,
    }


def findings_for(app: FoundApplication) -> list[str]:
    return [f"{f.rule}: {f.message}" for f in application_findings([app], EXISTING.__contains__)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$ARGOCD_APP_REVISION", "abc123"),
        ("${ARGOCD_APP_SOURCE_REPO_URL}/x", "file:///repo.git/x"),
        ("$$ARGOCD_APP_REVISION", "$ARGOCD_APP_REVISION"),
        ("a$UNKNOWN-b", "a-b"),
        ("plain", "plain"),
    ],
)
def test_expand_build_env(text: str, expected: str) -> None:
    env = {"ARGOCD_APP_REVISION": "abc123", "ARGOCD_APP_SOURCE_REPO_URL": "file:///repo.git"}
    assert expand_build_env(text, env) == expected


def test_value_files_are_relative_to_the_source_path() -> None:
    assert (
        repo_relative("gitops/charts/heart-display", "../../values/local.yaml")
        == "gitops/values/local.yaml"
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param(chart_source(), [], id="ok"),
        pytest.param(
            chart_source(path="gitops/charts/heart-dispaly"),
            [
                "argocd-path-missing: spec.source.path 'gitops/charts/heart-dispaly' "
                "(gitops/charts/heart-dispaly from the repository root) does not exist"
            ],
            id="typo-in-path",
        ),
        pytest.param(
            chart_source(path="../elsewhere"),
            ["argocd-path-missing: spec.source.path '../elsewhere' points outside the repository"],
            id="outside-repo",
        ),
        pytest.param(
            chart_source(
                helm={"valueFiles": ["../../values/local.yaml", "../../values/lcoal.yaml"]}
            ),
            [
                "argocd-path-missing: helm valueFiles entry '../../values/lcoal.yaml' "
                "(gitops/values/lcoal.yaml from the repository root) does not exist"
            ],
            id="typo-in-value-file",
        ),
        pytest.param(
            chart_source(helm={"valueFiles": ["nope.yaml"], "ignoreMissingValueFiles": True}),
            [],
            id="ignore-missing-value-files",
        ),
        pytest.param(
            {"repoURL": "https://charts.example", "chart": "redis", "targetRevision": "1.0"},
            [],
            id="helm-repository-chart",
        ),
    ],
)
def test_source_paths(source: dict[str, Any], expected: list[str]) -> None:
    assert findings_for(application(source)) == expected


@pytest.mark.parametrize(
    ("source", "rules"),
    [
        pytest.param(chart_source(), [], id="same-revision"),
        pytest.param(
            chart_source(targetRevision="HEAD"), ["argocd-revision-mismatch"], id="floating-head"
        ),
        pytest.param(
            chart_source(repoURL="https://other"), ["argocd-revision-mismatch"], id="other-repo"
        ),
    ],
)
def test_children_deploy_their_parents_revision(source: dict[str, Any], rules: list[str]) -> None:
    found = application_findings([application(source, PARENT)], EXISTING.__contains__)
    assert [f.rule for f in found] == rules


def test_find_repo_root_walks_up_to_the_directory_holding_gitops(tmp_path: Path) -> None:
    chart = tmp_path / "gitops" / "charts" / "c"
    chart.mkdir(parents=True)
    assert find_repo_root(chart) == tmp_path
    assert find_repo_root(REPO_ROOT / "gitops" / "charts" / "heart-display") == REPO_ROOT


def copy_gitops(tmp_path: Path) -> Path:
    shutil.copytree(REPO_ROOT / "gitops", tmp_path / "gitops")
    return tmp_path


def by_name(apps: list[FoundApplication]) -> dict[str, dict[str, Any]]:
    return {app.manifest["metadata"]["name"]: app.manifest for app in apps}


@pytest.mark.needs_tools
def test_shipped_tree_is_redis_first_then_heart_display_at_the_roots_revision(
    pinned_helm: Path, kube_version: str
) -> None:
    tree = discover_gitops_tree(REPO_ROOT, kube_version)
    assert tree.findings == []
    apps = by_name(tree.applications)
    assert sorted(apps) == ["heart-display", "heart-redis", "heart-root"]
    root_source = apps["heart-root"]["spec"]["source"]
    assert root_source["path"] == "gitops/argocd/apps"
    waves = {
        name: apps[name]["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]
        for name in ("heart-redis", "heart-display")
    }
    assert waves == {"heart-redis": "0", "heart-display": "1"}
    for name in ("heart-redis", "heart-display"):
        spec = apps[name]["spec"]
        assert spec["source"]["repoURL"] == root_source["repoURL"]
        assert spec["source"]["targetRevision"] == root_source["targetRevision"]
        assert spec["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
        assert spec["syncPolicy"]["retry"] == {
            "limit": 5,
            "backoff": {"duration": "5s", "factor": 2, "maxDuration": "3m"},
        }
        assert "CreateNamespace=true" in spec["syncPolicy"]["syncOptions"]
    assert apps["heart-redis"]["spec"]["source"]["helm"]["valuesObject"]["display"] == {
        "enabled": False
    }
    assert apps["heart-display"]["spec"]["source"]["helm"]["valuesObject"]["redis"] == {
        "enabled": False
    }
    project = [obj for _, obj in tree.manifests if obj["kind"] == "AppProject"]
    assert project[0]["spec"]["destinations"] == [
        {"server": "https://kubernetes.default.svc", "namespace": "heart"}
    ]


@pytest.mark.needs_tools
@pytest.mark.parametrize("provider", ["local", "kind"])
def test_each_provider_values_file_is_wired_into_both_children(
    pinned_helm: Path, kube_version: str, tmp_path: Path, provider: str
) -> None:
    repo = copy_gitops(tmp_path)
    root_file = repo / "gitops" / "argocd" / "root.yaml"
    root = yaml.safe_load(root_file.read_text())
    root["spec"]["source"]["helm"]["valuesObject"]["valuesFile"] = f"gitops/values/{provider}.yaml"
    root_file.write_text(yaml.safe_dump(root))
    tree = discover_gitops_tree(repo, kube_version)
    assert tree.findings == []
    for name in ("heart-redis", "heart-display"):
        helm = by_name(tree.applications)[name]["spec"]["source"]["helm"]
        assert helm["valueFiles"] == [f"../../../gitops/values/{provider}.yaml"]


@pytest.mark.needs_tools
def test_a_wrong_values_file_in_the_root_is_found(
    pinned_helm: Path, kube_version: str, tmp_path: Path
) -> None:
    repo = copy_gitops(tmp_path)
    root_file = repo / "gitops" / "argocd" / "root.yaml"
    root_file.write_text(
        root_file.read_text().replace("gitops/values/local.yaml", "gitops/values/lokal.yaml")
    )
    tree = discover_gitops_tree(repo, kube_version)
    assert [f.rule for f in tree.findings] == ["argocd-path-missing", "argocd-path-missing"]
    assert "gitops/values/lokal.yaml from the repository root" in tree.findings[0].message
