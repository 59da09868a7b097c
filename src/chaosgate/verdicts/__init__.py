"""Verdicts: pure functions from a recorded Timeline to a Verdict with figures.

Nothing here does I/O, reads a clock or imports the Kubernetes client: the same
function judges a kind run, a local run and a stack-runtime run. The record
`data` each verdict reads is the contract in chaosgate.verdicts.records.
Missing or malformed data is an ERROR, never a PASS.
"""

from chaosgate.verdicts.breaker import breaker_behaved, breakers_behaved
from chaosgate.verdicts.combine import combine
from chaosgate.verdicts.comparison import Comparison, compare_to_baseline, mann_whitney_u
from chaosgate.verdicts.hpa import hpa_behaved
from chaosgate.verdicts.observation import observed_throughout
from chaosgate.verdicts.pdb import (
    evictions_refused_not_absent,
    evictions_within_budget,
    pdb_held,
)
from chaosgate.verdicts.recovery import Evidence, Workload, fault_landed, recovered_within
from chaosgate.verdicts.slo import Slo, latency_vs_baseline, slo_for, slo_held, slos_held
from chaosgate.verdicts.zone_drain import zone_drain_ok

__all__ = [
    "Comparison",
    "Evidence",
    "Slo",
    "Workload",
    "breaker_behaved",
    "breakers_behaved",
    "combine",
    "compare_to_baseline",
    "evictions_refused_not_absent",
    "evictions_within_budget",
    "fault_landed",
    "hpa_behaved",
    "latency_vs_baseline",
    "mann_whitney_u",
    "observed_throughout",
    "pdb_held",
    "recovered_within",
    "slo_for",
    "slo_held",
    "slos_held",
    "zone_drain_ok",
]
