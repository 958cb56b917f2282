"""`EntityPrimaryEmail.get` and `EntityAliases.get` on both backends: an entity read by its id, never owned.

The real CLI is the reference: the engine calls the provider's Read and records the resource as
external; a read is no row of its own and counts in the summary only when it finds something new; a
read resource leaving the stack is discarded, never deleted, so WorkMail is left as it is.
"""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.automation import CommandError

from pulumi_workmail import EntityAliases, EntityPrimaryEmail

from .conftest import Read, Scenario

PRIMARY = "pulumi-python:dynamic/workmail:EntityPrimaryEmail"
WRITES = {"UpdatePrimaryEmailAddress", "CreateAlias", "DeleteAlias"}


def steps(result: Any) -> list[tuple[str, str]]:
    return sorted((step.name, step.op) for step in result.steps)


def changes(result: Any) -> dict[str, int]:
    return {str(op): count for op, count in result.summary.resource_changes.items() if count}


def record(sc: Scenario, name: str) -> dict[str, Any]:
    found = [r for r in sc.stack.export_state()["deployment"]["resources"] if r["urn"].endswith(f"::{name}")]
    assert len(found) == 1, found
    return dict(found[0])


def read_alice(sc: Scenario) -> str:
    """Both resources read alice; the stack exports what they found."""
    entity = sc.read("alice-primary", "alice", EntityPrimaryEmail)
    sc.read("alice-aliases", "alice", EntityAliases)
    sc.exports = {
        "email": lambda made: made["alice-primary"].email,
        "type": lambda made: made["alice-primary"].entity_type,
        "name": lambda made: made["alice-primary"].entity_name,
        "aliases": lambda made: made["alice-aliases"].aliases,
    }
    return entity


def outputs(sc: Scenario) -> dict[str, Any]:
    return {key: value.value for key, value in sc.stack.outputs().items()}


def test_get_reads_the_entity_by_its_id_records_it_as_external_and_exports_what_it_found(scenario: Scenario) -> None:
    sc = scenario
    entity = read_alice(sc)
    sc.reset_stats()

    preview = sc.stack.preview()
    up = sc.stack.up()

    assert preview.change_summary == {"create": 1}
    assert steps(preview) == [("alice-aliases", "read"), ("alice-primary", "read"), ("scenarios-test", "create")]

    assert outputs(sc) == {"email": "alice@example.com", "type": "USER", "name": "alice", "aliases": ["al@example.com"]}
    assert steps(up) == [("alice-aliases", "read"), ("alice-primary", "read"), ("scenarios-test", "create")]
    assert changes(up) == {"create": 1}, "a first read is no change: only the stack is counted"
    assert f"read {PRIMARY} alice-primary" in up.stdout, "shown as the CLI shows it, on the stack's row"
    assert not WRITES & set(sc.calls())
    stored = record(sc, "alice-primary")
    assert (stored["id"], stored.get("external")) == (entity, True)
    assert set(stored["inputs"]) == {"__provider"}, "the inputs are what the program gave get: nothing"
    assert stored["outputs"]["email"] == "alice@example.com"

    again = sc.stack.up()
    assert changes(again) == {"same": 1}, "a read that finds what the stack recorded is not counted"

    sc.read("alice-primary", "bob", EntityPrimaryEmail)
    moved = sc.stack.up()
    assert changes(moved) == {"read": 1, "same": 1}, "a read that finds other outputs is counted"
    assert outputs(sc)["email"] == "bob@example.com"
    assert not WRITES & set(sc.calls())


def test_a_read_entity_leaving_the_program_or_the_stack_is_discarded_and_left_as_it_is(scenario: Scenario) -> None:
    sc = scenario
    read_alice(sc)
    sc.stack.up()
    sc.resources.pop("alice-aliases")
    sc.exports = {"email": lambda made: made["alice-primary"].email}
    sc.reset_stats()

    removed = sc.stack.up()

    assert changes(removed) == {"discard": 1, "same": 1}
    assert ("alice-aliases", "discard") in steps(removed)
    assert "alice-aliases" not in sc.resource_names()
    destroyed = sc.stack.destroy()
    assert changes(destroyed) == {"delete": 1, "discard": 1}, "only the stack is deleted"
    assert steps(destroyed) == [("alice-primary", "discard"), ("scenarios-test", "delete")]
    assert sc.resource_names() == []
    assert not WRITES & set(sc.calls()), "no provider Delete: nothing was written"
    assert (sc.primary("alice"), sc.aliases("alice")) == ("alice@example.com", ["al@example.com"])
    assert "Diagnostics:" not in destroyed.stdout


def test_a_get_with_an_id_that_is_not_one_fails_naming_the_form_it_needs(scenario: Scenario) -> None:
    sc = scenario
    sc.resources["alice-primary"] = Read(EntityPrimaryEmail, "alice")

    with pytest.raises(CommandError) as caught:
        sc.stack.up()

    text = str(caught.value) + str(getattr(caught.value, "stdout", ""))
    assert "EntityPrimaryEmail.get needs the id of an existing resource, <organization_id>/<entity id>" in text, text
    assert "got 'alice'" in text
    assert "Traceback" not in text
    assert sc.requests() == 0


