"""Shared test configuration: markers by path (cost), repository paths."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(autouse=True)
def undo_ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's own undo ledger: a test's chaos never leaves entries in the user's."""
    path = tmp_path / "undo-ledger.jsonl"
    monkeypatch.setenv("CHAOSGATE_UNDO_LEDGER", str(path))
    return path
