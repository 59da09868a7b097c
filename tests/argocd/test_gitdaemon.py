"""The git daemon that serves the bare gitops repository to an in-cluster Argo CD.

Here it listens on loopback; on kind, on the cluster network's gateway.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chaosgate.argocd.errors import ArgoCDError
from chaosgate.argocd.gitdaemon import GitDaemon, GitDaemonAddress, gateway_address
from chaosgate.ports import free_port
from chaosgate.process import run


def bare_repo_with_one_commit(tmp_path: Path) -> tuple[Path, str]:
    work = tmp_path / "work"
    run(["git", "init", "-q", "-b", "main", str(work)], timeout=30)
    (work / "file.txt").write_text("hello\n")
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    run(["git", "-C", str(work), "add", "."], timeout=30)
    run(["git", "-C", str(work), "commit", "-q", "-m", "one"], timeout=30, env=env)
    sha = run(["git", "-C", str(work), "rev-parse", "HEAD"], timeout=30).stdout.strip()
    bare = tmp_path / "served" / "gitops.git"
    run(["git", "clone", "-q", "--bare", str(work), str(bare)], timeout=30)
    return bare, sha


@pytest.mark.parametrize(
    ("subnet", "gateway"), [("198.18.0.0/24", "198.18.0.1"), ("198.18.3.0/24", "198.18.3.1")]
)
def test_the_gateway_is_the_first_address_of_the_network(subnet: str, gateway: str) -> None:
    assert gateway_address(subnet) == gateway


def test_a_client_fetches_the_served_commit(tmp_path: Path) -> None:
    bare, sha = bare_repo_with_one_commit(tmp_path)
    address = GitDaemonAddress("127.0.0.1", free_port())
    with GitDaemon(bare, address, tmp_path / "daemon.log") as daemon:
        assert daemon.url == f"git://127.0.0.1:{address.port}/gitops.git"
        refs = run(["git", "ls-remote", daemon.url], timeout=30).stdout
    assert f"{sha}\trefs/heads/main" in refs


def test_a_daemon_that_cannot_listen_says_so(tmp_path: Path) -> None:
    bare, _ = bare_repo_with_one_commit(tmp_path)
    # 198.18.255.254 is on no interface here: the daemon cannot bind it.
    address = GitDaemonAddress("198.18.255.254", free_port())
    with pytest.raises(ArgoCDError, match=re.escape("did not answer on 198.18.255.254")):
        GitDaemon(bare, address, tmp_path / "daemon.log").start()
