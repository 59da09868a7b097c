"""The undo ledger and its replay: pending until undone, durable, scoped, idempotent."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from chaosgate.cli import app
from chaosgate.errors import ChaosgateError, ConfigError, UnsafeTarget
from chaosgate.recovery import Undoer, recover
from chaosgate.undo import (
    Undo,
    UndoLedger,
    UndoRecorder,
    recorder_from,
    refuse_unfinished_business,
    scope_of,
)


def entry(what: str, scope: str = "kind/x", action: str = "noted") -> Undo:
    return Undo(action, {"what": what}, what, scope)


def test_an_entry_is_pending_until_cleared_and_survives_a_new_reader(tmp_path: Path) -> None:
    ledger = UndoLedger(tmp_path / "ledger.jsonl")
    first, second = ledger.record(entry("first")), ledger.record(entry("second"))
    assert [e.what for e in UndoLedger(ledger.path).pending()] == ["first", "second"]
    ledger.clear(first)
    assert [e.entry_id for e in UndoLedger(ledger.path).pending()] == [second.entry_id]
    ledger.clear(second)
    assert ledger.pending() == []


@pytest.mark.parametrize(
    ("scope", "expected"),
    [("kind/x", ["a"]), ("kind/y", ["b"]), ("local/x", []), (None, ["a", "b"])],
)
def test_pending_by_scope(tmp_path: Path, scope: str | None, expected: list[str]) -> None:
    ledger = UndoLedger(tmp_path / "ledger.jsonl")
    ledger.record(entry("a", "kind/x"))
    ledger.record(entry("b", "kind/y"))
    assert [e.what for e in ledger.pending(scope)] == expected


def test_a_line_cut_short_by_a_crash_is_ignored_a_corrupt_one_is_an_error(tmp_path: Path) -> None:
    ledger = UndoLedger(tmp_path / "ledger.jsonl")
    ledger.record(entry("whole"))
    with ledger.path.open("a") as out:
        out.write('{"op": "pending", "id": "cut')  # the write a SIGKILL interrupted
    assert [e.what for e in ledger.pending()] == ["whole"]
    with ledger.path.open("a") as out:
        out.write("\n" + json.dumps(entry("after").line()) + "\n")
    with pytest.raises(ConfigError, match=r"Line 2 of the undo ledger .* is not JSON"):
        ledger.pending()


def test_compact_keeps_only_what_is_pending(tmp_path: Path) -> None:
    ledger = UndoLedger(tmp_path / "ledger.jsonl")
    done, kept = ledger.record(entry("done")), ledger.record(entry("kept"))
    ledger.clear(done)
    ledger.compact()
    lines = ledger.path.read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == [kept.entry_id]


def test_settle_clears_the_matching_entries_of_its_scope_only(tmp_path: Path) -> None:
    ledger = UndoLedger(tmp_path / "ledger.jsonl")
    here, there = UndoRecorder(ledger, "stack/a"), UndoRecorder(ledger, "stack/b")
    here.before_change("start_container", {"container": "redis-a"}, "redis-a stopped")
    here.before_change("start_container", {"container": "other"}, "other stopped")
    there.before_change("start_container", {"container": "redis-a"}, "redis-a stopped")
    here.settle("start_container", container="redis-a")
    assert sorted((e.scope, e.args["container"]) for e in ledger.pending()) == [
        ("stack/a", "other"),
        ("stack/b", "redis-a"),
    ]


@pytest.mark.parametrize(
    ("configuration", "scope", "path_name"),
    [
        (None, "default/scope", "env-ledger.jsonl"),
        ({"undo_scope": ""}, "default/scope", "env-ledger.jsonl"),
        ({"undo_scope": "kind/x", "undo_ledger": "{dir}/own.jsonl"}, "kind/x", "own.jsonl"),
    ],
)
def test_recorder_from_configuration(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    configuration: dict[str, str] | None,
    scope: str,
    path_name: str,
) -> None:
    monkeypatch.setenv("CHAOSGATE_UNDO_LEDGER", str(tmp_path / "env-ledger.jsonl"))
    settings = {k: v.format(dir=tmp_path) for k, v in (configuration or {}).items()}
    recorder = recorder_from(settings if configuration is not None else None, "default/scope")
    assert recorder.scope == scope
    assert recorder.ledger.path == tmp_path / path_name


def test_a_run_is_refused_while_its_cluster_has_pending_entries() -> None:
    ledger = UndoLedger()  # the test's own (tests/conftest.py)
    pending = ledger.record(
        entry("zone zone-a of context kind-x is cordoned", scope_of("kind", "x"))
    )
    refuse_unfinished_business("kind", "y")  # another cluster: no objection
    with pytest.raises(UnsafeTarget, match="chaosgate recover --provider kind --cluster-name x"):
        refuse_unfinished_business("kind", "x")
    ledger.clear(pending)
    refuse_unfinished_business("kind", "x")


class Undoers:
    """Undoers that record their calls; `fail` names entries whose undo raises."""

    def __init__(self, fail: frozenset[str] = frozenset()) -> None:
        self.calls: list[str] = []
        self.fail = fail

    def noted(self, args: Mapping[str, Any]) -> str:
        self.calls.append(str(args["what"]))
        if args["what"] in self.fail:
            raise ChaosgateError(f"could not undo {args['what']}")
        return f"undid {args['what']}"

    def table(self) -> dict[str, Undoer]:
        return {"noted": self.noted}


@pytest.mark.parametrize(
    ("provider", "cluster", "replayed"),
    [
        (None, None, ["a", "b", "c"]),
        ("kind", None, ["a", "b"]),
        ("kind", "x", ["a"]),
        ("local", "x", []),
        (None, "y", ["b"]),
    ],
)
def test_recover_replays_the_entries_asked_for_and_clears_them(
    tmp_path: Path, provider: str | None, cluster: str | None, replayed: list[str]
) -> None:
    ledger = UndoLedger(tmp_path / "ledger.jsonl")
    for what, scope in (("a", "kind/x"), ("b", "kind/y"), ("c", "stack/r1")):
        ledger.record(entry(what, scope))
    undoers = Undoers()
    results = recover(ledger, provider=provider, cluster=cluster, undoers=undoers.table())
    assert undoers.calls == replayed
    assert all(r.undone for r in results)
    left = sorted(e.what for e in ledger.pending())
    assert left == sorted({"a", "b", "c"} - set(replayed))


def test_an_undo_that_fails_or_is_unknown_stays_pending(tmp_path: Path) -> None:
    ledger = UndoLedger(tmp_path / "ledger.jsonl")
    ledger.record(entry("works"))
    ledger.record(entry("breaks"))
    ledger.record(entry("mystery", action="unheard_of"))
    results = recover(ledger, undoers=Undoers(fail=frozenset({"breaks"})).table())
    assert [(r.entry.what, r.undone) for r in results] == [
        ("works", True),
        ("breaks", False),
        ("mystery", False),
    ]
    assert "could not undo breaks" in results[1].line()
    assert "no undoer 'unheard_of'" in results[2].line()
    assert sorted(e.what for e in ledger.pending()) == ["breaks", "mystery"]


def test_recover_command_with_nothing_pending_says_so(undo_ledger: Path) -> None:
    result = CliRunner().invoke(app, ["recover"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"nothing to undo: {undo_ledger}")


def test_recover_command_exits_1_when_an_entry_stays(undo_ledger: Path) -> None:
    UndoLedger().record(entry("mystery", scope="kind/x", action="unheard_of"))
    result = CliRunner().invoke(app, ["recover", "--provider", "kind"])
    assert result.exit_code == 1
    assert "NOT undone: mystery (kind/x)" in result.output
    assert len(UndoLedger().pending()) == 1, "nothing is lost"
