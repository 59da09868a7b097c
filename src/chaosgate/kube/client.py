"""Kubernetes API access: one client per kubeconfig, errors translated into sentences.

This package is the only place that imports the `kubernetes` client. Every
call goes through `KubeApi.call`, which asks for the raw JSON (the shapes
`kubectl get -o json` prints, camelCase keys) instead of the client's model
objects, so the pure functions elsewhere in chaosgate.kube work on plain
dicts and are tested with plain dicts. An ApiException never leaves this
module: it becomes a KubeApiError subclass whose message says what we were
doing, what the API server answered and, where there is one, what to do.

No global configuration: each KubeApi has its own ApiClient built from the
kubeconfig file it was given, so two clusters can be driven at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import urllib3
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.client.exceptions import ApiException

from chaosgate.errors import ClusterError, UsageError
from chaosgate.providers.base import Capability, ClusterInfo

MERGE_PATCH = "application/merge-patch+json"
# (connect, read) seconds for ordinary calls; watches set their own.
DEFAULT_TIMEOUT = (5.0, 30.0)


class KubeApiError(ClusterError):
    """The API server refused or failed a request; carries its HTTP status and reason."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        reason: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.retry_after = retry_after


class ObjectNotFound(KubeApiError):
    """404: the object does not exist (any more)."""


class ObjectConflict(KubeApiError):
    """409: the object changed under us, or already exists."""


class TooManyRequests(KubeApiError):
    """429: e.g. an eviction that a PodDisruptionBudget forbids right now."""


class ResourceExpired(KubeApiError):
    """410 Gone: a watch's resourceVersion is too old; list again and watch from there."""


class AccessDenied(KubeApiError):
    """401/403: the kubeconfig's user may not do this."""


class ApiUnreachable(KubeApiError):
    """No HTTP answer at all: the API server is down or the address is wrong."""


_BY_STATUS: dict[int, type[KubeApiError]] = {
    401: AccessDenied,
    403: AccessDenied,
    404: ObjectNotFound,
    409: ObjectConflict,
    410: ResourceExpired,
    429: TooManyRequests,
}


def _status_body(body: Any) -> dict[str, Any]:
    """The Status object the API server answers errors with ({} if it is not one)."""
    if isinstance(body, bytes):
        body = body.decode(errors="replace")
    try:
        parsed = json.loads(body) if isinstance(body, str) else None
    except json.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _retry_after(headers: Mapping[str, str] | None, status: Mapping[str, Any]) -> float | None:
    """Seconds the server asked us to wait: the Retry-After header or details.retryAfterSeconds."""
    header = (headers or {}).get("Retry-After")
    if header is not None and header.strip().isdigit():
        return float(header)
    seconds = (status.get("details") or {}).get("retryAfterSeconds")
    return float(seconds) if isinstance(seconds, int | float) and seconds > 0 else None


def _server_message(status: Mapping[str, Any], fallback: str) -> str:
    """The server's message plus the causes it gave (e.g. which PDB refused)."""
    message = str(status.get("message") or fallback)
    causes = [str(c.get("message")) for c in (status.get("details") or {}).get("causes") or [] if c]
    return "; ".join([message, *[c for c in causes if c and c != "None"]])


def api_error(
    status: int | None,
    reason: str | None,
    body: Any,
    headers: Mapping[str, str] | None,
    doing: str,
) -> KubeApiError:
    """The KubeApiError for an HTTP error answer received while `doing` something."""
    answer = _status_body(body)
    reason_text = str(answer.get("reason") or reason or "")
    message = _server_message(answer, str(reason or "no message"))
    cls = _BY_STATUS.get(status or 0, KubeApiError)
    hint = " Check that the kubeconfig's user has the RBAC rights." if cls is AccessDenied else ""
    return cls(
        f"Kubernetes API refused {doing}: HTTP {status} {reason_text}: {message}.{hint}",
        status=status,
        reason=reason_text,
        retry_after=_retry_after(headers, answer),
    )


def translate(exc: ApiException, doing: str) -> KubeApiError:
    """The KubeApiError for the client's ApiException."""
    status = int(exc.status) if exc.status else None
    return api_error(status, exc.reason, exc.body, exc.headers, doing)


