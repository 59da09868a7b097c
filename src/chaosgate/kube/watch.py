"""List-then-watch of one resource collection that survives dropped connections.

The informer pattern without the cache: list (remember the list's
resourceVersion), then watch from it; when a watch ends (the server's
timeout, a dropped connection) watch again from the last resourceVersion
seen; when the server says that version is too old (410 Gone, as an HTTP
status or an ERROR event) list again. A relist reports every object as
SYNC and every object that vanished meanwhile as GONE, because its DELETED
event was lost with the connection.

Events carry the raw object dict and the wall-clock time its line arrived,
which is what a recorder stamps and what the latency benchmark measures.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from kubernetes.watch.watch import iter_resp_lines

from chaosgate.kube.client import KubeApi, KubeApiError, ResourceExpired, api_errors

log = logging.getLogger(__name__)

ADDED, MODIFIED, DELETED = "ADDED", "MODIFIED", "DELETED"
SYNC = "SYNC"  # seen in a (re)list
GONE = "GONE"  # missing from a relist: deleted while we were not watching
HTTP_GONE = 410


@dataclass(frozen=True)
class WatchEvent:
    type: str
    obj: dict[str, Any]
    received: float  # wall-clock time the event reached us

    @property
    def name(self) -> str:
        return str(self.obj.get("metadata", {}).get("name", ""))

    @property
    def key(self) -> str:
        meta = self.obj.get("metadata", {})
        return f"{meta.get('namespace', '')}/{meta.get('name', '')}"


@dataclass(frozen=True)
class WatchSettings:
    """How long one watch request lasts and how fast a failed one is retried."""

    server_timeout_s: int = 60  # the API server ends each watch after this; we renew it
    first_backoff_s: float = 0.2
    max_backoff_s: float = 5.0


@dataclass
class WatchStats:
    lists: int = 0
    watches: int = 0
    errors: int = 0
    last_error: str = ""
    events: int = field(default=0)
    # (from, to, reason): wall-clock intervals this watch may have missed events in
    gaps: list[tuple[float, float, str]] = field(default_factory=list)


class ResourceWatch:
    """Lists and watches `list_method(*args)` in the calling thread until stop().

    `handle` gets every event in order; it runs in the watch thread, so it must
    be quick and thread-safe. `synced` is set once the first list was handled.
    """

    def __init__(
        self,
        api: KubeApi,
        list_method: Callable[..., Any],
        *args: Any,
        what: str,
        handle: Callable[[WatchEvent], None],
        clock: Callable[[], float] = time.time,
        settings: WatchSettings | None = None,
        field_selector: str | None = None,
        on_gap: Callable[[float, float, str], None] | None = None,
    ) -> None:
        self._api = api
        self._list = list_method
        self._args = args
        self.what = what
        self._handle = handle
        self._clock = clock
        self._settings = settings or WatchSettings()
        self._selector: dict[str, Any] = (
            {"field_selector": field_selector} if field_selector else {}
        )
        self._stopped = threading.Event()
        self._response: Any = None
        self._known: set[str] = set()
        self._on_gap = on_gap
        self._gap_from: tuple[float, str] | None = None  # since when, and why, we are blind
        self.synced = threading.Event()
        self.stats = WatchStats()

    def stop(self) -> None:
        """End the watch: also unblocks a read waiting on the socket."""
        self._stopped.set()
        _unblock(self._response)

    def run(self) -> None:
        """List, then watch; relist after 410; back off and retry after any failure."""
        backoff = self._settings.first_backoff_s
        resource_version: str | None = None
        while not self._stopped.is_set():
            try:
                if resource_version is None:
                    resource_version = self._relist()
                began = time.monotonic()
                resource_version = self._watch_from(resource_version)
                if time.monotonic() - began < self._settings.first_backoff_s:
                    # Ended at once: a server (or proxy) closing watches early must not
                    # turn this loop into a busy one.
                    self._stopped.wait(backoff)
                    backoff = min(backoff * 2, self._settings.max_backoff_s)
                else:
                    backoff = self._settings.first_backoff_s
            except ResourceExpired:
                log.info("watch of %s expired (410 Gone); listing again", self.what)
                resource_version = None
            except (KubeApiError, ValueError, OSError) as exc:
                # Anything else that breaks one watch must not end the thread silently.
                if self._stopped.is_set():
                    break
                self._note_error(exc)
                self._stopped.wait(backoff)
                backoff = min(backoff * 2, self._settings.max_backoff_s)
                resource_version = None  # the gap may hide events: relist to be sure

    def _note_error(self, exc: Exception) -> None:
        self.stats.errors += 1
        self.stats.last_error = str(exc)
        if self._gap_from is None and self.synced.is_set():
            self._gap_from = (self._clock(), str(exc))
        log.warning("watch of %s failed (%s); reconnecting", self.what, exc)

    def _close_gap(self) -> None:
        """The relist after a failure made the view whole again: record what was missed."""
        if self._gap_from is None:
            return
        began, reason = self._gap_from
        self._gap_from = None
        ended = self._clock()
        self.stats.gaps.append((began, ended, reason))
        if self._on_gap is not None:
            self._on_gap(began, ended, reason)

    def _relist(self) -> str:
        body = self._api.call(
            self._list, *self._args, doing=f"listing {self.what}", **self._selector
        )
        self.stats.lists += 1
        received = self._clock()
        items = [dict(item) for item in body.get("items") or []]
        current = {WatchEvent(SYNC, item, received).key for item in items}
        for item in items:
            self._emit(WatchEvent(SYNC, item, received))
        for key in sorted(self._known - current):
            namespace, _, name = key.partition("/")
            gone = {"metadata": {"name": name, "namespace": namespace or None}}
            self._emit(WatchEvent(GONE, gone, received))
        self._known = current
        self.synced.set()
        self._close_gap()
        return str(body.get("metadata", {}).get("resourceVersion", ""))

    def _watch_from(self, resource_version: str) -> str:
        """One watch request; returns the resourceVersion to continue from."""
        self.stats.watches += 1
        timeout = self._settings.server_timeout_s
        with api_errors(f"watching {self.what}"):
            self._response = self._list(
                *self._args,
                watch=True,
                resource_version=resource_version,
                allow_watch_bookmarks=True,
                timeout_seconds=timeout,
                _preload_content=False,
                _request_timeout=(5.0, timeout + 15.0),
                **self._selector,
            )
            if self._stopped.is_set():  # stop() ran before the response existed
                _unblock(self._response)
            try:
                for event in self._events():
                    resource_version = self._apply(event, resource_version)
            finally:
                self._response.release_conn()
                self._response = None
        return resource_version

    def _events(self) -> Iterator[dict[str, Any]]:
        for line in iter_resp_lines(self._response):  # type: ignore[no-untyped-call]
            if self._stopped.is_set():
                return
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except ValueError:
                # A line we cannot read may have been any event: relist rather than
                # carry on without it (and without ending the watch thread).
                raise KubeApiError(
                    f"watch of {self.what} sent a line that is not JSON: {line[:80]!r}"
                ) from None

    def _apply(self, event: dict[str, Any], resource_version: str) -> str:
        kind = str(event.get("type"))
        obj = dict(event.get("object") or {})
        if kind == "ERROR":
            code = obj.get("code")
            message = f"watch of {self.what} ended with an error: {obj.get('message')}"
            if code == HTTP_GONE:
                raise ResourceExpired(message, status=HTTP_GONE, reason="Expired")
            raise KubeApiError(message, status=code if isinstance(code, int) else None)
        new_version = str(obj.get("metadata", {}).get("resourceVersion") or resource_version)
        if kind == "BOOKMARK":
            return new_version
        watch_event = WatchEvent(kind, obj, self._clock())
        if kind == DELETED:
            self._known.discard(watch_event.key)
        else:
            self._known.add(watch_event.key)
        self._emit(watch_event)
        return new_version

    def _emit(self, event: WatchEvent) -> None:
        self.stats.events += 1
        self._handle(event)


def _unblock(response: Any) -> None:
    """Shut a streaming response's socket down, so a thread blocked reading it returns."""
    if response is None:
        return
    connection = getattr(response, "connection", None)
    sock = getattr(connection, "sock", None)
    # Already closed or released: there is nothing left to unblock.
    with contextlib.suppress(OSError, ValueError, RuntimeError):
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)
        else:
            response.shutdown()
