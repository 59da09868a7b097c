"""Build pinned tools from their Go modules into the tool cache.

Each build goes to a temporary directory next to its final place and is
renamed only when complete, so an interrupted build never looks finished.
"""

from __future__ import annotations

import fcntl
import json
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from chaosgate.errors import ToolError
from chaosgate.process import run
from chaosgate.tools.cache import ToolCache
from chaosgate.tools.catalog import ToolSpec

GO_BUILD_TIMEOUT = 60 * 60  # a cold Kubernetes build on 2 cores is long
STATIC_ENV = {"CGO_ENABLED": "0", "GOFLAGS": "-mod=mod"}


@dataclass(frozen=True)
class BuildResult:
    tool: str
    version: str
    seconds: float
    cached: bool


@dataclass(frozen=True)
class ModuleSource:
    """A downloaded module: its extracted source and its go.mod."""

    dir: Path
    go_mod: str


def download_module(module: str, version: str, workdir: Path) -> ModuleSource:
    """Fetch module@version through the module proxy and return where it landed."""
    out = run(["go", "mod", "download", "-json", f"{module}@{version}"], timeout=900, cwd=workdir)
    info = json.loads(out.stdout)
    if "Error" in info:
        raise ToolError(f"Cannot download {module}@{version}: {info['Error']}")
    return ModuleSource(Path(info["Dir"]), Path(info["GoMod"]).read_text())