@contextmanager
def api_errors(doing: str) -> Iterator[None]:
    """Translate client exceptions raised inside the block into KubeApiError."""
    try:
        yield
    except ApiException as exc:
        raise translate(exc, doing) from exc
    except (urllib3.exceptions.HTTPError, ConnectionError) as exc:
        raise ApiUnreachable(
            f"Could not reach the Kubernetes API while {doing}: {exc}. Is the cluster "
            "running? `chaosgate cluster status` prints its kubeconfig."
        ) from exc


def current_context(kubeconfig: Path) -> str:
    """The kubeconfig's current-context name; UsageError if the file is unusable."""
    try:
        _, active = k8s_config.list_kube_config_contexts(  # type: ignore[no-untyped-call]
            config_file=str(kubeconfig)
        )
    except (OSError, k8s_config.ConfigException) as exc:
        raise UsageError(f"Cannot read kubeconfig {kubeconfig}: {exc}") from exc
    return str(active["name"])


@dataclass
class KubeApi:
    """An API client for one cluster, plus the ClusterInfo that says what we may do there."""

    cluster: ClusterInfo
    api_client: Any  # kubernetes.client.ApiClient (untyped)

    @property
    def core(self) -> Any:
        return k8s.CoreV1Api(self.api_client)

    @property
    def apps(self) -> Any:
        return k8s.AppsV1Api(self.api_client)

    @property
    def policy(self) -> Any:
        return k8s.PolicyV1Api(self.api_client)

    @property
    def autoscaling(self) -> Any:
        return k8s.AutoscalingV2Api(self.api_client)

    @property
    def host(self) -> str:
        return str(self.api_client.configuration.host)

    def call(
        self,
        method: Callable[..., Any],
        *args: Any,
        doing: str,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Call a client method and return the response body as parsed JSON ({} if empty)."""
        with api_errors(doing):
            response = method(*args, _preload_content=False, _request_timeout=timeout, **kwargs)
            data = response.data
        if not data:
            return {}
        parsed = json.loads(data)
        return parsed if isinstance(parsed, dict) else {}

    def call_text(
        self,
        method: Callable[..., Any],
        *args: Any,
        doing: str,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        **kwargs: Any,
    ) -> str:
        """Call a client method whose answer is not JSON (a proxied /metrics); its body as text."""
        with api_errors(doing):
            response = method(*args, _preload_content=False, _request_timeout=timeout, **kwargs)
            data = response.data
        return data.decode("utf-8", errors="replace") if isinstance(data, bytes) else str(data)

    def merge_patch(
        self, method: Callable[..., Any], *args: Any, body: Mapping[str, Any], doing: str
    ) -> dict[str, Any]:
        """A JSON merge patch (the client would otherwise send a JSON Patch for dict bodies)."""
        return self.call(method, *args, dict(body), doing=doing, _content_type=MERGE_PATCH)

    def close(self) -> None:
        self.api_client.close()

    def __enter__(self) -> KubeApi:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def connect(cluster: ClusterInfo) -> KubeApi:
    """A client for the cluster a provider returned (its capabilities gate chaos)."""
    return KubeApi(cluster, _api_client(cluster.kubeconfig))


def connect_kubeconfig(kubeconfig: Path, *, allow_context: str | None = None) -> KubeApi:
    """A client for a bare kubeconfig (e.g. from a Chaos Toolkit configuration).

    Chaos is allowed only when `allow_context` names the kubeconfig's current
    context, the same rule as `--allow-context` for existing clusters: nobody
    drains a cluster by pointing KUBECONFIG at it by accident.
    """
    context = current_context(kubeconfig)
    allowed = {Capability.CHAOS_ALLOWED} if allow_context and allow_context == context else set()
    info = ClusterInfo(context, "kubeconfig", kubeconfig, frozenset(allowed))
    return KubeApi(info, _api_client(kubeconfig))


def _api_client(kubeconfig: Path) -> Any:
    if not kubeconfig.is_file():
        raise UsageError(f"Kubeconfig {kubeconfig} does not exist; pass the cluster's kubeconfig.")
    try:
        return k8s_config.new_client_from_config(  # type: ignore[no-untyped-call]
            config_file=str(kubeconfig)
        )
    except (OSError, k8s_config.ConfigException) as exc:
        raise UsageError(f"Cannot build a Kubernetes client from {kubeconfig}: {exc}") from exc
