"""Errors of the release gate: the gate could not decide, so it says NO-GO."""

from __future__ import annotations

from chaosgate.errors import ChaosgateError


class GateError(ChaosgateError):
    """A report or policy could not be read or is unusable; the gate fails closed.

    Exit code 2 tells "could not decide" apart from a NO-GO decision (1).
    """

    exit_code = 2


class PolicyError(GateError):
    """The gate policy file is missing, unreadable or invalid."""
