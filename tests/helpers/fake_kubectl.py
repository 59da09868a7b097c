"""A recording stand-in for kubectl, for testing the argv the Argo CD adapters produce.

Each call appends {"argv": [...], "stdin": "..."} to $FAKE_KUBECTL_LOG (JSON
lines); stdin is read only for `-f -`. A call whose joined argv contains
$FAKE_KUBECTL_FAIL exits 1 with an error; `get` prints $FAKE_KUBECTL_GET (a
file) or an empty list.
"""

import json
import os
import sys
from pathlib import Path
from typing import Any


def main(argv: list[str]) -> int:
    stdin = sys.stdin.read() if "-" in argv and "-f" in argv else ""
    with open(os.environ["FAKE_KUBECTL_LOG"], "a") as log:
        log.write(json.dumps({"argv": argv, "stdin": stdin}) + "\n")
    fail = os.environ.get("FAKE_KUBECTL_FAIL")
    if fail and fail in " ".join(argv):
        print(f"error: timed out waiting for the condition ({fail})", file=sys.stderr)
        return 1
    if "get" in argv:
        canned = os.environ.get("FAKE_KUBECTL_GET")
        print(Path(canned).read_text() if canned else '{"items": []}')
    return 0


def calls() -> list[dict[str, Any]]:
    """The calls recorded so far (for the tests): argv and stdin of each."""
    log = Path(os.environ["FAKE_KUBECTL_LOG"])
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
