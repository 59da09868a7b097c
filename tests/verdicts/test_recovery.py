"""Fault landing evidence and recovery time after pod kills and OOM kills."""

from __future__ import annotations

import pytest

from chaosgate.timeline import Outcome, Record
from chaosgate.verdicts.recovery import Evidence, Workload, fault_landed, recovered_within

from .builders import STS, fault, pod, probe, stamp, sts, timeline, window

VICTIM = f"{STS}-1"
KILL = fault(10, "pod_kill", "start", VICTIM)
OOM = fault(10, "oom_kill", "start", VICTIM)
WINDOWS = [*window("fault", 10, 20), *window("recovery", 20, 60)]
BEFORE = pod(0, VICTIM)  # the victim as it was before the fault


@pytest.mark.parametrize(
    ("records", "evidence", "landed_after_s"),
    [
        ([KILL, BEFORE, pod(11, VICTIM, deleted=True)], "deleted", 1.0),
        ([KILL, BEFORE, pod(13, VICTIM, uid="uid-2")], "replaced", 3.0),
        ([KILL, BEFORE, pod(12, VICTIM, restarts=1)], "restarted", 2.0),
        (  # the earliest evidence wins
            [KILL, BEFORE, pod(13, VICTIM, uid="uid-2"), pod(11, VICTIM, deleted=True)],
            "deleted",
            1.0,
        ),
        (  # stack runtime: no pod watch, the injector saw the container restart
            [KILL, fault(10.5, "pod_kill", "landed", VICTIM, evidence="restarted")],
            "restarted",
            0.5,
        ),
        ([OOM, BEFORE, pod(15, VICTIM, restarts=1, reason="OOMKilled")], "OOMKilled", 5.0),
        (  # a restart found by sampling is dated by the termination it reports
            [KILL, BEFORE, pod(12, VICTIM, restarts=1, terminated=10.25)],
            "restarted",
            0.25,
        ),
        (  # ... but not by one from before the fault (an older restart) ...
            [KILL, BEFORE, pod(12, VICTIM, restarts=1, terminated=9.5)],
            "restarted",
            2.0,
        ),
        (  # ... nor by one stamped after the sample that reported it
            [KILL, BEFORE, pod(12, VICTIM, restarts=1, terminated=12.5)],
            "restarted",
            2.0,
        ),
        (
            [OOM, BEFORE, pod(15, VICTIM, restarts=1, reason="OOMKilled", terminated=10.5)],
            "OOMKilled",
            0.5,
        ),
        ([OOM, fault(14, "oom_kill", "landed", VICTIM, evidence="OOMKilled")], "OOMKilled", 4.0),
        (  # a kubelet reports the killed container before restarting it: dated by that
            [
                OOM,
                BEFORE,
                pod(10.8, VICTIM, ready=False, reason="OOMKilled"),
                pod(11.8, VICTIM, restarts=1, reason="OOMKilled"),
            ],
            "OOMKilled",
            0.8,
        ),
        (  # ... but an OOM reason the pod already had before the fault is no evidence
            [
                OOM,
                pod(0, VICTIM, reason="OOMKilled"),
                pod(10.8, VICTIM, ready=False, reason="OOMKilled"),
                pod(11.8, VICTIM, restarts=1, reason="OOMKilled"),
            ],
            "OOMKilled",
            1.8,
        ),
        (  # a drain lands with its first accepted eviction
            [
                fault(10, "zone_drain", "start", zone="zone-a"),
                fault(11, "zone_drain", "refused", f"{STS}-0", status=429),
                fault(12, "zone_drain", "landed", f"{STS}-3", evidence="evicted"),
            ],
            "evicted",
            2.0,
        ),
        (  # an action without pod evidence lands by its landed record
            [fault(10, "redis_outage", "start"), fault(10.2, "redis_outage", "landed")],
            "observed",
            0.2,
        ),
    ],
)
def test_fault_landed(records: list[Record], evidence: str, landed_after_s: float) -> None:
    action = str(records[0].data["action"])
    verdict = fault_landed(timeline(records), action)
    assert verdict.outcome is Outcome.PASS, verdict.message
    assert verdict.figures["evidence"] == evidence
    assert verdict.figures["landed_after_s"] == landed_after_s


