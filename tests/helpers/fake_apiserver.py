"""A scripted fake Kubernetes API server on 127.0.0.1, for testing watches without a cluster.

Each collection path gets a sequence of list answers (the last one repeats)
and a queue of watch sessions. A watch session is a list of steps, each an
event dict (sent as one JSON line), the string "gone" (answer HTTP 410
instead of a stream), or "raw:<text>" (sent as that line, JSON or not).
A session ends by closing the connection, as a dropped watch does. With no
session left, a watch stays open and quiet until the server stops, like a
real watch with nothing to say.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

Step = dict[str, Any] | str


@dataclass
class Script:
    lists: list[dict[str, Any]] = field(default_factory=list)  # List bodies, in order
    watches: deque[list[Step]] = field(default_factory=deque)


class FakeApiServer:
    def __init__(self) -> None:
        self.scripts: dict[str, Script] = {}
        self.texts: dict[str, str] = {}  # path → a plain-text answer (a proxied /metrics)
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def script(self, path: str) -> Script:
        return self.scripts.setdefault(path, Script())

    def add_list(self, path: str, resource_version: str, items: list[dict[str, Any]]) -> None:
        self.script(path).lists.append(
            {"kind": "List", "metadata": {"resourceVersion": resource_version}, "items": items}
        )

    def add_watch(self, path: str, *steps: Step) -> None:
        self.script(path).watches.append(list(steps))

    def watch_versions(self, path: str) -> list[str]:
        """The resourceVersion of every watch request on path, in order."""
        return [
            query.get("resourceVersion", "")
            for p, query in self.requests
            if p == path and query.get("watch") == "true"
        ]

    def lists_of(self, path: str) -> int:
        return sum(1 for p, query in self.requests if p == path and query.get("watch") != "true")

    def kubeconfig(self, directory: Path) -> Path:
        path = directory / "kubeconfig.yaml"
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
            "users": [{"name": "fake", "user": {"token": "fake"}}],
            "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "fake"}}],
            "current-context": "fake",
        }
        path.write_text(json.dumps(config))
        return path

    @contextmanager
    def running(self) -> Iterator[FakeApiServer]:
        self._thread.start()
        try:
            yield self
        finally:
            self.stopping.set()
            self._server.shutdown()
            self._server.server_close()

    # -- serving --------------------------------------------------------------------

    def _answer(self, path: str, query: dict[str, str]) -> tuple[int, Any]:
        with self._lock:
            self.requests.append((path, query))
            script = self.scripts.get(path, Script())
            if query.get("watch") != "true":
                body = script.lists.pop(0) if len(script.lists) > 1 else None
                body = body or (script.lists[0] if script.lists else _empty_list())
                return 200, body
            session = script.watches.popleft() if script.watches else None
        return 200, session

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                if (path := unquote(parts.path)) in fake.texts:  # the client quotes "pod:port"
                    fake.requests.append((path, query))
                    self._text(fake.texts[path])
                    return
                status, body = fake._answer(parts.path, query)
                if query.get("watch") == "true":
                    self._stream(body)
                else:
                    self._json(status, body)

            def _json(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _text(self, text: str) -> None:
                data = text.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, session: list[Step] | None) -> None:
                if session and session[0] == "gone":
                    self._json(
                        410,
                        {
                            "kind": "Status",
                            "code": 410,
                            "reason": "Expired",
                            "message": "too old resource version",
                        },
                    )
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()  # no length: the stream ends when we close it
                for step in session or []:
                    raw = step[4:] if isinstance(step, str) and step.startswith("raw:") else None
                    line = raw if raw is not None else json.dumps(step)
                    self.wfile.write(line.encode() + b"\n")
                    self.wfile.flush()
                if session is None:
                    fake.stopping.wait(30)  # nothing to say until the test ends

        return Handler


def _empty_list() -> dict[str, Any]:
    return {"kind": "List", "metadata": {"resourceVersion": "1"}, "items": []}


def event(kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    return {"type": kind, "object": obj}


def expired() -> dict[str, Any]:
    """The ERROR event a watch gets when its resourceVersion is too old."""
    return event(
        "ERROR",
        {"kind": "Status", "code": 410, "reason": "Expired", "message": "too old resource version"},
    )
