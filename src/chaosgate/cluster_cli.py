"""`chaosgate cluster up|down|status`: create, delete and locate the cluster under test.

Thin, like cli.py: parse options, call a provider, print the kubeconfig path.
Errors are reported here (message on stderr, the error's exit code) so the
sub-app behaves the same on its own as when mounted under `chaosgate`.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from chaosgate.errors import ChaosgateError
from chaosgate.providers.base import ClusterSpec
from chaosgate.providers.registry import ProviderOptions, provider_for

cluster_app = typer.Typer(
    help="Create, inspect and delete the cluster chaos runs against.",
    no_args_is_help=True,
    add_completion=False,
)

ProviderOption = Annotated[
    str, typer.Option("--provider", help="Cluster backend: local, kind or existing.")
]
NameOption = Annotated[
    str, typer.Option("--name", help="Cluster name (the context name for --provider existing).")
]
KubeconfigOption = Annotated[
    Path | None, typer.Option("--kubeconfig", help="Kubeconfig of an existing cluster.")
]
AllowContextOption = Annotated[
    list[str] | None,
    typer.Option("--allow-context", help="Context of an existing cluster chaos may act on."),
]
KindImagesOption = Annotated[
    str | None,
    typer.Option(
        "--kind-images",
        help="kind node image: official (from its registry) or local (built here, nothing "
        "pulled). Default: $CHAOSGATE_KIND_IMAGES, else official.",
    ),
]
DEFAULT_NAME = ClusterSpec().name


@cluster_app.callback()
def _progress_on_stderr() -> None:
    """Providers log their steps and timings; show them on stderr."""
    logger = logging.getLogger("chaosgate.providers")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


@contextmanager
def _reported_errors() -> Iterator[None]:
    try:
        yield
    except ChaosgateError as exc:
        typer.echo(f"chaosgate: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None


@cluster_app.command("up")
def up(
    provider: ProviderOption = "local",
    name: NameOption = DEFAULT_NAME,
    nodes_per_zone: Annotated[
        int, typer.Option("--nodes-per-zone", help="Nodes in each of the three zones.")
    ] = ClusterSpec().nodes_per_zone,
    keep_cluster: Annotated[
        bool, typer.Option("--keep-cluster", help="Keep a half-created cluster on failure.")
    ] = False,
    kubeconfig: KubeconfigOption = None,
    allow_context: AllowContextOption = None,
    kind_images: KindImagesOption = None,
) -> None:
    """Create a cluster (or check an existing one) and print its kubeconfig path."""
    spec = ClusterSpec(name=name, nodes_per_zone=nodes_per_zone, keep_on_failure=keep_cluster)
    options = ProviderOptions(kubeconfig, tuple(allow_context or ()), kind_images)
    with _reported_errors():
        info = provider_for(provider, options).up(spec)
    typer.echo(info.kubeconfig)


@cluster_app.command("down")
def down(
    provider: ProviderOption = "local",
    name: NameOption = DEFAULT_NAME,
    kubeconfig: KubeconfigOption = None,
    kind_images: KindImagesOption = None,
) -> None:
    """Delete a cluster and everything it left (processes, ports, files)."""
    with _reported_errors():
        provider_for(provider, ProviderOptions(kubeconfig, kind_images=kind_images)).down(name)
    typer.echo(f"deleted {provider} cluster {name}")


@cluster_app.command("status")
def status(
    provider: ProviderOption = "local",
    name: NameOption = DEFAULT_NAME,
    kubeconfig: KubeconfigOption = None,
    kind_images: KindImagesOption = None,
) -> None:
    """Print the kubeconfig path of a running cluster (exit 1 if there is none)."""
    with _reported_errors():
        options = ProviderOptions(kubeconfig, kind_images=kind_images)
        info = provider_for(provider, options).status(name)
    typer.echo(info.kubeconfig)
