"""Run a Chaos Toolkit experiment through chaoslib, with rollbacks on every exit path.

chaoslib (1.44, `chaoslib.experiment.run_experiment`) turns SIGINT and SIGTERM
into an "interrupted" journal, but has two gaps we close:

- Its SIGTERM handler raises InterruptExecution, an Exception; when the signal
  lands while a Python action runs, chaoslib's provider wrapper catches it as a
  failed activity and the experiment goes on (we saw it sit out a 120 s pause
  with Redis down). Once the run has started we re-arm SIGTERM to raise
  Terminated, a KeyboardInterrupt, which nothing catches as an Exception:
  chaoslib then stops and marks the run interrupted.
- With its default rollback strategy it SKIPS rollbacks for interrupted or
  failed runs.

So we:
1. run with the rollback strategy "always", so chaoslib plays rollbacks after a
   failure or an interruption too;
2. afterwards, with SIGINT/SIGTERM deferred, replay every declared rollback
   whose run did not succeed (or all of them when chaoslib never got as far
   as returning a journal) — rollbacks are written to be idempotent;
3. always write the journal JSON (partial or not) next to the timeline.

FAULT records are not made here: every action writes its own (start, landed,
refused, end) to the configuration's `fault_records` file, because only the
action sees when its fault really landed.

Pauses: chaoslib sleeps an activity's "pauses" in a `finally` block, so a
SIGTERM during that activity still waits the pause out; our experiments hold a
fault with the interruptible `hold` probe instead, and we warn about pauses.

Dry run: pauses are skipped (chaoslib's Dry.PAUSE) and actions receive
configuration dry_run=true, so they say what they would do and touch nothing
(`hold` returns at once).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chaoslib.activity import execute_activity
from chaoslib.configuration import load_configuration
from chaoslib.experiment import ensure_experiment_is_valid, run_experiment
from chaoslib.run import RunEventHandler
from chaoslib.types import Dry

from chaosgate.errors import ChaosgateError
from chaosgate.termination import (
    Terminated,
    arm_sigterm,
    signals_deferred,
    sigterm_raises,
)
from chaosgate.timeline import Record

logger = logging.getLogger("chaosgate.chaos")
Emit = Callable[[Record], None]
SETTINGS = {"runtime": {"rollbacks": {"strategy": "always"}}}


class ExperimentError(ChaosgateError):
    """An experiment file could not be read or is not a valid Chaos Toolkit experiment."""


def load_experiment(path: Path) -> dict[str, Any]:
    try:
        experiment = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ExperimentError(f"Cannot read experiment {path}: {exc}") from exc
    if not isinstance(experiment, dict):
        raise ExperimentError(f"Experiment {path} is not a JSON object.")
    return experiment


def experiment_activities(experiment: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every activity of an experiment: hypothesis probes, then method, then rollbacks."""
    return [
        *experiment.get("steady-state-hypothesis", {}).get("probes", []),
        *experiment.get("method", []),
        *experiment.get("rollbacks", []),
    ]


def paused_activities(experiment: Mapping[str, Any]) -> list[str]:
    """Names of activities that use "pauses", which a SIGTERM cannot cut short in chaoslib."""
    return [str(a.get("name")) for a in experiment_activities(experiment) if a.get("pauses")]


def validate_experiment(
    experiment: dict[str, Any], config_vars: Mapping[str, Any] | None = None
) -> None:
    """chaoslib's validation (imports our provider module, checks arguments against it).

    chaoslib resolves the configuration from the environment only, so values
    given in config_vars replace their entries first.
    """
    given = dict(config_vars or {})
    configuration = {
        key: given.get(key, value) for key, value in experiment.get("configuration", {}).items()
    }
    try:
        ensure_experiment_is_valid({**experiment, "configuration": configuration})
    except Exception as exc:  # chaoslib raises several unrelated types
        raise ExperimentError(f"Invalid experiment {experiment.get('title')!r}: {exc}") from exc


class SigtermInterrupts(RunEventHandler):  # type: ignore[misc]  # chaoslib is untyped
    """Once chaoslib has installed its SIGTERM handler, put ours back (module docstring).

    chaoslib restores the handler it found when the run ends, so this lasts one run.
    """

    def running(self, *args: Any) -> None:
        arm_sigterm()


def _succeeded_rollbacks(journal: Mapping[str, Any] | None) -> set[str]:
    if not journal:
        return set()
    return {
        str(run.get("activity", {}).get("name"))
        for run in journal.get("rollbacks") or []
        if run.get("status") == "succeeded"
    }


