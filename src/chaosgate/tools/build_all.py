"""Build several tools in order and describe the cache: what `chaosgate tools` runs."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from chaosgate.errors import UsageError
from chaosgate.tools.cache import ToolCache
from chaosgate.tools.catalog import BUILD_ORDER, CATALOG, ToolSpec
from chaosgate.tools.gobuild import BuildResult, build_tool


def checked_spec(name: str) -> ToolSpec:
    """The catalog entry called name, or a UsageError listing the known ones."""
    try:
        return CATALOG[name]
    except KeyError:
        known = ", ".join(BUILD_ORDER)
        raise UsageError(f"Unknown tool {name!r}; known tools are: {known}.") from None


def build_tools(
    names: Iterable[str], log: Callable[[str], None], cache: ToolCache | None = None
) -> list[BuildResult]:
    """Build the named tools (all when none are named), logging a line per tool."""
    cache = cache or ToolCache.default()
    wanted = list(names) or list(BUILD_ORDER)
    specs = [checked_spec(name) for name in wanted]
    results = []
    for spec in specs:
        result = build_tool(cache, spec, log)
        state = "cached" if result.cached else f"built in {result.seconds:.0f} s"
        log(f"{spec.name} {result.version}: {state} -> {cache.version_dir(spec.name)}")
        results.append(result)
    return results


def describe_tools(cache: ToolCache | None = None) -> list[str]:
    """One line per pinned tool: name, version, built or not."""
    cache = cache or ToolCache.default()
    lines = []
    for name in BUILD_ORDER:
        state = "built" if cache.is_built(name) else "not built"
        lines.append(f"{name:16} {cache.versions.tool(name):10} {state}")
    return lines
