"""Where built tools live: ~/.cache/chaosgate/tools/<tool>/<version>/.

A version directory only exists once its build finished (builds happen in a
temporary sibling that is renamed into place), so its presence means "usable".
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from chaosgate.errors import ToolError
from chaosgate.versions import Versions, load_versions


def default_cache_root() -> Path:
    """The tool cache root; CHAOSGATE_CACHE moves it (e.g. onto a CI cache volume)."""
    base = os.environ.get("CHAOSGATE_CACHE") or Path.home() / ".cache" / "chaosgate"
    return Path(base) / "tools"


@dataclass(frozen=True)
class ToolCache:
    """A cache of built tools for one set of pinned versions."""

    root: Path
    versions: Versions

    @classmethod
    def default(cls) -> ToolCache:
        return cls(default_cache_root(), load_versions())

    def version_dir(self, tool: str) -> Path:
        """The directory holding the pinned build of tool (may not exist yet)."""
        return self.root / tool / self.versions.tool(tool)

    def is_built(self, tool: str) -> bool:
        return self.version_dir(tool).is_dir()

    def binary(self, tool: str, binary: str | None = None) -> Path:
        """Path of a built binary, or a ToolError saying how to build it."""
        path = self.version_dir(tool) / (binary or tool)
        if not path.is_file():
            raise ToolError(
                f"{binary or tool} {self.versions.tool(tool)} is not built; run `make setup` "
                f"or `chaosgate tools build {tool}`."
            )
        return path


def tool_path(tool: str, binary: str | None = None) -> Path:
    """Path of a binary of a pinned tool in the default cache."""
    return ToolCache.default().binary(tool, binary)
