"""Serve the project's gitops/ tree to Argo CD from a local bare repository, at one commit.

Argo CD reads Applications, chart and values from git, so "the revision under
test" must be a commit it can fetch. The project's own repository is never
written to: the commit under test is pushed into a bare repository the harness
owns (file:// URL, loopback only by construction), and a snapshot of an
uncommitted gitops/ tree, when asked for, is built with a throw-away index
inside that bare repository. Paths in the repository stay as in the project
(gitops/charts/..., gitops/argocd/...), which is what the Applications name.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from chaosgate.argocd.errors import DirtyTree
from chaosgate.errors import UsageError
from chaosgate.process import run

GIT_TIMEOUT = 120.0
DEFAULT_BRANCH = "chaosgate/under-test"
SERVED_TREE = "gitops"
# Commits the harness makes carry this identity, so they never depend on the
# user's git configuration (and never look like the user's own commits).
IDENTITY = {
    "GIT_AUTHOR_NAME": "chaosgate",
    "GIT_AUTHOR_EMAIL": "chaosgate@localhost",
    "GIT_COMMITTER_NAME": "chaosgate",
    "GIT_COMMITTER_EMAIL": "chaosgate@localhost",
}


@dataclass(frozen=True)
class ServedRepo:
    """A bare repository the harness serves to Argo CD; branch holds the latest revision."""

    path: Path
    branch: str = DEFAULT_BRANCH

    @property
    def url(self) -> str:
        """The file:// URL Applications use as repoURL."""
        return self.path.resolve().as_uri()

    def head(self) -> str:
        """Full SHA at the tip of the served branch."""
        return _rev_parse(self.path, f"refs/heads/{self.branch}")


def git(
    repo: Path, *args: str, env: Mapping[str, str] | None = None, input_text: str | None = None
) -> str:
    """Run git on repo (a work tree or a bare repository) and return its stdout, stripped."""
    full_env = {"GIT_TERMINAL_PROMPT": "0", **(env or {})}
    argv = ["git", "-C", str(repo), *args]
    return run(argv, timeout=GIT_TIMEOUT, env=full_env, input_text=input_text).stdout.strip()


