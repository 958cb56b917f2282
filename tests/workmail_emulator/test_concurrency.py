"""Thread safety under concurrent boto3 clients."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .emulator_testlib import World, emulator, make_world

N_THREADS = 8
N_UPDATES = 25


def _run_threads(n: int, target: Callable[[int], Any]) -> list[Any]:
    results: list[Any] = [None] * n
    errors: list[BaseException] = []

    def wrap(i: int) -> None:
        try:
            results[i] = target(i)
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=wrap, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "threads hung"
    assert not errors, errors
    return results


# Callable[..., Any]: mypy cannot match a lambda with a default argument (`lambda j=j: ...`) to Callable[[], Any].
def _code(fn: Callable[..., Any]) -> str:
    try:
        fn()
        return "ok"
    except ClientError as e:
        return str(e.response["Error"]["Code"])


@pytest.fixture
def crowd() -> Iterator[World]:
    seed = {
        "organizations": [
            {
                "alias": "crowd",
                "domains": [{"name": "crowd.example", "verified": True}],
                "users": [
                    {"name": f"w{i}", "display_name": f"W{i}", "email": f"w{i}@crowd.example"} for i in range(N_THREADS)
                ],
            }
        ]
    }
    with emulator(seed=seed) as e:
        yield make_world(e, alias="crowd")


def test_parallel_updates_on_distinct_entities_end_in_exact_state(crowd: World) -> None:
    def work(i: int) -> None:
        client = crowd.emu.client()
        uid = crowd.ids[f"w{i}"]
        for k in range(N_UPDATES):
            client.update_primary_email_address(OrganizationId=crowd.org, EntityId=uid, Email=f"w{i}-{k}@crowd.example")

    _run_threads(N_THREADS, work)
    for i in range(N_THREADS):
        uid = crowd.ids[f"w{i}"]
        assert crowd.primary(uid) == f"w{i}-{N_UPDATES - 1}@crowd.example"
        expected = [f"w{i}@crowd.example"] + [f"w{i}-{k}@crowd.example" for k in range(N_UPDATES - 1)]
        assert sorted(crowd.aliases(uid)) == sorted(expected)
        ent = crowd.emu.backend.organizations[crowd.org].entities[uid]
        assert ent.email == f"w{i}-{N_UPDATES - 1}@crowd.example"
        assert len(ent.aliases) == N_UPDATES
    status, stats = crowd.admin("GET", "/_emulator/stats")
    assert status == 200
    assert stats["calls"]["UpdatePrimaryEmailAddress"] == N_THREADS * N_UPDATES


def test_two_threads_racing_for_one_address_exactly_one_wins(crowd: World) -> None:
    clients = [crowd.emu.client(), crowd.emu.client()]
    for round_ in range(15):
        target = f"prize{round_}@crowd.example"
        barrier = threading.Barrier(2)

        def race(i: int, target: str = target, barrier: threading.Barrier = barrier) -> str:
            barrier.wait()
            return _code(
                lambda: clients[i].update_primary_email_address(
                    OrganizationId=crowd.org, EntityId=crowd.ids[f"w{i}"], Email=target
                )
            )

        outcomes = _run_threads(2, race)
        assert sorted(outcomes) == ["EmailAddressInUseException", "ok"], outcomes
        winner = outcomes.index("ok")
        assert crowd.primary(crowd.ids[f"w{winner}"]) == target


def test_racing_create_alias_for_one_address_exactly_one_wins(crowd: World) -> None:
    barrier = threading.Barrier(N_THREADS)

    def race(i: int) -> str:
        client = crowd.emu.client()
        barrier.wait()
        return _code(
            lambda: client.create_alias(
                OrganizationId=crowd.org, EntityId=crowd.ids[f"w{i}"], Alias="shared@crowd.example"
            )
        )

    outcomes = _run_threads(N_THREADS, race)
    assert outcomes.count("ok") == 1
    assert outcomes.count("EmailAddressInUseException") == N_THREADS - 1
    owners = [i for i in range(N_THREADS) if "shared@crowd.example" in crowd.aliases(crowd.ids[f"w{i}"])]
    assert owners == [outcomes.index("ok")]


def test_racing_create_user_with_one_name_exactly_one_wins(crowd: World) -> None:
    barrier = threading.Barrier(N_THREADS)

    def race(i: int) -> str:
        client = crowd.emu.client()
        barrier.wait()
        return _code(lambda: client.create_user(OrganizationId=crowd.org, Name="samename", DisplayName=f"S{i}"))

    outcomes = _run_threads(N_THREADS, race)
    assert outcomes.count("ok") == 1
    assert outcomes.count("NameAvailabilityException") == N_THREADS - 1
    users = [u for u in crowd.list_all("list_users", "Users") if u["Name"] == "samename"]
    assert len(users) == 1


def test_concurrent_create_alias_respects_the_limit(crowd: World) -> None:
    crowd.settings(alias_limit=10)
    uid = crowd.ids["w0"]
    barrier = threading.Barrier(4)

    def work(i: int) -> list[str]:
        client = crowd.emu.client()
        barrier.wait()
        return [
            _code(
                lambda j=j: client.create_alias(OrganizationId=crowd.org, EntityId=uid, Alias=f"a{i}-{j}@crowd.example")
            )
            for j in range(5)
        ]

    outcomes = [o for batch in _run_threads(4, work) for o in batch]
    assert outcomes.count("ok") == 10
    assert outcomes.count("LimitExceededException") == 10
    assert len(crowd.aliases(uid)) == 10


def test_readers_never_see_a_half_applied_update(crowd: World) -> None:
    """While one thread swaps primary and alias back and forth, readers always see a consistent pair."""
    uid = crowd.ids["w0"]
    crowd.wm.create_alias(OrganizationId=crowd.org, EntityId=uid, Alias="w0-alt@crowd.example")
    stop = threading.Event()
    addresses = {"w0@crowd.example", "w0-alt@crowd.example"}

    def writer(_: int) -> None:
        client = crowd.emu.client()
        for k in range(30):
            client.update_primary_email_address(OrganizationId=crowd.org, EntityId=uid, Email=sorted(addresses)[k % 2])
        stop.set()

    def reader(_: int) -> int:
        client = crowd.emu.client()
        checks = 0
        while not stop.is_set():
            primary = client.describe_user(OrganizationId=crowd.org, UserId=uid)["Email"]
            assert primary in addresses
            aliases = client.list_aliases(OrganizationId=crowd.org, EntityId=uid)["Aliases"]
            assert len(aliases) == 1 and aliases[0] in addresses, aliases
            checks += 1
        return checks

    results = _run_threads(3, lambda i: writer(i) if i == 0 else reader(i))
    assert all(r > 0 for r in results[1:])


def test_admin_calls_racing_workmail_writes_with_a_state_file_never_deadlock(tmp_path: Path) -> None:
    """Admin seed, reset and domains/verify against writes, with every change saved to a state file."""
    seed = {
        "organizations": [
            {
                "alias": "race",
                "domains": [{"name": "race.example", "verified": True}],
                "users": [{"name": f"r{i}", "display_name": f"R{i}", "email": f"r{i}@race.example"} for i in range(4)],
            }
        ]
    }
    with emulator(seed=seed, state_file=tmp_path / "state.json") as emu:
        world = make_world(emu, alias="race")
        stop = threading.Event()

        def writer(i: int) -> None:
            wm = emu.client()
            for n in range(40):
                if stop.is_set():
                    return
                _code(
                    lambda n=n: wm.update_primary_email_address(
                        OrganizationId=world.org, EntityId=world.ids[f"r{i}"], Email=f"r{i}.{n}@race.example"
                    )
                )

        def admin(i: int) -> None:
            for n in range(20):
                if i == 0:
                    emu.admin(
                        "POST", "/_emulator/domains/verify", {"organization_id": world.org, "domain": "race.example"}
                    )
                else:
                    emu.admin("POST", "/_emulator/seed", {"organizations": [{"alias": f"extra{i}x{n}"}]})

        threads = [threading.Thread(target=writer, args=(i,), daemon=True) for i in range(4)]
        threads += [threading.Thread(target=admin, args=(i,), daemon=True) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        stop.set()
        assert not any(t.is_alive() for t in threads), "a lock-order deadlock: calls hang"
        assert emu.admin("GET", "/_emulator/health")[0] == 200
