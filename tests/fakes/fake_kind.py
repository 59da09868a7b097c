"""A recording stand-in for the kind CLI, for testing the kind provider's commands.

It appends each argv to $FAKE_KIND_LOG (JSON lines), keeps the list of
clusters in $FAKE_KIND_STATE, and fails `create cluster` when
$FAKE_KIND_FAIL names `create` (after registering the half-made cluster, as
kind can); with `delete` in it too (`create,delete`), `delete cluster` fails.
"""

import json
import os
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    with open(os.environ["FAKE_KIND_LOG"], "a") as log:
        log.write(json.dumps(argv) + "\n")
    state = Path(os.environ["FAKE_KIND_STATE"])
    clusters = json.loads(state.read_text()) if state.exists() else []
    name = argv[argv.index("--name") + 1] if "--name" in argv else "kind"
    if argv[:2] == ["get", "clusters"]:
        print("\n".join(clusters))
    elif argv[:2] == ["create", "cluster"]:
        clusters.append(name)
        state.write_text(json.dumps(clusters))
        if "create" in os.environ.get("FAKE_KIND_FAIL", "").split(","):
            print("ERROR: failed to create cluster: node image not found", file=sys.stderr)
            return 1
        Path(argv[argv.index("--kubeconfig") + 1]).write_text("apiVersion: v1\nkind: Config\n")
    elif argv[:2] == ["delete", "cluster"]:
        if "delete" in os.environ.get("FAKE_KIND_FAIL", "").split(","):
            print(f"ERROR: no such cluster {name}", file=sys.stderr)
            return 1
        state.write_text(json.dumps([c for c in clusters if c != name]))
    elif argv[:2] == ["get", "kubeconfig"]:
        print("apiVersion: v1\nkind: Config\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
