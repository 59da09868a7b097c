"""`chaosgate run` is an entry point: a fixture that cannot set up prints its one sentence."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_a_cluster_that_cannot_be_made_is_one_sentence_not_a_traceback(tmp_path: Path) -> None:
    chaosgate = Path(sys.executable).parent / "chaosgate"
    argv = [str(chaosgate), "run", "gitops", "--provider", "existing"]
    argv += ["--allow-context", "chaosgate", "--report", str(tmp_path), "--junit", "j.xml"]
    done = subprocess.run(argv, check=False, capture_output=True, text=True, cwd=tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "chaosgate: The existing provider needs --kubeconfig PATH" in output
    assert "Traceback" not in output and "During handling" not in output
    assert "registry.py" not in output, "no source lines of the harness"
