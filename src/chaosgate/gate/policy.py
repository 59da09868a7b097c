"""The release-gate policy: which scenarios must pass, which figures must hold.

A policy is a YAML mapping:

    required:                 # scenarios that must be present and pass
      - gitops
      - scenario: breaker     # a requirement may name the backend it must run on
        backend: kind
    thresholds:               # bounds on testcase properties (figures)
      - {scenario: pod_kill, property: recovery_s, max: 60}
      - {scenario: hpa, property: max_replicas, min: 4}
      - {scenario: gitops, property: health, equals: Healthy}
    allow_marginal: false     # may a scenario judged "marginal" pass the gate?
    trend:                    # `chaosgate gate --baseline OLD.xml`: how far a bounded
      marginal: 0.25          #   figure may get worse than in the baseline (a share of
      fail: 1.0               #   it) before it is marginal, or a failure; changes under
      noise_floor: 0.1        #   noise_floor x the bound count as noise (chaosgate.gate.trend)

Validation is strict, because a typo in a policy must not quietly weaken a
gate: unknown keys, wrong types, duplicate keys, unknown scenario names and
impossible bounds are errors that name the line, the field and the fix.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

from chaosgate.gate.errors import PolicyError
from chaosgate.report.model import SCENARIOS

_Item = TypeVar("_Item")

_SCENARIO_NAME = re.compile(rf"^({'|'.join(SCENARIOS)})(\[[A-Za-z0-9_.-]+\])?$")
_TOP_KEYS = frozenset({"required", "thresholds", "allow_marginal", "weights", "min_score", "trend"})
_TREND_KEYS = frozenset({"marginal", "fail", "noise_floor"})
_REQUIREMENT_KEYS = frozenset({"scenario", "backend", "alternatives"})
_THRESHOLD_KEYS = frozenset({"scenario", "property", "max", "min", "equals"})


@dataclass(frozen=True)
class Requirement:
    """A scenario that must be present and pass, optionally on a named backend.

    "pod_kill" is met by a testcase named pod_kill, not by a variant such as
    pod_kill[stack] (a container restarted in place is not a pod replaced),
    unless the variant is listed in `alternatives`. Every variant that ran must
    pass all the same. A backend "kind" is met by a case whose backend property
    is "kind" or starts "kind ".
    """

    scenario: str
    backend: str | None = None
    line: int = 0
    alternatives: tuple[str, ...] = ()  # variants that meet it too, e.g. breaker[stack]

    def met_by(self, scenario: str) -> bool:
        return scenario == self.scenario or scenario in self.alternatives

    def label(self) -> str:
        return self.scenario if self.backend is None else f"{self.scenario} on {self.backend}"


@dataclass(frozen=True)
class Threshold:
    """A bound on one property of a scenario's testcase(s): max, min (inclusive) or equals."""

    scenario: str
    property: str
    max: float | None = None
    min: float | None = None
    equals: float | str | None = None
    line: int = 0

    def describe(self) -> str:
        """The bound in words a summary can show, e.g. "recovery_s ≤ 60"."""
        parts = []
        if self.min is not None:
            parts.append(f"≥ {self.min:g}")
        if self.max is not None:
            parts.append(f"≤ {self.max:g}")
        if self.equals is not None:
            parts.append(f"= {self.equals}")
        return f"{self.property} {' and '.join(parts)}"


@dataclass(frozen=True)
class TrendPolicy:
    """How much worse than the baseline a bounded figure may get (chaosgate.gate.trend)."""

    marginal: float = 0.25  # beyond this share of the baseline's value: marginal
    fail: float = 1.0  # beyond this share: a regression that stops the release
    noise_floor: float = 0.1  # x the threshold's bound: the smallest change that counts


@dataclass(frozen=True)
class Policy:
    required: tuple[Requirement, ...]
    thresholds: tuple[Threshold, ...] = ()
    allow_marginal: bool = False
    source: str = "policy"
    # The resilience score (chaosgate.gate.score): each required scenario's weight
    # (1 when not named), and the lowest score the gate accepts (None: any).
    weights: Mapping[str, float] = field(default_factory=dict)
    min_score: float | None = None
    trend: TrendPolicy = TrendPolicy()


