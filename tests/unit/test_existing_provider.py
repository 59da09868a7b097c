"""The existing provider against a fake API server on loopback, with the pinned kubectl."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from chaosgate.errors import ClusterError, ClusterNotFound, UnsafeTarget
from chaosgate.providers.base import Capability, ClusterInfo
from chaosgate.providers.existing import ExistingProvider
from chaosgate.safety import require_chaos_allowed
from chaosgate.tools.cache import tool_path


class ReadyzHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        ok = self.path.startswith("/readyz")
        self.send_response(200 if ok else 404)
        self.end_headers()
        self.wfile.write(b"ok" if ok else b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_apiserver() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), ReadyzHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def write_kubeconfig(path: Path, servers: dict[str, str]) -> Path:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": n, "cluster": {"server": s}} for n, s in servers.items()],
        "users": [{"name": "u", "user": {}}],
        "contexts": [{"name": n, "context": {"cluster": n, "user": "u"}} for n in servers],
    }
    path.write_text(yaml.safe_dump(config))
    return path


pytestmark = pytest.mark.needs_tools


def test_named_context_is_adopted_and_chaos_needs_allow(
    tmp_path: Path, fake_apiserver: str
) -> None:
    kubeconfig = write_kubeconfig(tmp_path / "kc", {"prod": fake_apiserver, "lab": fake_apiserver})
    kubectl = tool_path("kubernetes", "kubectl")
    refused = ExistingProvider(kubeconfig, kubectl).status("prod")
    with pytest.raises(UnsafeTarget, match="--allow-context prod"):
        require_chaos_allowed(refused)
    allowed = ExistingProvider(kubeconfig, kubectl, allowed_contexts={"lab"}).status("lab")
    assert Capability.CHAOS_ALLOWED in allowed.capabilities
    require_chaos_allowed(allowed)


def test_unknown_context_and_dead_server_are_explained(tmp_path: Path) -> None:
    kubeconfig = write_kubeconfig(tmp_path / "kc", {"dead": "http://127.0.0.1:9"})
    provider = ExistingProvider(kubeconfig, tool_path("kubernetes", "kubectl"))
    with pytest.raises(ClusterNotFound, match="Context nope is not in"):
        provider.status("nope")
    with pytest.raises(ClusterError, match="API server of context dead does not answer"):
        provider.status("dead")


def test_never_deletes_an_existing_cluster(tmp_path: Path) -> None:
    provider = ExistingProvider(tmp_path / "kc", Path("kubectl"))
    with pytest.raises(ClusterError, match="will not delete it"):
        provider.down("prod")


def test_chaos_allowed_in_harness_made_cluster() -> None:
    info = ClusterInfo("c", "local", Path("kc"), frozenset({Capability.CHAOS_ALLOWED}))
    require_chaos_allowed(info)
