"""A small typed client for Argo CD's REST API (session, get, refresh, sync).

For users who drive a remote Argo CD through its API server rather than
through the Application resources. No maintained Python client exists, so
this one covers only what the harness needs.
"""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from chaosgate.argocd.model import AppStatus, app_status
from chaosgate.errors import ChaosgateError


class ArgoCDAPIError(ChaosgateError):
    """The Argo CD API refused or failed a request."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ArgoCDClient:
    """Talks to one Argo CD API server; log in first unless given a token."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        insecure: bool = False,
        timeout: float = 15.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        # Argo CD commonly serves a self-signed certificate; insecure is opt-in.
        self._ssl = ssl._create_unverified_context() if insecure else None  # noqa: S323

    def login(self, username: str, password: str) -> str:
        """Create a session and keep its token for later calls."""
        body = self._request(
            "POST", "/api/v1/session", {"username": username, "password": password}
        )
        token = body.get("token")
        if not isinstance(token, str) or not token:
            raise ArgoCDAPIError("Argo CD accepted the login but returned no session token.")
        self.token = token
        return token

    def get_application(self, name: str, refresh: str | None = None) -> AppStatus:
        """Fetch an Application; refresh='normal' or 'hard' asks Argo CD to re-compare first."""
        query = f"?refresh={refresh}" if refresh else ""
        return app_status(self._request("GET", f"/api/v1/applications/{_quote(name)}{query}"))

    def refresh(self, name: str, hard: bool = False) -> AppStatus:
        return self.get_application(name, refresh="hard" if hard else "normal")

    def sync(self, name: str, revision: str | None = None, prune: bool = True) -> AppStatus:
        """Start a sync operation (at revision, if given)."""
        body: dict[str, Any] = {"prune": prune}
        if revision:
            body["revision"] = revision
        path = f"/api/v1/applications/{_quote(name)}/sync"
        return app_status(self._request("POST", path, body))

    def _request(self, method: str, path: str, body: object | None = None) -> dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(  # noqa: S310 - the user's Argo CD URL
            self.base_url + path, data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self._ssl) as resp:  # noqa: S310
                return _json_object(resp.read(), path)
        except urllib.error.HTTPError as exc:
            with exc:  # closes the error response's socket
                raise _api_error(method, path, exc) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise ArgoCDAPIError(
                f"Cannot reach Argo CD at {self.base_url}: {getattr(exc, 'reason', exc)}; "
                "check the URL and that the API server runs."
            ) from None


def _quote(name: str) -> str:
    return urllib.parse.quote(name, safe="")


def _json_object(raw: bytes, path: str) -> dict[str, Any]:
    try:
        value = json.loads(raw or b"{}")
    except json.JSONDecodeError:
        raise ArgoCDAPIError(f"Argo CD answered {path} with something that is not JSON.") from None
    if not isinstance(value, dict):
        raise ArgoCDAPIError(f"Argo CD answered {path} with JSON that is not an object.")
    return value


def _api_error(method: str, path: str, exc: urllib.error.HTTPError) -> ArgoCDAPIError:
    try:
        detail = json.loads(exc.read() or b"{}").get("message") or exc.reason
    except (json.JSONDecodeError, AttributeError):
        detail = exc.reason
    hint = {
        401: " Log in again or pass a valid token.",
        403: " The account lacks permission.",
        404: " Check the application name.",
    }.get(exc.code, "")
    return ArgoCDAPIError(
        f"Argo CD refused {method} {path} ({exc.code}): {detail}.{hint}", exc.code
    )
