"""`deleted_with`, on the offline runner and on the real CLI.

The engine skips a resource's provider Delete when the resource it is deleted with is deleted in the same
operation: the step is still shown and counted as a delete, but nothing the resource's ``on_delete`` would
restore is put back. The runner must skip exactly the same Deletes, or its results are not the CLI's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .conftest import Scenario


def _changes(result: Any) -> dict[str, int]:
    return {str(k): int(v) for k, v in result.summary.resource_changes.items() if v and k != "same"}


def _steps(result: Any) -> list[tuple[str, str]]:
    """The declared resources' steps (not the Stack's)."""
    return sorted((step.name, step.op) for step in result.steps if step.name.startswith("alice-") and step.op != "same")


def _aliases_deleted_with_primary(sc: Scenario) -> None:
    """alice's primary moved to alice@new.example, and an exclusive alias list deleted with it (which
    removed al@example.com and the old primary, alice@example.com)."""
    sc.declare("alice-primary", entity_id="alice", email="alice@new.example")
    sc.declare_aliases(
        "alice-aliases",
        entity_id="alice",
        aliases=["a1@new.example"],
        exclusive=True,
        depends_on=["alice-primary"],
        deleted_with="alice-primary",
    )
    sc.stack.up()
    assert sc.primary("alice") == "alice@new.example"
    assert sc.alias_set("alice") == {"a1@new.example"}


def _destroy(sc: Scenario) -> Any:
    return sc.stack.destroy()


def _remove_both(sc: Scenario) -> Any:
    sc.resources.clear()
    return sc.stack.up()


@pytest.mark.parametrize(
    ("delete", "deletes"),
    [(_destroy, 3), (_remove_both, 2)],  # a destroy deletes the Stack too
    ids=["destroy", "removed from the program"],
)
def test_deleting_the_resource_it_is_deleted_with_skips_its_delete(
    scenario: Scenario, delete: Callable[[Scenario], Any], deletes: int
) -> None:
    """The aliases' Delete would put al@example.com back and remove a1@new.example; deleted with the
    primary, it is never called, yet both backends still report and count its delete and drop it."""
    _aliases_deleted_with_primary(scenario)
    scenario.reset_stats()
    result = delete(scenario)
    assert _changes(result) == {"delete": deletes}
    assert _steps(result) == [("alice-aliases", "delete"), ("alice-primary", "delete")]
    assert scenario.primary("alice") == "alice@example.com", "the primary's own Delete restores it"
    assert scenario.alias_writes() == {}
    assert scenario.alias_set("alice") == {"a1@new.example", "alice@new.example"}, "the old primary stays an alias"
    assert scenario.resource_names() == []


def test_removing_only_the_dependent_still_deletes_it(scenario: Scenario) -> None:
    """``deleted_with`` skips a Delete only when the other resource goes too: kept, it leaves the aliases'
    own Delete to undo what they did."""
    _aliases_deleted_with_primary(scenario)
    del scenario.resources["alice-aliases"]
    scenario.reset_stats()
    result = scenario.stack.up()
    assert _steps(result) == [("alice-aliases", "delete")]
    assert scenario.alias_writes() == {"CreateAlias": 2, "DeleteAlias": 1}
    assert scenario.alias_set("alice") == {"al@example.com", "alice@example.com"}, "what the aliases removed"
    assert scenario.primary("alice") == "alice@new.example"


@pytest.mark.parametrize("delete_first", [True, False], ids=["delete-before-replace", "create-before-delete"])
def test_replacing_the_resource_it_is_deleted_with_skips_its_delete(scenario: Scenario, delete_first: bool) -> None:
    """A replaced resource's old half is deleted too, so the aliases removed from the program in the
    same ``up`` go without their Delete: a1@new.example stays, al@example.com is not put back."""
    _aliases_deleted_with_primary(scenario)
    scenario.declare(
        "alice-primary", entity_id="bob", email="bob@new.example", options={"delete_before_replace": delete_first}
    )
    del scenario.resources["alice-aliases"]
    scenario.reset_stats()
    scenario.stack.up()
    assert scenario.alias_writes() == {}
    assert scenario.alias_set("alice") == {"a1@new.example", "alice@new.example"}
    assert (scenario.primary("alice"), scenario.primary("bob")) == ("alice@example.com", "bob@new.example")
    assert scenario.resource_names() == ["default", "alice-primary"]