def default_policy_path() -> Path:
    """The policy the run judges by when none is named: CHAOSGATE_POLICY, else the
    repository's gate.yaml (what `chaosgate gate` applies in CI)."""
    from chaosgate.versions import REPO_ROOT

    return Path(os.environ.get("CHAOSGATE_POLICY") or REPO_ROOT / "gate.yaml")


def load_policy(path: Path) -> Policy:
    """Read and validate the policy file at path; PolicyError says what to fix."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError(
            f"Policy file {path} does not exist; pass --policy with the path of a gate policy "
            "(the repository's default is gate.yaml)."
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"Policy file {path} could not be read: {exc}.") from None
    return parse_policy(text, source=str(path))


def budget(policy: Policy, scenario: str, prop: str) -> float:
    """The `max` of the policy's threshold on `prop` of `scenario`: what its verdict allows.

    The suites judge with these numbers, so a verdict and the gate never disagree
    on a budget. PolicyError when the policy bounds no such figure.
    """
    for threshold in policy.thresholds:
        bounds_it = threshold.scenario == scenario and threshold.property == prop
        if bounds_it and threshold.max is not None:
            return threshold.max
    raise PolicyError(
        f"{policy.source} has no maximum for {prop} of {scenario}, which that scenario's "
        f"verdict is judged by; add `- {{scenario: {scenario}, property: {prop}, max: N}}` "
        "to its thresholds."
    )


def parse_policy(text: str, source: str = "policy") -> Policy:
    """Validate policy YAML text; source names the file in error messages."""
    document = _load_yaml(text, source)
    if not isinstance(document, _Located):
        raise PolicyError(
            f"{source} must be a YAML mapping with a 'required' list (and optionally "
            "'thresholds' and 'allow_marginal'); it is empty or not a mapping."
        )
    where = _Where(source, document.line)
    _check_keys(document, _TOP_KEYS, where, "the policy")
    if "required" not in document:
        raise where.error(
            "the policy has no 'required' list",
            "list the scenarios that must pass, e.g. `required: [gitops, pod_kill]`",
        )
    return Policy(
        required=_requirements(document["required"], where.key(document, "required")),
        thresholds=_thresholds(document.get("thresholds"), where.key(document, "thresholds")),
        allow_marginal=_allow_marginal(
            document.get("allow_marginal", False), where.key(document, "allow_marginal")
        ),
        source=source,
        weights=_weights(document.get("weights"), where.key(document, "weights")),
        min_score=_min_score(document.get("min_score"), where.key(document, "min_score")),
        trend=_trend(document.get("trend"), where.key(document, "trend")),
    )


# --- YAML with line numbers -------------------------------------------------------------


class _Located(dict[Any, Any]):
    """A YAML mapping that remembers the line it starts on and the line of each key."""

    line = 0
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class _LocatedList(list[Any]):
    """A YAML sequence that remembers the line of each item."""

    lines: list[int]


class _PolicyLoader(yaml.SafeLoader):
    """SafeLoader that keeps line numbers and refuses duplicate keys."""

    source = "policy"


def _construct_mapping(loader: _PolicyLoader, node: yaml.MappingNode) -> _Located:
    key_lines: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in key_lines:
            raise PolicyError(
                f"{loader.source}, line {line}: the key {key!r} appears twice in one mapping; "
                "keep one (YAML would silently use the last)."
            )
        key_lines[key] = line
    mapping = _Located(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = key_lines
    return mapping


def _construct_sequence(loader: _PolicyLoader, node: yaml.SequenceNode) -> _LocatedList:
    items = _LocatedList(loader.construct_sequence(node, deep=True))
    items.lines = [item.start_mark.line + 1 for item in node.value]
    return items


_PolicyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_PolicyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def _load_yaml(text: str, source: str) -> Any:
    loader = _PolicyLoader(text)
    loader.source = source
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise PolicyError(f"{source}{at}: not valid YAML ({problem}); fix the syntax.") from None
    finally:
        loader.dispose()


# --- validation -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Where:
    """Where a value sits in the policy (file, line, field), for error messages."""

    source: str
    line: int
    field: str = ""

    def at(self, line: int, field: str) -> _Where:
        return _Where(self.source, line, field)

    def key(self, mapping: _Located, key: str) -> _Where:
        """Where mapping's key sits; its field is key (under this field, if any)."""
        return _Where(self.source, mapping.line_of(key), f"{self.field}.{key}".lstrip("."))

    def error(self, problem: str, fix: str) -> PolicyError:
        return PolicyError(f"{self.source}, line {self.line}: {problem}; {fix}.")


