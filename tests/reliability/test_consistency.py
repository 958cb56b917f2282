"""Eventual consistency (``/_emulator/consistency`` ``lag_reads``): reads that trail writes must not fool the provider.

With ``lag_reads`` = n, the next n reads of an entity after a write still see its previous state (for a
just-created entity: that it does not exist).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pulumi.automation import CommandError

from workmail_emulator import Emulator

from .conftest import AliasWorld, Figures, Fleet, output


def test_refresh_right_after_an_update_under_lag_reports_no_drift(
    emulator: Emulator, tmp_path: Path, aws_isolated: dict[str, str], figures: Figures
) -> None:
    count = 10
    fleet = Fleet(emulator, tmp_path, count)
    fleet.admin.lag(3)
    fleet.declare_all("new.example")
    fleet.stack.up()
    fleet.declare_all("next.example")
    update = fleet.stack.up()
    assert "warning" not in update.stdout, update.stdout
    assert update.summary.resource_changes.get("update") == count
    refresh = fleet.stack.refresh()
    drift = {op: n for op, n in refresh.summary.resource_changes.items() if op != "same"}
    assert not drift, f"false drift right after the update: {drift}\n{refresh.stdout}"
    for resource_name, resource in fleet.state().items():
        assert output(resource, "email") == f"{fleet.entity_name(resource_name)}@next.example"
    again = fleet.stack.up()
    assert {op for op, n in again.summary.resource_changes.items() if n} == {"same"}
    fleet.admin.lag(0)
    fleet.assert_converged()
    figures.add("consistency.refresh_after_update", operations_attempted=2 * count, operations_converged=2 * count)


@pytest.mark.parametrize("by", ["name", "id"])
def test_create_right_after_register_to_workmail_waits_until_the_entity_is_enabled(
    by: str, emulator: Emulator, tmp_path: Path, aws_isolated: dict[str, str], figures: Figures
) -> None:
    """RegisterToWorkMail has happened, but for a few reads the user still looks DISABLED."""
    fleet = Fleet(emulator, tmp_path, 1)
    client = emulator.client()
    newcomers = [f"newcomer{i}" for i in range(4)]
    ids = {}
    for name in newcomers:
        ids[name] = client.create_user(OrganizationId=fleet.org, Name=name, DisplayName=name)["UserId"]
    fleet.admin.lag(3)
    for name in newcomers:
        client.register_to_work_mail(OrganizationId=fleet.org, EntityId=ids[name], Email=f"{name}@old.example")
        fleet.declare(name, f"{name}@new.example", entity_id=name if by == "name" else ids[name])
        fleet.originals[name] = f"{name}@old.example"
    fleet.names = [*fleet.names, *newcomers]
    up = fleet.stack.up()
    assert "warning" not in up.stdout, up.stdout
    fleet.admin.lag(0)
    fleet.assert_converged()
    figures.add(
        "consistency.create_after_register", operations_attempted=len(newcomers), operations_converged=len(newcomers)
    )


def test_create_right_after_register_fails_clearly_when_the_wait_is_zero(
    emulator: Emulator, tmp_path: Path, aws_isolated: dict[str, str]
) -> None:
    """The control for the test above: without a wait, the lagging DISABLED state is reported, not hidden."""
    fleet = Fleet(emulator, tmp_path, 1, wait_timeout_seconds=0)
    client = emulator.client()
    user = client.create_user(OrganizationId=fleet.org, Name="newcomer", DisplayName="newcomer")["UserId"]
    fleet.admin.lag(50)
    client.register_to_work_mail(OrganizationId=fleet.org, EntityId=user, Email="newcomer@old.example")
    fleet.declared.clear()
    fleet.declare("newcomer", "newcomer@new.example")
    with pytest.raises(CommandError) as caught:
        fleet.stack.up()
    message = str(caught.value)
    assert "newcomer" in message and "DISABLED" in message and "register it to WorkMail" in message, message
    assert "Traceback" not in message


def _just_created_invisible_user(emulator: Emulator, fleet: Fleet, name: str, reads: int) -> str:
    """A user created and registered, whose next ``reads`` reads answer EntityNotFoundException.

    The admin API cannot express this alone: every write while ``lag_reads`` > 0 replaces the entity's
    lagging snapshot, so RegisterToWorkMail would turn "not found" into "DISABLED". The in-process backend's
    ``lag_reads`` is therefore switched off (without clearing pending lag) around the registration.
    """
    client = emulator.client()
    fleet.admin.lag(reads)
    user = str(client.create_user(OrganizationId=fleet.org, Name=name, DisplayName=name)["UserId"])
    emulator.backend.lag_reads = 0
    client.register_to_work_mail(OrganizationId=fleet.org, EntityId=user, Email=f"{name}@old.example")
    emulator.backend.lag_reads = reads
    return user


def test_id_of_a_just_created_user_that_is_not_found_yet_succeeds_within_the_wait(
    emulator: Emulator, tmp_path: Path, aws_isolated: dict[str, str], figures: Figures
) -> None:
    fleet = Fleet(emulator, tmp_path, 1)
    user = _just_created_invisible_user(emulator, fleet, "fresh", reads=3)
    probe = emulator.client()
    with pytest.raises(probe.exceptions.EntityNotFoundException):
        probe.describe_user(OrganizationId=fleet.org, UserId=user)  # the lag is real (and this used one read)
    fleet.declared.clear()
    fleet.declare("fresh", "fresh@new.example", entity_id=user)
    fleet.names, fleet.originals = ["fresh"], {"fresh": "fresh@old.example"}
    up = fleet.stack.up()
    assert "warning" not in up.stdout, up.stdout
    fleet.admin.lag(0)
    fleet.assert_converged()
    assert output(fleet.state()["fresh-primary"], "resolved_entity_id") == user
    figures.add("consistency.id_not_found_yet", operations_attempted=1, operations_converged=1)


def test_name_of_a_just_created_user_that_is_not_found_yet_fails_at_once_naming_it(
    emulator: Emulator, tmp_path: Path, aws_isolated: dict[str, str]
) -> None:
    """Only ids are waited for; a name that resolves to nothing is reported (the control for the test above)."""
    fleet = Fleet(emulator, tmp_path, 1)
    _just_created_invisible_user(emulator, fleet, "fresh", reads=1000)
    fleet.declared.clear()
    fleet.declare("fresh", "fresh@new.example")
    with pytest.raises(CommandError) as caught:
        fleet.stack.up()
    assert "fresh" in str(caught.value) and "check entity_id" in str(caught.value), str(caught.value)


@pytest.mark.parametrize("by", ["name", "id"])
def test_entity_aliases_on_a_user_registered_moments_ago_wait_until_it_is_enabled(
    by: str, emulator: Emulator, monkeypatch: pytest.MonkeyPatch, aws_isolated: dict[str, str], figures: Figures
) -> None:
    """RegisterToWorkMail has happened, but for a few reads the user still looks DISABLED: the create
    waits for it, then lists and adds as usual."""
    world = AliasWorld(emulator, monkeypatch)
    client = emulator.client()
    user = str(client.create_user(OrganizationId=world.org, Name="newcomer", DisplayName="newcomer")["UserId"])
    world.admin.lag(3)
    client.register_to_work_mail(OrganizationId=world.org, EntityId=user, Email="newcomer@example.com")
    _id, outs = world.create(["newcomer.a@new.example"], entity="newcomer" if by == "name" else user)
    world.admin.lag(0)
    assert outs["resolved_entity_id"] == user
    assert world.admin.stats().get("DescribeUser", 0) >= 2, "the first read still saw it DISABLED"
    assert world.live("newcomer") == {"newcomer.a@new.example"}
    figures.add("consistency.aliases_create_after_register", operations_attempted=1, operations_converged=1)
