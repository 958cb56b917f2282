"""Bounded waits: what is retried, how the pauses grow, and what a wait that ran out says."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pulumi_workmail.deadline import Deadline, transient
from pulumi_workmail.errors import WorkMailProviderError
from pulumi_workmail.terms import Code


class Clock:
    """Time that passes only when the wait sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


def failing(times: int, error: WorkMailProviderError) -> tuple[list[int], Callable[[], str]]:
    calls: list[int] = []

    def attempt() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise error
        return "done"

    return calls, attempt


LAGGING = WorkMailProviderError("WorkMail has not caught up.", code=Code.ENTITY_STATE)


def test_a_retried_attempt_returns_once_it_succeeds_after_pauses_that_double(clock: Clock) -> None:
    calls, attempt = failing(4, WorkMailProviderError("slow down", retryable=True))
    wait = Deadline(60, first=0.5, sleep=clock.sleep, clock=clock.monotonic)
    assert wait.retry(attempt, transient) == "done"
    assert len(calls) == 5
    assert clock.sleeps == [0.5, 1.0, 2.0, 4.0]


def test_pauses_grow_to_ten_seconds_at_most_and_restart_short_in_a_new_phase(clock: Clock) -> None:
    wait = Deadline(600, first=1.0, sleep=clock.sleep, clock=clock.monotonic)
    for _ in range(7):
        assert wait.pause()
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0]
    wait.restart_backoff()
    wait.pause()
    assert clock.sleeps[-1] == 1.0


def test_an_error_not_worth_waiting_out_fails_at_once(clock: Clock) -> None:
    denied = WorkMailProviderError("Access denied.", code=Code.ACCESS_DENIED)
    calls, attempt = failing(1, denied)
    with pytest.raises(WorkMailProviderError) as raised:
        Deadline(60, first=0.5, sleep=clock.sleep, clock=clock.monotonic).retry(attempt, transient)
    assert raised.value is denied and len(calls) == 1 and clock.sleeps == []


def test_a_wait_that_ran_out_names_the_setting_to_raise_and_keeps_the_code(clock: Clock) -> None:
    _, attempt = failing(10_000, LAGGING)
    with pytest.raises(WorkMailProviderError) as raised:
        Deadline(5, first=0.5, sleep=clock.sleep, clock=clock.monotonic).retry(attempt, transient)
    assert raised.value.message == (
        "WorkMail has not caught up; still so after waiting wait_timeout_seconds=5 s "
        "(raise it on the resource if WorkMail needs longer)."
    )
    assert raised.value.code == Code.ENTITY_STATE
    assert sum(clock.sleeps) == pytest.approx(5.0), "the last pause ends with the wait, not after it"


def test_a_wait_of_under_a_second_fails_with_the_error_itself(clock: Clock) -> None:
    _, attempt = failing(10_000, LAGGING)
    with pytest.raises(WorkMailProviderError) as raised:
        Deadline(0.2, first=0.5, sleep=clock.sleep, clock=clock.monotonic).retry(attempt, transient)
    assert raised.value is LAGGING


def test_a_long_wait_says_what_it_waits_for_as_it_goes(clock: Clock, capsys: pytest.CaptureFixture[str]) -> None:
    _, attempt = failing(12, LAGGING)
    Deadline(120, first=0.5, sleep=clock.sleep, clock=clock.monotonic).retry(attempt, transient)
    shown = [line for line in capsys.readouterr().out.splitlines() if line.startswith("info: waiting for WorkMail")]
    assert shown, "no progress shown"
    assert shown[0].startswith("info: waiting for WorkMail (1") and "of wait_timeout_seconds=120 s" in shown[0]
    assert shown[0].endswith("WorkMail has not caught up.")


@pytest.mark.parametrize(
    ("error", "id_given", "worth_it"),
    [
        (WorkMailProviderError("throttled", retryable=True), False, True),
        (WorkMailProviderError("not enabled yet", code=Code.ENTITY_STATE), False, True),
        (WorkMailProviderError("no such entity", code=Code.ENTITY_NOT_FOUND), True, True),
        (WorkMailProviderError("no such entity", code=Code.ENTITY_NOT_FOUND), False, False),
        (WorkMailProviderError("denied", code=Code.ACCESS_DENIED), True, False),
    ],
    ids=["throttled", "consistency", "id-not-found-yet", "name-not-found", "denied"],
)
def test_what_is_worth_waiting_out(error: WorkMailProviderError, id_given: bool, worth_it: bool) -> None:
    """An id not found may be an entity created moments ago; a name not found is a typo."""
    assert transient(error, id_given) is worth_it
