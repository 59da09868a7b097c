"""LocalProvider tears down (or keeps) a cluster whose bring-up fails.

Real kwokctl, etcd and kube-apiserver, but a stand-in kwok controller that
never marks nodes Ready, so the failure happens after the cluster exists.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import uuid
from pathlib import Path

import pytest

from chaosgate.errors import ClusterError
from chaosgate.providers.base import ClusterSpec
from chaosgate.providers.local import (
    LocalProvider,
    LocalSettings,
    control_plane_binaries,
    processes_using,
)
from chaosgate.tools.cache import ToolCache

pytestmark = [pytest.mark.needs_tools, pytest.mark.slow]

IDLE_KWOK = """#!/bin/sh
# Answers `--version` like kwok, then idles: nodes are never made Ready.
if [ "$1" = "--version" ]; then echo "kwok version v0.8.0 go1.26.8 (linux/amd64)"; exit 0; fi
while :; do sleep 1; done
"""


@pytest.fixture
def cache_with_idle_kwok(tmp_path: Path) -> ToolCache:
    """A tool cache of the real pinned builds, except kwok's controller."""
    real = ToolCache.default()
    control_plane_binaries(real)  # the ToolError saying to run `make setup`, if not built
    real.binary("kwok", "kwokctl")
    cache = ToolCache(tmp_path / "tools", real.versions)
    for tool in ("kubernetes", "etcd", "metrics-server", "kwok"):
        target = cache.version_dir(tool)
        target.parent.mkdir(parents=True)
        shutil.copytree(real.version_dir(tool), target, copy_function=_link_binaries)
    fake = cache.version_dir("kwok") / "kwok"
    fake.unlink()
    fake.write_text(IDLE_KWOK)
    fake.chmod(0o755)
    return cache


def _link_binaries(src: str, dst: str) -> None:
    # Binaries are linked (they are large); manifests are copied, because
    # kustomize refuses files that resolve outside the directory it builds.
    if os.access(src, os.X_OK):
        Path(dst).symlink_to(src)
    else:
        shutil.copy2(src, dst)


@pytest.mark.parametrize("keep", [False, True])
def test_failed_bring_up_is_deleted_unless_kept(
    cache_with_idle_kwok: ToolCache, tmp_path: Path, keep: bool
) -> None:
    settings = dataclasses.replace(LocalSettings(workdir=tmp_path / "kwok"), nodes_timeout=5)
    provider = LocalProvider(settings, cache=cache_with_idle_kwok)
    name = f"cg-fail-{uuid.uuid4().hex[:8]}"
    cluster_dir = settings.cluster_dir(name)
    try:
        with pytest.raises(ClusterError) as raised:
            provider.up(ClusterSpec(name=name, keep_on_failure=keep))
        message = str(raised.value)
        assert message.startswith(
            f"Could not bring up the local cluster {name}: "
            "waiting for the nodes to be Ready failed."
        )
        assert "Gave up waiting for 6 fake nodes to be Ready after 5 s." in message
        if keep:
            assert f"`chaosgate cluster down --name {name}`" in message
            assert cluster_dir.is_dir()
            assert processes_using(cluster_dir)
        else:
            assert not cluster_dir.exists()
            assert processes_using(cluster_dir) == []
    finally:
        if cluster_dir.exists():
            provider.down(name)
    assert processes_using(cluster_dir) == []