def _check_keys(mapping: _Located, allowed: frozenset[str], where: _Where, what: str) -> None:
    unknown = [key for key in mapping if key not in allowed]
    if unknown:
        raise where.at(mapping.line_of(unknown[0]), where.field).error(
            f"{what} has unknown key {unknown[0]!r}",
            f"use only {', '.join(sorted(allowed))} (check the spelling)",
        )


def _each_item(
    items: _LocatedList, field: str, where: _Where, parse: Callable[[Any, _Where], _Item]
) -> tuple[_Item, ...]:
    """Parse each item of a list, with errors located at its own line as field[index]."""
    return tuple(
        parse(item, where.at(line, f"{field}[{index}]"))
        for index, (item, line) in enumerate(zip(items, items.lines, strict=True))
    )


def _requirements(value: Any, where: _Where) -> tuple[Requirement, ...]:
    if not isinstance(value, _LocatedList) or not value:
        raise where.error(
            "'required' must be a non-empty list of scenario names",
            "write e.g. `required: [gitops, pod_kill, oom, az_drain, hpa, breaker]`",
        )
    return _each_item(value, "required", where, _requirement)


def _requirement(item: Any, where: _Where) -> Requirement:
    if isinstance(item, str):
        return Requirement(_scenario(item, where), line=where.line)
    if not isinstance(item, _Located):
        raise where.error(
            f"{where.field} must be a scenario name or a mapping, got {item!r}",
            "write `- pod_kill` or `- {scenario: pod_kill, backend: kind}`",
        )
    _check_keys(item, _REQUIREMENT_KEYS, where, where.field)
    if "scenario" not in item:
        raise where.error(f"{where.field} has no 'scenario'", "add e.g. `scenario: pod_kill`")
    backend = item.get("backend")
    if backend is not None and not (isinstance(backend, str) and backend.strip()):
        raise where.key(item, "backend").error(
            f"{where.field}.backend must be a backend name, got {backend!r}",
            "write e.g. `backend: kind` or remove the key",
        )
    alternatives = item.get("alternatives", [])
    if not isinstance(alternatives, list) or not all(isinstance(a, str) for a in alternatives):
        raise where.key(item, "alternatives").error(
            f"{where.field}.alternatives must be a list of scenario names, got {alternatives!r}",
            'write e.g. `alternatives: ["breaker[stack]"]` or remove the key',
        )
    scenario = _scenario(item["scenario"], where)
    variants = tuple(_scenario(a, where) for a in alternatives)
    return Requirement(scenario, backend, where.line, variants)


def _thresholds(value: Any, where: _Where) -> tuple[Threshold, ...]:
    if value is None:
        return ()
    if not isinstance(value, _LocatedList):
        raise where.error(
            "'thresholds' must be a list of mappings",
            "write e.g. `thresholds: [{scenario: pod_kill, property: recovery_s, max: 60}]`",
        )
    return _each_item(value, "thresholds", where, _threshold)


def _threshold(item: Any, where: _Where) -> Threshold:
    if not isinstance(item, _Located):
        raise where.error(
            f"{where.field} must be a mapping, got {item!r}",
            "write e.g. `- {scenario: pod_kill, property: recovery_s, max: 60}`",
        )
    _check_keys(item, _THRESHOLD_KEYS, where, where.field)
    for key in ("scenario", "property"):
        if key not in item:
            raise where.error(f"{where.field} has no '{key}'", f"add `{key}: ...`")
    prop = item["property"]
    if not isinstance(prop, str) or not prop.strip():
        raise where.key(item, "property").error(
            f"{where.field}.property must be a property name, got {prop!r}",
            "write e.g. `property: recovery_s`",
        )
    threshold = Threshold(
        scenario=_scenario(item["scenario"], where),
        property=prop,
        max=_bound(item, "max", where),
        min=_bound(item, "min", where),
        equals=_equals(item, where),
        line=where.line,
    )
    _check_bounds(threshold, where)
    return threshold


