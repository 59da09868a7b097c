"""LocalArgoCD's start/stop contract with a fake argocd binary, real Redis and fake kubectl.

No Argo CD and no cluster: this checks the process handling only (readiness,
every exit path stops everything, no process or port is left behind).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from chaosgate.argocd.config import CONFIG_MAPS, CRD_FILES, CRD_NAMES
from chaosgate.argocd.errors import ArgoCDError
from chaosgate.argocd.local import LocalArgoCD, LocalArgoCDSettings
from helpers.fake_kubectl import calls

FAKE_ARGOCD = Path(__file__).resolve().parent / "fake_argocd.py"
INSTALL = """\
kind: ConfigMap
metadata: {name: NAME}
"""


@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    path = tmp_path / "manifests"
    (path / "crds").mkdir(parents=True)
    docs = [INSTALL.replace("NAME", name) for name in CONFIG_MAPS]
    docs.append("kind: Secret\nmetadata: {name: argocd-secret}\n")
    (path / "install.yaml").write_text("---\n".join(docs))
    for crd in CRD_FILES:
        (path / "crds" / crd).write_text("kind: CustomResourceDefinition\n")
    return path


@pytest.fixture
def argocd(
    tmp_path: Path, fake_kubectl: Path, manifests: Path, monkeypatch: pytest.MonkeyPatch
) -> LocalArgoCD:
    established = {"conditions": [{"type": "Established", "status": "True"}]}
    crds = [{"metadata": {"name": name}, "status": established} for name in CRD_NAMES]
    (tmp_path / "crds.json").write_text(json.dumps({"items": crds}))
    monkeypatch.setenv("FAKE_KUBECTL_GET", str(tmp_path / "crds.json"))
    binary = tmp_path / "argocd"
    binary.write_text(f'#!/bin/sh\nexec {sys.executable} {FAKE_ARGOCD} "$@"\n')
    binary.chmod(0o755)
    settings = LocalArgoCDSettings(ready_timeout=20, stop_grace=5)
    return LocalArgoCD(
        tmp_path / "kubeconfig",
        tmp_path / "work",
        settings,
        argocd_binary=binary,
        kubectl=fake_kubectl,
        manifests=manifests,
        tool_dirs=[],
    )


def test_start_applies_objects_runs_all_three_and_stop_leaves_nothing(
    argocd: LocalArgoCD, manifests: Path
) -> None:
    with argocd:
        assert set(argocd.processes) == {"redis", "repo-server", "application-controller"}
        assert all(p.alive() for p in argocd.processes.values())
        assert argocd.ports is not None
        assert sorted(argocd.listening_ports()) == sorted(argocd.ports.all())
        assert set(argocd.timings) >= {"cluster_objects", "redis", "repo_server", "controller"}
        assert argocd.stragglers(), "the fake repo-server's child carries the run marker"
    assert argocd.processes == {}
    assert argocd.stragglers() == []
    assert argocd.listening_ports() == []
    applied = [call["argv"] for call in calls()]
    assert [arg for arg in applied[0] if arg.endswith(".yaml")] == [
        str(manifests / "crds" / name)
        for name in ("application-crd.yaml", "applicationset-crd.yaml", "appproject-crd.yaml")
    ]
    assert applied[1][1:3] == ["get", "crd"]
    assert "argocd-secret" in calls()[2]["stdin"]
    assert (argocd.workdir / "repo-server.log").read_text().startswith("fake argocd-repo-server")


def test_a_process_that_dies_while_starting_is_reported_and_all_is_stopped(
    argocd: LocalArgoCD, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_ARGOCD_CRASH", "argocd-application-controller")
    with pytest.raises(ArgoCDError, match="application-controller exited while starting") as caught:
        argocd.start()
    assert "fatal: argocd-application-controller cannot start" in str(caught.value)
    assert argocd.processes == {}
    assert argocd.stragglers() == []
    assert argocd.listening_ports() == []


def test_an_error_inside_the_with_block_still_stops_everything(argocd: LocalArgoCD) -> None:
    with pytest.raises(RuntimeError), argocd:
        raise RuntimeError("a suite failed")
    assert argocd.stragglers() == []
    assert argocd.listening_ports() == []


def test_crds_that_never_get_established_stop_the_start(
    argocd: LocalArgoCD, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FAKE_KUBECTL_GET")  # kubectl get answers with no CRDs at all
    argocd.settings = LocalArgoCDSettings(crd_timeout=1)
    with pytest.raises(ArgoCDError, match=r"CRDs .* were not Established within 1 s"):
        argocd.start()
    assert argocd.processes == {}
