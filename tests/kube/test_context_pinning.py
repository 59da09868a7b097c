"""The existing provider's clients reach the context the user named, never the current one.

The user's kubeconfig has current-context prod (a fake API server on loopback
that records every request) and a context lab (another fake server). After
`--cluster-name lab --allow-context lab`, the Kubernetes client, kubectl and
the Chaos Toolkit actions' client all talk to lab, and prod hears nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from chaosgate.chaos.kube_actions import kube_api
from chaosgate.errors import UnsafeTarget
from chaosgate.harness import HarnessOptions, cluster_session, values_file_for
from chaosgate.kube.client import connect, current_context
from chaosgate.process import run
from chaosgate.providers.base import Capability
from chaosgate.providers.existing import ExistingProvider
from chaosgate.runner import RunOptions, run_suites
from chaosgate.session import SessionOptions
from chaosgate.tools.cache import tool_path
from chaosgate.versions import REPO_ROOT
from helpers.fake_apiserver import FakeApiServer

pytestmark = pytest.mark.needs_tools
PODS = "/api/v1/namespaces/heart/pods"


@pytest.fixture
def servers() -> Iterator[tuple[FakeApiServer, FakeApiServer]]:
    with FakeApiServer().running() as prod, FakeApiServer().running() as lab:
        yield prod, lab


@pytest.fixture
def kubeconfig(tmp_path: Path, servers: tuple[FakeApiServer, FakeApiServer]) -> Path:
    prod, lab = servers
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "prod",
        "clusters": [
            {"name": "prod", "cluster": {"server": prod.url}},
            {"name": "lab", "cluster": {"server": lab.url}},
        ],
        "users": [{"name": "me", "user": {"token": "secret"}}],
        "contexts": [
            {"name": "prod", "context": {"cluster": "prod", "user": "me"}},
            {"name": "lab", "context": {"cluster": "lab", "user": "me"}},
        ],
    }
    path = tmp_path / "user-kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture(autouse=True)
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHAOSGATE_STATE", str(tmp_path / "state"))


def test_every_client_talks_to_the_named_context_only(
    kubeconfig: Path, servers: tuple[FakeApiServer, FakeApiServer]
) -> None:
    prod, lab = servers
    kubectl = tool_path("kubernetes", "kubectl")
    info = ExistingProvider(kubeconfig, kubectl, allowed_contexts={"lab"}).status("lab")
    assert Capability.CHAOS_ALLOWED in info.capabilities
    assert info.kubeconfig != kubeconfig, "the user's file is never handed on"
    assert current_context(info.kubeconfig) == "lab"
    assert info.kubeconfig.stat().st_mode & 0o077 == 0, "the copy holds credentials"

    with connect(info) as api:
        api.call(api.core.list_namespaced_pod, "heart", doing="listing pods")
    # What the cluster backend hands the Chaos Toolkit actions (ClusterRun.chaos).
    configuration = {
        "kubeconfig_path": str(info.kubeconfig),
        "allow_context": current_context(info.kubeconfig),
    }
    with kube_api(configuration) as api:
        assert Capability.CHAOS_ALLOWED in api.cluster.capabilities
        api.call(api.core.list_namespaced_pod, "heart", doing="listing pods")
    run([str(kubectl), "--kubeconfig", str(info.kubeconfig), "get", "--raw", PODS], timeout=30)

    assert prod.requests == []
    assert [path for path, _ in lab.requests].count(PODS) == 3


def test_a_context_not_allowed_is_refused_before_anything_is_applied(
    kubeconfig: Path, servers: tuple[FakeApiServer, FakeApiServer]
) -> None:
    prod, lab = servers
    options = HarnessOptions(provider="existing", cluster_name="lab", kubeconfig=kubeconfig)
    with pytest.raises(UnsafeTarget, match="--allow-context lab"), cluster_session(options):
        pytest.fail("the session yielded a cluster chaos may not touch")
    assert [path for path, _ in lab.requests] == ["/readyz"], "only the health check"
    assert prod.requests == []
    with pytest.raises(UnsafeTarget, match="--allow-context lab"):
        run_suites(RunOptions(session=SessionOptions(options)))


def test_an_existing_cluster_gets_no_kwok_placement() -> None:
    values = yaml.safe_load((REPO_ROOT / values_file_for("existing")).read_text())
    assert "nodeSelector" not in values
    assert "tolerations" not in values
    assert values_file_for("local") != values_file_for("existing")
