"""Reading a Chaos Toolkit experiment's configuration, the same way in every action module.

chaoslib hands each action the experiment's `configuration` mapping; values
from the environment arrive as strings, and an unset key with an empty
default arrives as "". Kept apart from the action modules so that neither
backend's actions (nor the runner) import the other's.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from chaosgate.fault_records import Emit, JsonLinesEmit, discard

Configuration = Mapping[str, Any] | None


def setting(configuration: Configuration, key: str, default: Any = None) -> Any:
    """The key's value, or `default` when it is missing, None or ""."""
    value = (configuration or {}).get(key)
    return default if value in (None, "") else value


def is_dry_run(configuration: Configuration) -> bool:
    """Whether the run only says what it would do (dry_run true, "1", "yes")."""
    value = setting(configuration, "dry_run", False)
    return value is True or str(value).strip().lower() in ("1", "true", "yes")


def records_emit(configuration: Configuration) -> Emit:
    """Where an action writes the FAULT records of what it did: the `fault_records` file
    (the harness merges it into the run's timeline), or only the log when none is named."""
    path = setting(configuration, "fault_records")
    return JsonLinesEmit(Path(str(path))) if path else discard
