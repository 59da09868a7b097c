"""The gate policy: the default gate.yaml, and strict validation with line-numbered errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from chaosgate.gate.errors import PolicyError
from chaosgate.gate.policy import Requirement, Threshold, load_policy, parse_policy
from chaosgate.report.model import SCENARIOS


def test_default_policy_requires_every_scenario(repo_root: Path) -> None:
    policy = load_policy(repo_root / "gate.yaml")

    assert [r.scenario for r in policy.required] == list(SCENARIOS)
    assert {(t.scenario, t.property): t.max for t in policy.thresholds} == {
        ("pod_kill", "recovery_s"): 60,
        ("oom", "recovery_s"): 60,
        ("breaker", "breaker_open_s.max"): 5,
        ("breaker", "breaker_close_s.max"): 10,
        ("breaker", "fail_ratio.fault"): 0.01,
        ("hpa", "hpa_scale_out_s"): 60,
        ("az_drain", "drain_s"): 300,
    }
    assert policy.allow_marginal is True


def test_full_policy() -> None:
    policy = parse_policy(
        """
required:
  - gitops
  - scenario: breaker[stack]
    backend: stack-runtime
thresholds:
  - {scenario: pod_kill, property: recovery_s, max: 60}
  - {scenario: hpa, property: max_replicas, min: 4, max: 10}
  - {scenario: gitops, property: health, equals: Healthy}
  - {scenario: az_drain, property: violations, equals: 0}
