"""The Argo CD REST client against a fake API server on loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from chaosgate.argocd.rest import ArgoCDAPIError, ArgoCDClient

TOKEN = "tok-123"


class FakeArgoCD(BaseHTTPRequestHandler):
    """Just enough of /api/v1: session, get application, sync."""

    requests: ClassVar[list[tuple[str, str, dict[str, Any]]]] = []
    apps: ClassVar[dict[str, dict[str, Any]]] = {}

    def _reply(self, code: int, body: object) -> None:
        raw = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        return dict(json.loads(self.rfile.read(length) or b"{}"))

    def _authorized(self) -> bool:
        if self.headers.get("Authorization") == f"Bearer {TOKEN}":
            return True
        self._reply(401, {"error": "no session", "code": 16, "message": "no session information"})
        return False

    def do_POST(self) -> None:
        body = self._body()
        self.requests.append(("POST", self.path, body))
        if self.path == "/api/v1/session":
            if body == {"username": "admin", "password": "pw"}:
                self._reply(200, {"token": TOKEN})
            else:
                self._reply(401, {"message": "Invalid username or password"})
        elif self._authorized():
            name = self.path.split("/")[4]
            self.apps[name]["status"]["operationState"] = {"phase": "Running"}
            self._reply(200, self.apps[name])

    def do_GET(self) -> None:
        self.requests.append(("GET", self.path, {}))
        if not self._authorized():
            return
        name = self.path.split("/")[4].split("?")[0]
        if name in self.apps:
            self._reply(200, self.apps[name])
        else:
            self._reply(404, {"message": f'applications.argoproj.io "{name}" not found'})

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    FakeArgoCD.requests = []
    FakeArgoCD.apps = {
        "heart": {
            "metadata": {"name": "heart"},
            "status": {"sync": {"status": "Synced", "revision": "abc"},
                       "health": {"status": "Healthy"}},
        }
    }  # fmt: skip
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeArgoCD)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_login_then_get_with_refresh(server: str) -> None:
    client = ArgoCDClient(server)
    assert client.login("admin", "pw") == TOKEN
    status = client.refresh("heart", hard=True)
    assert (status.name, status.sync, status.health, status.revision) == (
        "heart", "Synced", "Healthy", "abc",
    )  # fmt: skip
    assert FakeArgoCD.requests[-1][:2] == ("GET", "/api/v1/applications/heart?refresh=hard")


def test_sync_sends_revision_and_prune(server: str) -> None:
    status = ArgoCDClient(server, token=TOKEN).sync("heart", revision="def")
    assert FakeArgoCD.requests[-1] == (
        "POST", "/api/v1/applications/heart/sync", {"prune": True, "revision": "def"},
    )  # fmt: skip
    assert status.operation_phase == "Running"


@pytest.mark.parametrize(
    ("token", "app", "match"),
    [
        (None, "heart", r"\(401\): no session information\. Log in again"),
        (TOKEN, "nope", r"\(404\): applications.argoproj.io \"nope\" not found\. Check the"),
    ],
)
def test_api_errors_are_sentences(server: str, token: str | None, app: str, match: str) -> None:
    with pytest.raises(ArgoCDAPIError, match=match):
        ArgoCDClient(server, token=token).get_application(app)


def test_bad_login_and_unreachable_server() -> None:
    with pytest.raises(ArgoCDAPIError, match=r"Cannot reach Argo CD at http://127\.0\.0\.1:9"):
        ArgoCDClient("http://127.0.0.1:9", timeout=2).login("admin", "pw")


def test_wrong_password(server: str) -> None:
    with pytest.raises(ArgoCDAPIError, match="Invalid username or password") as caught:
        ArgoCDClient(server).login("admin", "wrong")
    assert caught.value.status == 401
