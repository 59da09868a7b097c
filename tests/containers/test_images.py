"""The offline images really build and run: heart-display FROM scratch, Redis from debootstrap.

Containers use host networking and listen on 127.0.0.1 only; nothing is pulled.
"""

from __future__ import annotations

import json
import socket
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from chaosgate.containers.images import ImageRefs, build_images
from chaosgate.ports import free_port
from chaosgate.process import run
from chaosgate.waiting import wait_until

pytestmark = [pytest.mark.needs_docker, pytest.mark.slow]


@pytest.fixture(scope="module")
def images() -> ImageRefs:
    return build_images(log=print)


@pytest.fixture
def containers() -> Iterator[list[str]]:
    started: list[str] = []
    yield started
    for name in started:
        run(["docker", "rm", "-f", name], timeout=60, check=False)


def start(containers: list[str], name: str, options: list[str], image: str, cmd: list[str]) -> None:
    run(["docker", "rm", "-f", name], timeout=60, check=False)
    run(
        ["docker", "run", "-d", "--name", name, "--network", "host", *options, image, *cmd],
        timeout=60,
    )
    containers.append(name)


def redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def http_json(url: str) -> dict[str, object]:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return dict(json.load(response))


def heart_answers(url: str) -> bool:
    try:
        http_json(url)
    except OSError:
        return False
    return True


def test_heart_image_is_scratch_and_non_root(images: ImageRefs) -> None:
    inspect = json.loads(run(["docker", "image", "inspect", images.heart], timeout=30).stdout)[0]
    assert inspect["Config"]["User"] == "65532:65532"
    # FROM scratch + one COPY: the binary's layer is the only filesystem layer.
    assert len(inspect["RootFS"]["Layers"]) == 1
    assert inspect["Size"] < 20 * 1024 * 1024


def test_stack_runs_from_the_offline_images(
    images: ImageRefs, containers: list[str], tmp_path: Path
) -> None:
    redis_port, heart_port = free_port(), free_port()
    redis_cmd = [
        "/usr/bin/redis-server",
        "--bind",
        "127.0.0.1",
        "--port",
        str(redis_port),
        "--save",
        "",
        "--appendonly",
        "no",
    ]
    start(containers, "cg-test-redis", ["--memory", "256m"], images.redis, redis_cmd)
    assert wait_until(lambda: redis_ping(redis_port), timeout=30, interval=0.2)

    config = tmp_path / "config"
    config.mkdir()
    (config / "love-level").write_text("7\n")
    config.chmod(0o755)
    (config / "love-level").chmod(0o644)
    options = [
        "-e",
        "POD_NAME=heart-display-0",
        "-e",
        "POD_NAMESPACE=test",
        "-v",
        f"{config}:/etc/heart:ro",
        "--memory",
        "64m",
    ]
    heart_cmd = [
        "serve",
        "--listen",
        f"127.0.0.1:{heart_port}",
        "--redis-addr",
        f"127.0.0.1:{redis_port}",
        "--config-dir",
        "/etc/heart",
    ]
    start(containers, "cg-test-heart", options, images.heart, heart_cmd)

    url = f"http://127.0.0.1:{heart_port}/"
    assert wait_until(lambda: heart_answers(url), timeout=30, interval=0.2)
    first, second = http_json(url), http_json(url)
    assert first["pod"] == "heart-display-0"
    assert first["love_level"] == 7
    assert second["degraded"] is False
    assert second["beats_cluster"] == int(str(first["beats_cluster"])) + 1
