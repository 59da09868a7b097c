"""kind on this machine: the harness's cluster up against `kind create cluster` alone, in one run.

Figures (seconds), with the offline node image `chaosgate images build` made:
  - baseline: `kind create cluster --wait 5m` alone, with the very config, node
    image and network the harness would use (it returns once the control plane
    is Ready; workers may still be joining);
  - harness: KindProvider.up, which also installs CoreDNS (cluster names
    only), metrics-server and Prometheus, and waits for every node to be Ready
    and for metrics-server to answer. Goal: within 1.3x of the baseline. The
    two alternate for --rounds rounds; the median of the per-round ratios is
    reported, and the largest;
  - Argo CD installed in the cluster and the heart stack Synced and Healthy;
  - with --chaos, the whole `chaosgate run --provider kind` (what `make chaos`
    runs), timed as a subprocess.
The harness's own peak RSS (this process and its children) is printed too.
Run: `CHAOSGATE_KIND_IMAGES=local .venv/bin/python bench/bench_kind.py [--chaos]`.
Only loopback and the clusters' own 198.18.0.0/20 networks are used.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path

import yaml

from chaosgate.harness import HarnessOptions, argocd_session, deploy_heart_stack
from chaosgate.process import run
from chaosgate.providers import kind_network
from chaosgate.providers.base import ClusterSpec
from chaosgate.providers.kind_config import kind_config
from chaosgate.providers.kind_setup import local_kind_provider
from chaosgate.providers.state import cluster_dir


def timed(label: str, figures: dict[str, float], work: Callable[[], object]) -> None:
    began = time.monotonic()
    work()
    figures[label] = round(time.monotonic() - began, 1)
    print(f"{label}: {figures[label]} s", flush=True)


def kind_create_alone(name: str, nodes_per_zone: int) -> None:
    """`kind create cluster` with the harness's config, image and network; nothing else."""
    provider = local_kind_provider()
    assert provider.prepare_engine is not None
    provider.prepare_engine()
    network = kind_network.create_network(name)
    config = cluster_dir("kind", name) / "bench-kind-config.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    spec = ClusterSpec(name=name, nodes_per_zone=nodes_per_zone)
    config.write_text(yaml.safe_dump(kind_config(spec, offline=provider.offline)))
    argv = [provider.kind, "create", "cluster", "--name", name, "--config", str(config)]
    argv += ["--image", provider.node_image, "--wait", "5m"]
    argv += ["--kubeconfig", str(config.with_name("kubeconfig"))]
    run(argv, timeout=900, env={"KIND_EXPERIMENTAL_DOCKER_NETWORK": network.name})


def delete(name: str) -> None:
    provider = local_kind_provider()
    if provider.exists(name):
        provider.down(name)
    kind_network.delete_network(name)


def peak_rss_mib() -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"harness_peak_rss_mib": round(own, 1), "largest_child_peak_rss_mib": round(children, 1)}


def whole_run(nodes_per_zone: int, report: Path) -> None:
    argv = [str(Path(sys.executable).with_name("chaosgate")), "run", "--provider", "kind"]
    argv += ["--nodes-per-zone", str(nodes_per_zone), "--cluster-name", "bench-chaos"]
    argv += ["--junit", str(report / "junit.xml"), "--report", str(report)]
    subprocess.run(argv, check=True)


def up_rounds(rounds: int, nodes_per_zone: int, suffix: str) -> dict[str, float]:
    """`kind create` alone and the harness's up, `rounds` times each, one cluster at a time.

    The order flips each round: in the rounds measured before it did, the
    second creation of a round was the slower one (by 4 s in 70), whichever
    it was. The ratio is taken per round and its median reported.
    """
    ratios: list[float] = []
    alone_s: list[float] = []
    up_s: list[float] = []
    for round_ in range(1, rounds + 1):
        provider = local_kind_provider()
        alone, harness = f"bench-alone-{suffix}-{round_}", f"bench-up-{suffix}-{round_}"
        spec = ClusterSpec(name=harness, nodes_per_zone=nodes_per_zone)
        creations: list[tuple[list[float], str, Callable[[], object]]] = [
            (alone_s, alone, partial(kind_create_alone, alone, nodes_per_zone)),
            (up_s, harness, partial(provider.up, spec)),
        ]
        for seconds, name, create in creations if round_ % 2 else reversed(creations):
            try:
                began = time.monotonic()
                create()
                seconds.append(time.monotonic() - began)
            finally:
                delete(name)
        ratios.append(up_s[-1] / alone_s[-1])
        steps = ", ".join(f"{step} {taken:.1f} s" for step, taken in provider.timings.items())
        print(
            f"round {round_}: kind create alone {alone_s[-1]:.1f} s, harness up "
            f"{up_s[-1]:.1f} s ({ratios[-1]:.2f}x; {steps})",
            flush=True,
        )
    return {
        "kind_create_alone_s": round(statistics.median(alone_s), 1),
        "harness_cluster_up_s": round(statistics.median(up_s), 1),
        "up_vs_kind_create": round(statistics.median(ratios), 2),
        "up_vs_kind_create_max": round(max(ratios), 2),
    }


def argocd_figures(nodes_per_zone: int, name: str) -> dict[str, float]:
    """Argo CD installed in a fresh harness cluster, then the heart stack Synced and Healthy."""
    provider = local_kind_provider()
    try:
        info = provider.up(ClusterSpec(name=name, nodes_per_zone=nodes_per_zone))
        options = HarnessOptions(provider="kind", cluster_name=name, kind_images="local")
        began = time.monotonic()
        with argocd_session(info, options):
            installed = time.monotonic() - began
            deploy_heart_stack(info, options)
            synced = time.monotonic() - began
    finally:
        delete(name)
    return {
        "argocd_installed_s": round(installed, 1),
        "argocd_and_heart_synced_s": round(synced, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes-per-zone", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3, help="create/up pairs to take medians of")
    parser.add_argument("--chaos", action="store_true", help="also time the whole kind run")
    args = parser.parse_args()
    os.environ.setdefault("CHAOSGATE_KIND_IMAGES", "local")
    suffix = uuid.uuid4().hex[:6]
    figures = up_rounds(args.rounds, args.nodes_per_zone, suffix)
    figures |= argocd_figures(args.nodes_per_zone, f"bench-argocd-{suffix}")
    if args.chaos:
        report = Path("reports") / f"bench-kind-{suffix}"
        timed("whole_kind_run_s", figures, lambda: whole_run(args.nodes_per_zone, report))
    figures |= peak_rss_mib()
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
