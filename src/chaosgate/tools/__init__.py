"""Pinned upstream binaries, built from their published Go modules and cached by version."""

from chaosgate.tools.cache import ToolCache, tool_path
from chaosgate.tools.catalog import CATALOG, ToolSpec

__all__ = ["CATALOG", "ToolCache", "ToolSpec", "tool_path"]
