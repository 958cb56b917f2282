"""The scheduler on its own: which record's action may start when, with fake actions instead of a provider."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from pulumi_workmail.testing._scheduler import PROVIDER_WORKERS, run_in_dependency_order
from pulumi_workmail.testing._state import ResourceState

pytestmark = pytest.mark.timeout(30)

TYPE = "pulumi-python:dynamic:Resource"


def urn(name: str) -> str:
    return f"urn:pulumi:dev::proj::{TYPE}::{name}"


def record(name: str, **options: Any) -> ResourceState:
    return ResourceState(urn=urn(name), type=TYPE, custom=True, id=name, **options)


class Recorder:
    """An action that notes when each record's action started and ended, in one global order."""

    def __init__(self, work: Callable[[ResourceState], object] | None = None) -> None:
        self.events: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._work = work

    def __call__(self, item: ResourceState) -> None:
        with self._lock:
            self.events.append(("start", item.name))
        try:
            if self._work is not None:
                self._work(item)
        finally:
            with self._lock:
                self.events.append(("end", item.name))

    def started(self) -> list[str]:
        return [name for kind, name in self.events if kind == "start"]

    def index(self, kind: str, name: str) -> int:
        return self.events.index((kind, name))


def never() -> bool:
    return False


def test_deletes_wait_for_their_dependents() -> None:
    # "app" uses "db": the delete of "db" may start only once the delete of "app" has ended.
    records = [record("db"), record("app", dependencies=(urn("db"),))]
    action = Recorder(lambda item: time.sleep(0.05))

    run_in_dependency_order(records, action, stop=never)

    assert action.index("end", "app") < action.index("start", "db")


@pytest.mark.parametrize(
    "link",
    [
        {"dependencies": (urn("base"),)},
        {"property_dependencies": {"email": (urn("base"),)}},
        {"parent": urn("base")},
        {"deleted_with": urn("base")},
    ],
    ids=["dependencies", "property-dependencies", "parent", "deleted-with"],
)
def test_every_kind_of_link_makes_the_user_go_first(link: dict[str, Any]) -> None:
    records = [record("base"), record("user", **link)]
    action = Recorder()

    run_in_dependency_order(records, action, stop=never)

    assert action.index("end", "user") < action.index("start", "base")


def test_a_chain_is_deleted_from_its_end() -> None:
    records = [record("a"), record("b", parent=urn("a")), record("c", parent=urn("b"))]
    action = Recorder()

    run_in_dependency_order(records, action, stop=never)

    assert action.started() == ["c", "b", "a"]


def test_independent_records_overlap_up_to_the_provider_servers_workers() -> None:
    together = threading.Barrier(PROVIDER_WORKERS, timeout=10)
    lock = threading.Lock()
    running = peak = 0
    broken: list[str] = []

    def work(item: ResourceState) -> None:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        try:
            together.wait()  # times out unless PROVIDER_WORKERS actions run at once
        except threading.BrokenBarrierError:
            broken.append(item.name)
        finally:
            with lock:
                running -= 1

    run_in_dependency_order([record(f"r{i}") for i in range(2 * PROVIDER_WORKERS)], work, stop=never)

    assert broken == []
    assert peak == PROVIDER_WORKERS == 4


def test_later_records_start_first() -> None:
    # The first four to start are the four latest: only they can meet at the barrier before it breaks.
    together = threading.Barrier(PROVIDER_WORKERS, timeout=10)
    action = Recorder(lambda item: together.wait())

    run_in_dependency_order([record(f"r{i}") for i in range(2 * PROVIDER_WORKERS)], action, stop=never)

    assert set(action.started()[:PROVIDER_WORKERS]) == {"r4", "r5", "r6", "r7"}


def test_unordered_runs_ignore_dependencies() -> None:
    # Reads need no order: a record and the one it depends on must be able to run at the same time.
    both = threading.Barrier(2, timeout=10)
    met: list[str] = []

    def work(item: ResourceState) -> None:
        both.wait()
        met.append(item.name)

    records = [record("db"), record("app", dependencies=(urn("db"),))]
    run_in_dependency_order(records, work, stop=never, ordered=False)

    assert sorted(met) == ["app", "db"]


def test_once_stopped_nothing_new_starts() -> None:
    failed = threading.Event()

    def work(item: ResourceState) -> None:
        if item.name == "c":
            failed.set()
            raise RuntimeError("delete failed")

    records = [record("a"), record("b", parent=urn("a")), record("c", parent=urn("b"))]
    action = Recorder(work)

    run_in_dependency_order(records, action, stop=failed.is_set)

    assert action.started() == ["c"]


def test_a_failing_action_neither_raises_nor_cuts_short_the_running_ones() -> None:
    # "app" fails (the deployment's failure makes stop() true); "cache", already running, still finishes,
    # and "db", which "app" uses, never starts.
    failed = threading.Event()
    cache_started = threading.Event()

    def work(item: ResourceState) -> None:
        if item.name == "app":
            cache_started.wait(timeout=10)  # "app" starts first: fail only once "cache" runs too
            failed.set()
            raise RuntimeError("delete failed")
        cache_started.set()
        time.sleep(0.2)

    records = [record("db"), record("cache"), record("app", dependencies=(urn("db"),))]
    action = Recorder(work)

    run_in_dependency_order(records, action, stop=failed.is_set)

    assert ("end", "cache") in action.events
    assert "db" not in action.started()


def test_a_failed_action_does_not_release_what_it_depends_on() -> None:
    # Without a stop, "db" is still run, but only as a leftover once nothing else is running.
    def work(item: ResourceState) -> None:
        if item.name == "app":
            raise RuntimeError("delete failed")
        if item.name == "cache":
            time.sleep(0.2)

    records = [record("db"), record("cache"), record("app", dependencies=(urn("db"),))]
    action = Recorder(work)

    run_in_dependency_order(records, action, stop=never)

    assert action.index("end", "cache") < action.index("start", "db")


def test_a_dependency_cycle_is_broken_latest_first() -> None:
    # A cycle (a hand-edited state, or stale options of pending deletes) is broken at its latest record.
    records = [record("a", dependencies=(urn("b"),)), record("b", dependencies=(urn("a"),))]
    action = Recorder()

    run_in_dependency_order(records, action, stop=never)

    assert action.started()[:2] == ["b", "a"]


def test_a_record_in_a_dependency_cycle_gets_its_action_once() -> None:
    records = [record("a", dependencies=(urn("b"),)), record("b", dependencies=(urn("a"),))]
    action = Recorder()

    run_in_dependency_order(records, action, stop=never)

    assert action.started() == ["b", "a"]


def test_a_pending_delete_waits_for_the_users_of_its_urn_too() -> None:
    # A replaced resource's pending delete shares its URN with the replacement: both wait for its users.
    records = [record("x"), record("user", dependencies=(urn("x"),)), record("x", delete=True)]
    action = Recorder()

    run_in_dependency_order(records, action, stop=never)

    assert sorted(action.started()) == ["user", "x", "x"]
    assert action.index("end", "user") < action.index("start", "x")
