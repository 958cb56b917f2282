"""A resource that another resource of the same stack takes over: renamed in the program (or replaced by
the engine without asking the provider, in ``tests/cli``). The engine creates the successor before it
deletes the old resource, so the old one's ``on_delete="restore"`` must not undo what its successor
declares. Renamed with an ``aliases`` option instead, it is the same resource under a new name: no create,
no delete, nothing asked of WorkMail."""

from __future__ import annotations

import pulumi
import pytest
from pulumi.automation import CommandError

from .conftest import Scenario

PRIMARY_TYPE = "pulumi-python:dynamic/workmail:EntityPrimaryEmail"


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


def test_a_primary_email_renamed_with_an_alias_keeps_its_state_entry_and_touches_nothing(scenario: Scenario) -> None:
    """The engine finds the old entry under the alias and diffs against it: the new name inherits its id and
    outputs, so ``original_email`` (what a destroy puts back) survives the rename."""
    scenario.declare("alice-primary", entity_id="alice", email="alice@new.example")
    scenario.stack.up()
    old_id = scenario.resource_id("alice-primary")

    del scenario.resources["alice-primary"]
    renamed = {"aliases": [pulumi.Alias(name="alice-primary")]}
    scenario.declare("alice-address", entity_id="alice", email="alice@new.example", options=renamed)
    scenario.reset_stats()
    preview = scenario.stack.preview()
    assert preview.change_summary == {"same": 2}
    up = scenario.stack.up()
    assert up.summary.resource_changes == {"same": 2}
    assert [step.op for step in up.steps if step.name == "alice-address"] == ["same"]
    assert scenario.writes() == 0
    assert scenario.resource_names() == ["default", "alice-address"]
    assert scenario.resource_id("alice-address") == old_id
    assert scenario.resource_outputs("alice-address")["original_email"] == "alice@example.com"

    scenario.stack.destroy()
    assert scenario.primary("alice") == "alice@example.com"


def test_an_alias_list_renamed_with_an_alias_keeps_what_it_added(scenario: Scenario) -> None:
    scenario.declare_aliases("alice-aliases", entity_id="alice", aliases=["alice@new.example"])
    scenario.stack.up()

    del scenario.resources["alice-aliases"]
    renamed = {"aliases": [pulumi.Alias(name="alice-aliases")]}
    scenario.declare_aliases("alice-addresses", entity_id="alice", aliases=["alice@new.example"], options=renamed)
    scenario.reset_stats()
    up = scenario.stack.up()
    assert up.summary.resource_changes == {"same": 2}
    assert scenario.alias_writes() == {}
    assert scenario.resource_outputs("alice-addresses")["added_aliases"] == ["alice@new.example"]

    scenario.stack.destroy()
    assert scenario.alias_set("alice") == {"al@example.com"}


def test_an_alias_that_matches_no_state_entry_is_ignored(scenario: Scenario) -> None:
    """As in the engine, an alias is only a place to look for an old entry: finding none, it is a create."""
    scenario.declare(
        "alice-address",
        entity_id="alice",
        email="alice@new.example",
        options={"aliases": [pulumi.Alias(name="nobody")]},
    )
    up = scenario.stack.up()
    assert up.summary.resource_changes == {"create": 2}
    assert scenario.primary("alice") == "alice@new.example"


def test_a_component_renamed_with_an_alias_brings_its_children_along(scenario: Scenario) -> None:
    """The engine gives each child of an aliased parent the alias its old URN implies (the parent's old name
    replacing the prefix of the child's), so the children need no aliases of their own."""
    scenario.declare_component("group")
    scenario.declare("group-alice", entity_id="alice", email="alice@new.example", options={"parent": "group"})
    scenario.stack.up()
    old_id = scenario.resource_id("group-alice")

    scenario.resources.clear()
    scenario.declare_component("team", options={"aliases": [pulumi.Alias(name="group")]})
    scenario.declare("team-alice", entity_id="alice", email="alice@new.example", options={"parent": "team"})
    scenario.reset_stats()
    up = scenario.stack.up()
    assert up.summary.resource_changes == {"same": 3}
    assert sorted(scenario.resource_names()) == ["default", "team", "team-alice"]
    assert scenario.resource_id("team-alice") == old_id
    assert scenario.writes() == 0


def test_aliases_follow_a_resource_across_type_and_parent_changes(scenario: Scenario) -> None:
    """An alias can name the old type, the old URN outright, or the old parent (none: the stack), each a
    same step for the resource and its entry moved under the new URN."""
    scenario.declare_component("team")
    scenario.declare("team-alice", entity_id="alice", email="alice@new.example", options={"parent": "team"})
    scenario.stack.up()
    scenario.reset_stats()

    # The component's type changes; its child's old URN follows from the parent's alias.
    scenario.declare_component("team", "acme:demo:Team", options={"aliases": [pulumi.Alias(type_="acme:demo:Group")]})
    assert scenario.stack.up().summary.resource_changes == {"same": 3}

    # The child moves to the top of the stack, aliased by its old URN.
    old_urn = f"urn:pulumi:test::scenarios::acme:demo:Team${PRIMARY_TYPE}::team-alice"
    scenario.declare_component("team", "acme:demo:Team")
    del scenario.resources["team-alice"]
    scenario.declare("alice", entity_id="alice", email="alice@new.example", options={"aliases": [old_urn]})
    assert scenario.stack.up().summary.resource_changes == {"same": 3}

    # And back under the component, aliased as having had no parent.
    moved = {"parent": "team", "aliases": [pulumi.Alias(parent=None)]}
    scenario.declare("alice", entity_id="alice", email="alice@new.example", options=moved)
    assert scenario.stack.up().summary.resource_changes == {"same": 3}
    urns = {r["urn"] for r in scenario.stack.export_state()["deployment"]["resources"]}
    assert f"urn:pulumi:test::scenarios::acme:demo:Team${PRIMARY_TYPE}::alice" in urns
    assert scenario.resource_outputs("alice")["original_email"] == "alice@example.com"
    assert scenario.writes() == 0


def test_two_resources_claiming_one_old_entry_fail_the_update(scenario: Scenario) -> None:
    scenario.declare("alice-primary", entity_id="alice", email="alice@new.example")
    scenario.stack.up()

    del scenario.resources["alice-primary"]
    claim = {"aliases": [pulumi.Alias(name="alice-primary")]}
    scenario.declare("alice-a", entity_id="alice", email="alice@new.example", options=claim)
    scenario.declare("alice-b", entity_id="alice", email="alice@new.example", options=claim)
    scenario.reset_stats()
    with pytest.raises(CommandError) as caught:
        scenario.stack.up()
    old, a, b = (
        f"urn:pulumi:test::scenarios::{PRIMARY_TYPE}::{name}" for name in ("alice-primary", "alice-a", "alice-b")
    )
    # Which of the two registers first, and so holds the entry, is up to the program's threads.
    assert any(
        f"Duplicate resource alias '{old}' applied to resource with URN '{x}' conflicting with resource with URN '{y}'"
        in str(caught.value)
        for x, y in ((a, b), (b, a))
    ), str(caught.value)
    assert scenario.writes() == 0
