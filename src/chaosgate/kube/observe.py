"""ClusterRecorder: watches of the cluster, appended to a timeline as they happen.

One thread per watched collection: pods, PDBs, HPAs, StatefulSets and events
of one namespace, and the cluster's nodes. Each watch event becomes a Record
in the shapes of chaosgate.verdicts.records, stamped with the wall-clock time
the event arrived. The node watch is synced first, so every pod record can
carry its node's zone (looked up in the node labels the watch keeps).

What is written, and when:
- POD: one record per watch event (DELETED included), as the contract says;
  a relist after a dropped watch re-sends objects, and those whose
  resourceVersion was already recorded are skipped.
- PDB, HPA, STATEFULSET, NODE: one record per change of the recorded data
  (a status write that changes nothing a verdict reads is not a new sample).
- EVENT: one record per new or updated Event.
Scenario markers and fault records are added with emit(), so everything a
verdict reads lives in one list, guarded by one lock.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chaosgate.errors import ClusterError
from chaosgate.kube import object_data
from chaosgate.kube.client import KubeApi, connect_kubeconfig
from chaosgate.kube.watch import DELETED, GONE, SYNC, ResourceWatch, WatchEvent, WatchSettings
from chaosgate.timeline import EVENT, GAP, HPA, NODE, PDB, POD, STATEFULSET, Record, Timeline

log = logging.getLogger(__name__)

Converter = Callable[[Mapping[str, Any]], Mapping[str, Any]]


@dataclass(frozen=True)
class RecorderSettings:
    sync_timeout_s: float = 30.0  # start() waits this long for every initial list
    watch: WatchSettings = field(default_factory=WatchSettings)


class ClusterRecorder:
    """Records one namespace's workload objects and the cluster's nodes into a timeline.

    Use as a context manager, or start() / stop(); records() may be called at
    any time from any thread.
    """

    def __init__(
        self,
        kubeconfig: Path,
        namespace: str,
        clock: Callable[[], float] = time.time,
        *,
        settings: RecorderSettings | None = None,
    ) -> None:
        self.namespace = namespace
        self._clock = clock
        self._settings = settings or RecorderSettings()
        self._api: KubeApi = connect_kubeconfig(kubeconfig)
        self._changed = threading.Condition(threading.RLock())
        self._records: list[Record] = []
        self._last: dict[tuple[str, str], Mapping[str, Any]] = {}
        self._zones: dict[str, str | None] = {}
        self._problems: list[str] = []
        self._watches: list[ResourceWatch] = []
        self._threads: list[threading.Thread] = []
        self._listeners: list[Callable[[Record], None]] = []

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> ClusterRecorder:
        """Start every watch; return once each has recorded its initial list."""
        core, apps = self._api.core, self._api.apps
        ns = self.namespace
        self._watch(NODE, core.list_node, ())  # first: pod records need the zones
        self._watch(POD, core.list_namespaced_pod, (ns,))
        self._watch(PDB, self._api.policy.list_namespaced_pod_disruption_budget, (ns,))
        self._watch(HPA, self._api.autoscaling.list_namespaced_horizontal_pod_autoscaler, (ns,))
        self._watch(STATEFULSET, apps.list_namespaced_stateful_set, (ns,))
        self._watch(EVENT, core.list_namespaced_event, (ns,))
        return self

    def stop(self) -> None:
        """Stop every watch and wait for its thread; records stay readable."""
        for watch in self._watches:
            watch.stop()
        for thread in self._threads:
            thread.join(timeout=10)
        self._api.close()

    def __enter__(self) -> ClusterRecorder:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _watch(self, kind: str, method: Callable[..., Any], args: tuple[Any, ...]) -> None:
        scope = f"in namespace {self.namespace}" if args else "in the cluster"
        watch = ResourceWatch(
            self._api,
            method,
            *args,
            what=f"{kind} objects {scope}",
            handle=lambda event: self._on_event(kind, event),
            clock=self._clock,
            settings=self._settings.watch,
            on_gap=lambda began, ended, reason: self._on_gap(kind, began, ended, reason),
        )
        thread = threading.Thread(target=watch.run, name=f"watch-{kind}", daemon=True)
        self._watches.append(watch)
        self._threads.append(thread)
        thread.start()
        if not watch.synced.wait(self._settings.sync_timeout_s):
            self.stop()
            raise ClusterError(
                f"Could not list {watch.what} within {self._settings.sync_timeout_s:.0f} s "
                f"({watch.stats.last_error or 'no answer'}); is the API server up?"
            )

    # -- reading ---------------------------------------------------------------------

    def records(self) -> list[Record]:
        with self._changed:
            return list(self._records)

    def timeline(self) -> Timeline:
        return Timeline(self.records())

    def latest_of_kind(self, kind: str) -> dict[str, Record]:
        """The most recent record of each object of `kind`, by name."""
        with self._changed:
            return {r.name: r for r in self._records if r.kind == kind}

    def latest(self, kind: str, name: str) -> Record | None:
        """The most recent record of one object (None if never seen)."""
        with self._changed:
            return next(
                (r for r in reversed(self._records) if r.kind == kind and r.name == name), None
            )

    def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Block until predicate() is true (checked on every new record) or timeout passes."""
        with self._changed:
            return self._changed.wait_for(predicate, timeout=timeout)

    def problems(self) -> list[str]:
        """Watch failures and objects that could not be converted, for the run's notes."""
        with self._changed:
            found = list(self._problems)
        for watch in self._watches:
            if watch.stats.errors:
                found.append(
                    f"watch of {watch.what} reconnected after {watch.stats.errors} error(s); "
                    f"last: {watch.stats.last_error}"
                )
            for began, ended, reason in watch.stats.gaps:
                found.append(
                    f"watch of {watch.what} saw nothing for {ended - began:.1f} s "
                    f"(until it listed again) after: {reason}"
                )
        return found

    def zone_of(self, node: str) -> str | None:
        with self._changed:
            return self._zones.get(node)

    # -- writing ---------------------------------------------------------------------

    def subscribe(self, listener: Callable[[Record], None]) -> None:
        """Call `listener` with every record as it is appended (in the appending thread,
        under the recorder's lock: keep it quick). For live displays and benchmarks."""
        with self._changed:
            self._listeners.append(listener)

    def emit(self, record: Record) -> None:
        """Add a record made elsewhere (a window edge, a fault); any thread."""
        with self._changed:
            self._append(record)

    def _append(self, record: Record) -> None:
        self._records.append(record)
        for listener in self._listeners:
            listener(record)
        self._changed.notify_all()

    def _on_gap(self, kind: str, began: float, ended: float, reason: str) -> None:
        """A watch was blind from `began` to `ended`: a GAP record, for verdicts and notes."""
        data = {"watch": kind, "from": began, "gap_s": round(ended - began, 3), "reason": reason}
        self.emit(Record(ended, GAP, kind, data))

    def _on_event(self, kind: str, event: WatchEvent) -> None:
        try:
            self._record(kind, event)
        except (KeyError, TypeError, ValueError) as exc:
            # A malformed object must not kill the watch thread; say so in the notes.
            with self._changed:
                self._problems.append(f"could not record {kind} {event.name}: {exc!r}")
            log.warning("could not record %s %s: %r", kind, event.name, exc)

    def _record(self, kind: str, event: WatchEvent) -> None:
        with self._changed:
            if kind == NODE:
                self._zones[event.name] = object_data.node_zone(event.obj)
            data = self._data(kind, event)
            if data is None:
                return
            self._last[(kind, event.name)] = data
            self._append(Record(event.received, kind, event.name, data))

    def _data(self, kind: str, event: WatchEvent) -> dict[str, Any] | None:
        """The record's data, or None when this event adds nothing to the timeline."""
        previous = self._last.get((kind, event.name))
        if event.type == GONE:
            return None if previous is None else {**previous, "deleted": True, "gone": True}
        if kind == EVENT and event.type == DELETED:
            return None  # an Event expiring says nothing about the workload
        version = object_data.resource_version(event.obj)
        if event.type == SYNC and previous and previous.get("resourceVersion") == version:
            return None  # a relist re-sent what we already have
        data = {**self._convert(kind, event), "resourceVersion": version}
        if kind in _CHANGES_ONLY and previous is not None and _same(previous, data):
            return None
        return data

    def _convert(self, kind: str, event: WatchEvent) -> Mapping[str, Any]:
        if kind == POD:
            return object_data.pod_data(event.obj, self._zones, deleted=event.type == DELETED)
        return _CONVERTERS[kind](event.obj)


_CONVERTERS: dict[str, Converter] = {
    PDB: object_data.pdb_data,
    HPA: object_data.hpa_data,
    STATEFULSET: object_data.statefulset_data,
    NODE: object_data.node_data,
    EVENT: object_data.event_data,
}
_CHANGES_ONLY = frozenset({PDB, HPA, STATEFULSET, NODE})


def _same(previous: Mapping[str, Any], data: Mapping[str, Any]) -> bool:
    """Equal apart from the resourceVersion."""
    strip = {"resourceVersion", "gone"}
    return {k: v for k, v in previous.items() if k not in strip} == {
        k: v for k, v in data.items() if k not in strip
    }