""",
        source="p.yaml",
    )

    assert policy.required == (
        Requirement("gitops", None, 3),
        Requirement("breaker[stack]", "stack-runtime", 4),
    )
    assert policy.thresholds == (
        Threshold("pod_kill", "recovery_s", max=60.0, line=7),
        Threshold("hpa", "max_replicas", max=10.0, min=4.0, line=8),
        Threshold("gitops", "health", equals="Healthy", line=9),
        Threshold("az_drain", "violations", equals=0.0, line=10),
    )
    assert policy.allow_marginal is False  # not said: the strict default
    assert policy.thresholds[1].describe() == "max_replicas ≥ 4 and ≤ 10"


# (policy text, the start of the expected message after "p.yaml, line N: ")
INVALID = [
    (
        "required: [gitops]\nallow_marginals: true\n",
        "line 2: the policy has unknown key 'allow_marginals'",
    ),
    ("thresholds: []\n", "line 1: the policy has no 'required' list"),
    ("required: []\n", "line 1: 'required' must be a non-empty list"),
    ("required: gitops\n", "line 1: 'required' must be a non-empty list"),
    (
        "required:\n  - gitops\n  - pod_kil\n",
        "line 3: required[1] names 'pod_kil', which is not a chaosgate scenario",
    ),
    ("required:\n  - 42\n", "line 2: required[0] must be a scenario name or a mapping, got 42"),
    ("required:\n  - [gitops]\n", "line 2: required[0] must be a scenario name or a mapping"),
    ("required:\n  - {backend: kind}\n", "line 2: required[0] has no 'scenario'"),
    ("required:\n  - {scenario: oom, zone: a}\n", "line 2: required[0] has unknown key 'zone'"),
    (
        "required:\n  - {scenario: oom, backend: ''}\n",
        "line 2: required[0].backend must be a backend name",
    ),
    (
        "required: [oom]\nthresholds: {scenario: oom}\n",
        "line 2: 'thresholds' must be a list of mappings",
    ),
    ("required: [oom]\nthresholds:\n  - oom\n", "line 3: thresholds[0] must be a mapping"),
    (
        "required: [oom]\nthresholds:\n  - scenario: oom\n    property: x\n    maximum: 3\n",
        "line 5: thresholds[0] has unknown key 'maximum'",
    ),
    (
        "required: [oom]\nthresholds:\n  - {scenario: oom, max: 3}\n",
        "line 3: thresholds[0] has no 'property'",
    ),
    (
        "required: [oom]\nthresholds:\n  - {property: x, max: 3}\n",
        "line 3: thresholds[0] has no 'scenario'",
    ),
    (
        "required: [oom]\nthresholds:\n  - {scenario: chaos, property: x, max: 3}\n",
        "line 3: thresholds[0] names 'chaos', which is not a chaosgate scenario",
    ),
    (
        "required: [oom]\nthresholds:\n  - {scenario: oom, property: x}\n",
        "line 3: thresholds[0] has no bound",
    ),
    (
        "required: [oom]\nthresholds:\n  - scenario: oom\n    property: x\n    max: sixty\n",
        "line 5: thresholds[0].max must be a finite number, got 'sixty'",
    ),
    (
        "required: [oom]\nthresholds:\n  - {scenario: oom, property: x, min: true}\n",
        "thresholds[0].min must be a finite number",
    ),
    (
        "required: [oom]\nthresholds:\n  - {scenario: oom, property: x, max: .nan}\n",
        "thresholds[0].max must be a finite number",
    ),
    (
        "required: [oom]\nthresholds:\n  - {scenario: oom, property: x, equals: [1]}\n",
        "thresholds[0].equals must be a number or a string",
    ),
    (
        "required: [oom]\nthresholds:\n  - {scenario: oom, property: x, equals: 1, max: 2}\n",
        "thresholds[0] combines equals with min/max",
    ),
    (
        "required: [oom]\nthresholds:\n  - {scenario: oom, property: x, min: 5, max: 3}\n",
        "thresholds[0] has min 5 above max 3",
    ),
    (
        "required: [oom]\nthresholds:\n  - {scenario: oom, property: 7, max: 3}\n",
        "thresholds[0].property must be a property name",
    ),
    ("required: [oom]\nallow_marginal: maybe\n", "line 2: allow_marginal must be true or false"),
    ("required: [oom]\nrequired: [gitops]\n", "line 2: the key 'required' appears twice"),
    ("required: [oom\n", "not valid YAML"),
    ("required: [oom]\n\tthresholds: []\n", "not valid YAML"),
]


@pytest.mark.parametrize(("text", "expected"), INVALID)
def test_invalid_policies_name_the_line_and_the_fix(text: str, expected: str) -> None:
    with pytest.raises(PolicyError) as raised:
        parse_policy(text, source="p.yaml")

    message = str(raised.value)
    assert message.startswith("p.yaml"), message
    assert expected in message, message
    assert message.endswith("."), message  # a sentence, with the fix after the semicolon


@pytest.mark.parametrize("text", ["", "# only a comment\n", "- gitops\n", "just a string\n"])
def test_a_policy_must_be_a_mapping(text: str) -> None:
    with pytest.raises(PolicyError, match="must be a YAML mapping with a 'required' list"):
        parse_policy(text, source="p.yaml")


def test_missing_policy_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"nope\.yaml does not exist; pass --policy"):
        load_policy(tmp_path / "nope.yaml")


def test_unreadable_policy_file(tmp_path: Path) -> None:
    (tmp_path / "gate.yaml").write_bytes(b"required: [\xff]\n")

    with pytest.raises(PolicyError, match=r"could not be read"):
        load_policy(tmp_path / "gate.yaml")


def test_policy_that_is_a_directory(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"could not be read"):
        load_policy(tmp_path)


def test_only_breaker_accepts_its_stack_variant_by_default(repo_root: Path) -> None:
    policy = load_policy(repo_root / "gate.yaml")
    alternatives = {r.scenario: r.alternatives for r in policy.required}
    assert alternatives["breaker"] == ("breaker[stack]",)
    assert all(alternatives[s] == () for s in SCENARIOS if s != "breaker")


def test_alternatives_must_be_a_list_of_names() -> None:
    with pytest.raises(PolicyError, match=r"alternatives must be a list of scenario names"):
        parse_policy("required:\n  - {scenario: breaker, alternatives: breaker-stack}\n")
