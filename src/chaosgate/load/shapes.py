"""Load shapes (steady, step, spike, pulse) as pure profiles: run time → (users, rate) or None.

loadtests/shapes.py wraps the profile named by HEART_SHAPE in a locust
LoadTestShape; keeping the arithmetic here lets it be tested without locust.
Environment (all optional but HEART_SHAPE): HEART_USERS (base users),
HEART_PEAK_USERS, HEART_DURATION_S, HEART_SPAWN_RATE, HEART_STEPS, and for a
pulse HEART_LEAD_S and HEART_PEAK_S.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from chaosgate.errors import UsageError

SHAPES = ("steady", "step", "spike", "pulse")


@dataclass(frozen=True)
class Stage:
    """Hold `users` (reached at spawn_rate users/s) until `until_s` seconds into the run."""

    until_s: float
    users: int
    spawn_rate: float


@dataclass(frozen=True)
class Profile:
    stages: tuple[Stage, ...]

    def tick(self, run_time: float) -> tuple[int, float] | None:
        """Users and spawn rate at run_time; None once the last stage is over (stop)."""
        for stage in self.stages:
            if run_time < stage.until_s:
                return stage.users, stage.spawn_rate
        return None

    @property
    def duration_s(self) -> float:
        return self.stages[-1].until_s if self.stages else 0.0


def steady(users: int, duration_s: float, spawn_rate: float) -> Profile:
    return Profile((Stage(duration_s, users, spawn_rate),))


def step(users: int, peak_users: int, duration_s: float, spawn_rate: float, steps: int) -> Profile:
    """From users to peak_users in `steps` equal steps of equal length."""
    if steps < 1:
        raise UsageError("A step shape needs at least one step (HEART_STEPS >= 1).")
    increment = (peak_users - users) / max(steps - 1, 1)
    length = duration_s / steps
    return Profile(
        tuple(
            Stage(length * (i + 1), round(users + increment * i), spawn_rate) for i in range(steps)
        )
    )


def spike(users: int, peak_users: int, duration_s: float, spawn_rate: float) -> Profile:
    """Base load for 40 % of the run, the peak for 20 %, base again for the last 40 %."""
    return Profile(
        (
            Stage(duration_s * 0.4, users, spawn_rate),
            Stage(duration_s * 0.6, peak_users, spawn_rate),
            Stage(duration_s, users, spawn_rate),
        )
    )


def pulse(
    users: int,
    peak_users: int,
    *,
    lead_s: float,
    peak_s: float,
    duration_s: float,
    spawn_rate: float,
) -> Profile:
    """Base load for lead_s, the peak for peak_s, then base load until duration_s.

    The HPA scenario's shape on real pods: a baseline, a surge the HPA must
    answer, and a cooldown in which it must scale back in.
    """
    if lead_s < 0 or peak_s <= 0 or duration_s < lead_s + peak_s:
        raise UsageError(
            f"A pulse needs HEART_LEAD_S >= 0, HEART_PEAK_S > 0 and HEART_DURATION_S >= their "
            f"sum; got {lead_s:g}, {peak_s:g} and {duration_s:g}."
        )
    return Profile(
        (
            Stage(lead_s, users, spawn_rate),
            Stage(lead_s + peak_s, peak_users, spawn_rate),
            Stage(duration_s, users, spawn_rate),
        )
    )


def profile_from_env(env: Mapping[str, str]) -> Profile:
    """The profile HEART_SHAPE names, with its parameters from the environment."""
    name = env.get("HEART_SHAPE", "steady")
    users = int(env.get("HEART_USERS", "10"))
    peak = int(env.get("HEART_PEAK_USERS", str(users * 3)))
    duration = float(env.get("HEART_DURATION_S", "60"))
    rate = float(env.get("HEART_SPAWN_RATE", "10"))
    if name == "steady":
        return steady(users, duration, rate)
    if name == "step":
        return step(users, peak, duration, rate, int(env.get("HEART_STEPS", "4")))
    if name == "spike":
        return spike(users, peak, duration, rate)
    if name == "pulse":
        lead = float(env.get("HEART_LEAD_S", "0"))
        peak_s = float(env.get("HEART_PEAK_S", str(duration / 2)))
        return pulse(users, peak, lead_s=lead, peak_s=peak_s, duration_s=duration, spawn_rate=rate)
    choices = ", ".join(SHAPES)
    raise UsageError(f"Unknown load shape {name!r}; HEART_SHAPE must be one of {choices}.")
