"""The one exception tree of chaosgate.

Every error a user can see derives from ChaosgateError, and its message is a
sentence that names the problem and, where there is one, the fix. The CLI
prints the message and exits non-zero; it never shows a traceback for these.
"""

from __future__ import annotations


class ChaosgateError(Exception):
    """Base of every error chaosgate raises on purpose."""

    exit_code = 1


class UsageError(ChaosgateError):
    """The user asked for something that cannot work as asked (bad option, bad file)."""

    exit_code = 2


class ConfigError(ChaosgateError):
    """A configuration file or pinned version is missing or malformed."""


class CommandError(ChaosgateError):
    """An external command failed or timed out; carries the command and its output."""

    def __init__(self, message: str, argv: list[str], output: str = "") -> None:
        super().__init__(message)
        self.argv = argv
        self.output = output


class ToolError(ChaosgateError):
    """A pinned tool could not be found or built."""


class LintError(ChaosgateError):
    """The chart could not be linted at all (as opposed to lint findings)."""


class LintInputError(LintError):
    """The chart or values file given to lint is missing or not what it should be (usage)."""

    exit_code = 2


class ClusterError(ChaosgateError):
    """A cluster could not be created, reached or deleted."""


class ClusterNotFound(ClusterError):
    """No cluster of that name exists for that provider."""


class UnsafeTarget(ChaosgateError):
    """Chaos was asked for on a cluster the user did not name as allowed."""
