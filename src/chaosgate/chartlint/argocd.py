"""The Argo CD side of the repository: do its Applications point at things that exist?

Starting from the plain manifests in gitops/argocd/ (the root Application), each
Application whose source is a Helm chart in this repository is rendered the way
Argo CD's repo-server would (valueFiles, values, valuesObject, parameters with
the build environment substituted), and the Applications it renders are
followed in turn: that is the app-of-apps tree as Argo CD will see it.

Every source is assumed to be this repository, whatever its repoURL says: the
harness substitutes the URL at run time, so the checked-in one is a placeholder.
Directory (non-Helm) sources are checked for existence but not expanded.
"""

from __future__ import annotations

import posixpath
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from chaosgate.chartlint.finding import Finding
from chaosgate.chartlint.objects import Manifest, as_dict, as_list, dig, ref
from chaosgate.chartlint.render import parse_manifests, render_chart
from chaosgate.errors import LintError

GITOPS_DIR = "gitops"
ARGOCD_DIR = "gitops/argocd"
_BUILD_ENV_REFERENCE = re.compile(r"\$\$|\$\{(\w+)\}|\$(\w+)")


@dataclass(frozen=True)
class FoundApplication:
    """An Application, where it came from, and the repo/revision of its parent (if any)."""

    manifest: Manifest
    origin: str
    parent_source: tuple[str, str] | None = None

    @property
    def where(self) -> str:
        return f"{ref(self.manifest)} ({self.origin})"


@dataclass
class GitopsTree:
    """What was found under gitops/argocd: Applications, objects to validate, problems."""

    applications: list[FoundApplication] = field(default_factory=list)
    manifests: list[tuple[str, Manifest]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def find_repo_root(start: Path) -> Path | None:
    """The nearest directory at or above start that contains gitops/."""
    start = start.resolve()
    return next((d for d in (start, *start.parents) if (d / GITOPS_DIR).is_dir()), None)


def sources(app: Manifest) -> list[dict[str, Any]]:
    """spec.source and spec.sources[] of an Application, as one list."""
    single = dig(app, "spec", "source")
    listed = [as_dict(s) for s in as_list(dig(app, "spec", "sources"))]
    return ([as_dict(single)] if isinstance(single, Mapping) else []) + listed


def expand_build_env(text: str, env: Mapping[str, str]) -> str:
    """Substitute $VAR and ${VAR} from Argo CD's build environment; $$ is a literal $.

    Unknown variables become empty, as in Argo CD (Go's os.Expand).
    """

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1) or match.group(2)
        return env.get(name, "")

    return _BUILD_ENV_REFERENCE.sub(substitute, text)


def build_env(app: Manifest, source: Mapping[str, Any], kube_version: str) -> dict[str, str]:
    """The build environment Argo CD gives a Helm source (revision = targetRevision here)."""
    revision = str(source.get("targetRevision") or "HEAD")
    return {
        "ARGOCD_APP_NAME": str(dig(app, "metadata", "name") or ""),
        "ARGOCD_APP_NAMESPACE": str(dig(app, "spec", "destination", "namespace") or ""),
        "ARGOCD_APP_PROJECT_NAME": str(dig(app, "spec", "project") or ""),
        "ARGOCD_APP_REVISION": revision,
        "ARGOCD_APP_REVISION_SHORT": revision[:7],
        "ARGOCD_APP_SOURCE_PATH": str(source.get("path") or ""),
        "ARGOCD_APP_SOURCE_REPO_URL": str(source.get("repoURL") or ""),
        "ARGOCD_APP_SOURCE_TARGET_REVISION": revision,
        "KUBE_VERSION": kube_version.removeprefix("v"),
    }


def repo_relative(source_path: str, value_file: str) -> str:
    """A valueFiles entry (relative to the source path) as a path from the repository root."""
    return posixpath.normpath(posixpath.join(source_path, value_file))


