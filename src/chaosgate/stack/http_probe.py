"""Small loopback HTTP and Redis probes (stdlib only, short timeouts, never raise on I/O)."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class HttpAnswer:
    """An HTTP answer; status 0 means no answer at all (refused, reset, timed out)."""

    status: int
    body: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def http_call(
    url: str,
    *,
    method: str = "GET",
    timeout: float = 1.0,
    headers: Mapping[str, str] | None = None,
) -> HttpAnswer:
    """Call url and return what came back; I/O failures become status 0 with the reason."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"not an HTTP URL: {url}")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, method=method, headers=dict(headers or {})
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return HttpAnswer(response.status, response.read().decode(errors="replace"))
    except urllib.error.HTTPError as exc:
        return HttpAnswer(exc.code, exc.read().decode(errors="replace"))
    except (OSError, urllib.error.URLError) as exc:
        return HttpAnswer(0, error=f"{type(exc).__name__}: {exc}")


def is_ready(base_url: str, timeout: float = 1.0) -> bool:
    """True when heart-display's /readyz answers 200."""
    return http_call(f"{base_url}/readyz", timeout=timeout).ok


def redis_answers(addr: str, timeout: float = 1.0) -> bool:
    """True when a Redis server at host:port answers PING with PONG."""
    host, _, port = addr.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False