@pytest.mark.parametrize(
    ("records", "expect", "message"),
    [
        (  # the pod was watched after the kill and nothing happened to it
            [KILL, BEFORE, pod(30, VICTIM)],
            None,
            f"the pod_kill on {VICTIM} started at +0.0 s from pod_kill start ({stamp(10)}) "
            "never landed: no evidence of it was seen",
        ),
        (  # an OOM kill must show as one; a crash for another reason is not it
            [OOM, BEFORE, pod(15, VICTIM, restarts=1, reason="Error")],
            None,
            "the oom_kill on heart-display-1 started at +0.0 s",
        ),
        (  # a restart count without the state before the fault proves nothing
            [KILL, pod(15, VICTIM, restarts=3)],
            None,
            "never landed",
        ),
        (  # stricter evidence than the default
            [KILL, BEFORE, pod(11, VICTIM, deleted=True)],
            {Evidence.OOM_KILLED},
            "never landed",
        ),
        (  # a landed record for another pod is not evidence for this one
            [
                KILL,
                BEFORE,
                pod(30, VICTIM),
                fault(11, "pod_kill", "landed", "other", evidence="deleted"),
            ],
            None,
            "never landed",
        ),
        (
            [
                KILL,
                fault(10.1, "pod_kill", "refused", VICTIM, reason="not allowed by --allow-context"),
            ],
            None,
            "the injector reported: not allowed by --allow-context",
        ),
        (  # a deletion seen before the fault started is not its effect
            [KILL, pod(9, VICTIM, deleted=True), pod(30, VICTIM, uid="uid-2")],
            None,
            "never landed",
        ),
    ],
)
def test_fault_that_never_landed_fails(
    records: list[Record], expect: set[Evidence] | None, message: str
) -> None:
    action = str(records[0].data["action"])
    verdict = fault_landed(timeline(records), action, expect)
    assert verdict.outcome is Outcome.FAIL
    assert message in verdict.message
    assert verdict.figures["landed"] == 0


@pytest.mark.parametrize(
    ("records", "reason"),
    [
        ([BEFORE, pod(11, VICTIM, deleted=True)], "no pod_kill fault was started"),
        ([fault(10, "pod_kill", "end", VICTIM), BEFORE], "no pod_kill fault was started"),
        ([KILL, BEFORE], "nothing was observed of pod_kill on heart-display-1 after it started"),
        ([KILL, pod(5, VICTIM)], "nothing was observed"),  # seen only before the kill
    ],
)
def test_fault_landed_without_observations_is_an_error(records: list[Record], reason: str) -> None:
    verdict = fault_landed(timeline(records), "pod_kill")
    assert verdict.outcome is Outcome.ERROR
    assert reason in verdict.message


KILLED = [KILL, BEFORE, pod(11, VICTIM, deleted=True), pod(13, VICTIM, uid="uid-2")]


@pytest.mark.parametrize(
    ("ready", "outcome", "recovery_s"),
    [
        ([sts(0, 3), sts(11, 2), sts(18, 3)], Outcome.PASS, 7.0),
        ([sts(0, 3), sts(11, 2), sts(40, 3)], Outcome.MARGINAL, 29.0),  # > 80 % of 30 s
        ([sts(0, 3), sts(11, 2), sts(41, 3)], Outcome.MARGINAL, 30.0),  # exactly the budget
        ([sts(0, 3), sts(11, 2), sts(42, 3)], Outcome.FAIL, 31.0),
        # readiness back, lost again, back: recovery counts to the final return
        ([sts(0, 3), sts(11, 2), sts(18, 3), sts(25, 2), sts(30, 3)], Outcome.PASS, 19.0),
        ([sts(0, 3), sts(11, 2), sts(60, 3)], Outcome.FAIL, 49.0),  # exactly at the window end
        ([sts(0, 3), sts(11, 2), sts(12, 4, replicas=4)], Outcome.PASS, 1.0),  # scaled meanwhile
    ],
)
def test_recovered_within(ready: list[Record], outcome: Outcome, recovery_s: float) -> None:
    verdict = recovered_within(timeline(WINDOWS, KILLED, ready), 30, Workload(STS))
    assert verdict.outcome is outcome, verdict.message
    assert verdict.figures["recovery_s"] == recovery_s
    assert verdict.figures["landed_after_s"] == 1.0


