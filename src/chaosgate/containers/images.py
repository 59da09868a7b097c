"""Build the heart stack's images locally, pulling nothing from any registry.

- heart-display: the static binary from `make heart` copied into an image
  FROM scratch (heart/Dockerfile.offline).
- redis: a Debian root filesystem made by debootstrap with redis-server in it,
  turned into an image by `docker import`. The rootfs tarball is cached per
  Debian suite, so a rebuild takes seconds.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from chaosgate.containers.engine import DOCKER_ENV, ensure_docker
from chaosgate.errors import ChaosgateError
from chaosgate.process import run
from chaosgate.tools.cache import default_cache_root
from chaosgate.versions import REPO_ROOT, load_versions

HEART_IMAGE_REPOSITORY = "chaosgate/heart-display"
REDIS_IMAGE_REPOSITORY = "chaosgate/redis"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
APT_SOURCES = Path("/etc/apt/sources.list.d/debian.sources")


class ImageBuildError(ChaosgateError):
    """An image could not be built."""


@dataclass(frozen=True)
class ImageRefs:
    """The image references the chart and the stack runtime use."""

    heart: str
    redis: str


def heart_version() -> str:
    """heart-display's version, kept in heart/VERSION (also the image tag)."""
    return (REPO_ROOT / "heart" / "VERSION").read_text().strip()


def image_refs() -> ImageRefs:
    suite = load_versions().images.get("debian-suite", "bookworm")
    return ImageRefs(
        heart=f"{HEART_IMAGE_REPOSITORY}:{heart_version()}",
        redis=f"{REDIS_IMAGE_REPOSITORY}:{suite}",
    )


def debian_mirror(sources: Path = APT_SOURCES) -> str:
    """The Debian mirror apt already uses here, so debootstrap reaches the same one."""
    if sources.is_file():
        match = re.search(r"^URIs:\s*(\S+)", sources.read_text(), re.M)
        if match:
            return match.group(1)
    return DEFAULT_MIRROR


def build_heart_image(tag: str) -> None:
    binary = REPO_ROOT / "heart" / "bin" / "heart-display"
    if not binary.is_file():
        raise ImageBuildError(f"{binary} is missing; run `make heart` first.")
    dockerfile = REPO_ROOT / "heart" / "Dockerfile.offline"
    run(
        ["docker", "build", "-q", "-f", str(dockerfile), "-t", tag, str(REPO_ROOT / "heart")],
        timeout=600,
        env=DOCKER_ENV,
    )


def redis_rootfs_tarball(suite: str, log: Callable[[str], None]) -> Path:
    """A cached tarball of a minimal Debian suite with redis-server installed."""
    cache = default_cache_root().parent / "images"
    tarball = cache / f"redis-rootfs-{suite}.tar"
    if tarball.is_file():
        return tarball
    if shutil.which("debootstrap") is None:
        raise ImageBuildError("debootstrap is not installed; run `make setup`.")
    cache.mkdir(parents=True, exist_ok=True)
    log(f"debootstrap {suite} with redis-server (about a minute, once)")
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        rootfs = Path(tmp) / "rootfs"
        argv = ["debootstrap", "--variant=minbase", "--include=redis-server", suite]
        run([*argv, str(rootfs), debian_mirror()], timeout=1800)
        partial = tarball.with_suffix(".partial")
        run(["tar", "-C", str(rootfs), "-cf", str(partial), "."], timeout=600)
        partial.rename(tarball)
    return tarball


def build_redis_image(tag: str, suite: str, log: Callable[[str], None]) -> None:
    tarball = redis_rootfs_tarball(suite, log)
    command = ["/usr/bin/redis-server", "--save", "", "--appendonly", "no"]
    changes = ["-c", f"CMD {json.dumps(command)}", "-c", "USER redis", "-c", "EXPOSE 6379"]
    run(["docker", "import", *changes, str(tarball), tag], timeout=600)


def image_exists(tag: str) -> bool:
    result = run(["docker", "image", "inspect", tag], timeout=30, check=False)
    return result.returncode == 0


def build_images(log: Callable[[str], None]) -> ImageRefs:
    """Build both images (Docker engine started if needed) and return their refs."""
    ensure_docker()
    refs = image_refs()
    suite = refs.redis.rsplit(":", 1)[1]
    build_heart_image(refs.heart)
    log(f"built {refs.heart}")
    if image_exists(refs.redis):
        log(f"{refs.redis} already present")
    else:
        build_redis_image(refs.redis, suite, log)
        log(f"built {refs.redis}")
    return refs
