"""A locust load shape chosen by HEART_SHAPE: steady, step or spike.

Use it next to the locustfile:

    HEART_SHAPE=spike HEART_USERS=5 HEART_PEAK_USERS=30 HEART_DURATION_S=60 \
      locust -f loadtests/heart.py,loadtests/shapes.py --headless

Locust uses the first shape class it finds, so this file defines exactly one
and picks the profile from the environment (the arithmetic lives in
chaosgate.load.shapes, where it is tested without locust).
"""

from __future__ import annotations

import os

from locust import LoadTestShape

from chaosgate.load.shapes import profile_from_env


class HeartShape(LoadTestShape):
    """The profile named by HEART_SHAPE (steady | step | spike)."""

    def __init__(self) -> None:
        super().__init__()
        self.profile = profile_from_env(os.environ)

    def tick(self) -> tuple[int, float] | None:
        return self.profile.tick(self.get_run_time())
