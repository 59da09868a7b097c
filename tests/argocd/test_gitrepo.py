"""Serving gitops/ from a bare repository, against real git in temporary directories."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from chaosgate.argocd.errors import DirtyTree
from chaosgate.argocd.gitrepo import commit_change, read_file, serve
from chaosgate.errors import UsageError

IDENTITY = ["-c", "user.name=t", "-c", "user.email=t@localhost"]


def sh(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *IDENTITY, "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "gitops" / "charts").mkdir(parents=True)
    (root / "gitops" / "charts" / "values.yaml").write_text("loveLevel: 7\n")
    (root / "gitops" / "old.yaml").write_text("old: true\n")
    (root / "README.md").write_text("hello\n")
    sh(root.parent, "init", "--quiet", "-b", "main", str(root))
    sh(root, "add", "-A")
    sh(root, "commit", "--quiet", "-m", "first")
    return root


def files_at(bare: Path, sha: str) -> dict[str, str]:
    names = sh(bare, "ls-tree", "-r", "--name-only", sha).splitlines()
    return {name: sh(bare, "show", f"{sha}:{name}") for name in names}


def test_clean_head_is_served_as_is(project: Path, tmp_path: Path) -> None:
    repo, sha = serve(project, tmp_path / "served.git")
    assert sha == sh(project, "rev-parse", "HEAD")
    assert len(sha) == 40
    assert repo.url == (tmp_path / "served.git").resolve().as_uri()
    assert repo.url.startswith("file:///")
    assert repo.head() == sha
    # What Argo CD does: resolve the default branch remotely, then fetch the SHA.
    remote = sh(tmp_path, "ls-remote", repo.url, "HEAD")
    assert remote.split()[0] == sha


def test_dirty_gitops_is_refused_with_the_paths(project: Path, tmp_path: Path) -> None:
    (project / "gitops" / "charts" / "values.yaml").write_text("loveLevel: 9\n")
    with pytest.raises(DirtyTree, match=r"gitops/charts/values.yaml\); commit them"):
        serve(project, tmp_path / "served.git")


def test_changes_outside_gitops_do_not_count(project: Path, tmp_path: Path) -> None:
    (project / "README.md").write_text("changed\n")
    _, sha = serve(project, tmp_path / "served.git")
    assert sha == sh(project, "rev-parse", "HEAD")


def test_snapshot_commits_the_working_tree_without_touching_the_project(
    project: Path, tmp_path: Path
) -> None:
    head = sh(project, "rev-parse", "HEAD")
    (project / "gitops" / "charts" / "values.yaml").write_text("loveLevel: 9\n")
    (project / "gitops" / "new.yaml").write_text("new: true\n")
    (project / "gitops" / "old.yaml").unlink()
    (project / "README.md").write_text("not part of the snapshot\n")
    status_before = sh(project, "status", "--porcelain")
    index_before = (project / ".git" / "index").read_bytes()

    repo, sha = serve(project, tmp_path / "served.git", snapshot=True)

    assert sha != head
    assert sh(repo.path, "rev-parse", f"{sha}^") == head
    assert files_at(repo.path, sha) == {
        "README.md": "hello",
        "gitops/charts/values.yaml": "loveLevel: 9",
        "gitops/new.yaml": "new: true",
    }
    assert repo.head() == sha
    assert sh(project, "status", "--porcelain") == status_before
    assert (project / ".git" / "index").read_bytes() == index_before
    missing = subprocess.run(
        ["git", "-C", str(project), "cat-file", "-e", sha], capture_output=True, check=False
    )
    assert missing.returncode != 0, "the snapshot commit must live in the served repo only"


def test_snapshot_of_a_clean_tree_is_head_itself(project: Path, tmp_path: Path) -> None:
    _, sha = serve(project, tmp_path / "served.git", snapshot=True)
    assert sha == sh(project, "rev-parse", "HEAD")


def test_an_explicit_older_revision_ignores_the_working_tree(project: Path, tmp_path: Path) -> None:
    first = sh(project, "rev-parse", "HEAD")
    (project / "gitops" / "old.yaml").write_text("old: false\n")
    sh(project, "commit", "--quiet", "-am", "second")
    (project / "gitops" / "old.yaml").write_text("dirty\n")
    repo, sha = serve(project, tmp_path / "served.git", revision=first[:10])
    assert sha == first
    assert read_file(repo, "gitops/old.yaml", sha) == "old: true\n"
    with pytest.raises(UsageError, match="snapshot is of the working tree"):
        serve(project, tmp_path / "served.git", revision=first, snapshot=True)


def test_unknown_revision_is_a_usage_error(project: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="'nope' is not a commit"):
        serve(project, tmp_path / "served.git", revision="nope")


def test_commit_change_publishes_a_child_revision(project: Path, tmp_path: Path) -> None:
    repo, first = serve(project, tmp_path / "served.git")
    second = commit_change(repo, "gitops/charts/values.yaml", "loveLevel: 3\n", "love less")
    assert len(second) == 40
    assert repo.head() == second
    assert sh(repo.path, "rev-parse", f"{second}^") == first
    assert read_file(repo, "gitops/charts/values.yaml") == "loveLevel: 3\n"
    assert read_file(repo, "gitops/charts/values.yaml", first) == "loveLevel: 7\n"
    assert sh(repo.path, "log", "-1", "--format=%an %s", second) == "chaosgate love less"


def test_a_pinned_sha_stays_fetchable_after_the_branch_moves_away(
    project: Path, tmp_path: Path
) -> None:
    repo, first = serve(project, tmp_path / "served.git")
    sh(project, "commit", "--quiet", "--amend", "-m", "rewritten")
    _, rewritten = serve(project, tmp_path / "served.git")
    assert rewritten != first
    clone = tmp_path / "clone"
    sh(tmp_path, "init", "--quiet", str(clone))
    sh(clone, "fetch", "--quiet", repo.url, first)
    assert sh(clone, "rev-parse", "FETCH_HEAD") == first


def test_commit_change_refuses_paths_outside_the_repository(project: Path, tmp_path: Path) -> None:
    repo, _ = serve(project, tmp_path / "served.git")
    with pytest.raises(UsageError, match="inside the repository"):
        commit_change(repo, "../escape.yaml", "x", "m")
