"""The chaosgate command line. Thin: parse options, call the library, print.

Errors from the library (ChaosgateError) become one message on stderr and a
non-zero exit code; a traceback is never the user interface.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

# typer (pinned in versions.toml) carries its own copy of click; its usage errors come from it.
from typer._click import exceptions as click_errors

from chaosgate.cluster_cli import cluster_app
from chaosgate.errors import ChaosgateError, UsageError

app = typer.Typer(
    help="Chaos and GitOps release-gate harness for Kubernetes.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
tools_app = typer.Typer(help="Build and locate the pinned upstream tools.", no_args_is_help=True)
app.add_typer(tools_app, name="tools")
images_app = typer.Typer(
    help="Build the container images (heart stack, kind node) locally.", no_args_is_help=True
)
app.add_typer(images_app, name="images")
app.add_typer(cluster_app, name="cluster")


@tools_app.command("build")
def tools_build(
    names: Annotated[
        list[str] | None, typer.Argument(help="Tools to build (default: all).")
    ] = None,
) -> None:
    """Build pinned tools from their Go modules into the cache (skips cached ones)."""
    from chaosgate.tools.build_all import build_tools

    build_tools(names or [], log=lambda line: typer.echo(line, err=True))


@tools_app.command("list")
def tools_list() -> None:
    """Show each pinned tool, its version, and whether it is built."""
    from chaosgate.tools.build_all import describe_tools

    for line in describe_tools():
        typer.echo(line)


@tools_app.command("path")
def tools_path(
    tool: Annotated[str, typer.Argument(help="Tool name, e.g. kubernetes, helm.")],
    binary: Annotated[str | None, typer.Argument(help="Binary within the tool.")] = None,
) -> None:
    """Print the path of a built binary (exit 1 if it is not built)."""
    from chaosgate.tools.build_all import checked_spec
    from chaosgate.tools.cache import tool_path

    checked_spec(tool)
    typer.echo(tool_path(tool, binary))


@images_app.command("build")
def images_build(
    node: Annotated[
        bool,
        typer.Option(
            "--node/--stack-only",
            help="Also build the offline kind node image with every cluster image preloaded.",
        ),
    ] = True,
) -> None:
    """Build the heart stack's images and the kind node image with no registry (starts dockerd)."""
    from chaosgate.containers.images import build_images

    def say(line: str) -> None:
        typer.echo(line, err=True)

    try:
        refs = build_images(log=say)
        typer.echo(f"{refs.heart}\n{refs.redis}")
        if node:
            from chaosgate.containers.node_image import build_node_image
            from chaosgate.tools.cache import ToolCache

            typer.echo(build_node_image(ToolCache.default(), log=say))
    except ChaosgateError as exc:
        typer.echo(f"chaosgate: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None


@app.command("lint")
def lint(
    chart: Annotated[Path, typer.Option(help="Chart directory to lint.")] = Path(
        "gitops/charts/heart-display"
    ),
    values: Annotated[
        list[Path] | None, typer.Option(help="Values file(s) layered over the chart defaults.")
    ] = None,
    allow: Annotated[
        list[str] | None,
        typer.Option(help="A rule whose findings are accepted on purpose (printed, not fatal)."),
    ] = None,
) -> None:
    """Render the chart with the pinned helm and check it; exit 1 on any problem."""
    from chaosgate.chartlint import lint_chart

    allowed = set(allow or [])
    findings = lint_chart(chart, values or [])
    problems = [f for f in findings if f.rule not in allowed]
    for finding in findings:
        if finding.rule in allowed:
            typer.echo(f"allowed: {finding.format()}")
    for finding in problems:
        typer.echo(finding.format(), err=True)
    if problems:
        raise typer.Exit(1)
    typer.echo(f"{chart}: no problems found" + (" beyond the allowed ones" if findings else ""))


@app.command("run")
def run_command(
    suites: Annotated[
        list[str] | None,
        typer.Argument(help="Scenarios: gitops, pod_kill, oom, az_drain, hpa, breaker (all)."),
    ] = None,
    provider: Annotated[str, typer.Option(help="local, kind or existing.")] = "local",
    cluster_name: Annotated[str, typer.Option(help="Cluster name.")] = "chaosgate",
    keep_cluster: Annotated[bool, typer.Option(help="Keep the cluster afterwards.")] = False,
    kubeconfig: Annotated[Path | None, typer.Option(help="Existing cluster's kubeconfig.")] = None,
    allow_context: Annotated[
        list[str] | None, typer.Option(help="Context of an existing cluster chaos may touch.")
    ] = None,
    nodes_per_zone: Annotated[
        int | None,
        typer.Option(help="Nodes in each of the three zones (default 2; 1 on kind below 4 cores)."),
    ] = None,
    junit: Annotated[Path, typer.Option(help="Scenario JUnit XML.")] = Path("reports/junit.xml"),
    report: Annotated[Path, typer.Option(help="HTML report directory.")] = Path("reports"),
) -> None:
    """Run scenario suites (exit 0 only if every scenario passed)."""
    from chaosgate.harness import HarnessOptions
    from chaosgate.runner import RunOptions, run_suites
    from chaosgate.session import SessionOptions

    harness = HarnessOptions(
        provider=provider,
        cluster_name=cluster_name,
        keep_cluster=keep_cluster,
        kubeconfig=kubeconfig,
        allow_contexts=tuple(allow_context or ()),
        nodes_per_zone=nodes_per_zone,
    )
    session = SessionOptions(harness, report_dir=report, junit=junit)
    code = run_suites(RunOptions(tuple(suites or ()), session))
    if code:
        raise typer.Exit(code)


@app.command("recover")
def recover_command(
    provider: Annotated[
        str | None, typer.Option(help="Only entries made in this backend (local, kind, ...).")
    ] = None,
    cluster_name: Annotated[
        str | None, typer.Option(help="Only entries made in this cluster.")
    ] = None,
) -> None:
    """Undo what a killed run left behind (a cordoned zone, a stopped Redis); 1 if any stays."""
    from chaosgate.recovery import SCOPE_PROVIDERS, recover
    from chaosgate.undo import UndoLedger

    if provider is not None and provider not in SCOPE_PROVIDERS:
        raise UsageError(
            f"Unknown provider {provider!r} for recover; choose one of "
            f"{', '.join(SCOPE_PROVIDERS)}."
        )
    ledger = UndoLedger()
    results = recover(ledger, provider=provider, cluster=cluster_name)
    if not results:
        typer.echo(f"nothing to undo: {ledger.path} has no pending entry for that")
    for result in results:
        typer.echo(result.line(), err=not result.undone)
    if not all(result.undone for result in results):
        raise typer.Exit(1)


@app.command("gate")
def gate(
    reports: Annotated[
        list[Path],
        typer.Argument(metavar="REPORT.xml", help="JUnit XML report(s) to judge."),
    ],
    policy: Annotated[
        Path | None, typer.Option(help="Gate policy YAML (default: ./gate.yaml).")
    ] = None,
    summary: Annotated[
        Path | None,
        typer.Option(help="Also append the markdown summary here, e.g. $GITHUB_STEP_SUMMARY."),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(
            metavar="PREVIOUS.xml",
            help="A previous run's JUnit: bounded figures that got worse beyond the "
            "policy's trend tolerance are marginal or a failure.",
        ),
    ] = None,
) -> None:
    """Exit 0 only if the reports satisfy the policy (1: NO-GO, 2: unreadable input)."""
    from chaosgate.gate.command import gate_command

    code = gate_command(reports, policy, summary, baseline)
    if code:
        raise typer.Exit(code)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app and turn every error into one message and an exit code.

    Usage errors (an unknown option, a missing argument) are one line naming the
    command and where its usage is, exit 2; everything chaosgate raises on
    purpose is a ChaosgateError whose message is for people.
    """
    try:
        code = app(args=argv, prog_name="chaosgate", standalone_mode=False)
    except click_errors.NoArgsIsHelpError as exc:
        typer.echo(exc.format_message())  # a bare command asks for its help
        sys.exit(exc.exit_code)
    except click_errors.UsageError as exc:
        typer.echo(_usage_sentence(exc), err=True)
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("chaosgate: interrupted", err=True)
        sys.exit(130)
    except ChaosgateError as exc:
        typer.echo(f"chaosgate: {exc}", err=True)
        sys.exit(exc.exit_code)
    # Outside standalone mode click returns typer.Exit's code instead of exiting.
    sys.exit(code if isinstance(code, int) else 0)


def _usage_sentence(exc: click_errors.UsageError) -> str:
    command = exc.ctx.command_path if exc.ctx is not None else "chaosgate"
    problem = exc.format_message().rstrip(".")
    return f"{command}: {problem}; see '{command} --help' for its usage."
