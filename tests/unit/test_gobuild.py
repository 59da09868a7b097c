"""The tool builder: go.mod rewriting (pure) and the cache's completion of older builds."""

import json
import zipfile
from pathlib import Path

import pytest

from chaosgate.tools.cache import ToolCache
from chaosgate.tools.catalog import CATALOG, ToolSpec
from chaosgate.tools.gobuild import (
    build_tool,
    kubernetes_replaces,
    remote_replaces,
    stamp_ldflags,
)
from chaosgate.versions import load_versions

KUBERNETES_GO_MOD = """module k8s.io/kubernetes

go 1.24.0

require (
\tk8s.io/api v0.0.0
)

replace (
\tk8s.io/api => ./staging/src/k8s.io/api
\tk8s.io/client-go => ./staging/src/k8s.io/client-go
\tk8s.io/kube-openapi => k8s.io/kube-openapi v0.0.0-2025
)
"""

ARGOCD_GO_MOD = """module github.com/argoproj/argo-cd/v3

replace (
\tgithub.com/golang/protobuf => github.com/golang/protobuf v1.5.4
\tk8s.io/api => k8s.io/api v0.34.0
\tgithub.com/argoproj/argo-cd/gitops-engine => ./gitops-engine
)

replace github.com/go-git/go-git/v5 v5.0.0 => github.com/argoproj-labs/go-git/v5 v5.1.0
"""


def test_staging_modules_map_to_published_v0_versions() -> None:
    assert kubernetes_replaces(KUBERNETES_GO_MOD, "v1.34.4") == [
        "k8s.io/api => k8s.io/api v0.34.4",
        "k8s.io/client-go => k8s.io/client-go v0.34.4",
    ]


def test_only_replaces_pointing_at_published_modules_are_kept() -> None:
    assert remote_replaces(ARGOCD_GO_MOD) == [
        "github.com/golang/protobuf => github.com/golang/protobuf v1.5.4",
        "k8s.io/api => k8s.io/api v0.34.0",
        "github.com/go-git/go-git/v5 v5.0.0 => github.com/argoproj-labs/go-git/v5 v5.1.0",
    ]


def test_helm_is_stamped_with_its_version_and_kubernetes_minor() -> None:
    go_mod = "require (\n\tk8s.io/client-go v0.34.0\n)\n"
    flags = stamp_ldflags(CATALOG["helm"], "v3.19.0", go_mod)
    assert "internal/version.version=v3.19.0" in flags
    assert "chartutil.k8sVersionMinor=34" in flags


def file_proxy(root: Path, module: str, version: str, files: dict[str, str]) -> str:
    """A GOPROXY=file:// directory serving one module version, for real `go mod download`."""
    versions = root / module / "@v"
    versions.mkdir(parents=True)
    go_mod = f"module {module}\n\ngo 1.21\n"
    (versions / "list").write_text(f"{version}\n")
    (versions / f"{version}.info").write_text(
        json.dumps({"Version": version, "Time": "2024-01-01T00:00:00Z"})
    )
    (versions / f"{version}.mod").write_text(go_mod)
    with zipfile.ZipFile(versions / f"{version}.zip", "w") as archive:
        for name, text in {"go.mod": go_mod, **files}.items():
            archive.writestr(f"{module}@{version}/{name}", text)
    return f"file://{root}"


def cache_served_from(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    module: str,
    version: str,
    files: dict[str, str],
) -> ToolCache:
    """A tool cache whose 'kwok' is pinned to module@version, served by a file:// proxy."""
    monkeypatch.setenv("GOPROXY", file_proxy(tmp_path / "proxy", module, version, files))
    monkeypatch.setenv("GOSUMDB", "off")
    monkeypatch.setenv("GOFLAGS", "-modcacherw")
    monkeypatch.setenv("GOMODCACHE", str(tmp_path / "modcache"))
    monkeypatch.setenv("CHAOSGATE_VERSION_KWOK", version)
    return ToolCache(tmp_path / "tools", load_versions())


@pytest.mark.needs_tools  # needs the Go toolchain make setup installs
def test_a_cached_build_gets_the_module_copies_the_catalog_added_since(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module, version = "example.com/stagesrc", "v1.0.0"
    files = {"kustomize/stage/pod/fast/pod-ready.yaml": "kind: Stage\n"}
    cache = cache_served_from(tmp_path, monkeypatch, module, version, files)
    spec = ToolSpec(
        name="kwok",
        module=module,
        packages=(),
        binaries=("kwok",),
        copy_dirs=(("kustomize/stage", "stages"),),
    )
    built = cache.version_dir("kwok")
    built.mkdir(parents=True)
    (built / "kwok").write_text("a binary built before the catalog copied stages\n")
    said: list[str] = []

    result = build_tool(cache, spec, said.append)

    assert result.cached
    assert (built / "stages/pod/fast/pod-ready.yaml").read_text() == "kind: Stage\n"
    assert (built / "kwok").read_text().startswith("a binary built before")  # not rebuilt
    assert said == [f"adding stages to the cached kwok {version}"]
    assert not list(built.glob(".*.partial"))
    build_tool(cache, spec, said.append)  # complete now: nothing more to add
    assert len(said) == 1


@pytest.mark.needs_tools  # needs the Go toolchain make setup installs
def test_a_cached_build_gets_the_binaries_the_catalog_added_since(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module, version = "example.com/twobins", "v1.0.0"
    main = "package main\n\nfunc main() {}\n"
    files = {"cmd/first/main.go": main, "cmd/second/main.go": main}
    cache = cache_served_from(tmp_path, monkeypatch, module, version, files)
    spec = ToolSpec(
        name="kwok",
        module=module,
        packages=(f"{module}/cmd/first", f"{module}/cmd/second"),
        binaries=("first", "second"),
    )
    built = cache.version_dir("kwok")
    built.mkdir(parents=True)
    (built / "first").write_text("built before the catalog asked for second\n")
    said: list[str] = []

    result = build_tool(cache, spec, said.append)

    assert not result.cached  # something was built
    assert (built / "second").stat().st_size > 0
    assert (built / "first").read_text().startswith("built before")  # not rebuilt
    assert said == [f"adding second to the cached kwok {version}"]
    assert not (built.parent / f"{version}.more").exists()
    assert build_tool(cache, spec, said.append).cached  # complete now
    assert len(said) == 1
