"""Whole-program lifecycle scenarios, run on the offline runner always and on the real CLI where it exists.

Each scenario declares `EntityPrimaryEmail` resources in an inline program, drives the stack through the
same verbs a user types (preview, up, refresh, destroy), and checks both what Pulumi reports and what
WorkMail (the emulator) actually holds.
"""

from __future__ import annotations

import re

import pytest
from pulumi.automation import CommandError

from .conftest import Scenario


def test_preview_creates_nothing_then_up_creates_and_second_up_is_a_noop(scenario: Scenario) -> None:
    scenario.declare("alice-primary", entity_id="alice", email="alice@new.example")
    scenario.reset_stats()
    preview = scenario.stack.preview()
    assert preview.change_summary.get("create") == 2, "the resource and, as the engine counts it, the stack"
    assert scenario.writes() == 0, "preview must not write to WorkMail"
    assert scenario.primary("alice") == "alice@example.com"

    up = scenario.stack.up()
    assert up.summary.resource_changes.get("create") == 2
    assert scenario.primary("alice") == "alice@new.example"
    outputs = {k: v.value for k, v in scenario.stack.outputs().items()}
    assert outputs["alice-primary.original_email"] == "alice@example.com"
    assert outputs["alice-primary.entity_type"] == "USER"

    scenario.reset_stats()
    again = scenario.stack.up()
    assert again.summary.resource_changes.get("same") == 2
    assert not {k for k, v in again.summary.resource_changes.items() if k != "same" and v}
    assert scenario.requests() == 0, "a no-op up makes no WorkMail request"


def test_email_change_updates_in_place_and_alias_swaps(scenario: Scenario) -> None:
    scenario.declare("alice-primary", entity_id="alice", email="alice@new.example")
    scenario.stack.up()
    alice_id = scenario.entity_id("users", "alice")

    scenario.declare("alice-primary", entity_id="alice", email="alice.liddell@new.example")
    preview = scenario.stack.preview()
    assert preview.change_summary.get("update") == 1
    step = next(s for s in preview.steps if s.name == "alice-primary")
    assert "email" in step.diffs
    up = scenario.stack.up()
    assert up.summary.resource_changes.get("update") == 1
    assert scenario.primary("alice") == "alice.liddell@new.example"
    assert scenario.describe("alice")["UserId"] == alice_id, "the user is not recreated"
    assert {"alice@new.example", "alice@example.com", "al@example.com"} <= set(scenario.aliases("alice"))

    scenario.declare("alice-primary", entity_id="alice", email="al@example.com")
    scenario.stack.up()
    assert scenario.primary("alice") == "al@example.com"
    aliases = scenario.aliases("alice")
    assert "al@example.com" not in aliases
    assert "alice.liddell@new.example" in aliases
    assert len(aliases) == 3, "a swap keeps the alias count"


@pytest.mark.parametrize("change", ["entity_id", "organization_id"])
def test_pointing_at_another_entity_previews_a_replace(scenario: Scenario, change: str) -> None:
    scenario.declare("primary", entity_id="alice", email="alice@new.example")
    scenario.stack.up()
    if change == "entity_id":
        scenario.declare("primary", entity_id="bob", email="bob@new.example")
    else:
        scenario.declare("primary", entity_id="alice", email="alice@new.example", organization_id=scenario.other_org)
    preview = scenario.stack.preview()
    assert preview.change_summary.get("replace") == 1
    step = next(s for s in preview.steps if s.name == "primary")
    assert change in step.diffs
    assert scenario.primary("alice") == "alice@new.example", "preview changed nothing"


def test_switching_name_to_id_is_not_a_replace(scenario: Scenario) -> None:
    scenario.declare("primary", entity_id="alice", email="alice@new.example")
    scenario.stack.up()
    scenario.declare("primary", entity_id=scenario.entity_id("users", "alice"), email="alice@new.example")
    scenario.reset_stats()
    up = scenario.stack.up()
    assert up.summary.resource_changes.get("replace", 0) == 0
    assert up.summary.resource_changes.get("update") == 1
    assert scenario.writes() == 0


