"""One scenario verdict out of its checks: the worst outcome wins, nothing judged is an error."""

from __future__ import annotations

import pytest

from chaosgate.timeline import Outcome, Verdict
from chaosgate.verdicts.combine import aggregate_figures, combine, per_instance

PASS = Verdict("pdb_held[heart]", Outcome.PASS, "held", {"min_margin": 0})
MARGINAL = Verdict("slo_held[fault]", Outcome.MARGINAL, "p95 near the limit", {"p95_ms": 190})
FAIL = Verdict("recovered_within[heart]", Outcome.FAIL, "took 45 s", {"recovery_s": 45})
ERROR = Verdict("hpa_behaved[heart]", Outcome.ERROR, "cannot judge: no HPA status")


@pytest.mark.parametrize(
    ("verdicts", "outcome"),
    [
        ([PASS], Outcome.PASS),
        ([PASS, MARGINAL], Outcome.MARGINAL),
        ([MARGINAL, FAIL, PASS], Outcome.FAIL),
        ([FAIL, ERROR, MARGINAL], Outcome.ERROR),
        ([ERROR], Outcome.ERROR),
    ],
)
def test_worst_outcome_wins(verdicts: list[Verdict], outcome: Outcome) -> None:
    assert combine(verdicts).outcome is outcome


def test_nothing_judged_is_an_error() -> None:
    verdict = combine([], check="pod_kill")
    assert verdict.outcome is Outcome.ERROR
    assert verdict.message == "cannot judge pod_kill: no checks were run"


def test_message_lists_what_did_not_pass_worst_first() -> None:
    verdict = combine([PASS, MARGINAL, FAIL, ERROR], check="pod_kill")
    assert verdict.check == "pod_kill"
    assert verdict.message == (
        "1 of 4 checks passed; hpa_behaved[heart] ERROR: cannot judge: no HPA status | "
        "recovered_within[heart] FAIL: took 45 s | slo_held[fault] MARGINAL: p95 near the limit"
    )


def test_figures_are_prefixed_by_check_and_counted() -> None:
    verdict = combine([PASS, FAIL])
    assert verdict.figures == {
        "checks": 2,
        "pass": 1,
        "marginal": 0,
        "fail": 1,
        "error": 0,
        "pdb_held[heart].min_margin": 0,
        "recovered_within[heart].recovery_s": 45,
    }


def test_all_passed_message() -> None:
    assert combine([PASS, PASS]).message == "all 2 checks passed"


@pytest.mark.parametrize(
    ("figures", "expected"),
    [
        ({}, {}),
        ({"recovery_s": 2.0}, {}),  # not per replica: nothing to aggregate
        (
            {"breaker_open_s[h-0]": 1.5, "breaker_open_s[h-1]": 4.0, "breaker_open_s[h-2]": 2},
            {"breaker_open_s.max": 4.0, "breaker_open_s.min": 1.5},
        ),
        (  # text figures are not aggregated; each figure on its own
            {"sequence[h-0]": "closed>open", "close_s[h-0]": 3, "open_s[h-1]": 1},
            {"close_s.max": 3.0, "close_s.min": 3.0, "open_s.max": 1.0, "open_s.min": 1.0},
        ),
    ],
)
def test_aggregate_figures(
    figures: dict[str, float | int | str], expected: dict[str, float]
) -> None:
    assert aggregate_figures(figures) == expected


def test_per_instance_names_each_figure_after_its_replica() -> None:
    assert per_instance({"breaker_open_s": 1.5, "sequence": "a>b"}, "h-0") == {
        "breaker_open_s[h-0]": 1.5,
        "sequence[h-0]": "a>b",
    }
