"""The sync decision, table-style: only Synced + Healthy at exactly the wanted revision counts."""

from __future__ import annotations

from typing import Any

import pytest

from chaosgate.argocd.model import app_status, describe_unhealthy, failed_at, synced_at

WANTED = "a" * 40
OLD = "b" * 40


def application(
    sync: str = "Synced",
    health: str = "Healthy",
    revision: str = WANTED,
    phase: str | None = "Succeeded",
    op_revision: str = WANTED,
    resources: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    status: dict[str, Any] = {
        "sync": {"status": sync, "revision": revision},
        "health": {"status": health},
        "resources": resources or [],
    }
    if phase is not None:
        status["operationState"] = {
            "phase": phase,
            "message": "one or more objects failed to apply",
            "syncResult": {"revision": op_revision},
        }
    return {"metadata": {"name": "heart-display"}, "status": status}


@pytest.mark.parametrize(
    ("app", "expected"),
    [
        (application(), True),
        (application(phase=None), True),
        (application(revision=WANTED[:7]), False),  # status shorter than wanted: not proven
        (application(revision=OLD), False),  # stale: synced, but an older revision
        (application(sync="OutOfSync"), False),
        (application(health="Progressing"), False),
        (application(phase="Running"), False),
        (application(phase="Failed"), False),
        (application(phase="Error", op_revision=OLD), True),  # an older revision's failure
        (application(phase="Running", op_revision=OLD), False),  # still changing things
        ({"metadata": {"name": "x"}}, False),  # no status yet
    ],
)
def test_synced_at(app: dict[str, Any], expected: bool) -> None:
    assert synced_at(app_status(app), WANTED) is expected


def test_short_wanted_revision_matches_full_sha() -> None:
    assert synced_at(app_status(application()), WANTED[:12])


@pytest.mark.parametrize(
    ("app", "reason"),
    [
        (application(phase="Failed"), "sync operation Failed: one or more objects failed"),
        (application(phase="Failed", op_revision=OLD, revision=OLD), None),  # an older failure
        (application(health="Degraded"), "health Degraded"),
        (application(health="Progressing", phase="Running"), None),
        (application(), None),
    ],
)
def test_failed_at(app: dict[str, Any], reason: str | None) -> None:
    result = failed_at(app_status(app), WANTED)
    assert (result is None) if reason is None else (result is not None and reason in result)


def test_describe_unhealthy_names_each_bad_resource() -> None:
    resources = [
        {"kind": "StatefulSet", "name": "heart-display", "namespace": "heart", "status": "Synced",
         "health": {"status": "Degraded", "message": "Init:CrashLoopBackOff"}},
        {"kind": "Service", "name": "heart-display", "namespace": "heart", "status": "Synced",
         "health": {"status": "Healthy"}},
    ]  # fmt: skip
    text = describe_unhealthy(app_status(application(resources=resources)))
    assert text == (
        "StatefulSet/heart/heart-display: sync=Synced health=Degraded (Init:CrashLoopBackOff)"
    )
