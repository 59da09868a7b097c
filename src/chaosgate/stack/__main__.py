"""`python -m chaosgate.stack up`: run the stack in the foreground, for experiments by hand.

Prints the environment the experiments in chaos/ read (export it in another
shell, then `chaos run --rollback-strategy always chaos/breaker.stack.json`)
and the replica URLs, then holds the stack until Ctrl-C or SIGTERM, when every
container is removed.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
import threading
from pathlib import Path

from chaosgate.containers.images import build_images
from chaosgate.errors import ChaosgateError
from chaosgate.stack.config import StackConfig
from chaosgate.stack.runtime import StackRuntime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chaosgate.stack")
    parser.add_argument("command", choices=["up"])
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--heart-memory", default="64m")
    parser.add_argument("--work-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    work_dir = args.work_dir or Path(tempfile.mkdtemp(prefix="chaosgate-stack-"))
    try:
        images = build_images(log=lambda line: print(line, file=sys.stderr))
        config = StackConfig(
            work_dir, replicas=args.replicas, heart_memory=args.heart_memory, images=images
        )
        with StackRuntime(config) as stack:
            for key, value in stack.chaos_env().items():
                print(f"export {key}={shlex.quote(value)}")
            print(f"# replicas: {' '.join(stack.endpoints)}; Ctrl-C removes them", flush=True)
            threading.Event().wait()  # until a signal unwinds us
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM as Terminated
        return 0
    except ChaosgateError as exc:
        print(exc, file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
