"""junit-10.xsd, the Jenkins xunit plugin's JUnit schema, from the pinned pytest's sdist.

pytest validates its own JUnit output against that schema and ships the file in
its source distribution (testing/example_scripts/junit-10.xsd), so the schema
comes from a pinned upstream package, fetched once by `make setup`
(`python tests/report/junit_schema.py`) into the cache, and is not copied here.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from chaosgate.versions import load_versions

MEMBER = "testing/example_scripts/junit-10.xsd"


def schema_path() -> Path:
    version = load_versions().python["pytest"]
    return Path.home() / ".cache" / "chaosgate" / "schemas" / f"pytest-{version}" / "junit-10.xsd"


def fetch() -> Path:
    """Download the pinned pytest sdist (once) and keep its junit-10.xsd in the cache."""
    target = schema_path()
    if target.is_file():
        return target
    version = load_versions().python["pytest"]
    with tempfile.TemporaryDirectory(prefix="chaosgate-xsd-") as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
             f"pytest=={version}", "-d", tmp],
            check=True, timeout=300,
        )  # fmt: skip
        [sdist] = Path(tmp).glob("pytest-*.tar.gz")
        with tarfile.open(sdist) as archive:
            member = archive.extractfile(f"pytest-{version}/{MEMBER}")
            if member is None:
                raise SystemExit(f"{sdist.name} has no {MEMBER}")
            content = member.read()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    partial.write_bytes(content)
    partial.replace(target)
    return target


if __name__ == "__main__":
    print(f"junit-10.xsd: {fetch()}")