@pytest.mark.parametrize("kind", [EntityPrimaryEmail, EntityAliases], ids=lambda kind: kind.__name__)
def test_a_get_of_an_entity_that_was_deleted_fails_naming_it(
    scenario: Scenario, kind: type[EntityPrimaryEmail] | type[EntityAliases]
) -> None:
    """The engine takes a Python dynamic provider's "gone" for a read with no outputs, not an error: the
    provider itself must fail, or the program gets empty outputs without a word."""
    sc = scenario
    bob = sc.entity_id("users", "bob")
    sc.wm.deregister_from_work_mail(OrganizationId=sc.org, EntityId=bob)
    sc.wm.delete_user(OrganizationId=sc.org, UserId=bob)
    entity = sc.read("bob", "bob", kind)
    sc.exports = {}

    with pytest.raises(CommandError) as caught:
        sc.stack.up()

    text = str(caught.value) + str(getattr(caught.value, "stdout", ""))
    assert f"{kind.__name__}.get found nothing to read at '{entity}': user bob ({bob}) in organization" in text, text
    assert "is deleted" in text
    assert "Traceback" not in text
    assert "bob" not in sc.resource_names()


def test_a_refresh_reads_a_got_entity_again_and_reports_its_drift_in_the_outputs(scenario: Scenario) -> None:
    sc = scenario
    sc.read("alice-primary", "alice", EntityPrimaryEmail)
    sc.exports = {"email": lambda made: made["alice-primary"].email}
    sc.stack.up()
    sc.wm.update_primary_email_address(
        OrganizationId=sc.org, EntityId=sc.entity_id("users", "alice"), Email="alice@new.example"
    )

    refresh = sc.stack.refresh()

    assert changes(refresh) == {"same": 1, "update": 1}
    drift = {step.name: (step.op, step.result_op, step.diffs) for step in refresh.steps}
    assert drift["alice-primary"] == ("refresh", "update", ("email",))
    assert sc.resource_outputs("alice-primary")["email"] == "alice@new.example"
    assert record(sc, "alice-primary").get("external") is True
    assert outputs(sc) == {"email": "alice@example.com"}, "a refresh does not run the program"

    up = sc.stack.up()
    assert changes(up) == {"same": 1}, "the read finds what the refresh recorded"
    assert outputs(sc) == {"email": "alice@new.example"}


def test_a_read_entity_the_program_declares_instead_is_created_and_the_read_discarded(scenario: Scenario) -> None:
    sc = scenario
    sc.read("alice-primary", "alice", EntityPrimaryEmail)
    sc.exports = {}
    sc.stack.up()
    sc.declare("alice-primary", entity_id="alice", email="alice@new.example")

    up = sc.stack.up()

    assert changes(up) == {"replace": 1, "same": 1}
    assert ("alice-primary", "replace") in steps(up)
    assert sc.primary("alice") == "alice@new.example"
    stored = record(sc, "alice-primary")
    assert "external" not in stored
    assert stored["outputs"]["original_email"] == "alice@example.com"
    sc.stack.destroy()
    assert sc.primary("alice") == "alice@example.com", "the declared resource is owned: its delete restores"


def test_a_declared_entity_the_program_reads_instead_is_let_go_of_under_its_id_and_replaced_under_another(
    scenario: Scenario,
) -> None:
    sc = scenario
    sc.declare("alice-primary", entity_id="alice", email="alice@new.example")
    sc.declare("bob-primary", entity_id="bob", email="bob@new.example")
    sc.exports = {}
    sc.stack.up()
    sc.read("alice-primary", "alice", EntityPrimaryEmail)
    sc.read("bob-primary", sc.entity_id("groups", "sales"), EntityPrimaryEmail)
    sc.reset_stats()

    up = sc.stack.up()

    assert changes(up) == {"read": 1, "replace": 1, "same": 1}
    assert sc.primary("alice") == "alice@new.example", "read under its own id: let go of, not deleted"
    assert sc.primary("bob") == "bob@example.com", "read under another id: the old one is deleted"
    assert sc.writes() == 1
    assert record(sc, "alice-primary").get("external") is True
    assert record(sc, "bob-primary")["outputs"]["email"] == "sales@example.com"
    sc.stack.destroy()
    assert sc.primary("alice") == "alice@new.example", "a read resource is discarded, never deleted"


def test_a_get_claims_nothing_so_a_program_may_read_an_entity_twice_and_manage_it_too(scenario: Scenario) -> None:
    """A get only looks: two gets of alice and the resources that manage her run side by side, through up,
    refresh and destroy, and only the declared ones change WorkMail."""
    sc = scenario
    sc.read("alice-seen", "alice", EntityPrimaryEmail)
    sc.read("alice-seen-again", "alice", EntityPrimaryEmail)
    sc.read("alice-aliases-seen", "alice", EntityAliases)
    sc.declare("alice-primary", entity_id="alice", email="alice@new.example")
    sc.declare_aliases("alice-aliases", entity_id="alice", aliases=["al@example.com", "al@new.example"])

    sc.stack.up()
    sc.stack.refresh()
    assert sc.primary("alice") == "alice@new.example"
    assert sc.alias_set("alice") == {"al@example.com", "al@new.example", "alice@example.com"}
    sc.stack.destroy()
    restored = {"al@example.com", "alice@new.example"}  # the restore swaps: the address it set stays an alias
    assert (sc.primary("alice"), sc.alias_set("alice")) == ("alice@example.com", restored)
