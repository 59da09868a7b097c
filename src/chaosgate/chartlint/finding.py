"""One lint finding: what is wrong, where, how to fix it, and which rule said so."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """A problem found in the rendered chart or the Argo CD manifests.

    rule names the check (stable, for grepping and tests); where is an object
    reference such as ``StatefulSet/heart-display`` or a file path; message says
    what is wrong and fix says what to change.
    """

    rule: str
    where: str
    message: str
    fix: str

    def format(self) -> str:
        """The finding as one line: ``<where>: <message> (fix: <fix>) [<rule>]``."""
        return f"{self.where}: {self.message} (fix: {self.fix}) [{self.rule}]"
