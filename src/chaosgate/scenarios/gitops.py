"""gitops: Argo CD deploys the heart stack at the revision under test, heals drift,
follows new revisions, and reports a broken revision as failed — never as a pass.

Cluster only, no experiment: Argo CD is the subject. Runs on any provider; on local
the pods are kwok-simulated (Running/Ready without containers), while the control
plane and Argo CD are real. The cluster state is read with the pinned kubectl.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from chaosgate.argocd.errors import SyncFailed
from chaosgate.argocd.gitrepo import commit_change, read_file
from chaosgate.errors import ChaosgateError
from chaosgate.harness import HeartStack, backend_label, publish_revision
from chaosgate.kube.kubectl_reads import HEART_SELECTOR, config_value, kubectl, ready_pods_per_zone
from chaosgate.scenario_book import ScenarioBook, ScenarioRun
from chaosgate.scenarios.definition import Family, Scenario
from chaosgate.timeline import Outcome, Verdict
from chaosgate.waiting import wait_until

SCENARIO = Scenario("gitops", (Family.KUBE,), experiment_free=True)
VALUES = "gitops/charts/heart-display/values.yaml"
CONFIGMAP = "heart-display"
MIN_REPLICAS = 6
ZONES = ("zone-a", "zone-b", "zone-c")


def timed(predicate: Callable[[], bool], timeout: float) -> float | None:
    """Seconds until predicate held, or None if it did not within timeout."""
    began = time.monotonic()
    if wait_until(predicate, timeout=timeout, interval=0.5):
        return time.monotonic() - began
    return None


def spread_verdict(stack: HeartStack) -> Verdict:
    kubeconfig = stack.cluster.kubeconfig
    counts = ready_pods_per_zone(kubeconfig, stack.namespace, HEART_SELECTOR)
    seconds = timed(
        lambda: (
            sum(ready_pods_per_zone(kubeconfig, stack.namespace, HEART_SELECTOR).values())
            >= MIN_REPLICAS
        ),
        timeout=180,
    )
    counts = ready_pods_per_zone(kubeconfig, stack.namespace, HEART_SELECTOR)
    per_zone = [counts.get(zone, 0) for zone in ZONES]
    figures: dict[str, float | int | str] = {
        f"pods_{z}": n for z, n in zip(ZONES, per_zone, strict=True)
    }
    if seconds is None:
        message = f"only {sum(per_zone)} of {MIN_REPLICAS} pods Ready after 180 s: {per_zone}"
        return Verdict("spread", Outcome.FAIL, message, figures)
    skew = max(per_zone) - min(per_zone)
    figures["skew"] = skew
    outcome = Outcome.PASS if skew <= 1 and min(per_zone) > 0 else Outcome.FAIL
    return Verdict(
        "spread", outcome, f"ready pods per zone {dict(zip(ZONES, per_zone, strict=True))}", figures
    )


def drift_verdict(stack: HeartStack) -> Verdict:
    """Edit a ConfigMap Argo CD owns and time how long self-heal takes to revert it."""
    kubeconfig = stack.cluster.kubeconfig
    wanted = config_value(kubeconfig, stack.namespace, CONFIGMAP, "love-level")
    drifted = "1" if wanted != "1" else "2"
    patch = json.dumps({"data": {"love-level": drifted}})
    kubectl(kubeconfig, "patch", "configmap", CONFIGMAP, "-n", stack.namespace, "-p", patch)
    seconds = timed(
        lambda: config_value(kubeconfig, stack.namespace, CONFIGMAP, "love-level") == wanted,
        timeout=180,
    )
    if seconds is None:
        now = config_value(kubeconfig, stack.namespace, CONFIGMAP, "love-level")
        return Verdict("self_heal", Outcome.FAIL, f"love-level still {now!r} after 180 s")
    return Verdict(
        "self_heal", Outcome.PASS, f"drift reverted in {seconds:.1f} s", {"drift_heal_s": seconds}
    )


def new_revision_verdict(stack: HeartStack, values: str) -> tuple[Verdict, str]:
    """Commit loveLevel 9 to the served repo, sync it, and see it in the ConfigMap."""
    changed = values.replace("loveLevel: 7\n", "loveLevel: 9\n")
    sha = commit_change(stack.repo, VALUES, changed, "Raise loveLevel to 9")
    began = time.monotonic()
    publish_revision(stack, sha)
    seconds = time.monotonic() - began
    shown = config_value(stack.cluster.kubeconfig, stack.namespace, CONFIGMAP, "love-level")
    figures = {"new_revision_sync_s": seconds}
    if shown != "9":
        return Verdict("new_revision", Outcome.FAIL, f"synced, but love-level is {shown!r}"), sha
    return Verdict("new_revision", Outcome.PASS, f"{sha[:12]} live", figures), sha


def invalid_revision_verdict(stack: HeartStack, values: str) -> Verdict:
    """A revision whose config the chart rejects must be reported failed, with the reason."""
    broken = values.replace("loveLevel: 7\n", "loveLevel: 11\n")
    sha = commit_change(stack.repo, VALUES, broken, "Invalid loveLevel 11")
    began = time.monotonic()
    try:
        publish_revision(stack, sha, timeout=300)
    except SyncFailed as exc:
        figures = {"invalid_revision_detect_s": time.monotonic() - began}
        reason = str(exc)
        at = reason.find("loveLevel")
        if at < 0:
            message = f"reported failed, but not for loveLevel: {reason[:300]}"
            return Verdict("invalid_revision", Outcome.FAIL, message, figures)
        message = f"reported failed with the reason: …{reason[max(0, at - 10) : at + 60]}…"
        return Verdict("invalid_revision", Outcome.PASS, message, figures)
    except ChaosgateError as exc:
        return Verdict("invalid_revision", Outcome.ERROR, f"no clear verdict: {exc}")
    return Verdict(
        "invalid_revision", Outcome.FAIL, f"{sha[:12]} with loveLevel 11 was reported Synced"
    )


def guarded(run: ScenarioRun, check: str, step: Callable[[], Verdict]) -> Verdict:
    """Run one step; an unexpected harness error becomes an ERROR verdict for that check."""
    try:
        return run.add(step())
    except ChaosgateError as exc:
        return run.add(Verdict(check, Outcome.ERROR, str(exc)))


def on_cluster(book: ScenarioBook, stack: HeartStack) -> ScenarioRun:
    """Argo CD's story on the stack's cluster, judged and recorded in the book."""
    run = book.start(SCENARIO.name, backend_label(stack.cluster), stack.revision)
    run.figures["sync_s"] = round(stack.sync.elapsed, 1)
    run.add(Verdict("synced_at_revision", Outcome.PASS, f"Synced+Healthy at {stack.revision}"))
    guarded(run, "spread", lambda: spread_verdict(stack))
    guarded(run, "self_heal", lambda: drift_verdict(stack))
    values = read_file(stack.repo, VALUES, stack.revision)
    valid = guarded(run, "new_revision", lambda: new_revision_verdict(stack, values)[0])
    guarded(run, "invalid_revision", lambda: invalid_revision_verdict(stack, values))
    if valid.passed:
        # Leave the stack on a good revision for the scenarios that follow.
        guarded(run, "restore", lambda: _restore(stack, values))
    for verdict in run.verdicts:
        run.figures.update(verdict.figures)
    return run


def _restore(stack: HeartStack, values: str) -> Verdict:
    sha = commit_change(stack.repo, VALUES, values, "Back to the revision under test's values")
    publish_revision(stack, sha)
    return Verdict("restore", Outcome.PASS, f"back on valid values at {sha[:12]}")
