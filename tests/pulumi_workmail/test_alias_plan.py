"""The pure decisions of EntityAliases: what to add and remove, and what the state records for a delete."""

from __future__ import annotations

import pytest

from pulumi_workmail import alias_plan
from pulumi_workmail.alias_plan import (
    AliasPlan,
    Record,
    addresses,
    kept_for_successor,
    over_limit,
    plan,
    previewed,
    recovered,
)


def test_addresses_drop_repeats_without_regard_to_case_keeping_the_first_spelling() -> None:
    assert addresses(["B@x.com", "a@x.com", "b@X.com"]) == ("a@x.com", "B@x.com")


def test_a_non_exclusive_plan_adds_what_is_missing_and_leaves_other_aliases() -> None:
    step = plan(["a@x.com", "b@x.com"], ["A@X.com", "other@x.com"], exclusive=False)
    assert step == AliasPlan(add=("b@x.com",), remove=())


def test_an_exclusive_plan_also_removes_every_undeclared_alias() -> None:
    step = plan(["a@x.com"], ["a@x.com", "old@y.com", "other@x.com"], exclusive=True)
    assert step == AliasPlan(add=(), remove=("old@y.com", "other@x.com"))


def test_a_non_exclusive_plan_removes_aliases_dropped_from_the_declaration_that_are_still_there() -> None:
    step = plan(["a@x.com"], ["a@x.com", "b@x.com", "other@x.com"], exclusive=False, dropped=["b@x.com", "c@x.com"])
    assert step == AliasPlan(add=(), remove=("b@x.com",))


@pytest.mark.parametrize("exclusive", [True, False])
def test_an_alias_the_resource_added_and_no_longer_wants_is_removed_even_where_the_list_lacks_it(
    exclusive: bool,
) -> None:
    """A list read soon after the resource's own writes may not show them yet; the record does."""
    step = plan(
        ["b@x.com", "c@x.com"],
        ["old@x.com"],
        exclusive=exclusive,
        dropped=["a@x.com"],
        own=["a@x.com", "b@x.com"],
    )
    assert step.remove == (("a@x.com", "old@x.com") if exclusive else ("a@x.com",))
    assert step.add == ("b@x.com", "c@x.com"), "an own alias still wanted is added again: that changes nothing"


def test_an_alias_the_resource_did_not_add_is_removed_only_where_the_list_shows_it() -> None:
    step = plan(["b@x.com"], ["b@x.com"], exclusive=True, dropped=["a@x.com"], own=["b@x.com"])
    assert step == AliasPlan(add=(), remove=())


def test_the_limit_counts_the_aliases_after_the_step() -> None:
    live = [f"a{i}@x.com" for i in range(99)]
    assert over_limit(plan([*live, "new@x.com"], live, exclusive=False), live) == 0
    assert over_limit(plan([*live, "n1@x.com", "n2@x.com"], live, exclusive=False), live) == 101
    # removing first makes room
    assert over_limit(plan([*live[1:], "n1@x.com", "n2@x.com"], live, exclusive=True), live) == 0


def test_the_record_keeps_what_was_added_and_what_was_there_before_and_removed() -> None:
    record = Record().after(AliasPlan(add=("new@x.com",), remove=("old@x.com",)))
    assert record == Record(added=("new@x.com",), removed=("old@x.com",))


def test_an_alias_added_then_removed_again_is_in_neither_list() -> None:
    record = Record(added=("new@x.com",)).after(AliasPlan(add=(), remove=("NEW@x.com",)))
    assert record == Record()


def test_an_alias_removed_then_declared_again_is_in_neither_list() -> None:
    record = Record(removed=("old@x.com",)).after(AliasPlan(add=("old@x.com",), remove=()))
    assert record == Record()


def test_undo_puts_back_what_was_removed_and_removes_what_was_added() -> None:
    assert Record(added=("n@x.com",), removed=("o@x.com",)).undo() == AliasPlan(add=("o@x.com",), remove=("n@x.com",))


def test_a_sequence_of_steps_undone_leaves_the_aliases_the_entity_had_at_create() -> None:
    before = {"keep@x.com", "old@x.com", "other@x.com"}
    live, record = set(before), Record()
    for declared, exclusive in ((["keep@x.com", "a@x.com"], True), (["a@x.com", "b@x.com", "old@x.com"], True)):
        step = plan(declared, live, exclusive=exclusive)
        live = (live - {r.lower() for r in step.remove}) | set(step.add)
        record = record.after(step)
    undo = record.undo()
    assert (live - set(undo.remove)) | set(undo.add) == before


def test_the_preview_names_additions_and_removals_and_a_switch_to_exclusive() -> None:
    assert previewed(["a@x.com", "b@x.com"], ["b@x.com", "c@x.com"], exclusive=False, was_exclusive=False) == (
        "adds a@x.com; removes c@x.com"
    )
    text = previewed(["a@x.com"], ["a@x.com"], exclusive=True, was_exclusive=False)
    assert text == "changes no alias; and, as it becomes exclusive, removes every other alias the entity has"


# ------------------------------------------------- what a create whose result was lost had done

NOTED = Record(added=("n1@x.com", "n2@x.com"), removed=("al@x.com", "old@x.com"))


