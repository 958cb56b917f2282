"""A resource that another resource of the same stack takes over: renamed in the program (or replaced by
the engine without asking the provider, in ``tests/cli``). The engine creates the successor before it
deletes the old resource, so the old one's ``on_delete="restore"`` must not undo what its successor
declares."""

from __future__ import annotations

from .conftest import Scenario


def test_a_renamed_primary_email_leaves_the_address_to_its_new_name(scenario: Scenario) -> None:
    scenario.declare("alice-primary", entity_id="alice", email="alice@new.example")
    scenario.stack.up()
    scenario.stack.refresh()  # the stack has the create now: its journal note is gone

    scenario.rename("alice-primary", "alice-address")
    up = scenario.stack.up()
    assert up.summary.resource_changes.get("create") == 1
    assert up.summary.resource_changes.get("delete") == 1
    assert scenario.primary("alice") == "alice@new.example", "the old name's delete must not undo the new name"
    assert scenario.resource_outputs("alice-address")["email"] == "alice@new.example"
    assert "'alice-address' of this stack manages it now" in up.stdout, up.stdout
    assert "not put back to alice@example.com" in up.stdout

    again = scenario.stack.up()
    assert not {k for k, v in again.summary.resource_changes.items() if k != "same" and v}


def test_a_primary_email_renamed_right_after_its_create_still_restores_on_destroy(scenario: Scenario) -> None:
    scenario.declare("alice-primary", entity_id="alice", email="alice@new.example")
    scenario.stack.up()

    scenario.rename("alice-primary", "alice-address")
    up = scenario.stack.up()
    assert scenario.primary("alice") == "alice@new.example"
    # The old name's create note is still there, so the new name records the primary from before it.
    assert scenario.resource_outputs("alice-address")["original_email"] == "alice@example.com"
    assert "renamed" in up.stdout, up.stdout

    scenario.stack.destroy()
    assert scenario.primary("alice") == "alice@example.com"


def test_a_resource_renamed_and_applied_with_up_refresh_is_created_under_its_new_name(scenario: Scenario) -> None:
    """The refresh reads the old name, which the program no longer declares, in the update's own provider
    process: that read must not make the new name a second resource on the entity."""
    scenario.declare("alice-primary", entity_id="alice", email="alice@new.example")
    scenario.stack.up()

    scenario.rename("alice-primary", "alice-address")
    scenario.stack.up(refresh=True)
    assert scenario.primary("alice") == "alice@new.example"
    assert scenario.resource_names() == ["default", "alice-address"]


def test_a_renamed_alias_list_keeps_what_its_new_name_declares(scenario: Scenario) -> None:
    scenario.declare_aliases("alice-aliases", entity_id="alice", aliases=["alice@new.example", "ali@new.example"])
    scenario.stack.up()
    scenario.stack.refresh()

    scenario.declare_aliases("alice-addresses", entity_id="alice", aliases=["alice@new.example"])
    del scenario.resources["alice-aliases"]
    up = scenario.stack.up()
    assert scenario.alias_set("alice") == {"al@example.com", "alice@new.example"}, (
        "the old name takes back only what the new name does not declare"
    )
    assert "'alice-addresses' of this stack manages it now" in up.stdout, up.stdout
    assert scenario.resource_outputs("alice-addresses")["aliases"] == ["alice@new.example"]
