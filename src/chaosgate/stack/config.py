"""Settings of one stack-runtime run, as frozen dataclasses with documented defaults.

The heart settings are written as heart-display's config directory (one file
per key, like a mounted ConfigMap). The defaults are tuned for short test
windows: the breaker opens after 3 failures, stays open 2 s, and a Redis call
times out after 100 ms, so a whole outage story fits in ten seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from chaosgate.containers.images import ImageRefs, image_refs


@dataclass(frozen=True)
class HeartSettings:
    """heart-display's config keys (see heart/README.md, "Configuration")."""

    love_level: int = 7
    breaker_failure_threshold: int = 3
    breaker_open_seconds: str = "2"
    breaker_half_open_probes: int = 1
    redis_timeout: str = "100ms"

    def files(self) -> dict[str, str]:
        """The config directory's files: name → content (one trailing newline each)."""
        return {
            "love-level": f"{self.love_level}\n",
            "breaker-failure-threshold": f"{self.breaker_failure_threshold}\n",
            "breaker-open-seconds": f"{self.breaker_open_seconds}\n",
            "breaker-half-open-probes": f"{self.breaker_half_open_probes}\n",
            "redis-timeout": f"{self.redis_timeout}\n",
        }


@dataclass(frozen=True)
class StackConfig:
    """What to run: how many replicas, with which limits and settings, where."""

    work_dir: Path  # config dir and container logs go here
    replicas: int = 3
    heart_memory: str = "64m"  # the cgroup limit /chaos/allocate pushes past
    redis_memory: str = "256m"
    namespace: str = "stack"  # POD_NAMESPACE of every replica
    bind_address: str = "127.0.0.1"  # host networking: listen on loopback only
    heart: HeartSettings = field(default_factory=HeartSettings)
    images: ImageRefs = field(default_factory=image_refs)
    ready_timeout: float = 60.0
