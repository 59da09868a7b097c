"""Debian root filesystems made by debootstrap, cached as tarballs.

Images that need a distribution (Redis, kube-proxy's iptables, Argo CD's git,
the kind node's systemd and containerd) start from one of these instead of a
registry image. A tarball is keyed by its suite and its package list, so a
changed list builds a new one and an unchanged one is reused in seconds.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from chaosgate.errors import ChaosgateError
from chaosgate.process import run
from chaosgate.tools.cache import default_cache_root

DEFAULT_MIRROR = "http://deb.debian.org/debian"
APT_SOURCES = Path("/etc/apt/sources.list.d/debian.sources")
DEBOOTSTRAP_TIMEOUT = 1800


class ImageBuildError(ChaosgateError):
    """An image could not be built."""


@dataclass(frozen=True)
class RootfsRecipe:
    """A minimal Debian suite plus the packages an image needs."""

    name: str
    suite: str
    packages: tuple[str, ...]

    def key(self) -> str:
        """A short digest of the package list, part of the cached tarball's name."""
        digest = hashlib.sha256(" ".join(sorted(self.packages)).encode()).hexdigest()
        return digest[:12]

    def tarball_name(self) -> str:
        return f"{self.name}-{self.suite}-{self.key()}.tar"


def images_cache() -> Path:
    """Where rootfs tarballs and saved images are cached (beside the tool cache)."""
    return default_cache_root().parent / "images"


def debian_mirror(sources: Path = APT_SOURCES) -> str:
    """The Debian mirror apt already uses here, so debootstrap reaches the same one."""
    if sources.is_file():
        match = re.search(r"^URIs:\s*(\S+)", sources.read_text(), re.M)
        if match:
            return match.group(1)
    return DEFAULT_MIRROR


def debootstrap_argv(recipe: RootfsRecipe, target: Path, mirror: str) -> list[str]:
    include = ",".join(recipe.packages)
    return [
        "debootstrap",
        "--variant=minbase",
        f"--include={include}",
        recipe.suite,
        str(target),
        mirror,
    ]


def rootfs_tarball(
    recipe: RootfsRecipe, log: Callable[[str], None], cache: Path | None = None
) -> Path:
    """The cached tarball of recipe's root filesystem, made by debootstrap when missing."""
    cache = cache or images_cache()
    tarball = cache / recipe.tarball_name()
    if tarball.is_file():
        return tarball
    if shutil.which("debootstrap") is None:
        raise ImageBuildError("debootstrap is not installed; run `make setup`.")
    cache.mkdir(parents=True, exist_ok=True)
    log(f"debootstrap {recipe.suite} for {recipe.name} (a minute or two, once per package list)")
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        target = Path(tmp) / "rootfs"
        run(debootstrap_argv(recipe, target, debian_mirror()), timeout=DEBOOTSTRAP_TIMEOUT)
        _strip_caches(target)
        partial = tarball.with_suffix(".partial")
        run(["tar", "-C", str(target), "--numeric-owner", "-cf", str(partial), "."], timeout=600)
        partial.rename(tarball)
    return tarball


def _strip_caches(target: Path) -> None:
    """Drop apt's downloaded packages and lists: they only make every image bigger."""
    for sub in ("var/cache/apt/archives", "var/lib/apt/lists"):
        for item in (target / sub).glob("*"):
            if item.is_file():
                item.unlink()


def import_rootfs(tarball: Path, tag: str, changes: Sequence[str] = ()) -> None:
    """Turn a rootfs tarball into a Docker image called tag."""
    flags = [arg for change in changes for arg in ("-c", change)]
    run(["docker", "import", *flags, str(tarball), tag], timeout=900)
