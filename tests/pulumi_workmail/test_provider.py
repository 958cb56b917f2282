"""EntityPrimaryEmailProvider's lifecycle against the in-process WorkMail emulator.

Each test drives the provider class the way the dynamic-provider server does (``check``, ``diff``,
``create``, ``update``, ``read``, ``delete``) and checks the result both in the provider's answer and in
WorkMail itself (through a separate boto3 client). Request budgets are measured with the emulator's
``/_emulator/stats`` counters, reset right before the step being measured.
"""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from pulumi.dynamic import ConfigureRequest, CreateResult, ReadResult, UpdateResult
from pulumi.dynamic.config import Config

from pulumi_workmail.errors import WorkMailProviderError
from pulumi_workmail.journal import Journal
from pulumi_workmail.terms import Code

from .conftest import CREDENTIAL_VALUES, UNKNOWN_ORG, World, outs_of

pytestmark = pytest.mark.timeout(60)

STRICT_MODES = ("InvalidParameterException", "EmailAddressInUseException")
OUTPUT_KEYS = {"resolved_entity_id", "entity_type", "entity_name", "original_email", "email"}


# ----------------------------------------------------------------------------- helpers


def create(world: World, entity_id: str = "alice", email: str = "alice.new@example.com", **extra: Any) -> CreateResult:
    result = world.provider.create(world.props(entity_id, email, **extra))
    assert isinstance(result, CreateResult)
    return result


def olds_of(result: CreateResult | UpdateResult | ReadResult) -> dict[str, Any]:
    """What the engine passes back as ``olds``: the outputs plus the serialized provider."""
    outs = dict(result.outs or {})
    outs["__provider"] = "serialized-provider"
    return outs


def update(world: World, created: CreateResult, email: str, **extra: Any) -> UpdateResult:
    news = world.props(outs_of(created)["entity_id"], email, **extra)
    news["__provider"] = "serialized-provider"
    result = world.provider.update(created.id, olds_of(created), news)
    assert isinstance(result, UpdateResult)
    return result


def live_email(world: World, entity: str = "alice", entity_type: str = "USER") -> str | None:
    email = world.describe(entity, entity_type).get("Email")
    return None if email is None else str(email)


def lower_set(values: list[str]) -> set[str]:
    return {v.lower() for v in values}


def set_primary_by_hand(world: World, address: str, entity: str = "alice") -> None:
    """What an admin does in the console, outside Pulumi."""
    world.wm().update_primary_email_address(OrganizationId=world.org, EntityId=world.id_of(entity), Email=address)


def delete_user_by_hand(world: World, name: str) -> None:
    """Deregistered from WorkMail, then deleted, as the console does it."""
    wm = world.wm()
    wm.deregister_from_work_mail(OrganizationId=world.org, EntityId=world.id_of(name))
    wm.delete_user(OrganizationId=world.org, UserId=world.id_of(name))


def remove_alias_from_alice_and_give_it_to_bob(world: World, address: str) -> None:
    wm = world.wm()
    wm.delete_alias(OrganizationId=world.org, EntityId=world.id_of("alice"), Alias=address)
    wm.create_alias(OrganizationId=world.org, EntityId=world.id_of("bob"), Alias=address)


# ------------------------------------------------------------------ create: resolution

RESOLUTION_CASES = [
    # (how entity_id is given, entity name, type, original primary)
    ("user id", "alice", "USER", "alice@example.com"),
    ("user name", "alice", "USER", "alice@example.com"),
    ("user primary email", "alice", "USER", "alice@example.com"),
    ("user alias", "alice", "USER", "alice@example.com"),
    ("user name in other case", "alice", "USER", "alice@example.com"),
    ("group name", "sales", "GROUP", "sales@example.com"),
    ("group id", "sales", "GROUP", "sales@example.com"),
    ("group email", "sales", "GROUP", "sales@example.com"),
    ("resource name", "room-1", "RESOURCE", "room-1@example.com"),
    ("resource id", "room-1", "RESOURCE", "room-1@example.com"),
    ("resource email", "room-1", "RESOURCE", "room-1@example.com"),
]


def identifier_for(world: World, how: str, name: str) -> str:
    return {
        "user id": world.id_of(name),
        "user name": name,
        "user primary email": f"{name}@example.com",
        "user alias": "al@example.com",
        "user name in other case": name.upper(),
        "group name": name,
        "group id": world.id_of(name),
        "group email": f"{name}@example.com",
        "resource name": name,
        "resource id": world.id_of(name),
        "resource email": f"{name}@example.com",
    }[how]


@pytest.mark.parametrize(("how", "name", "entity_type", "original"), RESOLUTION_CASES)
def test_create_resolves_entity_and_records_identity_outputs(
    world: World, how: str, name: str, entity_type: str, original: str
) -> None:
    identifier = identifier_for(world, how, name)
    result = create(world, identifier, f"{name}.primary@example.com")

    entity_id = world.id_of(name)
    assert result.id == f"{world.org}/{entity_id}"
    outs = outs_of(result)
    assert outs["resolved_entity_id"] == entity_id
    assert outs["entity_type"] == entity_type
    assert outs["entity_name"] == name
    assert outs["original_email"] == original
    assert outs["email"] == f"{name}.primary@example.com"
    assert outs["entity_id"] == identifier, "entity_id is kept as given"
    assert outs["organization_id"] == world.org
    assert outs["on_delete"] == "restore"
    assert live_email(world, entity_id, entity_type) == f"{name}.primary@example.com"


def test_create_adopts_when_address_already_primary_without_writing(world: World) -> None:
    result = create(world, "alice", "alice@example.com")
    assert world.stats().get("UpdatePrimaryEmailAddress", 0) == 0
    assert result.id == f"{world.org}/{world.id_of('alice')}"
    assert outs_of(result)["email"] == "alice@example.com"
    assert outs_of(result)["original_email"] == "alice@example.com"
    assert lower_set(world.aliases(world.id_of("alice"))) == {"al@example.com"}


def test_create_adopts_case_insensitively(world: World) -> None:
    result = create(world, "alice", "Alice@Example.COM")
    assert world.stats().get("UpdatePrimaryEmailAddress", 0) == 0
    assert outs_of(result)["email"].lower() == "alice@example.com"
    assert outs_of(result)["original_email"] == "alice@example.com"


def test_create_to_new_address_appends_old_primary_as_alias(world: World) -> None:
    result = create(world, "alice", "alice.new@example.com")
    assert outs_of(result)["email"] == "alice.new@example.com"
    assert live_email(world) == "alice.new@example.com"
    assert lower_set(world.aliases(world.id_of("alice"))) == {"al@example.com", "alice@example.com"}


def test_create_to_existing_alias_swaps_it_with_primary(world: World) -> None:
    result = create(world, "alice", "al@example.com")
    assert outs_of(result)["email"] == "al@example.com"
    assert outs_of(result)["original_email"] == "alice@example.com"
    assert live_email(world) == "al@example.com"
    assert lower_set(world.aliases(world.id_of("alice"))) == {"alice@example.com"}


