"""wait_synced's decisions, over scripted Application statuses and a fake clock."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from chaosgate.argocd.errors import SyncFailed, SyncTimeout
from chaosgate.argocd.sync import SyncWaiter, WaitSettings, format_events, wait_synced

OLD = "a" * 40
NEW = "b" * 40


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds


def app(
    name: str,
    sync: str = "Synced",
    health: str = "Healthy",
    revision: str = NEW,
    *,
    phase: str = "Succeeded",
    target: str = NEW,
    running: bool = False,
    refresh_pending: bool = False,
    resources: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    pending = {"argocd.argoproj.io/refresh": "hard"} if refresh_pending else {}
    obj: dict[str, Any] = {
        "metadata": {"name": name, "annotations": pending},
        "spec": {"source": {"targetRevision": target}},
        "status": {
            "sync": {"status": sync, "revision": revision},
            "health": {"status": health},
            "operationState": {
                "phase": phase,
                "message": "one or more objects failed to apply" if phase == "Failed" else "",
                "syncResult": {"revision": revision},
            },
            "resources": list(resources),
        },
    }
    if running:
        obj["operation"] = {"sync": {"revision": target}}
    return obj


class ScriptedApps:
    """Answers each poll with the next scripted state (then repeats the last)."""

    def __init__(self, states: Sequence[Sequence[dict[str, Any]]]) -> None:
        self.states = [{a["metadata"]["name"]: a for a in state} for state in states]
        self.polls = 0
        self.calls: list[tuple[str, str]] = []

    def applications(self) -> dict[str, Mapping[str, Any]]:
        state = self.states[min(self.polls, len(self.states) - 1)]
        self.polls += 1
        return dict(state)

    def refresh(self, name: str) -> None:
        self.calls.append(("refresh", name))

    def sync(self, name: str, revision: str) -> None:
        self.calls.append(("sync", name))

    def recent_events(self, namespace: str) -> list[str]:
        return [f"Warning FailedScheduling Pod/heart-display-3: in {namespace}"]


def waiter(api: ScriptedApps, names: Sequence[str] = ("root",), **kw: Any) -> SyncWaiter:
    settings = WaitSettings(**{"timeout": 60, "settle": 5, "interval": 1, **kw})
    return SyncWaiter(api, names, NEW, settings, FakeClock())


def test_stale_synced_then_progressing_then_synced_waits_for_the_settle_window() -> None:
    api = ScriptedApps(
        [
            [app("root", revision=OLD)],  # Synced+Healthy, but at the old revision: stale
            [app("root", "OutOfSync", "Healthy", NEW, running=True)],
            [app("root", "Synced", "Progressing", NEW)],
            [app("root")],  # Synced+Healthy at NEW from poll 3 (t=3)
        ]
    )
    result = waiter(api).wait()
    assert result.elapsed == 8  # first seen synced at t=3, settled for 5 s
    assert api.polls == 9
    assert result.statuses["root"].revision == NEW
    assert api.calls == [("refresh", "root")]


def test_a_synced_status_counts_only_once_argo_cd_has_done_the_refresh_asked_for() -> None:
    # Synced+Healthy at NEW from the start, but possibly left over from an earlier
    # run: only a status written after the refresh (annotation gone) counts.
    pending = [app("root", refresh_pending=True)]
    api = ScriptedApps([pending, pending, pending, [app("root")]])
    result = waiter(api).wait()
    assert api.calls == [("refresh", "root")]
    assert result.elapsed == 3 + 5


def test_every_application_is_refreshed_once_even_when_it_looks_done() -> None:
    api = ScriptedApps([[app("root")], [app("root"), app("child")]])
    waiter(api, names=("root", "child")).wait()
    assert api.calls == [("refresh", "root"), ("refresh", "child")]


def test_a_flicker_restarts_the_settle_window() -> None:
    synced, progressing = [app("root")], [app("root", health="Progressing")]
    api = ScriptedApps([synced, synced, synced, progressing, synced])
    assert waiter(api).wait().elapsed == 4 + 5


def test_every_named_application_must_exist_and_be_synced() -> None:
    root = app("root")
    api = ScriptedApps(
        [[root], [root], [root, app("child", revision=OLD, target=OLD)], [root, app("child")]]
    )
    result = waiter(api, names=("root", "child")).wait()
    assert result.elapsed == 3 + 5


def test_a_failed_operation_at_the_revision_fails_at_once() -> None:
    api = ScriptedApps([[app("root", "OutOfSync", "Missing", NEW, phase="Failed")]])
    with pytest.raises(SyncFailed, match="root at bbbbbbbbbbbb: sync operation Failed") as caught:
        waiter(api).wait()
    assert caught.value.application == "root"


def test_a_failed_operation_of_an_older_revision_is_not_this_failure() -> None:
    api = ScriptedApps([[app("root", "OutOfSync", revision=OLD, phase="Failed")], [app("root")]])
    assert waiter(api).wait().elapsed == 1 + 5


def test_a_brief_degraded_is_tolerated() -> None:
    degraded = [app("root", health="Degraded")]
    api = ScriptedApps([degraded, degraded, [app("root")]])
    assert waiter(api, degraded_grace=10).wait().elapsed == 2 + 5


def test_a_lasting_degraded_fails_after_the_grace() -> None:
    failing_pod = {
        "kind": "Deployment",
        "name": "redis",
        "namespace": "heart",
        "status": "Synced",
        "health": {"status": "Degraded", "message": "ProgressDeadlineExceeded"},
    }
    api = ScriptedApps([[app("root", health="Degraded", resources=[failing_pod])]])
    w = waiter(api, degraded_grace=10)
    with pytest.raises(SyncFailed, match="ProgressDeadlineExceeded"):
        w.wait()
    assert w.clock.now() == 10


def test_timeout_names_each_application_resource_and_recent_events() -> None:
    waiting = {
        "kind": "StatefulSet",
        "name": "heart-display",
        "namespace": "heart",
        "status": "Synced",
        "health": {"status": "Progressing", "message": "Waiting for 2 pods to be ready..."},
    }
    api = ScriptedApps([[app("root", health="Progressing", resources=[waiting])]])
    with pytest.raises(SyncTimeout) as caught:
        waiter(api, names=("root", "heart-display"), timeout=30).wait()
    message = str(caught.value)
    assert f"at {NEW} within 30 s" in message
    assert (
        "- root: sync=Synced health=Progressing revision=bbbbbbbbbbbb operation=Succeeded"
        in message
    )
    assert (
        "StatefulSet/heart/heart-display: sync=Synced health=Progressing (Waiting for 2" in message
    )
    assert "- heart-display: not found" in message
    assert "Recent events in heart:\n  Warning FailedScheduling Pod/heart-display-3" in message


def test_timeout_shows_a_stale_revision_as_such() -> None:
    api = ScriptedApps([[app("root", revision=OLD, target=OLD)]])
    with pytest.raises(SyncTimeout, match=r"revision=aaaaaaaaaaaa, wanted bbbbbbbbbbbb"):
        waiter(api, timeout=3).wait()


def test_refresh_once_then_a_sync_only_after_automated_sync_had_its_chance() -> None:
    api = ScriptedApps([[app("root", "OutOfSync", revision=OLD)]] * 12 + [[app("root")]])
    result = waiter(api, nudge_after=10).wait()
    assert api.calls[0] == ("refresh", "root")
    assert api.calls.count(("refresh", "root")) == 1
    assert api.calls.count(("sync", "root")) == 1
    assert result.nudged == ("root",)


def test_no_sync_is_started_while_an_operation_runs() -> None:
    api = ScriptedApps(
        [[app("root", "OutOfSync", revision=OLD, running=True)]] * 20 + [[app("root")]]
    )
    waiter(api, nudge_after=5).wait()
    assert ("sync", "root") not in api.calls


def test_a_child_whose_parent_has_not_moved_it_yet_is_not_synced_by_hand() -> None:
    child = app("child", "OutOfSync", revision=OLD, target=OLD)
    api = ScriptedApps([[child]] * 20 + [[app("child")]])
    waiter(api, names=("child",), nudge_after=5).wait()
    assert ("sync", "child") not in api.calls


def test_synced_but_progressing_is_left_to_finish() -> None:
    api = ScriptedApps([[app("root", health="Progressing")]] * 20 + [[app("root")]])
    waiter(api, nudge_after=5).wait()
    assert ("sync", "root") not in api.calls


def test_wait_synced_passes_timeout_and_settle() -> None:
    api = ScriptedApps([[app("root")]])
    clock = FakeClock()
    result = wait_synced(Path("unused"), ["root"], NEW, 20, 2, api=api, clock=clock)
    assert result.elapsed == 1 + 2  # one poll to see the refresh done, then settle


def test_events_are_formatted_oldest_first_with_counts() -> None:
    items: list[dict[str, Any]] = [
        {
            "lastTimestamp": "2026-01-01T00:00:02Z",
            "type": "Normal",
            "reason": "Created",
            "involvedObject": {"kind": "Pod", "name": "p"},
            "message": "made",
            "count": 3,
        },
        {
            "metadata": {"creationTimestamp": "2026-01-01T00:00:01Z"},
            "type": "Warning",
            "reason": "Failed",
            "involvedObject": {"kind": "Pod", "name": "q"},
            "message": "oops",
        },
    ]
    assert format_events(items) == [
        "2026-01-01T00:00:01Z Warning Failed Pod/q: oops",
        "2026-01-01T00:00:02Z Normal Created Pod/p: made (x3)",
    ]
