"""Load shapes: users and spawn rate over the run time, and their selection by environment."""

from __future__ import annotations

import pytest

from chaosgate.errors import UsageError
from chaosgate.load.shapes import profile_from_env, pulse, spike, steady, step


def test_steady_holds_then_stops() -> None:
    profile = steady(users=5, duration_s=10, spawn_rate=2)
    assert [profile.tick(t) for t in (0, 9.9, 10)] == [(5, 2), (5, 2), None]


def test_step_climbs_in_equal_steps() -> None:
    profile = step(users=10, peak_users=40, duration_s=40, spawn_rate=5, steps=4)
    assert [profile.tick(t) for t in (0, 10, 20, 30, 39, 40)] == [
        (10, 5),
        (20, 5),
        (30, 5),
        (40, 5),
        (40, 5),
        None,
    ]


def test_spike_is_base_peak_base() -> None:
    profile = spike(users=5, peak_users=50, duration_s=100, spawn_rate=50)
    users = [tick[0] for t in (0, 39, 40, 59, 60, 99) if (tick := profile.tick(t))]
    assert users == [5, 5, 50, 50, 5, 5]
    assert profile.duration_s == 100


def test_pulse_is_base_for_the_lead_then_peak_then_base() -> None:
    profile = pulse(users=5, peak_users=60, lead_s=20, peak_s=30, duration_s=120, spawn_rate=20)
    users = [tick[0] for t in (0, 19.9, 20, 49.9, 50, 119.9) if (tick := profile.tick(t))]
    assert users == [5, 5, 60, 60, 5, 5]
    assert profile.tick(120) is None


def test_pulse_from_env() -> None:
    env = {"HEART_SHAPE": "pulse", "HEART_USERS": "3", "HEART_PEAK_USERS": "9"}
    profile = profile_from_env(
        env | {"HEART_LEAD_S": "2", "HEART_PEAK_S": "3", "HEART_DURATION_S": "10"}
    )
    assert [profile.tick(t) for t in (1, 2, 4.9, 5)] == [(3, 10.0), (9, 10.0), (9, 10.0), (3, 10.0)]


def test_profile_from_env() -> None:
    env = {"HEART_SHAPE": "step", "HEART_USERS": "2", "HEART_PEAK_USERS": "8"}
    profile = profile_from_env(env | {"HEART_DURATION_S": "4", "HEART_STEPS": "4"})
    assert [profile.tick(t) for t in (0, 1, 2, 3)] == [(2, 10.0), (4, 10.0), (6, 10.0), (8, 10.0)]


@pytest.mark.parametrize(
    "env",
    [
        {"HEART_SHAPE": "sawtooth"},
        {"HEART_SHAPE": "step", "HEART_STEPS": "0"},
        {
            "HEART_SHAPE": "pulse",
            "HEART_LEAD_S": "50",
            "HEART_PEAK_S": "20",
            "HEART_DURATION_S": "60",
        },
    ],
)
def test_bad_shapes_are_usage_errors(env: dict[str, str]) -> None:
    with pytest.raises(UsageError):
        profile_from_env(env)
