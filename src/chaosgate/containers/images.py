"""Build the heart stack's images locally, pulling nothing from any registry.

- heart-display: the static binary from `make heart` copied into an image
  FROM scratch (heart/Dockerfile.offline).
- redis: redis-server from the userland rootfs (debootstrap, see recipes.py),
  whose image is shared with kube-proxy's and Argo CD's in a kind node.
- `build_images(node=True)` adds the offline kind node image (node_image.py).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from chaosgate.containers.engine import DOCKER_ENV, ensure_docker
from chaosgate.containers.recipes import userland_recipe
from chaosgate.containers.rootfs import ImageBuildError, import_rootfs, rootfs_tarball
from chaosgate.process import run
from chaosgate.versions import REPO_ROOT, load_versions

HEART_IMAGE_REPOSITORY = "chaosgate/heart-display"
REDIS_IMAGE_REPOSITORY = "chaosgate/redis"
USERLAND_IMAGE_REPOSITORY = "chaosgate/userland"

__all__ = ["ImageBuildError", "ImageRefs", "build_images", "image_exists", "image_refs"]


@dataclass(frozen=True)
class ImageRefs:
    """The image references the chart and the stack runtime use."""

    heart: str
    redis: str


def heart_version() -> str:
    """heart-display's version, kept in heart/VERSION (also the image tag)."""
    return (REPO_ROOT / "heart" / "VERSION").read_text().strip()


def userland_image_ref() -> str:
    recipe = userland_recipe(load_versions())
    return f"{USERLAND_IMAGE_REPOSITORY}:{recipe.suite}-{recipe.key()}"


def image_refs() -> ImageRefs:
    recipe = userland_recipe(load_versions())
    return ImageRefs(
        heart=f"{HEART_IMAGE_REPOSITORY}:{heart_version()}",
        # The chart names this tag (values.yaml redis.image); the suite alone.
        redis=f"{REDIS_IMAGE_REPOSITORY}:{recipe.suite}",
    )


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


def ensure_userland_image(log: Callable[[str], None]) -> str:
    """The userland rootfs as an image (debootstrap once, then cached); return its tag."""
    tag = userland_image_ref()
    if not image_exists(tag):
        import_rootfs(rootfs_tarball(userland_recipe(load_versions()), log), tag)
    return tag


def build_redis_image(tag: str, log: Callable[[str], None]) -> None:
    base = ensure_userland_image(log)
    command = ["/usr/bin/redis-server", "--save", "", "--appendonly", "no"]
    dockerfile = "\n".join(
        [f"FROM {base}", f"CMD {json.dumps(command)}", "USER redis", "EXPOSE 6379", ""]
    )
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "Dockerfile").write_text(dockerfile)
        run(["docker", "build", "-q", "-t", tag, tmp], timeout=600, env=DOCKER_ENV)


def image_exists(tag: str) -> bool:
    result = run(["docker", "image", "inspect", tag], timeout=30, check=False)
    return result.returncode == 0


def build_images(log: Callable[[str], None]) -> ImageRefs:
    """Build both images (Docker engine started if needed) and return their refs."""
    ensure_docker(say=log)
    refs = image_refs()
    build_heart_image(refs.heart)
    log(f"built {refs.heart}")
    if image_exists(refs.redis):
        log(f"{refs.redis} already present")
    else:
        build_redis_image(refs.redis, log)
        log(f"built {refs.redis}")
    return refs