def replay_missing_rollbacks(
    experiment: dict[str, Any],
    journal: dict[str, Any] | None,
    configuration: dict[str, Any],
) -> list[dict[str, Any]]:
    """Run every declared rollback that has no succeeded run; return the new runs."""
    done = _succeeded_rollbacks(journal)
    runs: list[dict[str, Any]] = []
    for activity in experiment.get("rollbacks") or []:
        if activity.get("name") in done:
            continue
        logger.warning("replaying rollback %s that did not complete", activity.get("name"))
        try:
            run = execute_activity(experiment, activity, configuration, {}, dry=None)
        except Exception as exc:  # keep going: the next rollback may still undo something
            run = {"activity": activity, "status": "failed", "exception": [str(exc)]}
        runs.append(run)
    return runs


@contextmanager
def _main_thread_only() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        raise ChaosgateError(
            "Chaos experiments must run in the main thread: chaoslib installs signal "
            "handlers so that an interrupted experiment still rolls back."
        )
    yield


def run_chaos(
    experiment_path: Path,
    *,
    journal_path: Path,
    overrides: Mapping[str, Any] | None = None,
    dry_run: bool = False,
) -> dict[str, Any]:
    """Run the experiment; return its journal (also written to journal_path).

    An interrupted run (SIGTERM, Ctrl-C) writes its journal, replays the
    rollbacks it missed, and then raises Terminated.

    overrides replace configuration values (otherwise read from the environment);
    the actions append their FAULT records to overrides["fault_records"].
    """
    experiment = load_experiment(experiment_path)
    config_vars = dict(overrides or {})
    validate_experiment(experiment, config_vars)
    for name in paused_activities(experiment):
        logger.warning(
            "activity %s uses pauses: chaoslib sleeps them out even when interrupted, "
            "delaying rollbacks; prefer a chaosgate.chaos.stack_actions.hold probe",
            name,
        )
    if dry_run:
        experiment["dry"] = Dry.PAUSE
        config_vars["dry_run"] = True
    finish = _Finish(experiment, config_vars, journal_path)
    with _main_thread_only(), sigterm_raises():
        try:
            journal = run_experiment(
                experiment,
                settings=SETTINGS,
                experiment_vars=(dict(config_vars), {}),
                event_handlers=[SigtermInterrupts()],
            )
        except BaseException as exc:
            # chaoslib never returned a journal: replay every rollback, then re-raise.
            finish(None, "interrupted" if isinstance(exc, KeyboardInterrupt) else "aborted")
            raise
        final = finish(journal, "completed")
    if final.get("status") == "interrupted":
        # chaoslib caught the signal and returned; whoever runs us (a scenario, a pytest
        # session cancelled by CI) must stop as well, not carry on to the next step.
        raise Terminated(f"the experiment was interrupted; rollbacks ran; journal {journal_path}")
    return final


@dataclass(frozen=True)
class _Finish:
    """The last step of every run: replay missing rollbacks and write the journal."""

    experiment: dict[str, Any]
    config_vars: dict[str, Any]
    journal_path: Path

    def __call__(self, journal: dict[str, Any] | None, status: str) -> dict[str, Any]:
        final = journal or {"status": status, "rollbacks": [], "experiment": self.experiment}
        try:
            with signals_deferred():
                final |= self._replay(journal)
        finally:
            write_journal(final, self.journal_path)
        return final

    def _replay(self, journal: dict[str, Any] | None) -> dict[str, Any]:
        configuration = load_configuration(
            self.experiment.get("configuration", {}), dict(self.config_vars)
        )
        replayed = replay_missing_rollbacks(self.experiment, journal, configuration)
        return {"chaosgate_replayed_rollbacks": replayed} if replayed else {}


def write_journal(journal: Mapping[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(journal, indent=2, default=str))


def exit_code(journal: Mapping[str, Any]) -> int:
    """0 completed within tolerance, 3 interrupted, 1 anything else (deviated, failed)."""
    if journal.get("status") == "interrupted":
        return 3
    return 0 if journal.get("status") == "completed" and not journal.get("deviated") else 1


def main(argv: list[str] | None = None) -> int:
    """`python -m chaosgate.chaos.runner EXPERIMENT [--journal J] [--records R] [--dry-run]`."""
    parser = argparse.ArgumentParser(prog="python -m chaosgate.chaos.runner")
    parser.add_argument("experiment", type=Path)
    parser.add_argument("--journal", type=Path, default=Path("journal.json"))
    parser.add_argument("--records", type=Path, default=None, help="FAULT records (JSON lines)")
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--var", action="append", default=[], help="configuration KEY=VALUE")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    overrides = dict(item.split("=", 1) for item in args.var)
    if args.records is not None:
        overrides["fault_records"] = str(args.records)
    try:
        journal = run_chaos(
            args.experiment,
            journal_path=args.journal,
            overrides=overrides,
            dry_run=args.dry_run,
        )
    except Terminated:
        return 3
    except ChaosgateError as exc:
        print(exc, file=sys.stderr)
        return exc.exit_code
    return exit_code(journal)


if __name__ == "__main__":
    sys.exit(main())
