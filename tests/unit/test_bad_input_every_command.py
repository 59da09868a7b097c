"""Bad input at every entry point: one sentence naming the problem and the fix, a non-zero
exit (2 for usage), no traceback. Run through the installed script, as a user would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from chaosgate.versions import REPO_ROOT

CHAOSGATE = Path(sys.executable).parent / "chaosgate"
POLICY = str(REPO_ROOT / "gate.yaml")
CHART = str(REPO_ROOT / "gitops/charts/heart-display")


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "not.xml").write_text("this is not XML\n")
    (tmp_path / "policy.yaml").write_text("required: [nosuch]\n")
    (tmp_path / "list.yaml").write_text("- a list, not values\n")
    return tmp_path


CASES = [
    (["gate", "missing.xml", "--policy", POLICY], 2, "missing.xml"),
    (["gate", "not.xml", "--policy", POLICY], 2, "is not well-formed XML"),
    (["gate", POLICY, "--policy", POLICY], 2, "gate.yaml"),  # a file of the wrong kind
    (["gate", "not.xml", "--policy", "policy.yaml"], 2, "'nosuch', which is not a chaosgate"),
    (["gate", "not.xml", "--policy", "absent.yaml"], 2, "Policy file absent.yaml does not exist"),
    (["lint", "--chart", "nope"], 2, "Chart directory nope does not exist; pass --chart"),
    (["lint", "--chart", CHART, "--values", "list.yaml"], 2, "must be a YAML mapping"),
    (["cluster", "up", "--provider", "nosuch"], 2, "Unknown provider 'nosuch'"),
    (["cluster", "up", "--nodes-per-zone", "-1"], 2, "--nodes-per-zone must be at least 1"),
    (["cluster", "status", "--provider", "existing"], 2, "needs --kubeconfig PATH"),
    (["recover", "--provider", "nosuch"], 2, "Unknown provider 'nosuch' for recover"),
    (["run", "nosuch"], 2, "Unknown suite 'nosuch'; available: gitops"),
    (["run", "--provider", "nosuch"], 2, "Unknown provider 'nosuch'; choose one of"),
    (["tools", "build", "nosuch"], 2, "Unknown tool 'nosuch'; known tools are"),
    (["tools", "path", "nosuch"], 2, "Unknown tool 'nosuch'"),
    (["images", "build", "--nosuch"], 2, "No such option: --nosuch"),
    # Usage errors the parser finds: the command, the problem, and where its usage is.
    (["gate"], 2, "chaosgate gate: Missing argument 'REPORT.xml'; see 'chaosgate gate --help'"),
    (["nosuch"], 2, "chaosgate: No such command 'nosuch'; see 'chaosgate --help'"),
    (["cluster", "up", "--nodes-per-zone", "two"], 2, "Invalid value for '--nodes-per-zone'"),
]


@pytest.mark.parametrize(("args", "code", "sentence"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_bad_input(files: Path, args: list[str], code: int, sentence: str) -> None:
    done = subprocess.run(
        [str(CHAOSGATE), *args], check=False, capture_output=True, text=True, cwd=files, timeout=60
    )
    output = done.stdout + done.stderr
    assert done.returncode == code, output
    assert sentence in output
    assert "Traceback" not in output
    # One sentence on stderr (the gate also prints its fail-closed summary on stdout).
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
