"""API errors become sentences with the right class, status and Retry-After (no cluster)."""

from __future__ import annotations

import json

import pytest

from chaosgate.errors import ChaosgateError
from chaosgate.kube.client import (
    AccessDenied,
    KubeApiError,
    ObjectConflict,
    ObjectNotFound,
    ResourceExpired,
    TooManyRequests,
    api_error,
)

PDB_REFUSAL = {
    "kind": "Status",
    "status": "Failure",
    "message": "Cannot evict pod as it would violate the pod's disruption budget.",
    "reason": "TooManyRequests",
    "details": {
        "causes": [
            {
                "reason": "DisruptionBudget",
                "message": "The disruption budget heart-display needs 6 healthy pods and has 6",
            }
        ]
    },
    "code": 429,
}


def refused(
    status: int, body: object, headers: dict[str, str] | None = None, doing: str = "x"
) -> KubeApiError:
    return api_error(status, "reason", json.dumps(body), headers, doing)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (401, AccessDenied),
        (403, AccessDenied),
        (404, ObjectNotFound),
        (409, ObjectConflict),
        (410, ResourceExpired),
        (429, TooManyRequests),
        (500, KubeApiError),
    ],
)
def test_status_picks_the_error_class(status: int, cls: type[KubeApiError]) -> None:
    error = refused(status, {"message": "m"}, doing="doing x")
    assert type(error) is cls
    assert isinstance(error, ChaosgateError)
    assert error.status == status
    assert str(error).startswith(f"Kubernetes API refused doing x: HTTP {status}")


def test_a_pdb_refusal_names_the_budget() -> None:
    error = refused(429, PDB_REFUSAL, doing="evicting pod heart/heart-display-1")
    assert isinstance(error, TooManyRequests)
    assert error.reason == "TooManyRequests"
    assert "disruption budget heart-display needs 6 healthy pods" in str(error)
    assert error.retry_after is None


@pytest.mark.parametrize(
    ("headers", "details", "expected"),
    [
        pytest.param({"Retry-After": "7"}, {}, 7.0, id="header"),
        pytest.param(None, {"retryAfterSeconds": 3}, 3.0, id="status-details"),
        pytest.param({"Retry-After": "soon"}, {}, None, id="unparsable-header"),
        pytest.param(None, {"retryAfterSeconds": 0}, None, id="zero"),
    ],
)
def test_retry_after(
    headers: dict[str, str] | None, details: dict[str, int], expected: float | None
) -> None:
    body = {"message": "slow down", "details": details}
    assert refused(429, body, headers).retry_after == expected


def test_a_body_that_is_not_a_status_still_gives_a_sentence() -> None:
    error = api_error(502, "Bad Gateway", "<html>proxy error</html>", None, "listing pods")
    assert str(error) == "Kubernetes API refused listing pods: HTTP 502 Bad Gateway: Bad Gateway."
