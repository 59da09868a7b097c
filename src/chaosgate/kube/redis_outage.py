"""A Redis outage on a cluster with real pods: Redis stops answering every client.

`CLIENT PAUSE <ms> ALL` makes the Redis server hold every client's commands
for that long. heart-display's calls then time out (the chart's redisTimeout)
and its breaker must open; when the pause ends Redis answers again and the
breaker must close. Redis is reached through a `kubectl port-forward` on
127.0.0.1, never at a pod address.

Why a pause and not a stopped Redis: the pause ends by itself, so a crash of
the harness cannot leave the dependency down for longer than asked, and
nothing Argo CD manages is changed (self-heal would fight a scaled-down
Deployment). There is no early undo: while paused Redis holds CLIENT
UNPAUSE too, like every other client's command.

Landed only when a second connection's PING got no answer while paused
(Redis really stopped answering); ended when PING is answered again.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chaosgate.errors import ChaosgateError
from chaosgate.fault_records import Emit, discard, fault
from chaosgate.kube.client import KubeApi
from chaosgate.kube.pod_faults import FaultResult
from chaosgate.kube.port_forward import forwarded
from chaosgate.safety import require_chaos_allowed
from chaosgate.waiting import wait_until

REDIS_PORT = 6379
ACTION = "redis_outage"


class RedisOutageError(ChaosgateError):
    """Redis could not be paused, or did not answer again after the pause."""


def resp(*args: str) -> bytes:
    """A command in the Redis protocol (an array of bulk strings)."""
    parts = [f"*{len(args)}\r\n".encode()]
    for arg in args:
        data = arg.encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


def redis_command(port: int, *args: str, timeout: float = 2.0) -> bytes:
    """Send one command to Redis on 127.0.0.1:port; its first reply line (b"" if none in time)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(resp(*args))
        try:
            return sock.recv(512).split(b"\r\n", 1)[0]
        except TimeoutError:
            return b""


def answers_ping(port: int, timeout: float) -> bool:
    try:
        return redis_command(port, "PING", timeout=timeout) == b"+PONG"
    except OSError:
        return False


@dataclass(frozen=True)
class OutagePlan:
    seconds: float
    silence_probe_s: float = 0.5  # a PING unanswered this long shows the pause took hold
    back_timeout_s: float = 30.0


def pause_redis(
    api: KubeApi,
    namespace: str,
    service: str,
    *,
    kubectl: Path,
    plan: OutagePlan,
    dry_run: bool = False,
    emit: Emit = discard,
    wall_clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
    say: Callable[[str], None] = print,
) -> FaultResult:
    """Make Redis behind `service` answer nobody for plan.seconds; landed when it went silent."""
    result = FaultResult(ACTION, service, dry_run=dry_run, details={"mechanism": "client-pause"})
    if dry_run:
        say(f"would pause every client of {namespace}/{service} for {plan.seconds:g} s")
        return result
    require_chaos_allowed(api.cluster)
    record = {"target": service, "namespace": namespace, "mechanism": "client-pause"}
    with forwarded(
        kubectl,
        api.cluster.kubeconfig,
        namespace=namespace,
        target=f"svc/{service}",
        port=REDIS_PORT,
    ) as forward:
        outage = Outage(forward.local_port, plan, result, emit, wall_clock, record)
        emit(fault(wall_clock(), ACTION, "start", seconds=plan.seconds, **record))
        try:
            outage.pause()
            sleep(max(0.0, plan.seconds - plan.silence_probe_s))
        finally:
            outage.wait_answering()
    return result


@dataclass
class Outage:
    """One pause of one Redis, reached on 127.0.0.1:port, and the records it leaves."""

    port: int
    plan: OutagePlan
    result: FaultResult
    emit: Emit
    wall_clock: Callable[[], float]
    record: dict[str, Any]

    def pause(self) -> None:
        """CLIENT PAUSE; landed once a PING from another connection goes unanswered."""
        millis = str(round(self.plan.seconds * 1000))
        reply = redis_command(self.port, "CLIENT", "PAUSE", millis, "ALL")
        if reply != b"+OK":
            raise RedisOutageError(
                f"Redis refused CLIENT PAUSE: {reply.decode(errors='replace')!r}"
            )
        silent = not answers_ping(self.port, timeout=self.plan.silence_probe_s)
        self.result.details["silent"] = silent
        if silent:
            now = self.wall_clock()
            self.result.landed, self.result.evidence, self.result.landed_at = (
                True,
                "unanswered",
                now,
            )
            self.emit(fault(now, ACTION, "landed", evidence="unanswered", **self.record))

    def wait_answering(self) -> None:
        """Wait until PING is answered again: the pause is over."""
        back = wait_until(
            lambda: answers_ping(self.port, 0.5), timeout=self.plan.back_timeout_s, interval=0.2
        )
        self.emit(
            fault(
                self.wall_clock(),
                ACTION,
                "end",
                landed=self.result.landed,
                answering=back,
                **self.record,
            )
        )
        if not back:
            raise RedisOutageError(
                f"Redis did not answer PING within {self.plan.back_timeout_s:g} s after the "
                "pause ended."
            )
