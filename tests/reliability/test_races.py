"""Races and conflicts: two resources wanting one address, an admin changing WorkMail between preview and up,
and 200 resources driven concurrently through the provider server's four workers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from pulumi.automation import CommandError

from pulumi_workmail.provider import EntityPrimaryEmailProvider
from pulumi_workmail.testing import ProviderServer, serialize_provider
from workmail_emulator import Emulator

from .conftest import Admin, AliasFleet, Figures, Fleet, output, stack_env


def test_two_resources_claiming_one_address_exactly_one_wins_and_the_loser_names_the_owner(
    emulator: Emulator, tmp_path: Path, aws_isolated: dict[str, str], figures: Figures
) -> None:
    fleet = Fleet(emulator, tmp_path, 2, prefix="claimant")
    first, second = fleet.names
    shared = "shared@new.example"
    fleet.declare(first, shared)
    fleet.declare(second, shared)
    with pytest.raises(CommandError) as caught:
        fleet.stack.up()
    message = str(caught.value)
    assert "Traceback" not in message

    live = fleet.live()
    winners = [name for name in fleet.names if live[name] == shared]
    assert len(winners) == 1, live
    winner = winners[0]
    loser = second if winner == first else first
    assert live[loser] == fleet.originals[loser], "the loser's entity was left untouched"
    assert f"'{loser}-primary'" in message, message
    assert f"{shared} is already used by user {winner} ({fleet.ids[winner]})" in message, message

    state = fleet.state()
    assert set(state) == {f"{winner}-primary"}, "the winner is recorded, the loser is absent"
    assert output(state[f"{winner}-primary"], "email") == shared
    fleet.assert_state_matches_workmail()

    fleet.declare(loser, f"{loser}@new.example")
    fleet.stack.up()
    fleet.assert_converged()
    fleet.stack.destroy()
    fleet.assert_restored()
    figures.add("races.same_address", operations_attempted=2, operations_converged=2)


def _change_between_preview_and_up(emulator: Emulator, tmp_path: Path) -> tuple[Fleet, Any, str]:
    """alice: up to alice@new.example; the program then wants alice@next.example; preview; an admin sets a
    third address by hand; up. Returns the fleet, the up result and the address the admin set."""
    fleet = Fleet(emulator, tmp_path, 1, prefix="alice")
    (alice,) = fleet.names
    fleet.declare(alice, f"{alice}@new.example")
    fleet.stack.up()
    fleet.declare(alice, f"{alice}@next.example")
    preview = fleet.stack.preview()
    assert preview.change_summary.get("update") == 1
    by_hand = f"{alice}.by-hand@new.example"
    emulator.client().update_primary_email_address(OrganizationId=fleet.org, EntityId=fleet.ids[alice], Email=by_hand)
    up = fleet.stack.up()
    return fleet, up, by_hand


def test_change_made_between_preview_and_up_is_overwritten_with_the_declared_address_and_said_so(
    emulator: Emulator, tmp_path: Path, aws_isolated: dict[str, str], figures: Figures
) -> None:
    fleet, up, by_hand = _change_between_preview_and_up(emulator, tmp_path)
    assert up.summary.resource_changes.get("update") == 1
    said = [line for line in up.stdout.splitlines() if by_hand in line]
    assert said and "changed outside Pulumi" in said[0], up.stdout
    fleet.assert_converged()
    refresh = fleet.stack.refresh()
    assert not {op for op, n in refresh.summary.resource_changes.items() if n and op != "same"}
    fleet.stack.destroy()
    fleet.assert_restored()
    figures.add("races.changed_between_preview_and_up", operations_attempted=1, operations_converged=1)


# --------------------------------------------------------------------------------------------------
# 200 resources, many threads, one provider server with four workers

CONCURRENT = 200


@pytest.fixture
def crowd(emulator: Emulator, aws_isolated: dict[str, str], tmp_path: Path) -> Iterator[tuple[Fleet, ProviderServer]]:
    fleet = Fleet(emulator, tmp_path, CONCURRENT, prefix="crowd")
    env = stack_env(emulator)
    with ProviderServer(project="reliability", config={"aws:region": "us-east-1"}, env=env, call_timeout=120) as server:
        yield fleet, server


def test_200_resources_from_many_threads_through_4_workers_lose_no_update(
    crowd: tuple[Fleet, ProviderServer], figures: Figures
) -> None:
    fleet, server = crowd
    pickled = serialize_provider(EntityPrimaryEmailProvider())
    problems: list[str] = []
    lock = threading.Lock()
    calls = 0

    def complain(text: str) -> None:
        with lock:
            problems.append(text)

    def lifecycle(name: str) -> dict[str, Any]:
        nonlocal calls
        urn = f"urn:pulumi:reliability::reliability::pulumi-python:dynamic/workmail:EntityPrimaryEmail::{name}-primary"
        news = {
            "__provider": pickled,
            "organization_id": fleet.org,
            "entity_id": name,
            "email": f"{name}@new.example",
            "wait_timeout_seconds": 30,
        }
        checked = server.check(urn, {}, news)
        if checked.failures:
            complain(f"{name}: check failed {checked.failures}")
        created = server.create(urn, checked.inputs)
        outs = created.outputs
        if created.id != f"{fleet.org}/{fleet.ids[name]}":
            complain(f"{name}: id {created.id}")
        if (outs.get("email"), outs.get("original_email"), outs.get("resolved_entity_id"), outs.get("entity_name")) != (
            f"{name}@new.example",
            f"{name}@old.example",
            fleet.ids[name],
            name,
        ):
            complain(f"{name}: create outputs {outs}")
        news2 = {**checked.inputs, "email": f"{name}@next.example"}
        checked2 = server.check(urn, checked.inputs, news2)
        diff = server.diff(created.id, urn, outs, checked2.inputs)
        if diff.changes != "some" or diff.replaces:
            complain(f"{name}: diff {diff}")
        updated = server.update(created.id, urn, outs, checked2.inputs)
        if (updated.get("email"), updated.get("original_email")) != (f"{name}@next.example", f"{name}@old.example"):
            complain(f"{name}: update outputs {updated}")
        read = server.read(created.id, urn, updated, checked2.inputs)
        if read.id != created.id or read.outputs.get("email") != f"{name}@next.example":
            complain(f"{name}: read {read}")
        with lock:
            calls += 6
        return updated

    with ThreadPoolExecutor(max_workers=24) as pool:
        finals = dict(zip(fleet.names, pool.map(lifecycle, fleet.names), strict=True))
    assert not problems, "\n".join(problems[:20])
    live = fleet.live()
    lost = {name: live[name] for name in fleet.names if live[name] != f"{name}@next.example"}
    assert not lost, f"lost updates: {lost}"

    # Every entity must also come back intact: 200 concurrent deletes restore 200 originals.
    def delete(name: str) -> None:
        nonlocal calls
        urn = f"urn:pulumi:reliability::reliability::pulumi-python:dynamic/workmail:EntityPrimaryEmail::{name}-primary"
        server.delete(f"{fleet.org}/{fleet.ids[name]}", urn, finals[name])
        with lock:
            calls += 1

    with ThreadPoolExecutor(max_workers=24) as pool:
        list(pool.map(delete, fleet.names))
    live = fleet.live()
    wrong = {name: live[name] for name in fleet.names if live[name] != fleet.originals[name]}
    assert not wrong, f"not restored: {wrong}"
    aliases = Admin(fleet.emu).entities(fleet.org)
    for name in fleet.names:
        expected = {f"{name}.alias@old.example", f"{name}@new.example", f"{name}@next.example"}
        assert set(aliases[name]["aliases"]) == expected, (name, aliases[name]["aliases"])
    assert server.returncode is None, "the provider server is still alive"
    figures.add(
        "races.concurrent_200_through_4_workers",
        operations_attempted=4 * CONCURRENT,
        operations_converged=4 * CONCURRENT,
        provider_calls=calls,
        client_threads=24,
    )


# --------------------------------------------------------------------------------------------------
# EntityAliases


def test_two_entities_declaring_one_alias_exactly_one_wins_and_the_loser_changes_nothing(
    emulator: Emulator, tmp_path: Path, aws_isolated: dict[str, str], figures: Figures
) -> None:
    """Each declares an alias of its own and the shared one; they run concurrently. The loser's step
    fails naming the winner, and its own alias, added before the shared one failed, is taken back."""
    fleet = AliasFleet(emulator, tmp_path, 2, prefix="claimant")
    shared = "shared@new.example"
    for name in fleet.names:
        fleet.declare(name, [f"{name}.a@new.example", shared])
    with pytest.raises(CommandError) as caught:
        fleet.stack.up()
    message = str(caught.value)
    assert "Traceback" not in message

    live = fleet.live()
    winners = [name for name in fleet.names if shared in live[name]]
    assert len(winners) == 1, live
    winner = winners[0]
    loser = next(name for name in fleet.names if name != winner)
    assert f"'{loser}-aliases'" in message, message
    assert f"{shared} is already used by user {winner} ({fleet.ids[winner]})" in message, message
    assert "nothing was changed" in message, message
    assert live[loser] == fleet.originals[loser], "the loser's entity was left as it was"
    assert set(fleet.state()) == {f"{winner}-aliases"}
    fleet.assert_state_matches_workmail()

    fleet.declare(loser, [f"{loser}.a@new.example"])
    fleet.stack.up()
    fleet.assert_converged()
    fleet.stack.destroy()
    fleet.assert_restored()
    figures.add("races.aliases_same_alias", operations_attempted=2, operations_converged=2)


def test_two_entity_aliases_resources_on_one_entity_fail_before_any_write_naming_the_first(
    emulator: Emulator, tmp_path: Path, aws_isolated: dict[str, str]
) -> None:
    """One by name, one by email: the second to claim the entity fails, the first's aliases stand."""
    fleet = AliasFleet(emulator, tmp_path, 1, prefix="twice")
    (name,) = fleet.names
    fleet.declared["by-name"] = (name, [f"{name}.a@new.example"], False, {})
    fleet.declared["by-email"] = (f"{name}@old.example", [f"{name}.b@new.example"], False, {})
    with pytest.raises(CommandError) as caught:
        fleet.stack.up()
    message = str(caught.value)
    assert "is already managed by the resource" in message and "EntityAliases" in message, message
    state = fleet.state()
    assert len(state) == 1, sorted(state)
    (first,) = state
    declared = {"by-name": f"{name}.a@new.example", "by-email": f"{name}.b@new.example"}
    assert fleet.live()[name] == fleet.originals[name] | {declared[first]}, "only the first's alias was added"
    assert f"'{first}'" in message, message