def escapes_repo(relative: str) -> bool:
    """Whether a normalized relative path leaves the repository."""
    return relative == ".." or relative.startswith("../") or relative.startswith("/")


# --- Pure checks ---------------------------------------------------------------------------


def application_findings(
    applications: Sequence[FoundApplication], path_exists: Callable[[str], bool]
) -> list[Finding]:
    """Source paths and valueFiles must exist; children must deploy their parent's revision.

    path_exists answers for a path relative to the repository root.
    """
    findings = []
    for app in applications:
        for source in sources(app.manifest):
            findings += _source_path_findings(app, source, path_exists)
            findings += _revision_findings(app, source)
    return findings


def _source_path_findings(
    app: FoundApplication, source: Mapping[str, Any], path_exists: Callable[[str], bool]
) -> list[Finding]:
    path = source.get("path")
    if not isinstance(path, str) or source.get("chart"):
        return []  # a Helm repository chart or a ref-only source: nothing in this repo
    normalized = posixpath.normpath(path)
    if escapes_repo(normalized) or not path_exists(normalized):
        return [_missing_source_path(app, path, normalized)]
    if dig(source, "helm", "ignoreMissingValueFiles"):
        return []
    findings = []
    for value_file in map(str, as_list(dig(source, "helm", "valueFiles"))):
        if value_file.startswith("$"):
            continue  # $ref/... points into another source
        relative = repo_relative(normalized, value_file)
        if escapes_repo(relative) or not path_exists(relative):
            findings.append(_missing_value_file(app, value_file, relative))
    return findings


def _missing_source_path(app: FoundApplication, path: str, relative: str) -> Finding:
    return Finding(
        "argocd-path-missing",
        app.where,
        f"spec.source.path {path!r} {_not_found(relative)}",
        "point spec.source.path at a directory that exists, relative to the repository root",
    )


def _missing_value_file(app: FoundApplication, value_file: str, relative: str) -> Finding:
    return Finding(
        "argocd-path-missing",
        app.where,
        f"helm valueFiles entry {value_file!r} {_not_found(relative)}",
        "name a values file that exists; valueFiles are relative to spec.source.path",
    )


def _not_found(relative: str) -> str:
    if escapes_repo(relative):
        return "points outside the repository"
    return f"({relative} from the repository root) does not exist"


def _revision_findings(app: FoundApplication, source: Mapping[str, Any]) -> list[Finding]:
    if app.parent_source is None:
        return []
    parent_repo, parent_revision = app.parent_source
    repo, revision = str(source.get("repoURL") or ""), str(source.get("targetRevision") or "")
    if (repo, revision) == (parent_repo, parent_revision):
        return []
    return [
        Finding(
            "argocd-revision-mismatch",
            app.where,
            f"deploys {repo!r} at {revision!r} while the Application that created it deploys "
            f"{parent_repo!r} at {parent_revision!r}, so the stack would not run the revision "
            "under test",
            "pass the parent's repository and revision down (helm parameters repoURL: "
            "$ARGOCD_APP_SOURCE_REPO_URL and targetRevision: $ARGOCD_APP_REVISION)",
        )
    ]


# --- Discovery (reads files, runs helm) ----------------------------------------------------


def plain_manifests(repo_root: Path) -> list[tuple[str, Manifest]]:
    """Objects in the YAML files under gitops/argocd, outside Helm chart directories."""
    argocd_dir = repo_root / ARGOCD_DIR
    chart_dirs = [p.parent for p in argocd_dir.rglob("Chart.yaml")]
    found = []
    for path in sorted([*argocd_dir.rglob("*.yaml"), *argocd_dir.rglob("*.yml")]):
        if any(path.is_relative_to(chart) for chart in chart_dirs):
            continue
        relative = path.relative_to(repo_root).as_posix()
        found += [(relative, obj) for obj in parse_manifests(path.read_text(), origin=relative)]
    return found


