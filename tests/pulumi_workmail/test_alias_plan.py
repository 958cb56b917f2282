"""The pure decisions of EntityAliases: what to add and remove, and what the state records for a delete."""

from __future__ import annotations

from pulumi_workmail.alias_plan import AliasPlan, Record, addresses, over_limit, plan, previewed


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