@pytest.mark.parametrize("kind", ["primary", "aliases"])
def test_switching_to_one_of_the_entitys_aliases_is_an_update_not_a_replace(scenario: Scenario, kind: str) -> None:
    """The record knows the entity's id, name and primary, not its aliases: the diff looks the new name up
    rather than replace (which would restore the address, then set it again)."""
    if kind == "primary":
        scenario.declare("primary", entity_id="alice", email="alice@new.example")
    else:
        scenario.declare_aliases("primary", entity_id="alice", aliases=["al@new.example"])
    scenario.stack.up()
    if kind == "primary":
        scenario.declare("primary", entity_id="AL@example.com", email="alice@new.example")
    else:
        scenario.declare_aliases("primary", entity_id="AL@example.com", aliases=["al@new.example"])
    assert scenario.stack.preview().change_summary.get("replace", 0) == 0
    scenario.reset_stats()
    up = scenario.stack.up()
    assert up.summary.resource_changes.get("replace", 0) == 0
    assert up.summary.resource_changes.get("update") == 1
    assert scenario.writes() == 0 and not any(scenario.alias_writes().values())
    assert scenario.resource_outputs("primary")["entity_id"] == "AL@example.com"


def test_out_of_band_change_shows_as_drift_and_next_up_restores(scenario: Scenario) -> None:
    scenario.declare("alice-primary", entity_id="alice", email="alice@new.example")
    scenario.stack.up()
    scenario.wm.update_primary_email_address(
        OrganizationId=scenario.org, EntityId=scenario.entity_id("users", "alice"), Email="al@example.com"
    )
    refresh = scenario.stack.refresh()
    assert refresh.summary.resource_changes.get("update") == 1
    assert scenario.resource_outputs("alice-primary")["email"] == "al@example.com"

    up = scenario.stack.up()
    assert up.summary.resource_changes.get("update") == 1
    assert scenario.primary("alice") == "alice@new.example"


def test_update_reads_first_and_says_so_unless_stack_config_turns_it_off(scenario: Scenario) -> None:
    scenario.declare("alice-primary", entity_id="alice", email="alice@new.example")
    scenario.stack.up()
    alice = scenario.entity_id("users", "alice")
    scenario.wm.update_primary_email_address(OrganizationId=scenario.org, EntityId=alice, Email="al@example.com")

    scenario.declare("alice-primary", entity_id="alice", email="alice.liddell@new.example")
    scenario.reset_stats()
    up = scenario.stack.up()
    assert "changed outside Pulumi to al@example.com" in up.stdout
    assert scenario.requests() == 3, scenario.calls()

    scenario.stack.set_config("workmail:checkBeforeUpdate", "false")
    scenario.wm.update_primary_email_address(OrganizationId=scenario.org, EntityId=alice, Email="al@example.com")
    scenario.declare("alice-primary", entity_id="alice", email="alice@new.example")
    scenario.reset_stats()
    up = scenario.stack.up()
    assert "changed outside Pulumi" not in up.stdout
    assert scenario.requests() == 2, scenario.calls()
    assert scenario.primary("alice") == "alice@new.example"


def test_up_with_refresh_reads_a_hand_made_change_before_replacing_it(scenario: Scenario) -> None:
    """README: with checkBeforeUpdate off, `pulumi up --refresh` is how a hand-made change shows first."""
    scenario.declare("alice-primary", entity_id="alice", email="alice@new.example")
    scenario.stack.up()
    scenario.stack.set_config("workmail:checkBeforeUpdate", "false")
    scenario.wm.update_primary_email_address(
        OrganizationId=scenario.org, EntityId=scenario.entity_id("users", "alice"), Email="al@example.com"
    )

    scenario.declare("alice-primary", entity_id="alice", email="alice.liddell@new.example")
    scenario.reset_stats()
    up = scenario.stack.up(refresh=True)

    assert [s.op for s in up.steps if s.name == "alice-primary"] == ["refresh", "update"]
    update = next(s for s in up.steps if s.name == "alice-primary" and s.op == "update")
    assert update.old is not None and update.old["outputs"]["email"] == "al@example.com", "the diff shows it"
    assert scenario.calls() == {"DescribeUser": 2, "UpdatePrimaryEmailAddress": 1}, "refresh read, write, read-back"
    assert scenario.primary("alice") == "alice.liddell@new.example"
    assert "al@example.com" in scenario.aliases("alice")