def build_tool(cache: ToolCache, spec: ToolSpec, log: Callable[[str], None]) -> BuildResult:
    """Build spec's binaries at the pinned version unless already cached.

    A lock file serialises builds of the same tool, so two concurrent
    `chaosgate tools build` runs never share a half-built directory.
    """
    version = cache.versions.tool(spec.name)
    final = cache.version_dir(spec.name)
    final.parent.mkdir(parents=True, exist_ok=True)
    with (final.parent / f".{version}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if final.is_dir():
            started = time.monotonic()
            added = _add_missing_binaries(cache, spec, version, final, log)
            _add_missing_copies(cache, spec, version, final, log)
            seconds = time.monotonic() - started if added else 0.0
            return BuildResult(spec.name, version, seconds, cached=not added)
        started = time.monotonic()
        _build_into(cache, spec, version, final, log)
        return BuildResult(spec.name, version, time.monotonic() - started, cached=False)


def _build_into(
    cache: ToolCache, spec: ToolSpec, version: str, final: Path, log: Callable[[str], None]
) -> None:
    staging = final.with_name(final.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    workdir = _workdir(cache, spec, version)
    log(f"building {spec.name} {version} from {spec.module} (go output is shown only on failure)")
    source = download_module(spec.module, version, workdir)
    STRATEGIES[spec.strategy](spec, version, source, workdir, staging)
    for src, dest in spec.copy_dirs:
        _copy_from_module(source, src, staging / dest)
    missing = [b for b in spec.binaries if not (staging / b).is_file()]
    if missing:
        raise ToolError(f"Building {spec.name} {version} produced no {', '.join(missing)}.")
    staging.rename(final)


def _add_missing_binaries(
    cache: ToolCache, spec: ToolSpec, version: str, final: Path, log: Callable[[str], None]
) -> bool:
    """Build into a cached version the binaries the catalog has asked for since.

    Only packages whose last path element names a missing binary are built;
    the Go build cache makes that incremental. Returns whether any was built.
    """
    missing = tuple(b for b in spec.binaries if not (final / b).is_file())
    if not missing:
        return False
    packages = tuple(p for p in spec.packages if p.rsplit("/", 1)[-1] in missing)
    if len(packages) != len(missing):
        raise ToolError(
            f"The cached {spec.name} {version} lacks {', '.join(missing)}; remove {final} and "
            f"run `chaosgate tools build {spec.name}` again."
        )
    log(f"adding {', '.join(missing)} to the cached {spec.name} {version}")
    extra = final.with_name(final.name + ".more")
    shutil.rmtree(extra, ignore_errors=True)
    extra.mkdir()
    workdir = _workdir(cache, spec, version)
    source = download_module(spec.module, version, workdir)
    subset = replace(spec, packages=packages, binaries=missing)
    STRATEGIES[spec.strategy](subset, version, source, workdir, extra)
    for binary in missing:
        if not (extra / binary).is_file():
            raise ToolError(f"Building {spec.name} {version} produced no {binary}.")
        (extra / binary).rename(final / binary)
    shutil.rmtree(extra)
    return True


def _add_missing_copies(
    cache: ToolCache, spec: ToolSpec, version: str, final: Path, log: Callable[[str], None]
) -> None:
    """Give a cached build the module directories the catalog has asked for since.

    The binaries are keyed by version and stay valid; only the copies are new,
    so they are added from the module instead of rebuilding the tool.
    """
    missing = [(src, dest) for src, dest in spec.copy_dirs if not (final / dest).is_dir()]
    if not missing:
        return
    log(f"adding {', '.join(dest for _, dest in missing)} to the cached {spec.name} {version}")
    source = download_module(spec.module, version, _workdir(cache, spec, version))
    for src, dest in missing:
        # Copied beside, then renamed: a half-done copy never looks complete.
        partial = final / f".{dest}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        _copy_from_module(source, src, partial)
        partial.rename(final / dest)


def _workdir(cache: ToolCache, spec: ToolSpec, version: str) -> Path:
    """Where the tool's module is downloaded and its wrapper module (if any) lives."""
    workdir = cache.root / "_work" / f"{spec.name}-{version}"
    workdir.mkdir(parents=True, exist_ok=True)
    return workdir


def _copy_from_module(source: ModuleSource, src: str, dest: Path) -> None:
    shutil.copytree(source.dir / src, dest)
    _make_writable(dest)


def _make_writable(path: Path) -> None:
    # The module cache is read-only; copies must be deletable by `make clean`.
    for item in [path, *path.rglob("*")]:
        item.chmod(item.stat().st_mode | 0o200)


def _go_build(workdir: Path, out: Path, packages: tuple[str, ...], ldflags: str) -> None:
    argv = ["go", "build", "-trimpath", "-ldflags", f"-s -w {ldflags}".strip(), "-o", f"{out}/"]
    run([*argv, *packages], timeout=GO_BUILD_TIMEOUT, cwd=workdir, env=STATIC_ENV)


def _write_wrapper(workdir: Path, requires: dict[str, str], replaces: list[str]) -> None:
    lines = ["module chaosgate.local/toolbuild", "", "go 1.24.0", ""]
    lines += [f"require {mod} {ver}" for mod, ver in requires.items()]
    lines += [""] + [f"replace {r}" for r in replaces]
    (workdir / "go.mod").write_text("\n".join(lines) + "\n")


CLIENT_GO_MINOR = re.compile(r"k8s\.io/client-go v0\.(\d+)\.")


def stamp_ldflags(spec: ToolSpec, version: str, go_mod: str) -> str:
    """The spec's extra -ldflags with its placeholders filled in."""
    match = CLIENT_GO_MINOR.search(go_mod)
    return spec.ldflags.format(version=version, k8s_minor=match.group(1) if match else "")


def build_with_install(
    spec: ToolSpec, version: str, source: ModuleSource, workdir: Path, out: Path
) -> None:
    """Plain `go install pkg@version`, for modules without local replaces."""
    env = {**STATIC_ENV, "GOBIN": str(out), "GOFLAGS": ""}
    ldflags = f"-s -w {stamp_ldflags(spec, version, source.go_mod)}".strip()
    for package in spec.packages:
        argv = ["go", "install", "-trimpath", "-ldflags", ldflags, f"{package}@{version}"]
        run(argv, timeout=GO_BUILD_TIMEOUT, cwd=workdir, env=env)


STAGING_REPLACE = re.compile(r"^\s*(?:replace\s+)?(k8s\.io/[\w.-]+)\s+=>\s+\./staging/", re.M)


def kubernetes_replaces(go_mod: str, version: str) -> list[str]:
    """Map each ./staging replace of k8s.io/kubernetes to its published v0.X.Y module."""
    staging_version = "v0." + version.removeprefix("v").split(".", 1)[1]
    return [f"{m} => {m} {staging_version}" for m in STAGING_REPLACE.findall(go_mod)]


def build_kubernetes(
    spec: ToolSpec, version: str, source: ModuleSource, workdir: Path, out: Path
) -> None:
    _write_wrapper(workdir, {spec.module: version}, kubernetes_replaces(source.go_mod, version))
    major, minor = version.removeprefix("v").split(".")[:2]
    base = "k8s.io/component-base/version"
    stamp = f"-X {base}.gitVersion={version} -X {base}.gitMajor={major} -X {base}.gitMinor={minor}"
    _go_build(workdir, out, spec.packages, stamp)


ETCD_MAIN = """package main

import (
\t"os"

\t"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
"""


def build_etcd(
    spec: ToolSpec, version: str, source: ModuleSource, workdir: Path, out: Path
) -> None:
    _write_wrapper(workdir, {spec.module: version}, [])
    (workdir / "main.go").write_text(ETCD_MAIN)
    run(["go", "mod", "tidy"], timeout=900, cwd=workdir, env=STATIC_ENV)
    run(
        ["go", "build", "-trimpath", "-ldflags", "-s -w", "-o", str(out / "etcd"), "."],
        timeout=GO_BUILD_TIMEOUT,
        cwd=workdir,
        env=STATIC_ENV,
    )


REPLACE_LINE = re.compile(
    r"^\s*(?:replace\s+)?([\w./-]+(?:\s+v\S+)?\s+=>\s+[\w./-]+\s+v\S+)\s*$", re.M
)


def remote_replaces(go_mod: str) -> list[str]:
    """The replace directives of a go.mod that point at published modules (not paths)."""
    return [line.strip() for line in REPLACE_LINE.findall(go_mod)]


def build_argocd(
    spec: ToolSpec, version: str, source: ModuleSource, workdir: Path, out: Path
) -> None:
    _write_wrapper(workdir, {spec.module: version}, remote_replaces(source.go_mod))
    stamp = f"-X github.com/argoproj/argo-cd/v3/common.version={version.removeprefix('v')}"
    _go_build(workdir, out, spec.packages, stamp)
    (out / "cmd").rename(out / "argocd")


STRATEGIES: dict[str, Callable[[ToolSpec, str, ModuleSource, Path, Path], None]] = {
    "install": build_with_install,
    "kubernetes": build_kubernetes,
    "etcd": build_etcd,
    "argocd": build_argocd,
}