def _rev_parse(repo: Path, revision: str) -> str:
    return git(repo, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")


def resolve(project: Path, revision: str) -> str:
    """Full 40-character SHA of revision in the project, or a UsageError naming it."""
    result = run(
        ["git", "-C", str(project), "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"],
        timeout=GIT_TIMEOUT,
        check=False,
    )
    if result.returncode != 0:
        raise UsageError(
            f"{revision!r} is not a commit of the git repository at {project}; "
            "pass a branch, tag or SHA that `git log` shows."
        )
    return result.stdout.strip()


def dirty_paths(project: Path, tree: str = SERVED_TREE) -> list[str]:
    """Uncommitted (modified, staged, deleted or untracked) paths under tree.

    --no-optional-locks: a status check must not take the project's index lock
    while someone else is working in that repository.
    """
    argv = ["git", "-C", str(project), "--no-optional-locks", "status", "--porcelain"]
    out = run([*argv, "--untracked-files=all", "--", tree], timeout=GIT_TIMEOUT).stdout
    # Porcelain lines are "XY path": two status letters, a space, the path.
    return [line[3:] for line in out.splitlines() if line.strip()]


def init_bare(path: Path, branch: str = DEFAULT_BRANCH) -> ServedRepo:
    """Create (or reuse) the bare repository Argo CD fetches from."""
    if not (path / "HEAD").is_file():
        path.mkdir(parents=True, exist_ok=True)
        git(path, "init", "--bare", "--quiet")
    # Argo CD fetches a pinned SHA directly; allow that even when a later
    # revision has moved the branch away from it.
    git(path, "config", "uploadpack.allowAnySHA1InWant", "true")
    git(path, "symbolic-ref", "HEAD", f"refs/heads/{branch}")
    return ServedRepo(path, branch)


def serve(
    project: Path,
    bare: Path,
    *,
    revision: str = "HEAD",
    snapshot: bool = False,
    branch: str = DEFAULT_BRANCH,
) -> tuple[ServedRepo, str]:
    """Publish revision of project (plus, if snapshot, the gitops/ working tree) in bare.

    Returns the served repository and the full SHA Argo CD must reach. When
    HEAD is served, an uncommitted gitops/ tree is refused unless snapshot is
    true, because the commit under test would otherwise not be what is on disk.
    """
    sha = resolve(project, revision)
    on_head = sha == resolve(project, "HEAD")
    if snapshot and not on_head:
        raise UsageError(
            f"A snapshot is of the working tree, which sits on HEAD, not on {revision!r}; "
            "serve HEAD with a snapshot, or the revision without one."
        )
    dirty = dirty_paths(project) if on_head else []
    if dirty and not snapshot:
        shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
        raise DirtyTree(
            f"{SERVED_TREE}/ has uncommitted changes ({shown}); commit them, or ask for a "
            "snapshot (--snapshot) to test the working tree as it is."
        )
    repo = init_bare(bare, branch)
    refspec = f"{sha}:refs/heads/{branch}"
    git(project, "push", "--quiet", "--force", "--no-verify", str(bare.resolve()), refspec)
    if dirty:
        sha = _snapshot(project, repo, sha)
    return repo, sha


def _snapshot(project: Path, repo: ServedRepo, base: str) -> str:
    """Commit base's tree with gitops/ replaced by the working tree, on repo's branch.

    A temporary index inside the bare repository, with the project as work
    tree, leaves the project's own index and object store untouched.
    """
    with tempfile.TemporaryDirectory(prefix="chaosgate-index-") as tmp:
        env = {
            **IDENTITY,
            "GIT_DIR": str(repo.path.resolve()),
            "GIT_WORK_TREE": str(project.resolve()),
            "GIT_INDEX_FILE": str(Path(tmp) / "index"),
        }
        git(project, "read-tree", base, env=env)
        git(project, "add", "--all", "--", SERVED_TREE, env=env)
        tree = git(project, "write-tree", env=env)
        if tree == git(repo.path, "rev-parse", f"{base}^{{tree}}"):
            return base
        message = f"chaosgate: snapshot of the {SERVED_TREE}/ working tree on {base[:12]}"
        commit = git(project, "commit-tree", tree, "-p", base, "-m", message, env=env)
    _move_branch(repo, commit, base)
    return commit


def _move_branch(repo: ServedRepo, new: str, old: str) -> None:
    # The old value makes the update fail if someone else moved the branch meanwhile.
    git(repo.path, "update-ref", f"refs/heads/{repo.branch}", new, old)


def read_file(repo: ServedRepo, path: str, revision: str | None = None) -> str:
    """Content of path (relative to the repository root) at revision (default: branch tip)."""
    argv = ["git", "-C", str(repo.path), "show", f"{revision or repo.head()}:{path}"]
    return run(argv, timeout=GIT_TIMEOUT).stdout


def commit_change(repo: ServedRepo, path: str, content: str, message: str) -> str:
    """Publish a new revision: the branch tip with path set to content. Returns its full SHA.

    Suites use this to change what Argo CD must deploy (e.g. loveLevel) the
    GitOps way, by a commit, without a work tree.
    """
    if path.startswith("/") or ".." in Path(path).parts:
        raise UsageError(f"{path!r} must be a path inside the repository, such as gitops/x.yaml.")
    base = repo.head()
    with tempfile.TemporaryDirectory(prefix="chaosgate-index-") as tmp:
        env = {**IDENTITY, "GIT_INDEX_FILE": str(Path(tmp) / "index")}
        git(repo.path, "read-tree", base, env=env)
        blob = git(repo.path, "hash-object", "-w", "--stdin", input_text=content)
        git(repo.path, "update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=env)
        tree = git(repo.path, "write-tree", env=env)
        commit = git(repo.path, "commit-tree", tree, "-p", base, "-m", message, env=env)
    _move_branch(repo, commit, base)
    return commit
