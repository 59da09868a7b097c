"""Reading the harness's own YAML files (SLOs, PromQL SLOs): one strict reader for all.

A file that cannot be read, is not YAML or is not a mapping, and a section
that is not a mapping, are ConfigErrors naming the file and the place.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from chaosgate.errors import ConfigError


def read_mapping(path: Path, what: str) -> Mapping[str, Any]:
    """The YAML document at `path` (`what` says which file it is, for the error)."""
    try:
        return section(yaml.safe_load(path.read_text()), str(path))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"Cannot read the {what} {path}: {exc}") from exc


def section(raw: Any, where: str) -> Mapping[str, Any]:
    """A mapping section (absent is empty); anything else is a ConfigError naming `where`."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where} must be a mapping.")
    return raw
