"""Record the input series of monitoring/tests from a real run.

Run from tests/: `python -m prometheus.record_rule_series OUT`.

Two heart-display processes and a real Redis serve beats for four minutes
while a real Prometheus scrapes them every second: a minute of normal beats,
a configuration the replicas must reject (love-level "1abc") at 60 s, good
again at 70 s, Redis stopped from 90 s to 150 s, then a minute and a half of
recovery. The raw series are read back at a 5 s step and written as
promtool's input_series (instance renamed to the pod, so the file does not
depend on the ports of the run), to be pasted into a rule test file.
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

from chaosgate.process import Background
from chaosgate.prometheus.api import PrometheusApi
from chaosgate.prometheus.evaluate import wait_scraped
from chaosgate.prometheus.server import LocalPrometheus, ScrapeTarget
from chaosgate.stack.http_probe import http_call, redis_answers
from helpers.process_stack import ProcessStack, redis_server_binary

STEP_S = 5
METRICS = (
    "heart_display_beats_total",
    "heart_rate_total",
    "beat_latency_seconds_bucket",
    "heart_display_breaker_state",
    "heart_display_config_reloads_total",
)
PHASES = (  # (seconds since start, what happens)
    (60, "bad-config"),
    (70, "good-config"),
    (90, "redis-down"),
    (150, "redis-up"),
    (240, "end"),
)


def main(out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        stack = ProcessStack(work, replicas=2, with_redis=False)
        redis = start_redis(stack.redis_addr, work)
        with stack:
            pods = {
                url.removeprefix("http://"): f"heart-display-{i}"
                for i, url in enumerate(stack.endpoints)
            }
            targets = [ScrapeTarget(address, {"pod": pod}) for address, pod in pods.items()]
            with LocalPrometheus(targets, work / "prometheus") as prometheus:
                start = round(time.time(), 3)
                stop = threading.Event()
                beater = threading.Thread(target=beat, args=(stack.endpoints, stop), daemon=True)
                beater.start()
                for at, event in PHASES:
                    time.sleep(max(0.0, start + at - time.time()))
                    redis = act(event, work, stack.redis_addr, redis)
                stop.set()
                beater.join()
                wait_scraped(prometheus.api, time.time(), time.time)
                series = read_series(prometheus.api, start, start + PHASES[-1][0], pods)
        redis.stop()
    out.write_text(yaml.safe_dump({"input_series": series}, sort_keys=False, width=10_000))


def start_redis(addr: str, work: Path) -> Background:
    port = addr.rsplit(":", 1)[1]
    argv = [redis_server_binary(), "--bind", "127.0.0.1", "--port", port, "--save", ""]
    redis = Background(argv, work / "redis.log")
    while not redis_answers(addr):
        time.sleep(0.05)
    return redis


def beat(endpoints: list[str], stop: threading.Event) -> None:
    """About ten beats a second on each replica."""
    while not stop.is_set():
        for url in endpoints:
            http_call(f"{url}/", timeout=1.0)
        time.sleep(0.1)


def act(event: str, work: Path, redis_addr: str, redis: Background) -> Background:
    love_level = work / "heart-config" / "love-level"
    if event == "bad-config":
        love_level.write_text("1abc\n")
    elif event == "good-config":
        love_level.write_text("7\n")
    elif event == "redis-down":
        redis.stop()
    elif event == "redis-up":
        return start_redis(redis_addr, work)
    return redis


def read_series(
    api: PrometheusApi, start: float, end: float, pods: dict[str, str]
) -> list[dict[str, str]]:
    series = []
    for metric in METRICS:
        for found in api.query_range(metric, start, end, STEP_S):
            labels = {k: v for k, v in found.labels.items() if k != "__name__"}
            labels["instance"] = pods[labels["instance"]]
            values = {round(t, 3): v for t, v in found.points}
            steps = [round(start + i * STEP_S, 3) for i in range(int((end - start) // STEP_S) + 1)]
            text = " ".join(_number(values.get(t)) for t in steps)
            name = metric + "{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"
            series.append({"series": name, "values": text})
    return sorted(series, key=lambda s: s["series"])


def _number(value: float | None) -> str:
    if value is None:
        return "_"
    return str(int(value)) if value == int(value) else f"{value:.6g}"


if __name__ == "__main__":
    main(Path(sys.argv[1]))
