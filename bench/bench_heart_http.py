"""heart-display's HTTP throughput and tail latency against nginx, measured in one run.

Each server gets one core (taskset), wrk gets the other. nginx serving a small
static file is the baseline: the machine is noisy, so we report ratios against
a baseline measured in the same run rather than absolute numbers, and the two
are alternated for several rounds with medians reported. The beats heart-display
served are checked against Redis at the end: group commit must lose none.

Goal (from the issue): heart-display >= 0.5x nginx requests/s and p99 within 2x.
Only loopback addresses are used. Run with `make bench`.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from chaosgate.ports import free_port
from chaosgate.process import Background, run
from chaosgate.versions import REPO_ROOT
from chaosgate.waiting import wait_until

HEART = REPO_ROOT / "heart" / "bin" / "heart-display"
SERVER_CORE, LOAD_CORE = "0", "1"

NGINX_CONF = """worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  server {{
    listen 127.0.0.1:{port};
    root {dir}/www;
  }}
}}
"""


@dataclass(frozen=True)
class WrkResult:
    label: str
    requests_per_second: float
    p99_ms: float


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - loopback only
            return True
    except OSError:
        return False


def to_ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if match is None:
        raise SystemExit(f"cannot read wrk latency {value!r}")
    number, unit = match.groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(label: str, url: str, seconds: int, connections: int, accept: str) -> WrkResult:
    argv = [
        "taskset",
        "-c",
        LOAD_CORE,
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "-H",
        f"Accept: {accept}",
        url,
    ]
    out = run(argv, timeout=seconds + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    # The latency distribution's own line, not a "+/- Stdev" column ending in 99%.
    p99 = to_ms(re.search(r"^\s*99%\s+(\S+)", out, re.MULTILINE).group(1))  # type: ignore[union-attr]
    if "Non-2xx" in out or "Socket errors" in out:
        raise SystemExit(f"{label}: wrk saw errors, the figures are not valid:\n{out}")
    return WrkResult(label, rps, p99)


def start_nginx(workdir: Path, port: int) -> Background:
    (workdir / "www").mkdir()
    (workdir / "www" / "index.html").write_text("<p>♥ baseline</p>\n" * 4)
    conf = workdir / "nginx.conf"
    conf.write_text(NGINX_CONF.format(dir=workdir, port=port))
    argv = ["taskset", "-c", SERVER_CORE, "nginx", "-c", str(conf), "-p", str(workdir)]
    return Background(argv, workdir / "nginx.log")


def start_heart(workdir: Path, port: int, redis_port: int) -> Background:
    config = workdir / "heart-config"
    config.mkdir()
    (config / "love-level").write_text("7\n")
    argv = [
        "taskset",
        "-c",
        SERVER_CORE,
        str(HEART),
        "serve",
        "--listen",
        f"127.0.0.1:{port}",
        "--config-dir",
        str(config),
        "--redis-addr",
        f"127.0.0.1:{redis_port}",
    ]
    env = {"GOMAXPROCS": "1", "POD_NAME": "bench-0", "POD_NAMESPACE": "bench"}
    return Background(argv, workdir / "heart.log", env=env)


def redis_argv(port: int) -> list[str]:
    # Redis is heart-display's dependency, not part of it (in a cluster it
    # runs in its own pod). It gets the load generator's core: left to the
    # scheduler it often lands on heart-display's core and waits behind it
    # for a time slice, and sharing with wrk can only lower the load offered
    # to heart-display, never flatter it.
    server = ["redis-server", "--bind", "127.0.0.1", "--port", str(port)]
    return ["taskset", "-c", LOAD_CORE, *server, "--save", "", "--appendonly", "no"]


def redis_beats(port: int) -> int:
    """The cluster-wide count heart-display keeps in Redis."""
    out = run(["redis-cli", "-h", "127.0.0.1", "-p", str(port), "GET", "heart:beats"], timeout=10)
    return int(out.stdout.strip() or 0)


def served_beats(metrics_url: str) -> tuple[int, int]:
    """(beats served, beats recorded in Redis) from heart-display's /metrics."""
    with urllib.request.urlopen(metrics_url, timeout=5) as response:  # noqa: S310 - loopback only
        text = response.read().decode()

    def total(series: str) -> int:
        values = [float(line.split()[-1]) for line in text.splitlines() if line.startswith(series)]
        if not values:
            raise SystemExit(f"heart-display's /metrics has no {series} series")
        return int(sum(values))

    return total("heart_display_beats_total"), total("heart_rate_total")