def test_create_after_one_interrupted_past_its_write_records_the_true_original(
    world: World, private_journal: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # What a create killed between UpdatePrimaryEmailAddress and the state save leaves behind.
    Journal(private_journal).remember(world.org, world.id_of("alice"), "alice@example.com", "alice.new@example.com")
    set_primary_by_hand(world, "alice.new@example.com")
    capsys.readouterr()

    created = create(world, "alice", "alice.new@example.com")

    assert outs_of(created)["original_email"] == "alice@example.com"
    out = capsys.readouterr().out
    assert "interrupted" in out and "alice@example.com" in out
    world.provider.delete(created.id, olds_of(created))
    assert live_email(world) == "alice@example.com"
    assert list(private_journal.iterdir()) == [], "destroy shows the stack had recorded it"


def test_finished_create_keeps_its_note_until_a_later_step_shows_the_stack_recorded_it(
    world: World, private_journal: Path
) -> None:
    """A create that finished but whose state was never saved (the CLI was killed while its provider ran on)."""
    finished = create(world, "alice", "alice.new@example.com")
    assert Journal(private_journal).recall(world.org, world.id_of("alice"), "alice.new@example.com") == (
        "alice@example.com"
    )
    again = create(world, "alice", "alice.new@example.com")  # the next up adopts it
    assert outs_of(again)["original_email"] == "alice@example.com"
    assert outs_of(finished) == outs_of(again)


@pytest.mark.parametrize("step", ["read", "update", "delete"])
def test_a_step_handed_the_recorded_outputs_removes_the_note(world: World, private_journal: Path, step: str) -> None:
    created = create(world, "alice", "alice.new@example.com")
    olds = olds_of(created)
    if step == "read":
        world.provider.read(created.id, olds)
    elif step == "update":
        update(world, created, "alice.newer@example.com")
    else:
        world.provider.delete(created.id, olds)
    assert list(private_journal.iterdir()) == []


def test_create_whose_write_fails_keeps_its_note_for_the_next_try(world: World, private_journal: Path) -> None:
    with pytest.raises(WorkMailProviderError):
        create(world, "alice", "bob@example.com")
    assert Journal(private_journal).recall(world.org, world.id_of("alice"), "bob@example.com") == "alice@example.com"
    created = create(world, "alice", "alice.new@example.com")
    assert outs_of(created)["original_email"] == "alice@example.com"


def test_adopt_ignores_a_note_for_another_address(world: World, private_journal: Path) -> None:
    Journal(private_journal).remember(world.org, world.id_of("alice"), "elsewhere@example.com", "x@example.com")
    created = create(world, "alice", "alice@example.com")
    assert outs_of(created)["original_email"] == "alice@example.com"


def test_create_with_unknown_name_fails_at_once_without_retrying(world: World) -> None:
    with pytest.raises(WorkMailProviderError) as caught:
        create(world, "nobody", "nobody@example.com", wait_timeout_seconds=5)
    assert caught.value.code == "EntityNotFoundException"
    assert world.total() == 3, "one Describe per entity type, no retries"
    assert "nobody" in caught.value.message
    assert world.total() <= 3
    assert world.stats().get("UpdatePrimaryEmailAddress", 0) == 0


# -------------------------------------------------------------------------------- update


def test_update_to_new_address_updates_in_place_and_keeps_all_outputs(world: World) -> None:
    created = create(world, "alice", "alice.new@example.com")
    updated = update(world, created, "alice.newer@example.com")

    assert live_email(world) == "alice.newer@example.com"
    assert lower_set(world.aliases(world.id_of("alice"))) == {
        "al@example.com",
        "alice@example.com",
        "alice.new@example.com",
    }
    outs = outs_of(updated)
    assert outs["email"] == "alice.newer@example.com"
    assert outs["original_email"] == "alice@example.com", "original_email is the primary before the FIRST change"
    assert set(outs_of(created)) <= set(outs), f"outputs dropped: {set(outs_of(created)) - set(outs)}"
    for key in ("resolved_entity_id", "entity_type", "entity_name", "organization_id", "entity_id", "on_delete"):
        assert outs[key] == outs_of(created)[key], key


def test_update_to_alias_swaps_and_keeps_original_email(world: World) -> None:
    created = create(world, "alice", "alice.new@example.com")
    updated = update(world, created, "al@example.com")
    assert live_email(world) == "al@example.com"
    assert lower_set(world.aliases(world.id_of("alice"))) == {"alice@example.com", "alice.new@example.com"}
    assert outs_of(updated)["email"] == "al@example.com"
    assert outs_of(updated)["original_email"] == "alice@example.com"
    assert set(outs_of(updated)) >= OUTPUT_KEYS


def test_update_back_to_original_swaps_original_back(world: World) -> None:
    created = create(world, "sales", "team@example.com")
    updated = update(world, created, "sales@example.com")
    assert live_email(world, "sales", "GROUP") == "sales@example.com"
    assert outs_of(updated)["original_email"] == "sales@example.com"
    assert outs_of(updated)["entity_type"] == "GROUP"
    assert lower_set(world.aliases(world.id_of("sales"))) == {"team@example.com"}


def test_update_of_only_on_delete_makes_no_workmail_request(world: World) -> None:
    created = create(world, "alice", "alice.new@example.com")
    world.reset_stats()
    updated = update(world, created, "alice.new@example.com", on_delete="retain")
    assert world.total() == 0, world.stats()
    assert outs_of(updated)["on_delete"] == "retain"
    assert outs_of(updated)["email"] == "alice.new@example.com"
    assert set(outs_of(updated)) >= OUTPUT_KEYS
    assert outs_of(updated)["original_email"] == "alice@example.com"


def test_update_switching_entity_id_to_same_entitys_id_makes_no_request(world: World) -> None:
    created = create(world, "alice", "alice.new@example.com")
    world.reset_stats()
    news = world.props(world.id_of("alice"), "alice.new@example.com")
    decision = world.provider.diff(created.id, olds_of(created), news)
    assert decision.changes and not decision.replaces
    updated = world.provider.update(created.id, olds_of(created), news)
    assert world.total() == 0, world.stats()
    assert outs_of(updated)["entity_id"] == world.id_of("alice")
    assert outs_of(updated)["resolved_entity_id"] == world.id_of("alice")
    assert outs_of(updated)["original_email"] == "alice@example.com"


def test_update_of_disabled_entity_fails_with_entity_state_message(world: World) -> None:
    created = create(world, "alice", "alice.new@example.com", wait_timeout_seconds=0.2)
    world.wm().deregister_from_work_mail(OrganizationId=world.org, EntityId=world.id_of("alice"))
    with pytest.raises(WorkMailProviderError) as caught:
        update(world, created, "alice.newer@example.com", wait_timeout_seconds=0.2)
    assert caught.value.code == "EntityStateException"
    message = caught.value.message
    assert "alice" in message
    assert "regist" in message.lower()
    assert "\n" not in message


def test_update_says_so_when_overwriting_an_address_changed_outside_pulumi(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    created = create(world, "alice", "alice.new@example.com")
    set_primary_by_hand(world, "console@example.com")
    capsys.readouterr()

    updated = update(world, created, "alice.newer@example.com")

    out = capsys.readouterr().out
    assert "warning" in out.lower()
    assert "console@example.com" in out, "names the address being overwritten"
    assert "alice.new@example.com" in out, "names what the stack recorded"
    assert "alice.newer@example.com" in out
    assert live_email(world) == "alice.newer@example.com"
    assert outs_of(updated)["email"] == "alice.newer@example.com"
    assert outs_of(updated)["original_email"] == "alice@example.com"


def test_update_without_outside_change_prints_nothing(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    created = create(world, "alice", "alice.new@example.com")
    capsys.readouterr()
    update(world, created, "alice.newer@example.com")
    assert capsys.readouterr().out == ""


def test_update_adopts_without_writing_when_someone_already_set_the_declared_address(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    created = create(world, "alice", "alice.new@example.com")
    set_primary_by_hand(world, "Alice.Newer@example.com")
    world.reset_stats()
    capsys.readouterr()

    updated = update(world, created, "alice.newer@example.com")

    assert world.stats().get("UpdatePrimaryEmailAddress", 0) == 0, world.stats()
    assert world.total() == 1
    assert capsys.readouterr().out == ""
    assert outs_of(updated)["email"].lower() == "alice.newer@example.com"
    assert outs_of(updated)["original_email"] == "alice@example.com"


def test_update_of_deleted_entity_fails_with_one_line_naming_it(world: World) -> None:
    created = create(world, "alice", "alice.new@example.com")
    delete_user_by_hand(world, "alice")
    with pytest.raises(WorkMailProviderError) as caught:
        update(world, created, "alice.newer@example.com", wait_timeout_seconds=0.2)
    assert "alice" in caught.value.message
    assert "\n" not in caught.value.message


# ---------------------------------------------------------------------------------- read


def test_read_returns_live_email_in_outputs_and_inputs_after_out_of_band_change(world: World) -> None:
    created = create(world, "alice", "alice.new@example.com")
    set_primary_by_hand(world, "console@example.com")
    world.reset_stats()
    result = world.provider.read(created.id, olds_of(created))

    assert world.total() == 1, world.stats()
    assert result.id == created.id
    assert outs_of(result)["email"] == "console@example.com"
    assert result.inputs is not None
    assert result.inputs["email"] == "console@example.com"
    assert result.inputs["organization_id"] == world.org
    assert result.inputs["entity_id"] == "alice"
    assert not set(result.inputs) & {"resolved_entity_id", "entity_type", "original_email"}
    for key in ("resolved_entity_id", "entity_type", "entity_name", "original_email"):
        assert outs_of(result)[key] == outs_of(created)[key], key


def test_a_read_by_id_alone_as_get_sends_it_describes_the_entity_and_names_it_by_id(world: World) -> None:
    group = world.id_of("sales")
    result = world.provider.read(f"{world.org}/{group}", {"__provider": "serialized-provider"})
    outs = outs_of(result)
    assert result.id == f"{world.org}/{group}"
    assert (outs["email"], outs["entity_type"], outs["entity_name"]) == ("sales@example.com", "GROUP", "sales")
    assert (outs["entity_id"], outs["organization_id"]) == (group, world.org)


def test_a_read_by_an_id_that_is_not_one_names_the_form_it_needs(world: World) -> None:
    with pytest.raises(WorkMailProviderError) as caught:
        world.provider.read("sales", {"__provider": "serialized-provider"})
    assert caught.value.code == Code.INVALID_ID
    assert "EntityPrimaryEmail.get needs the id of an existing resource" in caught.value.message
    assert world.total() == 0


def test_a_read_by_id_alone_of_an_entity_that_is_gone_fails_saying_what_it_looked_for(world: World) -> None:
    """A refresh drops a gone resource (an empty id); for a get the engine would give the program empty
    outputs without a word, so the provider fails instead."""
    bob = world.id_of("bob")
    delete_user_by_hand(world, "bob")
    with pytest.raises(WorkMailProviderError) as deleted:
        world.provider.read(f"{world.org}/{bob}", {"__provider": "serialized-provider"})
    missing = f"{world.org}/00000000-0000-0000-0000-000000000000"
    with pytest.raises(WorkMailProviderError) as unknown:
        world.provider.read(missing, {"__provider": "serialized-provider"})

    assert deleted.value.code == unknown.value.code == Code.NOTHING_TO_GET
    assert deleted.value.message == (
        f"EntityPrimaryEmail.get found nothing to read at '{world.org}/{bob}': user bob ({bob}) in organization "
        f"{world.org} is deleted."
    )
    assert unknown.value.message == (
        f"EntityPrimaryEmail.get found nothing to read at '{missing}': WorkMail has no entity of that id in "
        f"organization {world.org}."
    )


def test_read_without_drift_echoes_state(world: World) -> None:
    created = create(world, "room-1", "room.big@example.com")
    result = world.provider.read(created.id, olds_of(created))
    assert result.id == created.id
    assert outs_of(result)["email"] == "room.big@example.com"
    assert outs_of(result)["entity_type"] == "RESOURCE"


def test_read_of_deleted_entity_returns_empty_id(world: World) -> None:
    created = create(world, "bob", "bob.new@example.com")
    delete_user_by_hand(world, "bob")
    result = world.provider.read(created.id, olds_of(created))
    assert result.id == ""


def test_read_of_deleted_organization_returns_empty_id(world: World) -> None:
    created = create(world, "alice", "alice.new@example.com")
    world.wm().delete_organization(OrganizationId=world.org, DeleteDirectory=False, ForceDelete=True)
    result = world.provider.read(created.id, olds_of(created))
    assert result.id == ""


def test_read_of_unknown_organization_returns_empty_id(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    created = create(world, "alice", "alice.new@example.com")
    olds = olds_of(created)
    olds["organization_id"] = UNKNOWN_ORG
    result = world.provider.read(f"{UNKNOWN_ORG}/{olds['resolved_entity_id']}", olds)
    assert result.id == ""
    warning = capsys.readouterr().out
    assert f"warning: Organization {UNKNOWN_ORG} was not found in region us-east-1" in warning, warning
    assert "the stack forgets this resource, so destroy cannot undo its change" in warning
    assert "these credentials are not the ones this EntityPrimaryEmail was made with" in warning


def test_read_of_an_organization_of_another_region_drops_nothing_quietly(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """Other credentials or a region the stack recorded wrongly look the same as a deleted organization."""
    created = create(world, "alice", "alice.new@example.com")
    olds = {**olds_of(created), "resolved_region": "eu-west-1"}
    assert world.provider.read(created.id, olds).id == ""
    assert f"Organization {world.org} was not found in region eu-west-1" in capsys.readouterr().out


def test_read_of_a_deleted_entity_drops_it_without_a_warning(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    created = create(world, "bob", "bob.new@example.com")
    delete_user_by_hand(world, "bob")
    assert world.provider.read(created.id, olds_of(created)).id == ""
    assert "warning" not in capsys.readouterr().out


def test_read_of_a_record_from_before_regions_were_recorded_records_the_region(world: World) -> None:
    created = create(world, "alice", "alice.new@example.com")
    olds = olds_of(created)
    assert olds.pop("resolved_region") == "us-east-1", "a create records the region it was made in"
    assert outs_of(world.provider.read(created.id, olds))["resolved_region"] == "us-east-1"


def test_read_of_disabled_entity_keeps_it_without_email_and_warns(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    created = create(world, "bob", "bob.new@example.com")
    world.wm().deregister_from_work_mail(OrganizationId=world.org, EntityId=world.id_of("bob"))
    capsys.readouterr()
    result = world.provider.read(created.id, olds_of(created))

    assert result.id == created.id
    assert outs_of(result).get("email") is None
    assert outs_of(result)["resolved_entity_id"] == world.id_of("bob")
    printed = capsys.readouterr()
    text = printed.out + printed.err
    assert "bob" in text
    assert world.id_of("bob") in text
    assert "regist" in text.lower()


# -------------------------------------------------------------------------------- delete


def test_delete_with_restore_swaps_original_back(world: World) -> None:
    created = create(world, "alice", "alice.new@example.com")
    world.reset_stats()
    world.provider.delete(created.id, olds_of(created))
    assert world.total() <= 2, world.stats()
    assert live_email(world) == "alice@example.com"
    aliases = lower_set(world.aliases(world.id_of("alice")))
    assert aliases == {"al@example.com", "alice.new@example.com"}, "the managed address becomes an alias"


@pytest.mark.parametrize("same_address", ["noop", "InvalidParameterException", "EmailAddressInUseException"])
def test_delete_when_original_already_primary_writes_it_again_whatever_workmail_says_to_that(
    world: World, same_address: str
) -> None:
    """A read showing the original cannot tell a hand-made restore from WorkMail not yet showing our write."""
    created = create(world, "alice", "alice.new@example.com")
    set_primary_by_hand(world, "alice@example.com")
    world.settings(same_primary_update=same_address)
    world.reset_stats()
    world.provider.delete(created.id, olds_of(created))
    assert world.stats().get("UpdatePrimaryEmailAddress", 0) == 1
    assert live_email(world) == "alice@example.com"


def test_delete_of_a_resource_that_never_moved_the_address_makes_no_write(world: World) -> None:
    adopted = create(world, "alice", "alice@example.com")
    world.reset_stats()
    world.provider.delete(adopted.id, olds_of(adopted))
    assert world.stats().get("UpdatePrimaryEmailAddress", 0) == 0


def test_delete_of_adopted_resource_makes_no_write(world: World) -> None:
    created = create(world, "alice", "alice@example.com")
    world.reset_stats()
    world.provider.delete(created.id, olds_of(created))
    assert world.stats().get("UpdatePrimaryEmailAddress", 0) == 0
    assert live_email(world) == "alice@example.com"


def test_delete_with_retain_makes_no_request_and_leaves_address(world: World) -> None:
    created = create(world, "alice", "alice.new@example.com", on_delete="retain")
    world.reset_stats()
    world.provider.delete(created.id, olds_of(created))
    assert world.total() == 0, world.stats()
    assert live_email(world) == "alice.new@example.com"


def test_delete_when_entity_deleted_succeeds(world: World) -> None:
    created = create(world, "bob", "bob.new@example.com")
    delete_user_by_hand(world, "bob")
    world.provider.delete(created.id, olds_of(created))


def test_delete_when_organization_deleted_succeeds(world: World) -> None:
    created = create(world, "alice", "alice.new@example.com")
    world.wm().delete_organization(OrganizationId=world.org, DeleteDirectory=False, ForceDelete=True)
    world.provider.delete(created.id, olds_of(created))


def test_delete_when_organization_unknown_succeeds_and_warns_that_nothing_is_put_back(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    created = create(world, "alice", "alice.new@example.com")
    olds = olds_of(created)
    olds["organization_id"] = UNKNOWN_ORG
    world.provider.delete(f"{UNKNOWN_ORG}/{olds['resolved_entity_id']}", olds)
    warning = capsys.readouterr().out
    assert f"Organization {UNKNOWN_ORG} was not found in region us-east-1: nothing is put back." in warning, warning


def test_delete_when_original_now_used_elsewhere_fails_naming_cause_and_retain(world: World) -> None:
    created = create(world, "alice", "alice.new@example.com")
    remove_alias_from_alice_and_give_it_to_bob(world, "alice@example.com")
    with pytest.raises(WorkMailProviderError) as caught:
        world.provider.delete(created.id, olds_of(created))
    message = caught.value.message
    assert "\n" not in message
    assert "alice@example.com" in message
    assert "already used by" in message
    assert "bob" in message and world.id_of("bob") in message, "names who holds the address now"
    assert 'on_delete="retain"' in message
    assert live_email(world) == "alice.new@example.com", "nothing changed"


def test_delete_when_original_domain_gone_fails_naming_cause_and_retain(world: World) -> None:
    created = create(world, "alice", "alice.new@example.com")
    world.fault(operation="UpdatePrimaryEmailAddress", error="MailDomainNotFoundException", count=1)
    with pytest.raises(WorkMailProviderError) as caught:
        world.provider.delete(created.id, olds_of(created))
    message = caught.value.message
    assert "\n" not in message
    assert "example.com" in message
    assert "not registered" in message
    assert 'on_delete="retain"' in message


# -------------------------------------------------------- same-as-current strict switch


@pytest.mark.parametrize("mode", STRICT_MODES)
def test_strict_same_primary_mode_does_not_break_adopting_create(world: World, mode: str) -> None:
    world.settings(same_primary_update=mode)
    result = create(world, "alice", "alice@example.com")
    assert outs_of(result)["email"] == "alice@example.com"
    assert world.stats().get("UpdatePrimaryEmailAddress", 0) == 0


@pytest.mark.parametrize("mode", STRICT_MODES)
def test_strict_same_primary_mode_does_not_break_create_and_update(world: World, mode: str) -> None:
    world.settings(same_primary_update=mode)
    created = create(world, "alice", "alice.new@example.com")
    updated = update(world, created, "al@example.com")
    assert outs_of(updated)["email"] == "al@example.com"
    world.provider.delete(created.id, olds_of(updated))
    assert live_email(world) == "alice@example.com"


@pytest.mark.parametrize("check_before_update", ["true", "false"])
@pytest.mark.parametrize("mode", STRICT_MODES)
def test_strict_same_primary_mode_tolerated_when_state_is_stale(
    world: World, mode: str, check_before_update: str
) -> None:
    """State says alice.new, someone already set alice.newer by hand: updating to alice.newer must succeed,
    whether the update reads first (no write) or writes blind and WorkMail refuses a same-address write."""
    world.settings(same_primary_update=mode)
    configure(world, **{"workmail:checkBeforeUpdate": check_before_update})
    created = create(world, "alice", "alice.new@example.com")
    set_primary_by_hand(world, "alice.newer@example.com")
    world.reset_stats()
    updated = update(world, created, "alice.newer@example.com")
    assert outs_of(updated)["email"] == "alice.newer@example.com"
    assert live_email(world) == "alice.newer@example.com"
    assert world.stats().get("UpdatePrimaryEmailAddress", 0) == (1 if check_before_update == "false" else 0)


@pytest.mark.parametrize("mode", STRICT_MODES)
def test_strict_same_primary_mode_still_reports_real_conflicts(world: World, mode: str) -> None:
    world.settings(same_primary_update=mode)
    created = create(world, "alice", "alice.new@example.com")
    with pytest.raises(WorkMailProviderError) as caught:
        update(world, created, "bob@example.com")
    assert caught.value.code == "EmailAddressInUseException"
    assert "bob" in caught.value.message


# ------------------------------------------------------------------ eventual consistency


def test_create_polls_read_back_until_lagging_change_is_visible(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.lag(3)
    result = create(world, "alice", "alice.new@example.com")
    assert outs_of(result)["email"] == "alice.new@example.com"
    assert world.stats()["DescribeUser"] >= 1 + 4, "resolve, then 3 stale reads and the fresh one"
    assert "warning" not in capsys.readouterr().out.lower()


def test_update_polls_read_back_until_lagging_change_is_visible(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    created = create(world, "sales", "team@example.com")
    world.lag(3)
    world.reset_stats()
    updated = update(world, created, "sales.team@example.com")
    assert outs_of(updated)["email"] == "sales.team@example.com"
    assert world.stats()["DescribeGroup"] >= 4
    assert "warning" not in capsys.readouterr().out.lower()


def test_create_read_back_that_never_catches_up_warns_and_keeps_new_address(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.lag(1000)
    result = create(world, "alice", "alice.new@example.com", wait_timeout_seconds=0.2)
    assert outs_of(result)["email"] == "alice.new@example.com"
    out = capsys.readouterr().out
    assert "alice.new@example.com" in out
    assert "refresh" in out


def test_destroy_after_an_unconfirmed_create_restores_although_the_read_still_shows_the_original(
    world: World,
) -> None:
    """A read that shows the original may predate our own write: the restore is written all the same."""
    world.lag(1000)
    created = create(world, "alice", "alice.new@example.com", wait_timeout_seconds=0.2)
    world.provider.delete(created.id, olds_of(created))
    world.lag(0)
    assert live_email(world) == "alice@example.com"


def test_update_after_an_unconfirmed_create_does_not_call_our_own_write_a_hand_made_change(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.lag(1000)
    created = create(world, "alice", "alice.new@example.com", wait_timeout_seconds=0.2)
    capsys.readouterr()
    update(world, created, "alice.newer@example.com", wait_timeout_seconds=0.2)
    assert "changed outside Pulumi" not in capsys.readouterr().out
    world.lag(0)
    assert live_email(world) == "alice.newer@example.com"


def test_create_by_id_retries_entity_not_found_until_visible(world: World) -> None:
    world.fault(operation="DescribeUser", error="EntityNotFoundException", count=2)
    result = create(world, world.id_of("alice"), "alice.new@example.com")
    assert outs_of(result)["email"] == "alice.new@example.com"
    assert outs_of(result)["resolved_entity_id"] == world.id_of("alice")
    assert world.stats()["DescribeUser"] >= 3


def test_create_by_resource_id_retries_entity_not_found_until_visible(world: World) -> None:
    world.fault(operation="DescribeResource", error="EntityNotFoundException", count=2)
    result = create(world, world.id_of("room-1"), "room.big@example.com")
    assert outs_of(result)["email"] == "room.big@example.com"


def test_write_retries_entity_not_found_for_id_shaped_entity_id(world: World) -> None:
    """EntityNotFoundException is retried whenever entity_id is an id, not only while resolving."""
    world.fault(operation="UpdatePrimaryEmailAddress", error="EntityNotFoundException", count=2)
    result = create(world, world.id_of("alice"), "alice.new@example.com")
    assert outs_of(result)["email"] == "alice.new@example.com"
    assert world.stats()["UpdatePrimaryEmailAddress"] == 3


def test_create_by_name_does_not_retry_entity_not_found(world: World) -> None:
    world.fault(operation="DescribeUser", error="EntityNotFoundException", count=2)
    with pytest.raises(WorkMailProviderError) as caught:
        create(world, "alice", "alice.new@example.com", wait_timeout_seconds=5)
    assert caught.value.code == "EntityNotFoundException"
    assert world.total() <= 3, world.stats()


def test_create_by_unknown_id_gives_up_after_wait_timeout(world: World) -> None:
    missing = "12345678-1234-1234-1234-123456789012"
    started = time.monotonic()
    with pytest.raises(WorkMailProviderError) as caught:
        create(world, missing, "x@example.com", wait_timeout_seconds=0.3)
    elapsed = time.monotonic() - started
    assert elapsed >= 0.25, "it waited for the entity to appear"
    assert caught.value.code == "EntityNotFoundException"
    assert missing in caught.value.message


def test_create_waits_for_disabled_entity_to_be_registered(world: World) -> None:
    """An entity pulumi-aws created moments ago may still be DISABLED: create waits (bounded) for it."""
    carol = world.id_of("carol")
    wm = world.wm()

    def register_later() -> None:
        time.sleep(0.3)
        wm.register_to_work_mail(OrganizationId=world.org, EntityId=carol, Email="carol@example.com")

    thread = threading.Thread(target=register_later)
    thread.start()
    try:
        result = create(world, carol, "carol.new@example.com", wait_timeout_seconds=10)
    finally:
        thread.join()
    assert outs_of(result)["original_email"] == "carol@example.com"
    assert outs_of(result)["email"] == "carol.new@example.com"
    assert live_email(world, carol) == "carol.new@example.com"


@pytest.mark.parametrize("code", ["EntityStateException", "MailDomainStateException"])
def test_write_retries_consistency_errors_then_succeeds(world: World, code: str) -> None:
    world.fault(operation="UpdatePrimaryEmailAddress", error=code, count=2)
    result = create(world, "alice", "alice.new@example.com")
    assert outs_of(result)["email"] == "alice.new@example.com"
    assert world.stats()["UpdatePrimaryEmailAddress"] == 3
    assert live_email(world) == "alice.new@example.com"


def test_update_write_retries_entity_state_then_succeeds(world: World) -> None:
    created = create(world, "alice", "alice.new@example.com")
    world.fault(operation="UpdatePrimaryEmailAddress", error="EntityStateException", count=2)
    updated = update(world, created, "alice.newer@example.com")
    assert outs_of(updated)["email"] == "alice.newer@example.com"


def test_failed_read_back_after_successful_write_does_not_fail_create(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    # The first DescribeUser (resolve) passes, the second (read back, after the write) fails.
    world.fault(operation="DescribeUser", error="DirectoryUnavailableException", every=2, count=1)
    result = create(world, "alice", "alice.new@example.com")
    assert world.stats()["UpdatePrimaryEmailAddress"] == 1
    assert outs_of(result)["email"] == "alice.new@example.com"
    assert outs_of(result)["original_email"] == "alice@example.com"
    assert outs_of(result)["resolved_entity_id"] == world.id_of("alice")
    out = capsys.readouterr().out
    assert "warning" in out.lower()
    assert "alice.new@example.com" in out
    assert "refresh" in out
    assert live_email(world) == "alice.new@example.com"


def test_failed_read_back_after_successful_update_does_not_fail_update(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    created = create(world, "alice", "alice.new@example.com")
    # The update reads (1st DescribeUser), writes, reads back (2nd): only the read-back fails.
    world.reset_stats()
    world.fault(operation="DescribeUser", error="InternalFailure", status=500, every=2)
    updated = update(world, created, "alice.newer@example.com")
    assert world.stats().get("UpdatePrimaryEmailAddress") == 1
    assert outs_of(updated)["email"] == "alice.newer@example.com"
    assert outs_of(updated)["original_email"] == "alice@example.com"
    assert "warning" in capsys.readouterr().out.lower()


# ---------------------------------------------------------------------- request budgets


@pytest.mark.parametrize(
    ("how", "name", "cost", "budget"),
    [
        # (identifier, entity, requests it takes here, the most a create of it may take)
        ("user id", "alice", 3, 3),
        ("user primary email", "alice", 3, 3),
        ("user alias", "alice", 3, 3),
        ("user name", "alice", 3, 3),
        ("resource id", "room-1", 3, 3),
        # User and group ids are both UUIDs and DescribeEntity returns no primary address, so a group's
        # id, email or name needs a second Describe and a resource's email or name a third
        # (docs/entity-primary-email.md).
        ("group id", "sales", 4, 4),
        ("group email", "sales", 4, 4),
        ("resource email", "room-1", 5, 5),
        ("group name", "sales", 4, 5),
        ("resource name", "room-1", 5, 5),
    ],
)
def test_create_request_budget(world: World, how: str, name: str, cost: int, budget: int) -> None:
    """Exact counts, so an extra request is noticed even while still under the ceiling."""
    identifier = identifier_for(world, how, name)
    world.reset_stats()
    create(world, identifier, f"{name}.budget@example.com")
    assert world.stats().get("UpdatePrimaryEmailAddress") == 1
    assert world.total() == cost <= budget, world.stats()


@pytest.mark.parametrize(
    ("how", "name", "budget"),
    [
        ("user id", "alice", 3),
        ("user primary email", "alice", 3),
        ("user name", "alice", 3),
        ("resource id", "room-1", 3),
        ("group name", "sales", 5),
        ("resource name", "room-1", 5),
    ],
)
def test_adopt_costs_at_least_one_request_fewer_than_a_writing_create(
    world: World, how: str, name: str, budget: int
) -> None:
    identifier = identifier_for(world, how, name)
    world.reset_stats()
    create(world, identifier, f"{name}@example.com")
    adopt = world.total()
    assert world.stats().get("UpdatePrimaryEmailAddress", 0) == 0
    assert adopt <= budget - 1, world.stats()

    world.reset_stats()
    create(world, identifier, f"{name}.budget@example.com")
    writing = world.total()
    assert adopt <= writing - 1, (adopt, writing)


def test_update_request_budget(world: World) -> None:
    """By default: read (to notice a change made by hand), write, read back."""
    created = create(world, "sales", "team@example.com")
    world.reset_stats()
    update(world, created, "sales.team@example.com")
    assert world.total() == 3, world.stats()
    assert world.stats().get("UpdatePrimaryEmailAddress") == 1


def test_update_without_check_before_update_is_write_and_read_back(world: World) -> None:
    """workmail:checkBeforeUpdate=false brings an update down to two requests (write, read back)."""
    created = create(world, "sales", "team@example.com")
    configure(world, **{"workmail:checkBeforeUpdate": "false"})
    world.reset_stats()
    updated = update(world, created, "sales.team@example.com")
    assert world.total() == 2, world.stats()
    assert world.stats().get("UpdatePrimaryEmailAddress") == 1
    assert live_email(world, "sales", "GROUP") == "sales.team@example.com"
    outs = outs_of(updated)
    assert outs["email"] == "sales.team@example.com"
    assert outs["entity_name"] == "sales"
    assert outs["original_email"] == "sales@example.com"


def test_update_without_check_before_update_overwrites_a_hand_made_change_without_a_word(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """The documented price of the setting: only `pulumi up --refresh` would show the change first."""
    created = create(world, "alice", "alice.new@example.com")
    configure(world, **{"workmail:checkBeforeUpdate": "False"})
    set_primary_by_hand(world, "console@example.com")
    capsys.readouterr()
    update(world, created, "alice.newer@example.com")
    assert capsys.readouterr().out == ""
    assert live_email(world) == "alice.newer@example.com"
    assert "console@example.com" in lower_set(world.aliases(world.id_of("alice")))


@pytest.mark.parametrize(
    ("value", "reads_first"),
    [("true", True), ("YES", True), (True, True), ("", True), ("0", False), ("no", False), (False, False)],
)
def test_check_before_update_accepts_the_usual_boolean_spellings(
    world: World, value: str | bool, reads_first: bool
) -> None:
    """`pulumi config set` stores strings; a stack file may hold a YAML boolean."""
    created = create(world, "alice", "alice.new@example.com")
    world.provider.configure(ConfigureRequest(Config({"workmail:checkBeforeUpdate": value}, "workmail-test")))
    world.reset_stats()
    update(world, created, "alice.newer@example.com")
    assert world.total() == (3 if reads_first else 2), world.stats()


def test_unreadable_check_before_update_keeps_the_check_and_says_so(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    configure(world, **{"workmail:checkBeforeUpdate": "sometimes"})
    out = capsys.readouterr().out
    assert "workmail:checkBeforeUpdate" in out and "'sometimes'" in out and "true" in out
    created = create(world, "alice", "alice.new@example.com")
    world.reset_stats()
    update(world, created, "alice.newer@example.com")
    assert world.total() == 3, world.stats()


def test_read_request_budget_is_one_per_resource(world: World) -> None:
    results = [
        create(world, "alice", "alice.new@example.com"),
        create(world, "sales", "team@example.com"),
        create(world, "room-1", "room.big@example.com"),
    ]
    world.reset_stats()
    for result in results:
        world.provider.read(result.id, olds_of(result))
    assert world.total() == 3, world.stats()


def test_delete_with_restore_request_budget(world: World) -> None:
    created = create(world, "room-1", "room.big@example.com")
    world.reset_stats()
    world.provider.delete(created.id, olds_of(created))
    assert world.total() <= 2, world.stats()
    assert live_email(world, "room-1", "RESOURCE") == "room-1@example.com"


def test_delete_with_retain_request_budget_is_zero(world: World) -> None:
    created = create(world, "sales", "team@example.com", on_delete="retain")
    world.reset_stats()
    world.provider.delete(created.id, olds_of(created))
    assert world.total() == 0, world.stats()


def test_check_and_diff_make_no_request(world: World) -> None:
    created = create(world, "alice", "alice.new@example.com")
    world.reset_stats()
    provider = world.provider
    for _ in range(20):
        news_raw = {
            "organization_id": world.org,
            "entity_id": "alice",
            "email": "alice.newer@example.com",
            "wait_timeout_seconds": 2,
            "__provider": "serialized-provider",
        }
        checked = provider.check(olds_of(created), news_raw)
        assert checked.failures == []
        decision = provider.diff(created.id, olds_of(created), checked.inputs)
        assert decision.changes is True
        assert not decision.replaces
        # And a no-op preview (same inputs as the state).
        same = provider.check(olds_of(created), {**news_raw, "email": "alice.new@example.com"})
        assert provider.diff(created.id, olds_of(created), same.inputs).changes is False
    assert world.total() == 0, world.stats()


# ------------------------------------------------------------------- credential hygiene


def test_no_credential_value_appears_in_outputs(world: World) -> None:
    created = create(world, "alice", "alice.new@example.com")
    updated = update(world, created, "al@example.com")
    read = world.provider.read(created.id, olds_of(updated))
    blob = repr((created.id, created.outs, updated.outs, read.outs, read.inputs))
    for value in CREDENTIAL_VALUES:
        assert value not in blob


def test_provider_holds_no_client_or_credentials_after_use(world: World) -> None:
    create(world, "alice", "alice.new@example.com")
    state = repr(vars(world.provider))
    for value in CREDENTIAL_VALUES:
        assert value not in state
    assert "botocore" not in state and "boto3" not in state


# ---------------------------------------------------------------------------- configuration


def configure(world: World, **config: str) -> None:
    world.provider.configure(ConfigureRequest(Config(config, "workmail-test")))


def test_stack_aws_region_is_used_when_environment_has_none(world: World) -> None:
    world.monkeypatch.delenv("AWS_REGION")
    configure(world, **{"aws:region": "us-east-1"})
    result = create(world, "alice", "alice.new@example.com")
    assert outs_of(result)["email"] == "alice.new@example.com"


def test_resource_region_wins_over_stack_config_and_environment(world: World) -> None:
    configure(world, **{"aws:region": "us-west-2"})
    with pytest.raises(WorkMailProviderError) as caught:
        create(world, "alice", "alice.new@example.com", organization_id=UNKNOWN_ORG, region="eu-west-1")
    assert "eu-west-1" in caught.value.message
    assert "us-west-2" not in caught.value.message


def test_stack_aws_region_wins_over_environment(world: World) -> None:
    configure(world, **{"aws:region": "us-west-2"})
    with pytest.raises(WorkMailProviderError) as caught:
        create(world, "alice", "alice.new@example.com", organization_id=UNKNOWN_ORG)
    assert "us-west-2" in caught.value.message


def test_stack_aws_profile_wins_over_aws_profile_env(world: World) -> None:
    world.monkeypatch.setenv("AWS_PROFILE", "env-profile")
    configure(world, **{"aws:region": "us-east-1", "aws:profile": "stack-profile"})
    with pytest.raises(WorkMailProviderError) as caught:
        create(world)
    assert "stack-profile" in caught.value.message
    assert "\n" not in caught.value.message


def test_one_client_is_shared_by_concurrent_calls(world: World) -> None:
    targets = [("alice", "alice.c@example.com"), ("bob", "bob.c@example.com"), ("sales", "sales.c@example.com")]
    results: list[Any] = []
    errors: list[BaseException] = []

    def run(entity: str, email: str) -> None:
        try:
            results.append(create(world, entity, email))
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=run, args=target) for target in targets]
    threads += [threading.Thread(target=world.provider.check, args=({}, world.props())) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert len(results) == 3
    assert len(world.provider.pool) == 1


# ------------------------------------------------------------------ old or hand-edited state

RECORDED_BY_ID_ONLY = ("organization_id", "resolved_entity_id", "entity_type", "entity_name")


def test_refresh_of_state_missing_its_entity_fields_fills_them_from_the_id_and_workmail(world: World) -> None:
    created = create(world, "alice", "alice.new@example.com")
    olds = {k: v for k, v in olds_of(created).items() if k not in RECORDED_BY_ID_ONLY}
    read = world.provider.read(created.id, olds)
    assert read.id == created.id
    outs = outs_of(read)
    assert {k: outs[k] for k in RECORDED_BY_ID_ONLY} == {k: outs_of(created)[k] for k in RECORDED_BY_ID_ONLY}


def test_update_and_destroy_of_state_missing_its_entity_fields_work(world: World) -> None:
    created = create(world, "alice", "alice.new@example.com")
    olds = {k: v for k, v in olds_of(created).items() if k not in RECORDED_BY_ID_ONLY}
    updated = world.provider.update(created.id, olds, world.props("alice", "alice.newer@example.com"))
    assert outs_of(updated)["entity_type"] == "USER"
    assert live_email(world) == "alice.newer@example.com"
    stripped = {k: v for k, v in olds_of(updated).items() if k not in RECORDED_BY_ID_ONLY}
    world.provider.delete(created.id, stripped)
    assert live_email(world) == "alice@example.com"


def test_destroy_of_state_without_original_email_says_it_restores_nothing(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    created = create(world, "alice", "alice.new@example.com")
    olds = {k: v for k, v in olds_of(created).items() if k != "original_email"}
    world.reset_stats()
    world.provider.delete(created.id, olds)
    out = capsys.readouterr().out
    assert "no original_email" in out and "restores nothing" in out
    assert world.stats().get("UpdatePrimaryEmailAddress", 0) == 0
    assert live_email(world) == "alice.new@example.com"


@pytest.mark.parametrize("missing", ["organization_id", "resolved_entity_id"])
def test_state_that_cannot_be_completed_fails_with_one_line_naming_the_field(world: World, missing: str) -> None:
    created = create(world, "alice", "alice.new@example.com")
    olds = {k: v for k, v in olds_of(created).items() if k != missing}
    with pytest.raises(WorkMailProviderError) as caught:
        world.provider.read("not-an-id", olds)
    assert f"has no {missing}" in caught.value.message
    assert "\n" not in caught.value.message


def test_adopt_ignores_a_note_naming_an_address_the_entity_does_not_have(world: World, private_journal: Path) -> None:
    """A planted note must not choose what destroy makes primary."""
    set_primary_by_hand(world, "alice.new@example.com")
    Journal(private_journal).remember(world.org, world.id_of("alice"), "intruder@example.com", "alice.new@example.com")
    created = create(world, "alice", "alice.new@example.com")
    assert outs_of(created)["original_email"] == "alice.new@example.com"


def test_an_address_that_is_another_entitys_primary_says_to_give_that_entity_another_primary(world: World) -> None:
    with pytest.raises(WorkMailProviderError) as caught:
        create(world, "alice", "bob@example.com")
    message = caught.value.message
    assert "bob@example.com is already used by user bob (" in message
    assert "it is the primary address there, which cannot be removed: set another primary address for user bob" in (
        message
    )
    assert "remove it there" not in message


def test_an_address_that_is_another_entitys_alias_says_to_remove_it_there(world: World) -> None:
    with pytest.raises(WorkMailProviderError) as caught:
        create(world, "bob", "al@example.com")
    assert caught.value.message.endswith("; remove it there first."), caught.value.message
    assert "user alice (" in caught.value.message


# ------------------------------------------------------------------ waits a user can see


@pytest.mark.timeout(60)
def test_nothing_listening_at_the_endpoint_fails_without_waiting_out_the_timeout(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL_WORKMAIL", f"http://127.0.0.1:{port}")
    with pytest.raises(WorkMailProviderError) as caught:
        create(world, "alice", "alice.new@example.com", wait_timeout_seconds=3600)
    assert caught.value.code == "ConnectionError" and not caught.value.retryable
    assert "Could not reach WorkMail" in caught.value.message


class _NotWorkMail(http.server.BaseHTTPRequestHandler):
    """An endpoint that answers every call with the same canned reply (``server.reply``)."""

    server: _CannedServer

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, content_type, body = self.server.reply
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _CannedServer(http.server.ThreadingHTTPServer):
    reply: tuple[int, str, bytes]


@pytest.fixture
def not_workmail(monkeypatch: pytest.MonkeyPatch) -> Iterator[_CannedServer]:
    """The endpoint points at a server that is not WorkMail (or a WorkMail answering nonsense)."""
    server = _CannedServer(("127.0.0.1", 0), _NotWorkMail)
    server.reply = (200, "application/x-amz-json-1.1", b"{}")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("AWS_ENDPOINT_URL_WORKMAIL", f"http://127.0.0.1:{server.server_address[1]}")
    yield server
    server.shutdown()
    server.server_close()


_JSON = "application/x-amz-json-1.1"


@pytest.mark.timeout(60)  # an answer taken for "not enabled yet" would wait out the hour below
@pytest.mark.parametrize(
    ("content_type", "body", "why"),
    [
        (_JSON, b"{}", "it has no State"),
        ("text/html", b"<html><body>Welcome</body></html>", "it has no State"),
        (_JSON, b'{"UserId": "u-1", "State": "ASLEEP", "Name": "al"}', "its State is 'ASLEEP'"),
        (_JSON, b'{"UserId": "u-1", "State": "ENABLED", "Name": "al", "Email": 5}', "its Email is not an address"),
        (_JSON, b'{"UserId": "u-1", "State": "ENABLED", "Name": "al", "Email": "a\\nb@x.com"}', "its Email is not"),
        (_JSON, b'{"UserId": "u-1", "State": "ENABLED", "Name": ["al"]}', "its Name is not a string"),
        (_JSON, b'{"UserId": 7, "State": "ENABLED", "Name": "al"}', "its UserId is not a string"),
        (_JSON, b"[1, 2]", "could not be read"),
    ],
)
def test_a_describe_answer_that_is_not_workmail_fails_at_once_naming_the_endpoint(
    world: World, not_workmail: _CannedServer, content_type: str, body: bytes, why: str
) -> None:
    not_workmail.reply = (200, content_type, body)
    with pytest.raises(WorkMailProviderError) as caught:
        create(world, "12345678-1234-1234-1234-123456789012", "alice.new@example.com", wait_timeout_seconds=3600)
    error = caught.value
    assert error.code == "MalformedAnswer" and not error.retryable
    assert why in error.message, error.message
    assert f"127.0.0.1:{not_workmail.server_address[1]}" in error.message
    assert "AWS_ENDPOINT_URL_WORKMAIL" in error.message


@pytest.mark.timeout(60)
def test_an_endpoint_answering_a_bare_http_error_is_named_as_probably_not_workmail(
    world: World, not_workmail: _CannedServer
) -> None:
    not_workmail.reply = (404, "text/html", b"<html>Not Found</html>")
    with pytest.raises(WorkMailProviderError) as caught:
        create(world, "12345678-1234-1234-1234-123456789012", "alice.new@example.com", wait_timeout_seconds=3600)
    message = caught.value.message
    assert not caught.value.retryable
    assert "HTTP 404" in message and "may not be WorkMail" in message, message
    assert f"127.0.0.1:{not_workmail.server_address[1]}" in message


def test_a_wait_says_what_it_waits_for_and_its_end_names_wait_timeout_seconds(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    typo = "12345678-1234-1234-1234-123456789012"  # id-shaped, so it may be an entity not visible yet
    with pytest.raises(WorkMailProviderError) as caught:
        create(world, typo, "alice.new@example.com", wait_timeout_seconds=2.5)
    assert "still so after waiting wait_timeout_seconds=2.5 s" in caught.value.message
    notes = [line for line in capsys.readouterr().out.splitlines() if line.startswith("info: waiting for WorkMail")]
    assert notes, "the wait said what it was waiting for"
    assert all("of wait_timeout_seconds=2.5 s" in note and typo in note for note in notes), notes


def test_worker_threads_making_their_first_calls_together_share_one_process_state(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unconfigured (used directly), the provider builds its settings, clients and claims at the first
    call; two threads racing there must not get two sets, or a duplicate claim could go unseen."""
    from pulumi_workmail import provider as provider_module

    real_load = provider_module.Process.load

    def slow_load(config: Any, resource_type: str) -> Any:
        time.sleep(0.05)  # widen the window in which a second thread could build its own
        return real_load(config, resource_type)

    monkeypatch.setattr(provider_module.Process, "load", staticmethod(slow_load))
    fresh = provider_module.EntityPrimaryEmailProvider()
    with ThreadPoolExecutor(8) as pool:
        seen = set(map(id, pool.map(lambda _: fresh.claims, range(8))))
    assert len(seen) == 1
