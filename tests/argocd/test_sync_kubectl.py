"""apply_root's substitutions and the kubectl calls behind wait_synced."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from chaosgate.argocd.errors import ArgoCDError
from chaosgate.argocd.sync import KubectlApplications, apply_root, render_root
from helpers.fake_kubectl import calls

SHA = "c" * 40
ROOT = Path(__file__).resolve().parents[2] / "gitops" / "argocd" / "root.yaml"


def test_the_three_harness_fields_of_the_real_root_are_substituted() -> None:
    root = render_root(ROOT, "file:///srv/gitops.git", SHA, "gitops/values/local.yaml")
    source = root["spec"]["source"]
    assert (source["repoURL"], source["targetRevision"]) == ("file:///srv/gitops.git", SHA)
    assert source["helm"]["valuesObject"]["valuesFile"] == "gitops/values/local.yaml"
    assert "HARNESS" not in json.dumps(root)
    assert "REVISION_UNDER_TEST" not in json.dumps(root)


def test_a_manifest_that_breaks_the_contract_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "root.yaml"
    bad.write_text(yaml.safe_dump({"kind": "Application", "spec": {"source": {"path": "x"}}}))
    with pytest.raises(ArgoCDError, match="substitution contract"):
        render_root(bad, "file:///x", SHA, "v.yaml")


def test_apply_root_applies_server_side(fake_kubectl: Path, tmp_path: Path) -> None:
    apply_root(
        tmp_path / "kc",
        ROOT,
        "file:///r.git",
        SHA,
        "gitops/values/local.yaml",
        kubectl=fake_kubectl,
    )
    (call,) = calls()
    assert call["argv"][1:] == [
        "apply",
        "--server-side",
        "--field-manager=chaosgate",
        "--force-conflicts",
        "-f",
        "-",
    ]
    assert json.loads(call["stdin"])["spec"]["source"]["targetRevision"] == SHA


def test_refresh_sync_and_list(
    fake_kubectl: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listing = tmp_path / "apps.json"
    listing.write_text(json.dumps({"items": [{"metadata": {"name": "heart-root"}}]}))
    monkeypatch.setenv("FAKE_KUBECTL_GET", str(listing))
    api = KubectlApplications(tmp_path / "kc", kubectl=fake_kubectl)
    assert list(api.applications()) == ["heart-root"]
    api.refresh("heart-root")
    api.sync("heart-root", SHA)
    get, annotate, patch = [call["argv"][1:] for call in calls()]
    assert get == ["get", "applications.argoproj.io", "-n", "argocd", "-o", "json"]
    assert annotate == [
        "annotate",
        "applications.argoproj.io",
        "heart-root",
        "-n",
        "argocd",
        "--overwrite",
        "argocd.argoproj.io/refresh=hard",
    ]
    assert patch[:6] == [
        "patch",
        "applications.argoproj.io",
        "heart-root",
        "-n",
        "argocd",
        "--type=merge",
    ]
    operation = json.loads(patch[-1])["operation"]
    assert operation["sync"] == {"revision": SHA, "prune": True}
