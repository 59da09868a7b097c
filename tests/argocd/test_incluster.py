"""The in-cluster install's kubectl sequence, against a recording fake kubectl."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from chaosgate.argocd.config import Tuning
from chaosgate.argocd.errors import ArgoCDError
from chaosgate.argocd.incluster import install_in_cluster, workloads
from helpers.fake_kubectl import calls

INSTALL = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: argocd-cm, labels: {app.kubernetes.io/part-of: argocd}}
data: {resource.exclusions: "- kinds: [Lease]"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: argocd-redis}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: argocd-repo-server}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: argocd-application-controller}
"""


@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    path = tmp_path / "manifests"
    path.mkdir()
    (path / "install.yaml").write_text(INSTALL)
    return path


def test_workloads_are_read_from_the_manifest(manifests: Path) -> None:
    assert workloads(manifests / "install.yaml") == [
        "deployment/argocd-redis",
        "deployment/argocd-repo-server",
        "statefulset/argocd-application-controller",
    ]


def test_settings_then_install_then_project_then_rollouts(
    fake_kubectl: Path, manifests: Path, tmp_path: Path
) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    tuning = Tuning(extra_settings={"resource.customizations.health.argoproj.io_Application": "x"})
    result = install_in_cluster(
        kubeconfig, tuning=tuning, kubectl=fake_kubectl, manifests=manifests
    )

    recorded = calls()
    argvs = [call["argv"] for call in recorded]
    assert all(argv[0] == f"--kubeconfig={kubeconfig}" for argv in argvs)
    settings, install, project, *rollouts = [argv[1:] for argv in argvs]
    assert settings == [
        "apply",
        "--server-side",
        "--force-conflicts",
        "--field-manager=chaosgate",
        "-f",
        "-",
    ]
    assert install == [
        "apply",
        "--server-side",
        "--force-conflicts",
        "-n",
        "argocd",
        "-f",
        str(manifests / "install.yaml"),
    ]
    assert project[-2:] == ["-f", "-"]
    assert rollouts == [
        ["rollout", "status", name, "-n", "argocd", "--timeout=600s"] for name in result.workloads
    ]
    objects = yaml.safe_load(recorded[0]["stdin"])["items"]
    assert [(o["kind"], o["metadata"]["name"]) for o in objects] == [
        ("Namespace", "argocd"),
        ("ConfigMap", "argocd-cm"),
        ("ConfigMap", "argocd-cmd-params-cm"),
    ]
    argocd_cm, params = objects[1]["data"], objects[2]["data"]
    assert argocd_cm["resource.customizations.health.argoproj.io_Application"] == "x"
    assert argocd_cm["timeout.reconciliation"] == "10s"
    assert params["controller.resource.health.persist"] == "true"
    assert all(
        o["metadata"]["labels"] == {"app.kubernetes.io/part-of": "argocd"} for o in objects[1:]
    )
    assert yaml.safe_load(recorded[2]["stdin"])["items"][0]["kind"] == "AppProject"


def test_a_failed_rollout_names_the_workload_and_what_to_look_at(
    fake_kubectl: Path, manifests: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_KUBECTL_FAIL", "statefulset/argocd-application-controller")
    with pytest.raises(ArgoCDError, match="statefulset/argocd-application-controller did not roll"):
        install_in_cluster(tmp_path / "kc", kubectl=fake_kubectl, manifests=manifests)


def test_a_setting_upstream_also_sets_is_refused_before_anything_is_applied(
    fake_kubectl: Path, manifests: Path, tmp_path: Path
) -> None:
    tuning = Tuning(extra_settings={"resource.exclusions": "[]"})
    with pytest.raises(ArgoCDError, match=r"already sets argocd-cm: resource\.exclusions"):
        install_in_cluster(
            tmp_path / "kc", tuning=tuning, kubectl=fake_kubectl, manifests=manifests
        )
    assert calls() == []