def _check_bounds(threshold: Threshold, where: _Where) -> None:
    if threshold.max is None and threshold.min is None and threshold.equals is None:
        raise where.error(f"{where.field} has no bound", "add `max:`, `min:` or `equals:`")
    if threshold.equals is not None and (threshold.max is not None or threshold.min is not None):
        raise where.error(
            f"{where.field} combines equals with min/max", "use either equals or min/max"
        )
    if threshold.min is not None and threshold.max is not None and threshold.min > threshold.max:
        raise where.error(
            f"{where.field} has min {threshold.min:g} above max {threshold.max:g}",
            "no value could pass; swap or correct them",
        )


def _bound(item: _Located, key: str, where: _Where) -> float | None:
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise where.key(item, key).error(
            f"{where.field}.{key} must be a finite number, got {value!r}",
            f"write e.g. `{key}: 60`",
        )
    return float(value)


def _equals(item: _Located, where: _Where) -> float | str | None:
    value = item.get("equals")
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise where.key(item, "equals").error(
            f"{where.field}.equals must be a number or a string, got {value!r}",
            "quote text values, e.g. `equals: 'true'`",
        )
    return float(value)


def _scenario(value: Any, where: _Where) -> str:
    if not isinstance(value, str) or not _SCENARIO_NAME.match(value):
        raise where.error(
            f"{where.field} names {value!r}, which is not a chaosgate scenario",
            f"use one of {', '.join(SCENARIOS)}, optionally with a variant such as breaker[stack]",
        )
    return value


def _weights(value: Any, where: _Where) -> dict[str, float]:
    if value is None:
        return {}
    if not isinstance(value, _Located):
        raise where.error(
            f"weights must map scenarios to numbers, got {value!r}",
            "write e.g. `weights: {pod_kill: 2, gitops: 1}`",
        )
    weights = {}
    for scenario, weight in value.items():
        name = _scenario(scenario, where)
        if isinstance(weight, bool) or not isinstance(weight, int | float) or weight < 0:
            raise where.key(value, scenario).error(
                f"weights.{name} must be a number of at least 0, got {weight!r}",
                f"write e.g. `{name}: 2`",
            )
        weights[name] = float(weight)
    return weights


def _min_score(value: Any, where: _Where) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
        raise where.error(
            f"min_score must be a number from 0 to 100, got {value!r}",
            "write e.g. `min_score: 90`, or remove it",
        )
    return float(value)


def _trend(value: Any, where: _Where) -> TrendPolicy:
    if value is None:
        return TrendPolicy()
    if not isinstance(value, _Located):
        raise where.error(
            f"trend must be a mapping, got {value!r}",
            "write e.g. `trend: {marginal: 0.25, fail: 1.0, noise_floor: 0.1}`",
        )
    _check_keys(value, _TREND_KEYS, where, "trend")
    shares = {}
    for key, share in value.items():
        if isinstance(share, bool) or not isinstance(share, int | float) or share < 0:
            raise where.key(value, key).error(
                f"trend.{key} must be a number of at least 0, got {share!r}",
                f"write e.g. `{key}: 0.5`",
            )
        shares[key] = float(share)
    trend = TrendPolicy(**shares)
    if trend.fail < trend.marginal:
        raise where.error(
            f"trend.fail ({trend.fail:g}) is below trend.marginal ({trend.marginal:g})",
            "a regression must be worse than a marginal one; raise trend.fail",
        )
    return trend


def _allow_marginal(value: Any, where: _Where) -> bool:
    if not isinstance(value, bool):
        raise where.error(
            f"allow_marginal must be true or false, got {value!r}",
            "write `allow_marginal: true` or `allow_marginal: false`",
        )
    return value
