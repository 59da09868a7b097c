from chaosgate.waiting import wait_until


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


def test_returns_true_as_soon_as_predicate_holds() -> None:
    clock = FakeClock()
    answers = iter([False, False, True])
    assert wait_until(lambda: next(answers), timeout=10, interval=1, clock=clock)
    assert clock.t == 2.0


def test_gives_up_at_the_deadline_without_oversleeping() -> None:
    clock = FakeClock()
    assert not wait_until(lambda: False, timeout=2.5, interval=1, clock=clock)
    assert clock.sleeps == [1, 1, 0.5]
