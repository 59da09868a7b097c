"""A signal during an experiment ends the caller too, after the journal and rollbacks."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from chaosgate.chaos.runner import run_chaos
from chaosgate.termination import Terminated


def experiment(tmp_path: Path) -> Path:
    """An experiment whose method sends SIGTERM to this very process, then a rollback."""
    marker = tmp_path / "rolled-back"
    document = {
        "version": "1.0.0",
        "title": "interrupted on purpose",
        "description": "the method signals its own runner",
        "method": [
            {
                "type": "action",
                "name": "signal-the-runner",
                "provider": {
                    "type": "process",
                    "path": "kill",
                    "arguments": f"-TERM {os.getpid()}",
                },
            }
        ],
        "rollbacks": [
            {
                "type": "action",
                "name": "mark-rolled-back",
                "provider": {"type": "process", "path": "touch", "arguments": str(marker)},
            }
        ],
    }
    path = tmp_path / "experiment.json"
    path.write_text(json.dumps(document))
    return path


def test_an_interrupted_experiment_raises_after_rolling_back(tmp_path: Path) -> None:
    journal = tmp_path / "journal.json"
    with pytest.raises(Terminated, match="interrupted"):
        run_chaos(experiment(tmp_path), journal_path=journal)
    assert json.loads(journal.read_text())["status"] == "interrupted"
    assert (tmp_path / "rolled-back").is_file()
