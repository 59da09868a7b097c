"""The kind provider's command sequence and config, against a recording fake kind."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
import yaml

from chaosgate.errors import ClusterError, ClusterNotFound
from chaosgate.providers.base import Capability, ClusterSpec
from chaosgate.providers.kind import KindProvider, kind_config

FAKE_KIND = Path(__file__).resolve().parents[1] / "fakes" / "fake_kind.py"
NODE_IMAGE = "kindest/node:v1.34.0"
IMAGES = ("chaosgate/heart-display:0.1.0", "chaosgate/redis:bookworm")


@pytest.fixture
def fake_kind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    wrapper = tmp_path / "kind"
    wrapper.write_text(f'#!/bin/sh\nexec {sys.executable} {FAKE_KIND} "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("FAKE_KIND_LOG", str(tmp_path / "calls.jsonl"))
    monkeypatch.setenv("FAKE_KIND_STATE", str(tmp_path / "clusters.json"))
    monkeypatch.setenv("CHAOSGATE_STATE", str(tmp_path / "state"))
    return wrapper


def calls() -> list[list[str]]:
    lines = Path(os.environ["FAKE_KIND_LOG"]).read_text().splitlines()
    return [json.loads(line) for line in lines]


def test_config_has_zone_labelled_workers_and_loopback_api() -> None:
    config = kind_config(ClusterSpec(name="c1", nodes_per_zone=2))
    nodes = config["nodes"]
    assert isinstance(nodes, list)
    zones = [n["labels"]["topology.kubernetes.io/zone"] for n in nodes if n["role"] == "worker"]
    assert zones == ["zone-a", "zone-a", "zone-b", "zone-b", "zone-c", "zone-c"]
    assert [n["role"] for n in nodes].count("control-plane") == 1
    assert config["networking"] == {"apiServerAddress": "127.0.0.1"}


def test_up_creates_with_pinned_image_then_loads_images(fake_kind: Path) -> None:
    provider = KindProvider(fake_kind, NODE_IMAGE, IMAGES)
    info = provider.up(ClusterSpec(name="c1"))
    create, *loads = calls()[1:]
    assert create[:4] == ["create", "cluster", "--name", "c1"]
    assert create[create.index("--image") + 1] == NODE_IMAGE
    written = yaml.safe_load(Path(create[create.index("--config") + 1]).read_text())
    assert written == kind_config(ClusterSpec(name="c1"))
    assert loads == [["load", "docker-image", image, "--name", "c1"] for image in IMAGES]
    assert info.kubeconfig.is_file()
    assert Capability.REAL_OOM in info.capabilities


def test_failed_create_is_torn_down(fake_kind: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_KIND_FAIL", "create")
    with pytest.raises(ClusterError, match="node image not found"):
        KindProvider(fake_kind, NODE_IMAGE).up(ClusterSpec(name="c1"))
    assert ["delete", "cluster", "--name", "c1"] in calls()


def test_failed_create_is_kept_when_asked(fake_kind: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_KIND_FAIL", "create")
    with pytest.raises(ClusterError):
        KindProvider(fake_kind, NODE_IMAGE).up(ClusterSpec(name="c1", keep_on_failure=True))
    assert not any(call[0] == "delete" for call in calls())


def test_name_in_use_is_refused_before_creating(fake_kind: Path) -> None:
    provider = KindProvider(fake_kind, NODE_IMAGE)
    provider.up(ClusterSpec(name="c1"))
    with pytest.raises(ClusterError, match="already exists; run `chaosgate cluster down"):
        provider.up(ClusterSpec(name="c1"))
    assert [c[0] for c in calls()].count("create") == 1


def test_down_deletes_and_unknown_names_are_explained(fake_kind: Path) -> None:
    provider = KindProvider(fake_kind, NODE_IMAGE)
    provider.up(ClusterSpec(name="c1"))
    provider.down("c1")
    with pytest.raises(ClusterNotFound, match="No kind cluster named c1"):
        provider.status("c1")
    with pytest.raises(ClusterNotFound):
        provider.down("c1")