def _undone(final: set[str], record: Record) -> set[str]:
    undo = record.undo()
    return {a.lower() for a in final} - {a.lower() for a in undo.remove} | {a.lower() for a in undo.add}


@pytest.mark.parametrize("exclusive", [True, False])
def test_a_create_retried_after_any_number_of_the_lost_creates_writes_is_still_undone_to_what_was_there(
    exclusive: bool,
) -> None:
    """The lost create removes, then adds, one call at a time, and may have died after any of them."""
    before = ["al@x.com", "keep@x.com", "old@x.com"]
    declared = ["keep@x.com", "n1@x.com", "n2@x.com"]
    lost = plan(declared, before, exclusive=exclusive)
    noted = Record().after(lost)
    calls = [(False, a) for a in lost.remove] + [(True, a) for a in lost.add]
    for made in range(len(calls) + 1):
        live = set(before)
        for added, alias in calls[:made]:
            live = live | {alias} if added else live - {alias}
        step = plan(declared, live, exclusive=exclusive)
        record = recovered(noted, live, declared=declared, exclusive=exclusive, primary="alice@x.com").after(step)
        final = (live - set(step.remove)) | set(step.add)
        assert _undone(final, record) == set(before), f"after {made} of its writes"


def test_a_noted_change_the_live_aliases_contradict_is_not_taken() -> None:
    """n2 was never added (the create died first); old@x.com is there (never removed, or undone)."""
    live = ["n1@x.com", "old@x.com"]
    earlier = recovered(NOTED, live, declared=["n1@x.com", "n2@x.com"], exclusive=True, primary="alice@x.com")
    assert earlier == Record(added=("n1@x.com",), removed=("al@x.com",))


def test_a_noted_removal_of_the_entitys_primary_is_not_taken() -> None:
    noted = Record(removed=("Alice@x.com", "al@x.com"))
    assert recovered(noted, [], declared=[], exclusive=True, primary="alice@x.com") == Record(removed=("al@x.com",))


def test_without_exclusive_only_declared_additions_are_taken_and_no_removal() -> None:
    """Such a create adds declared aliases and removes none: a note saying otherwise must not make destroy
    remove an alias outside the program or put back an address."""
    live = ["n1@x.com", "n2@x.com"]
    earlier = recovered(NOTED, live, declared=["N1@x.com"], exclusive=False, primary="alice@x.com")
    assert earlier == Record(added=("n1@x.com",))


def test_an_undeclared_addition_taken_under_exclusive_is_neither_removed_nor_put_back_by_destroy() -> None:
    """The program no longer declares what the lost create added: this create removes it, and the record
    says nothing of it, so destroy does not put back an alias the entity never had."""
    live = ["n1@x.com"]
    earlier = recovered(Record(added=("n1@x.com",)), live, declared=["n3@x.com"], exclusive=True, primary=None)
    assert earlier == Record(added=("n1@x.com",))
    record = earlier.after(plan(["n3@x.com"], live, exclusive=True))
    assert record == Record(added=("n3@x.com",))


def test_the_record_names_what_it_added_and_removed() -> None:
    assert NOTED.describe() == "added n1@x.com, n2@x.com; removed al@x.com, old@x.com"
    assert Record(removed=("o@x.com",)).describe() == "removed o@x.com"
    assert Record().describe() == "changed no alias" and Record().empty and not NOTED.empty


def test_what_a_delete_leaves_to_its_successor_names_each_part() -> None:
    assert kept_for_successor(("a@x.example",), ()) == "a@x.example, which it added, stays"
    assert (
        kept_for_successor(("a@x.example", "b@x.example"), ("c@x.example",))
        == "a@x.example, b@x.example, which it added, stay; c@x.example, which it removed, is not put back"
    )


def test_the_entitys_primary_is_never_planned_for_removal() -> None:
    """An alias the list drops may be the primary by now (an EntityPrimaryEmail of the same up took it)."""
    step = plan(
        ["b@x.example"],
        ["b@x.example"],
        exclusive=False,
        dropped=["a@x.example"],
        own=["a@x.example"],
        primary="A@x.example",
    )
    assert step.remove == ()
    step = plan([], ["c@x.example"], exclusive=True, own=["a@x.example"], primary="a@x.example")
    assert step.remove == ("c@x.example",)


def test_a_delete_names_what_its_successor_removed_and_will_put_back() -> None:
    text = kept_for_successor((), (), ("b@x.example",), "l2")
    assert text == (
        "b@x.example, which it added, was removed by 'l2', whose record counts it as there before, so deleting "
        "'l2' puts it back"
    )


@pytest.mark.parametrize(
    ("declared", "recorded", "text"),
    [
        (["a@x.example"], [], "drift: the entity lacks a@x.example; the next `pulumi up` corrects it"),
        ([], ["b@x.example"], "drift: the entity has b@x.example (not declared); the next `pulumi up` corrects it"),
        (
            ["a@x.example"],
            ["B@x.example"],
            "drift: the entity lacks a@x.example; has B@x.example (not declared); the next `pulumi up` corrects it",
        ),
        (["A@x.example"], ["a@x.example"], "no drift"),
    ],
)
def test_a_refresh_names_drift_as_what_the_entity_lacks_and_has_not_as_writes(
    declared: list[str], recorded: list[str], text: str
) -> None:
    assert alias_plan.drifted(declared, recorded) == text