def discover_gitops_tree(repo_root: Path, kube_version: str) -> GitopsTree:
    """Follow the app-of-apps tree from gitops/argocd and check every Application in it."""
    tree = GitopsTree()
    if not (repo_root / ARGOCD_DIR).is_dir():
        return tree
    tree.manifests = plain_manifests(repo_root)
    queue = [
        FoundApplication(obj, origin)
        for origin, obj in tree.manifests
        if obj.get("kind") == "Application"
    ]
    seen: set[str] = set()
    while queue:
        app = queue.pop(0)
        if app.where in seen:
            continue
        seen.add(app.where)
        tree.applications.append(app)
        queue += _expand(app, repo_root, kube_version, tree)
    tree.findings += application_findings(
        tree.applications, lambda relative: (repo_root / relative).exists()
    )
    return tree


def _expand(
    app: FoundApplication, repo_root: Path, kube_version: str, tree: GitopsTree
) -> list[FoundApplication]:
    children = []
    for source in sources(app.manifest):
        path = source.get("path")
        if not isinstance(path, str) or not (repo_root / path / "Chart.yaml").is_file():
            continue
        try:
            rendered = _render_source(app.manifest, source, repo_root, kube_version)
        except LintError as exc:
            tree.findings.append(_render_failed(app, path, str(exc)))
            continue
        origin = f"rendered from {path} by {ref(app.manifest)}"
        if path.startswith(ARGOCD_DIR + "/"):
            # Charts under gitops/argocd are part of this tree; other charts are linted on
            # their own by `chaosgate lint --chart`.
            tree.manifests += [(origin, obj) for obj in rendered]
        parent = (str(source.get("repoURL") or ""), str(source.get("targetRevision") or ""))
        children += [
            FoundApplication(obj, origin, parent)
            for obj in rendered
            if obj.get("kind") == "Application"
        ]
    return children


def _render_failed(app: FoundApplication, path: str, problem: str) -> Finding:
    return Finding(
        "argocd-render",
        app.where,
        f"its source {path} does not render with the Application's helm settings: {problem}",
        "fix the chart or the Application's helm values so `helm template` succeeds",
    )


def _render_source(
    app: Manifest, source: Mapping[str, Any], repo_root: Path, kube_version: str
) -> list[Manifest]:
    helm = as_dict(source.get("helm"))
    chart = repo_root / str(source["path"])
    env = build_env(app, source, kube_version)
    with tempfile.TemporaryDirectory(prefix="chartlint-") as workdir:
        values_files = _helm_value_files(helm, chart, Path(workdir))
        set_values, set_strings = _helm_parameters(helm, env)
        return render_chart(
            chart,
            values_files,
            kube_version=kube_version,
            release=str(helm.get("releaseName") or dig(app, "metadata", "name") or "release"),
            namespace=str(dig(app, "spec", "destination", "namespace") or "default"),
            set_values=set_values,
            set_strings=set_strings,
        )


def _helm_value_files(helm: Mapping[str, Any], chart: Path, workdir: Path) -> list[Path]:
    # Later files win, matching Argo CD's precedence: valueFiles < values < valuesObject.
    # Missing valueFiles are left out here; application_findings reports them.
    listed = [chart / str(v) for v in as_list(helm.get("valueFiles")) if not str(v).startswith("$")]
    files = [f for f in listed if f.is_file()]
    for name, content in (
        ("values", helm.get("values")),
        ("valuesObject", helm.get("valuesObject")),
    ):
        if content:
            text = content if isinstance(content, str) else yaml.safe_dump(content)
            (workdir / f"{name}.yaml").write_text(text)
            files.append(workdir / f"{name}.yaml")
    return files


def _helm_parameters(
    helm: Mapping[str, Any], env: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    set_values: dict[str, str] = {}
    set_strings: dict[str, str] = {}
    for parameter in as_list(helm.get("parameters")):
        name, value = str(dig(parameter, "name")), str(dig(parameter, "value") or "")
        target = set_strings if dig(parameter, "forceString") else set_values
        target[name] = expand_build_env(value, env)
    return set_values, set_strings
