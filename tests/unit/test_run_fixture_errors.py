"""`chaosgate run` is an entry point: bad options and fixtures that cannot set up print one
sentence each, with a non-zero exit, and no scenario starts."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

CHAOSGATE = Path(sys.executable).parent / "chaosgate"


def chaosgate_run(tmp_path: Path, *args: str) -> tuple[int, str]:
    argv = [str(CHAOSGATE), "run", "gitops", "--report", str(tmp_path / "r"), *args]
    done = subprocess.run(argv, check=False, capture_output=True, text=True, cwd=tmp_path)
    return done.returncode, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("args", "sentence"),
    [
        (["--provider", "nosuch"], "Unknown provider 'nosuch'; choose one of local, kind"),
        (["--nodes-per-zone", "0"], "--nodes-per-zone must be at least 1, got 0."),
        (["--provider", "existing"], "--provider existing needs --kubeconfig PATH"),
        (["--kubeconfig", "/no/such/file"], "Kubeconfig /no/such/file does not exist"),
    ],
)
def test_bad_options_are_refused_before_any_scenario(
    tmp_path: Path, args: list[str], sentence: str
) -> None:
    code, output = chaosgate_run(tmp_path, *args)
    assert code == 2, output
    assert output.strip() == f"chaosgate: {sentence}" or sentence in output
    assert "test session starts" not in output, "pytest never started"


@pytest.mark.needs_tools
def test_a_cluster_that_cannot_be_found_is_one_sentence_not_a_traceback(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "other", "cluster": {"server": "http://127.0.0.1:9"}}],
        "users": [{"name": "u", "user": {}}],
        "contexts": [{"name": "other", "context": {"cluster": "other", "user": "u"}}],
    }
    kubeconfig.write_text(yaml.safe_dump(config))
    code, output = chaosgate_run(
        tmp_path,
        "--provider", "existing", "--kubeconfig", str(kubeconfig),
        "--cluster-name", "lab", "--allow-context", "lab",
    )  # fmt: skip
    assert code != 0
    assert f"chaosgate: Context lab is not in {kubeconfig}" in output
    assert "Traceback" not in output and "During handling" not in output
    assert "existing.py" not in output, "no source lines of the harness"
    junit = tmp_path / "reports" / "junit.xml"
    [case] = [c for c in ET.parse(junit).getroot().iter("testcase") if c.attrib["name"] == "gitops"]
    error = case.find("error")
    assert error is not None, "the refused scenario is an error testcase, not absent"
    assert "could not start: chaosgate: Context lab is not in" in error.attrib["message"]