def measure(seconds: int, connections: int, rounds: int) -> Measurement:
    """Alternate nginx and heart-display `rounds` times, so drift hits both alike."""
    with tempfile.TemporaryDirectory(prefix="chaosgate-bench-") as tmp:
        workdir = Path(tmp)
        workdir.chmod(0o755)  # nginx workers run as nobody and must read www/
        nginx_port, heart_port, redis_port = free_port(), free_port(), free_port()
        with (
            Background(redis_argv(redis_port), workdir / "redis.log"),
            start_nginx(workdir, nginx_port),
            start_heart(workdir, heart_port, redis_port),
        ):
            nginx_url = f"http://127.0.0.1:{nginx_port}/index.html"
            heart_url = f"http://127.0.0.1:{heart_port}/"
            for url in (nginx_url, heart_url):
                if not wait_until(lambda u=url: answers(u), timeout=20, interval=0.2):  # type: ignore[misc]
                    raise SystemExit(f"{url} did not answer; see the logs in {workdir}")
            results: list[WrkResult] = []
            for _ in range(rounds):
                results.append(wrk(NGINX, nginx_url, seconds, connections, "*/*"))
                results.append(wrk(HEART_TEXT, heart_url, seconds, connections, "text/plain"))
                results.append(wrk(HEART_JSON, heart_url, seconds, connections, "application/json"))
            served, recorded = served_beats(heart_url + "metrics")
            return Measurement(results, served, recorded, redis_beats(redis_port))


@dataclass(frozen=True)
class Measurement:
    runs: list[WrkResult]
    beats_served: int  # heart_display_beats_total: every request to /
    beats_recorded: int  # heart_rate_total: beats heart-display saw Redis accept
    beats_in_redis: int  # what Redis itself holds


NGINX, HEART_TEXT, HEART_JSON = "nginx static", "heart-display text", "heart-display json"


def report(m: Measurement) -> None:
    def median_of(label: str) -> tuple[float, float]:
        runs = [r for r in m.runs if r.label == label]
        rps = statistics.median(r.requests_per_second for r in runs)
        return rps, statistics.median(r.p99_ms for r in runs)

    base_rps, base_p99 = median_of(NGINX)
    print(f"each figure is the median of {len(m.runs) // 3} runs, alternated")
    print(f"{'target':22} {'req/s':>10} {'p99 ms':>8} {'rps ratio':>10} {'p99 ratio':>10}")
    for label in (NGINX, HEART_TEXT, HEART_JSON):
        rps, p99 = median_of(label)
        print(f"{label:22} {rps:10.0f} {p99:8.2f} {rps / base_rps:10.2f} {p99 / base_p99:10.2f}")
    print("goal: rps ratio >= 0.50 and p99 ratio <= 2.00 for heart-display (vs nginx)")
    print("every run (label, req/s, p99 ms):")
    for r in m.runs:
        print(f"  {r.label:22} {r.requests_per_second:10.0f} {r.p99_ms:8.2f}")
    degraded = m.beats_served - m.beats_recorded
    print(
        f"beats: {m.beats_served} served, {m.beats_recorded} recorded through the breaker "
        f"({degraded} degraded), {m.beats_in_redis} in Redis"
    )
    # A beat whose INCRBY timed out is degraded yet may still land in Redis,
    # so Redis may hold more than was confirmed, never less.
    if m.beats_in_redis < m.beats_recorded:
        raise SystemExit("Redis holds fewer beats than heart-display recorded: beats were lost")
    if degraded:
        print("note: some beats were degraded (Redis slower than its timeout) during the runs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not HEART.is_file():
        sys.exit(f"{HEART} is missing; run `make heart`.")
    report(measure(args.seconds, args.connections, args.rounds))


if __name__ == "__main__":
    main()