def test_entity_deleted_out_of_band_is_dropped_by_refresh(scenario: Scenario) -> None:
    scenario.declare("bob-primary", entity_id="bob", email="bob@new.example")
    scenario.stack.up()
    bob = scenario.entity_id("users", "bob")
    scenario.wm.deregister_from_work_mail(OrganizationId=scenario.org, EntityId=bob)
    scenario.wm.delete_user(OrganizationId=scenario.org, UserId=bob)
    refresh = scenario.stack.refresh()
    assert refresh.summary.resource_changes.get("delete") == 1
    assert "bob-primary" not in scenario.resource_names()


@pytest.mark.parametrize(("on_delete", "expected"), [("restore", "alice@example.com"), ("retain", "alice@new.example")])
def test_destroy_restores_or_retains(scenario: Scenario, on_delete: str, expected: str) -> None:
    scenario.declare("alice-primary", entity_id="alice", email="alice@new.example", on_delete=on_delete)
    scenario.stack.up()
    scenario.reset_stats()
    destroy = scenario.stack.destroy()
    assert destroy.summary.resource_changes.get("delete") == 2
    if on_delete == "retain":
        assert scenario.requests() == 0, "retain makes no WorkMail call"
    assert scenario.primary("alice") == expected


def test_invalid_input_fails_preview_naming_the_property(scenario: Scenario) -> None:
    scenario.declare("alice-primary", entity_id="alice", email="not-an-address")
    scenario.reset_stats()
    with pytest.raises(CommandError) as caught:
        scenario.stack.preview()
    text = str(caught.value)
    assert "property email" in text and "has a problem" in text
    assert scenario.requests() == 0


def test_address_owned_elsewhere_fails_up_then_corrected_up_succeeds(scenario: Scenario) -> None:
    scenario.declare("alice-primary", entity_id="alice", email="bob@example.com")
    with pytest.raises(CommandError) as caught:
        scenario.stack.up()
    text = str(caught.value)
    assert "bob@example.com is already used by user bob" in text
    assert "Traceback" not in text
    assert scenario.primary("alice") == "alice@example.com"
    assert not scenario.stack.outputs(), "the failed create left nothing in state"

    scenario.declare("alice-primary", entity_id="alice", email="alice@new.example")
    up = scenario.stack.up()
    assert up.summary.resource_changes.get("create") == 1, "the stack itself was created by the failed up"
    assert scenario.primary("alice") == "alice@new.example"


def test_domain_migration_of_50_entities(scenario: Scenario) -> None:
    names = scenario.add_users(50)
    for name in names:
        scenario.declare(f"primary-{name}", entity_id=name, email=f"{name}@new.example")
    up = scenario.stack.up()
    assert up.summary.resource_changes.get("create") == 51
    assert all(scenario.primary(name) == f"{name}@new.example" for name in names)

    scenario.reset_stats()
    refresh = scenario.stack.refresh()
    assert refresh.summary.resource_changes.get("same") == 51
    assert scenario.writes() == 0

    destroy = scenario.stack.destroy()
    assert destroy.summary.resource_changes.get("delete") == 51
    assert all(scenario.primary(name) == f"{name}@old.example" for name in names)


def test_two_resources_on_one_entity_fail_naming_the_other_before_the_second_writes(scenario: Scenario) -> None:
    scenario.declare("by-name", entity_id="alice", email="alice@new.example")
    scenario.declare("by-email", entity_id="alice@example.com", email="alice.liddell@new.example")
    scenario.reset_stats()
    with pytest.raises(CommandError) as caught:
        scenario.stack.up()
    text = str(caught.value)
    assert re.search(r"user alice \(.*\) in organization .* is already managed by the resource 'by-(name|email)'", text)
    assert "declare one EntityPrimaryEmail per entity" in text
    assert "Traceback" not in text
    assert scenario.writes() == 1, "only the first to claim alice wrote"


def test_replace_on_changes_leaves_a_change_in_place_as_the_engine_does(scenario: Scenario) -> None:
    """The engine matches ``replace_on_changes`` against the keys a provider's diff names, and a Python
    dynamic provider names none: the option never replaces these resources."""
    options = {"replace_on_changes": ["email"]}
    scenario.declare("alice-primary", entity_id="alice", email="alice@new.example", options=options)
    scenario.stack.up()

    scenario.declare("alice-primary", entity_id="alice", email="alice.liddell@new.example", options=options)
    up = scenario.stack.up()
    assert up.summary.resource_changes.get("update") == 1, up.summary.resource_changes
    assert scenario.primary("alice") == "alice.liddell@new.example"
    assert scenario.resource_outputs("alice-primary")["original_email"] == "alice@example.com"
