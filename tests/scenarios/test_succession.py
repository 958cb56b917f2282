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
    assert "alice@example.com, its primary address before this resource, is not put back" in up.stdout

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


def test_a_successor_that_retains_gets_a_warning_not_a_promise(scenario: Scenario) -> None:
    """The new resource keeps the address but will restore nothing (``on_delete="retain"``): the old one's
    delete must say the original is lost, not that the successor undoes the change."""
    scenario.declare("alice-primary", entity_id="alice", email="alice@new.example")
    scenario.stack.up()

    del scenario.resources["alice-primary"]
    scenario.declare("alice-kept", entity_id="alice", email="alice@new.example", on_delete="retain")
    up = scenario.stack.up()
    assert scenario.primary("alice") == "alice@new.example"
    assert "alice@example.com, its primary address before this resource, is not put back" in up.stdout, up.stdout
    assert "undoes this resource's change" not in up.stdout
    assert "renames it in place" in up.stdout, "the warning, with its advice, not the note"


def test_an_exclusive_list_renamed_to_fewer_aliases_names_what_its_new_name_will_put_back(
    scenario: Scenario,
) -> None:
    """The new name removes an alias the old name had added and records it as there before: the old
    name's delete cannot mend that record, so it says what destroying the new name will do."""
    scenario.declare_aliases("l1", entity_id="alice", aliases=["a@new.example", "b@new.example"], exclusive=True)
    scenario.stack.up()
    scenario.stack.refresh()

    del scenario.resources["l1"]
    scenario.declare_aliases("l2", entity_id="alice", aliases=["a@new.example"], exclusive=True)
    up = scenario.stack.up()
    assert scenario.alias_set("alice") == {"a@new.example"}
    assert "b@new.example, which it added, was removed by 'l2'" in up.stdout, up.stdout
    assert "so deleting 'l2' puts it back" in up.stdout


def test_a_primary_renamed_with_a_new_email_lets_an_exclusive_list_remove_the_old_one(scenario: Scenario) -> None:
    """The new name's create moves the primary (no diff of its own), so the list learns of the swap from it."""
    scenario.declare("p1", entity_id="alice", email="alice@new.example")
    scenario.declare_aliases(
        "aliases", entity_id="alice", aliases=["al@new.example"], exclusive=True, depends_on=["p1"]
    )
    scenario.stack.up()
    scenario.stack.refresh()

    del scenario.resources["p1"]
    scenario.declare("p2", entity_id="alice", email="alice2@new.example")
    scenario.declare_aliases(
        "aliases", entity_id="alice", aliases=["al@new.example"], exclusive=True, depends_on=["p2"]
    )
    up = scenario.stack.up()
    assert scenario.primary("alice") == "alice2@new.example"
    assert scenario.alias_set("alice") == {"al@new.example"}, up.stdout
    assert scenario.resource_outputs("aliases")["aliases"] == ["al@new.example"]
    assert "alice@new.example, its primary address before this resource" not in up.stdout, (
        "p1 never restores what p2 replaced"
    )
