"""Fixtures of the Argo CD adapter tests: a recording fake kubectl."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

FAKE_KUBECTL = Path(__file__).resolve().parents[1] / "helpers" / "fake_kubectl.py"


@pytest.fixture
def fake_kubectl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    wrapper = tmp_path / "kubectl"
    wrapper.write_text(f'#!/bin/sh\nexec {sys.executable} {FAKE_KUBECTL} "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("FAKE_KUBECTL_LOG", str(tmp_path / "kubectl-calls.jsonl"))
    return wrapper
