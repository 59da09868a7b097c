"""Every scenario, by its one name: each module of this package that defines a SCENARIO.

Found, not listed, so that adding a scenario touches only its own files (its
module here, its experiments in chaos/, its suite).
"""

from __future__ import annotations

import importlib
import pkgutil

import chaosgate.scenarios
from chaosgate.scenarios.definition import Scenario


def _defined() -> dict[str, Scenario]:
    found: dict[str, Scenario] = {}
    for info in pkgutil.iter_modules(chaosgate.scenarios.__path__):
        module = importlib.import_module(f"chaosgate.scenarios.{info.name}")
        scenario = getattr(module, "SCENARIO", None)
        if isinstance(scenario, Scenario):
            found[scenario.name] = scenario
    return found


SCENARIOS: dict[str, Scenario] = _defined()
