"""kind on this machine: the harness's cluster up against `kind create cluster` alone, in one run.

Figures (seconds), with the offline node image `chaosgate images build` made:
  - baseline: `kind create cluster --wait 5m` alone, with the very config, node
    image and network the harness would use (it returns once the control plane
    is Ready; workers may still be joining);
  - harness: KindProvider.up, which also waits for every node to be Ready,
    restarts CoreDNS on a cluster-only Corefile and waits until metrics-server
    answers. Goal: within 1.3x of the baseline;
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
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes-per-zone", type=int, default=1)
    parser.add_argument("--chaos", action="store_true", help="also time the whole kind run")
    args = parser.parse_args()
    os.environ.setdefault("CHAOSGATE_KIND_IMAGES", "local")
    suffix = uuid.uuid4().hex[:6]
    alone, harness = f"bench-alone-{suffix}", f"bench-up-{suffix}"
    figures: dict[str, float] = {}
    try:
        timed("kind_create_alone_s", figures, lambda: kind_create_alone(alone, args.nodes_per_zone))
        delete(alone)
        spec = ClusterSpec(name=harness, nodes_per_zone=args.nodes_per_zone)
        provider = local_kind_provider()
        timed("harness_cluster_up_s", figures, lambda: provider.up(spec))
        info = provider.status(harness)
        options = HarnessOptions(provider="kind", cluster_name=harness, kind_images="local")
        began = time.monotonic()
        with argocd_session(info, options):
            figures["argocd_installed_s"] = round(time.monotonic() - began, 1)
            deploy_heart_stack(info, options)
            figures["argocd_and_heart_synced_s"] = round(time.monotonic() - began, 1)
    finally:
        delete(alone)
        delete(harness)
    figures["up_vs_kind_create"] = round(
        figures["harness_cluster_up_s"] / figures["kind_create_alone_s"], 2
    )
    if args.chaos:
        report = Path("reports") / f"bench-kind-{suffix}"
        timed("whole_kind_run_s", figures, lambda: whole_run(args.nodes_per_zone, report))
    figures |= peak_rss_mib()
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