def test_slow_recovery_says_by_how_much_and_when() -> None:
    ready = [sts(0, 3), sts(11, 2), sts(50, 3)]
    verdict = recovered_within(timeline(WINDOWS, KILLED, ready), 30, Workload(STS))
    assert verdict.outcome is Outcome.FAIL
    assert verdict.message == (
        "FAIL: heart-display took 39.0 s to recover after the pod_kill landed, 9.0 s over the "
        f"30 s budget; fully ready again at +40.0 s from pod_kill start ({stamp(50)})"
    )


@pytest.mark.parametrize(
    ("ready", "message"),
    [
        ([sts(0, 3), sts(11, 2)], "never recovered: 2/3 ready (1 short) at the end of observation"),
        ([sts(0, 3), sts(11, 1), sts(61, 3)], "1/3 ready (2 short)"),  # back only after the window
    ],
)
def test_never_recovered_fails(ready: list[Record], message: str) -> None:
    verdict = recovered_within(timeline(WINDOWS, KILLED, ready), 30, Workload(STS))
    assert verdict.outcome is Outcome.FAIL
    assert message in verdict.message
    assert f"+50.0 s from pod_kill start ({stamp(60)})" in verdict.message
    assert "recovery_s" not in verdict.figures


def test_recovery_on_the_stack_runtime_reads_probe_readiness() -> None:
    records = [
        fault(10, "oom_kill", "start", "heart-2"),
        fault(12, "oom_kill", "landed", "heart-2", evidence="OOMKilled"),
        probe(0, 3),
        probe(12, 2),
        probe(16, 3),
    ]
    workload = Workload("heart-stack", source="probe")
    verdict = recovered_within(timeline(WINDOWS, records), 10, workload, action="oom_kill")
    assert verdict.outcome is Outcome.PASS, verdict.message
    assert verdict.figures["recovery_s"] == 4.0
    assert verdict.figures["min_ready"] == 2


def test_a_restart_sampled_after_recovery_is_timed_from_the_termination() -> None:
    # The shape of a stack-runtime kill: down at 10.1, serving again at 10.4, and the
    # engine's restart seen only by the 10.5 sample. Timed from that sample, recovery
    # would be 0 s; from the termination it reports, 0.3 s.
    records = [
        KILL,
        BEFORE,
        pod(10.5, VICTIM, restarts=1, terminated=10.1),
        probe(0, 3),
        probe(10.2, 2),
        probe(10.4, 3),
    ]
    workload = Workload("heart-stack", source="probe")
    verdict = recovered_within(timeline(WINDOWS, records), 10, workload)
    assert verdict.outcome is Outcome.PASS, verdict.message
    assert verdict.figures["recovery_s"] == 0.3
    assert verdict.figures["landed_after_s"] == 0.1


@pytest.mark.parametrize(
    ("records", "reason"),
    [
        ([window("fault", 10, 20), KILLED, sts(0, 3)], "no 'recovery' window was recorded"),
        ([window("recovery", 20), KILLED, sts(0, 3)], "'recovery' was opened but never closed"),
        ([WINDOWS, KILL, BEFORE, pod(30, VICTIM), sts(0, 3)], "the pod_kill never landed"),
        ([WINDOWS, KILLED], "no readiness of statefulset 'heart-display'"),
        ([WINDOWS, KILLED, sts(0, 3, name="other")], "no readiness of statefulset"),
        ([WINDOWS, sts(0, 3)], "no pod_kill fault was started"),
        # landed, but readiness never dipped: a 0 s recovery from nothing seen
        ([WINDOWS, KILLED, sts(0, 3)], "never had fewer than 3 ready replicas after"),
        ([WINDOWS, KILLED, sts(0, 3), sts(15, 3)], "so no recovery was seen to time"),
    ],
)
def test_recovery_without_usable_data_is_an_error(
    records: list[list[Record] | Record], reason: str
) -> None:
    verdict = recovered_within(timeline(*records), 30, Workload(STS))
    assert verdict.outcome is Outcome.ERROR
    assert reason in verdict.message
