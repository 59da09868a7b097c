"""Restart a local cluster's kube-apiserver the hard way: SIGKILL, then its own argv again."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from chaosgate.providers.local import processes_using
from chaosgate.waiting import wait_until


def restart_apiserver(cluster_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    """Kill the cluster's kube-apiserver and start it again exactly as kwokctl did.

    The new process is the caller's to stop (SIGKILL: a SIGTERMed kube-apiserver
    drains its watches for over a minute); its pid file is updated too, so the
    cluster's own teardown finds it if the caller cannot.
    """
    [pid] = [p for p, command in processes_using(cluster_dir) if command == "kube-apiserver"]
    argv = [a.decode() for a in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if a]
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    env = dict(e.decode().split("=", 1) for e in environ if b"=" in e)
    cwd = os.readlink(f"/proc/{pid}/cwd")
    os.kill(pid, signal.SIGKILL)
    assert wait_until(lambda: not Path(f"/proc/{pid}").exists(), timeout=30, interval=0.1)
    with log.open("wb") as out:
        started = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=out)
    for pid_file in cluster_dir.rglob("kube-apiserver.pid"):  # kwokctl stops it by this
        pid_file.write_text(str(started.pid))
    return started
