"""The heart stack as plain local processes: redis-server and heart-display binaries, no engine.

For what needs neither cgroups nor restarts: running load and dry-run
experiments against a real heart-display quickly (the hermetic tests do), or
trying the locustfile on a machine without Docker. Kills, OOM kills and
restarts need StackRuntime's containers. Same loopback-only rule: every
process listens on 127.0.0.1.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from chaosgate.errors import ToolError
from chaosgate.ports import free_ports
from chaosgate.process import Background
from chaosgate.stack.config import HeartSettings
from chaosgate.stack.http_probe import is_ready, redis_answers
from chaosgate.stack.runtime import StackError
from chaosgate.versions import REPO_ROOT
from chaosgate.waiting import wait_until

HEART_BINARY = REPO_ROOT / "heart" / "bin" / "heart-display"


def redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found is None:
        raise ToolError("redis-server is not installed; run `make setup`.")
    return found


def heart_binary() -> Path:
    if not HEART_BINARY.is_file():
        raise ToolError(f"{HEART_BINARY} is missing; run `make heart`.")
    return HEART_BINARY


class ProcessStack:
    """Redis (optional) and N heart-display processes on loopback (context manager)."""

    def __init__(
        self,
        work_dir: Path,
        *,
        replicas: int = 1,
        with_redis: bool = True,
        heart: HeartSettings | None = None,
    ) -> None:
        self.work_dir = work_dir
        self.heart = heart or HeartSettings()
        redis_port, *heart_ports = free_ports(replicas + 1)
        self.redis_addr = f"127.0.0.1:{redis_port}"
        self.endpoints = [f"http://127.0.0.1:{port}" for port in heart_ports]
        self._with_redis = with_redis
        self._processes: list[Background] = []

    def start(self) -> ProcessStack:
        try:
            if self._with_redis:
                self._start_redis()
            config_dir = self._write_config()
            for index, url in enumerate(self.endpoints):
                self._start_heart(index, url, config_dir)
            self._wait(lambda: all(is_ready(url) for url in self.endpoints), "heart-display")
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop every process (SIGTERM, then SIGKILL); idempotent."""
        while self._processes:
            self._processes.pop().stop(grace=5)

    def __enter__(self) -> ProcessStack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _start_redis(self) -> None:
        port = self.redis_addr.rsplit(":", 1)[1]
        argv = [redis_server_binary(), "--bind", "127.0.0.1", "--port", port]
        argv += ["--save", "", "--appendonly", "no"]
        self._processes.append(Background(argv, self.work_dir / "redis.log"))
        self._wait(lambda: redis_answers(self.redis_addr), "redis-server")

    def _start_heart(self, index: int, url: str, config_dir: Path) -> None:
        argv = [str(heart_binary()), "serve", "--listen", url.removeprefix("http://")]
        argv += ["--config-dir", str(config_dir), "--redis-addr", self.redis_addr]
        env = {"POD_NAME": f"heart-display-{index}", "POD_NAMESPACE": "local"}
        # No endpoint controller watches these processes, so draining would only wait.
        env |= {"HEART_CHAOS_ENDPOINTS": "1", "HEART_DRAIN_DELAY": "0s"}
        log = self.work_dir / f"heart-{index}.log"
        self._processes.append(Background(argv, log, env=env))

    def _write_config(self) -> Path:
        config_dir = self.work_dir / "heart-config"
        config_dir.mkdir(parents=True, exist_ok=True)
        for key, content in self.heart.files().items():
            (config_dir / key).write_text(content)
        return config_dir

    def _wait(self, ready: Callable[[], bool], what: str) -> None:
        if not wait_until(ready, timeout=20, interval=0.05):
            logs = "\n".join(p.log_tail() for p in self._processes)
            raise StackError(f"{what} did not become ready within 20 s.\n{logs}")
