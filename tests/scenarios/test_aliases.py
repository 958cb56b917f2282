"""`EntityAliases` scenarios, on the offline runner and on the real CLI.

Each scenario drives a stack through the verbs a user types and checks what Pulumi reports, what WorkMail
(the emulator) holds afterwards, and how many WorkMail requests the emulator counted: the provider's
request budgets are about WorkMail, so they must hold on both backends, whatever else the CLI calls.
"""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.automation import CommandError

from .conftest import Scenario

ALICE_BEFORE = {"al@example.com", "alice@old.example"}  # alice's aliases after _with_old_alias


def _with_old_alias(sc: Scenario) -> None:
    """alice: primary alice@example.com, aliases al@example.com and alice@old.example."""
    sc.add_aliases("alice", "alice@old.example")
    assert sc.alias_set("alice") == ALICE_BEFORE


def _changes(result: Any) -> dict[str, int]:
    counts = getattr(result, "change_summary", None)
    if counts is None:
        counts = result.summary.resource_changes
    return {k: v for k, v in counts.items() if v and k != "same"}


def _failure(sc: Scenario, verb: str) -> str:
    action = sc.stack.preview if verb == "preview" else sc.stack.up
    with pytest.raises(CommandError) as caught:
        action()
    text = str(caught.value)
    assert "Traceback" not in text
    return text


def _held(sc: Scenario) -> dict[str, Any]:
    """What WorkMail holds for alice and bob."""
    return {name: (sc.primary(name), sc.alias_set(name)) for name in ("alice", "bob")}


# -- lifecycle ---------------------------------------------------------------------------------


def test_exclusive_list_previews_creates_updates_and_destroy_puts_back_exactly(scenario: Scenario) -> None:
    """Every verb of an exclusive list, each within its request budget, and a destroy that undoes
    exactly what the resource did (removed aliases back, added ones gone)."""
    _with_old_alias(scenario)
    alice = scenario.entity_id("users", "alice")
    scenario.declare_aliases(
        "alice-aliases", entity_id="alice", aliases=["al@new.example", "al@example.com"], exclusive=True
    )
    scenario.reset_stats()
    preview = scenario.stack.preview()
    assert preview.change_summary.get("create") == 2
    assert scenario.calls() == {}, "preview makes no WorkMail request"

    up = scenario.stack.up()
    assert up.summary.resource_changes.get("create") == 2
    assert scenario.calls() == {"DescribeUser": 1, "ListAliases": 1, "DeleteAlias": 1, "CreateAlias": 1}
    assert scenario.alias_set("alice") == {"al@example.com", "al@new.example"}
    outputs = {k: v.value for k, v in scenario.stack.outputs().items()}
    assert outputs["alice-aliases.aliases"] == ["al@example.com", "al@new.example"], "inputs come back sorted"
    assert outputs["alice-aliases.added_aliases"] == ["al@new.example"]
    assert outputs["alice-aliases.removed_aliases"] == ["alice@old.example"]

    scenario.reset_stats()
    again = scenario.stack.up()
    assert not _changes(again)
    assert scenario.calls() == {}, "a no-op up makes no WorkMail request"

    scenario.declare_aliases(
        "alice-aliases", entity_id="alice", aliases=["alice.liddell@new.example", "AL@new.example"], exclusive=True
    )
    scenario.reset_stats()
    preview = scenario.stack.preview()
    assert _changes(preview) == {"update": 1}
    step = next(s for s in preview.steps if s.name == "alice-aliases")
    assert step.diffs == ("aliases",), "case means nothing: only the list's members changed"
    assert f"user alice ({alice}): adds alice.liddell@new.example; removes al@example.com." in preview.stdout
    assert scenario.calls() == {}, "the note comes from the state alone"

    up = scenario.stack.up()
    assert _changes(up) == {"update": 1}
    assert scenario.calls() == {"DescribeUser": 1, "ListAliases": 1, "DeleteAlias": 1, "CreateAlias": 1}
    assert scenario.alias_set("alice") == {"al@new.example", "alice.liddell@new.example"}

    scenario.reset_stats()
    destroy = scenario.stack.destroy()
    assert destroy.summary.resource_changes.get("delete") == 2
    assert scenario.calls() == {"CreateAlias": 2, "DeleteAlias": 2}, "one call per alias to undo, no read"
    assert scenario.alias_set("alice") == ALICE_BEFORE
    assert scenario.primary("alice") == "alice@example.com"


def test_non_exclusive_list_leaves_other_aliases_and_retain_leaves_workmail_as_is(scenario: Scenario) -> None:
    """Only declared aliases are touched (one dropped from the list is removed); an update of on_delete or
    of how entity_id names alice calls nothing; destroy with retain makes no request."""
    _with_old_alias(scenario)
    scenario.declare_aliases("alice-aliases", entity_id="alice", aliases=["al@example.com", "al@new.example"])
    scenario.reset_stats()
    scenario.stack.up()
    assert scenario.calls() == {"DescribeUser": 1, "ListAliases": 1, "CreateAlias": 1}
    assert scenario.alias_set("alice") == ALICE_BEFORE | {"al@new.example"}

    scenario.declare_aliases("alice-aliases", entity_id="alice", aliases=["al@new.example"])
    scenario.reset_stats()
    scenario.stack.up()
    assert scenario.calls() == {"DescribeUser": 1, "ListAliases": 1, "DeleteAlias": 1}
    assert scenario.alias_set("alice") == {"alice@old.example", "al@new.example"}

    alice = scenario.entity_id("users", "alice")
    scenario.declare_aliases("alice-aliases", entity_id=alice, aliases=["al@new.example"], on_delete="retain")
    scenario.reset_stats()
    up = scenario.stack.up()
    assert _changes(up) == {"update": 1}
    assert scenario.calls() == {}

    destroy = scenario.stack.destroy()
    assert destroy.summary.resource_changes.get("delete") == 2
    assert scenario.calls() == {}, "retain makes no WorkMail call"
    assert scenario.alias_set("alice") == {"alice@old.example", "al@new.example"}


# -- drift -------------------------------------------------------------------------------------


@pytest.mark.parametrize("exclusive", [False, True], ids=["non-exclusive", "exclusive"])
def test_hand_made_alias_changes_show_on_refresh_and_the_next_up_corrects_them(
    scenario: Scenario, exclusive: bool
) -> None:
    """A declared alias removed by hand is drift either way; an alias added by hand only when exclusive.
    Refresh costs one ListAliases per EntityAliases."""
    scenario.declare_aliases(
        "alice-aliases", entity_id="alice", aliases=["al@example.com", "al@new.example"], exclusive=exclusive
    )
    scenario.declare_aliases("bob-aliases", entity_id="bob", aliases=["bob@new.example"])
    scenario.stack.up()
    scenario.delete_aliases("alice", "al@new.example")
    scenario.add_aliases("alice", "extra@new.example")

    scenario.reset_stats()
    refresh = scenario.stack.refresh()
    assert scenario.calls() == {"ListAliases": 2}
    assert _changes(refresh) == {"update": 1}
    step = next(s for s in refresh.steps if s.name == "alice-aliases")
    assert step.result_op == "update" and "aliases" in step.diffs
    seen = ["al@example.com", "extra@new.example"] if exclusive else ["al@example.com"]
    assert scenario.resource_outputs("alice-aliases")["aliases"] == seen, (
        "a hand-added extra counts only when exclusive"
    )
    alice = f"user alice ({scenario.entity_id('users', 'alice')})"
    extra = "; has extra@new.example (not declared)" if exclusive else ""
    drift = f"{alice}: drift: the entity lacks al@new.example{extra}; the next `pulumi up` corrects it."
    assert drift in refresh.stdout, f"a refresh names drift, not a change it makes:\n{refresh.stdout}"

    scenario.reset_stats()
    up = scenario.stack.up()
    assert _changes(up) == {"update": 1}
    fix = {"CreateAlias": 1, "DeleteAlias": 1} if exclusive else {"CreateAlias": 1}
    assert scenario.calls() == {"DescribeUser": 1, "ListAliases": 1, **fix}
    expected = {"al@example.com", "al@new.example"} | (set() if exclusive else {"extra@new.example"})
    assert scenario.alias_set("alice") == expected

    scenario.reset_stats()
    preview = scenario.stack.preview()
    assert not _changes(preview), "converged"
    assert scenario.calls() == {}


# -- errors ------------------------------------------------------------------------------------

# (declared aliases, the verb that fails, words of the message, CreateAlias requests: the one refused)
REFUSED = {
    "duplicate": (["al@new.example", "AL@new.example"], "preview", ["property aliases", "repeats aliases[0]"], 0),
    "own primary": (["alice@example.com"], "up", ["is the primary address of user alice", "EntityPrimaryEmail"], 0),
    "used by bob": (["bob@example.com"], "up", ["bob@example.com is already used by user bob ("], 1),
    "unregistered domain": (["al@nowhere.example"], "up", ["The domain nowhere.example is not registered"], 1),
    "over 100": (["x1@new.example", "x2@new.example"], "up", ["would have 102 aliases (100 now, 2 to add"], 0),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_alias_fails_with_a_message_and_changes_nothing(scenario: Scenario, case: str) -> None:
    """Each refusal leaves WorkMail and the state as they were; the provider's own checks come before
    any CreateAlias, and what only WorkMail can refuse costs the one refused CreateAlias."""
    aliases, verb, words, refused = REFUSED[case]
    if case == "over 100":
        scenario.add_aliases("alice", *(f"a{i:02d}@old.example" for i in range(99)))
    before = _held(scenario)
    scenario.declare_aliases("alice-aliases", entity_id="alice", aliases=aliases)
    scenario.reset_stats()
    text = _failure(scenario, verb)
    assert all(word in text for word in words), text
    assert scenario.alias_writes() == ({"CreateAlias": refused} if refused else {})
    if verb == "preview":
        assert scenario.calls() == {}, "a check failure makes no WorkMail request"
    assert _held(scenario) == before
    assert "alice-aliases" not in scenario.resource_names()


@pytest.mark.parametrize("cause", ["address used by bob", "emulator alias limit"])
def test_a_failure_midway_changes_back_what_the_step_did(scenario: Scenario, cause: str) -> None:
    """The first calls of a create succeed and a later CreateAlias is refused: the step undoes its own
    calls, says so, and leaves WorkMail as it was."""
    if cause == "address used by bob":  # removes al@example.com, adds a1@new.example, then fails
        scenario.declare_aliases(
            "alice-aliases", entity_id="alice", aliases=["a1@new.example", "bob@example.com"], exclusive=True
        )
        words = ["bob@example.com is already used by user bob ("]
    else:  # alice has al@example.com: x1 and x2 fit under the limit of 3, x3 does not
        scenario.settings(alias_limit=3)
        scenario.declare_aliases(
            "alice-aliases", entity_id="alice", aliases=["x1@new.example", "x2@new.example", "x3@new.example"]
        )
        words = ["add the alias x3@new.example", "already has 3 aliases"]
    before = _held(scenario)
    scenario.reset_stats()
    text = _failure(scenario, "up")
    assert all(word in text for word in words), text
    assert "were changed back, so nothing was changed" in text
    assert scenario.alias_writes().get("DeleteAlias") == 2, "two calls made, two undone"
    assert _held(scenario) == before
    assert "alice-aliases" not in scenario.resource_names()


# -- with EntityPrimaryEmail on the same entity ------------------------------------------------

ORIGINAL = ("alice@example.com", {"al@example.com", "alice@new.example"})


def _declare_both(sc: Scenario, order: str, aliases: list[str], *, exclusive: bool) -> None:
    """The primary alice@new.example and alice's aliases, the list after the swap ("aliases after
    primary", the documented order) or before it ("primary after aliases")."""
    if order == "aliases after primary":
        sc.declare("primary", entity_id="alice", email="alice@new.example")
        sc.declare_aliases("aliases", entity_id="alice", aliases=aliases, exclusive=exclusive, depends_on=["primary"])
    else:
        sc.declare_aliases("aliases", entity_id="alice", aliases=aliases, exclusive=exclusive)
        sc.declare("primary", entity_id="alice", email="alice@new.example", depends_on=["aliases"])


@pytest.mark.parametrize(
    ("order", "exclusive"),
    [("aliases after primary", True), ("primary after aliases", True), ("primary after aliases", False)],
)
def test_with_a_primary_change_one_up_converges_and_destroy_puts_everything_back(
    scenario: Scenario, order: str, exclusive: bool
) -> None:
    """Whichever runs first, one up leaves the declared primary and aliases, a preview then shows no
    change, and destroy brings back the original primary and aliases exactly."""
    scenario.add_aliases("alice", "alice@new.example")
    assert (scenario.primary("alice"), scenario.alias_set("alice")) == ORIGINAL
    _declare_both(scenario, order, ["al@new.example"], exclusive=exclusive)

    up = scenario.stack.up()
    assert up.summary.resource_changes.get("create") == 3
    assert scenario.primary("alice") == "alice@new.example"
    others = set() if exclusive else {"al@example.com", "alice@example.com"}  # the old primary is an alias now
    assert scenario.alias_set("alice") == {"al@new.example"} | others
    if exclusive and order == "primary after aliases":
        assert "removed alice@example.com, the previous primary, as the exclusive EntityAliases 'aliases'" in up.stdout

    scenario.reset_stats()
    preview = scenario.stack.preview()
    assert not _changes(preview), "one up converged"
    assert scenario.calls() == {}

    scenario.stack.destroy()
    assert (scenario.primary("alice"), scenario.alias_set("alice")) == ORIGINAL


def test_a_primary_change_alone_lets_an_exclusive_list_after_it_remove_the_old_primary(scenario: Scenario) -> None:
    """Only the primary changes: the swap turns its old address into an alias the exclusive list does not
    declare, so the list (whose inputs did not change) must still be updated, and the preview says so."""
    scenario.declare("primary", entity_id="alice", email="alice@new.example")
    aliases = ["al@new.example"]
    scenario.declare_aliases("aliases", entity_id="alice", aliases=aliases, exclusive=True, depends_on=["primary"])
    scenario.stack.up()
    assert scenario.alias_set("alice") == {"al@new.example"}

    scenario.declare("primary", entity_id="alice", email="alice.liddell@new.example")
    preview = scenario.stack.preview()
    assert _changes(preview) == {"update": 2}, "the list's update is part of the plan"
    assert "removes alice@new.example, which the EntityPrimaryEmail 'primary' turns into an alias" in preview.stdout

    up = scenario.stack.up()
    assert _changes(up) == {"update": 2}
    assert scenario.primary("alice") == "alice.liddell@new.example"
    assert scenario.alias_set("alice") == {"al@new.example"}
    assert not _changes(scenario.stack.preview()), "one up converged"


def test_a_primary_change_alone_under_read_lag_still_removes_the_old_primary(scenario: Scenario) -> None:
    """Reads still show the old primary when the list runs: it must not take that for the primary to keep."""
    scenario.declare("primary", entity_id="alice", email="alice@new.example", wait_timeout_seconds=1)
    aliases = ["al@new.example"]
    scenario.declare_aliases("aliases", entity_id="alice", aliases=aliases, exclusive=True, depends_on=["primary"])
    scenario.stack.up()

    scenario.declare("primary", entity_id="alice", email="alice2@new.example", wait_timeout_seconds=1)
    scenario.emu.admin("POST", "/_emulator/consistency", {"lag_reads": 40})
    scenario.stack.up()
    scenario.emu.admin("POST", "/_emulator/consistency", {"lag_reads": 0})
    assert scenario.primary("alice") == "alice2@new.example"
    assert scenario.alias_set("alice") == {"al@new.example"}


def test_a_primary_added_to_a_stack_with_an_exclusive_list_lets_it_remove_the_old_one(scenario: Scenario) -> None:
    scenario.declare_aliases("aliases", entity_id="alice", aliases=["al@new.example"], exclusive=True)
    scenario.stack.up()

    scenario.declare("primary", entity_id="alice", email="alice@new.example")
    aliases = ["al@new.example"]
    scenario.declare_aliases("aliases", entity_id="alice", aliases=aliases, exclusive=True, depends_on=["primary"])
    scenario.stack.up()
    assert scenario.primary("alice") == "alice@new.example"
    assert scenario.alias_set("alice") == {"al@new.example"}
    assert not _changes(scenario.stack.preview()), "one up converged"


@pytest.mark.parametrize("exclusive", [True, False])
def test_a_primary_moved_onto_an_alias_the_list_drops_converges_in_one_up(scenario: Scenario, exclusive: bool) -> None:
    """The list stops declaring the alias the primary takes over: the alias is the primary by the time the
    list runs, and WorkMail refuses to delete a primary, so the list leaves it."""
    scenario.declare("primary", entity_id="alice", email="alice@new.example")
    scenario.declare_aliases(
        "aliases",
        entity_id="alice",
        aliases=["x@new.example", "al@example.com"],
        exclusive=exclusive,
        depends_on=["primary"],
    )
    scenario.stack.up()

    scenario.declare("primary", entity_id="alice", email="x@new.example")
    scenario.declare_aliases(
        "aliases", entity_id="alice", aliases=["al@example.com"], exclusive=exclusive, depends_on=["primary"]
    )
    scenario.stack.up()
    assert scenario.primary("alice") == "x@new.example"
    others = set() if exclusive else {"alice@example.com", "alice@new.example"}  # old primaries, now aliases
    assert scenario.alias_set("alice") == {"al@example.com"} | others
    assert not _changes(scenario.stack.preview()), "one up converged"

    scenario.stack.destroy()
    assert scenario.primary("alice") == "alice@example.com"


@pytest.mark.parametrize("order", ["aliases after primary", "primary after aliases"])
def test_new_primary_also_declared_as_alias_fails_the_preview_naming_the_property(
    scenario: Scenario, order: str
) -> None:
    """A preview checks both resources before anything is written, so whichever is checked second fails
    the preview with a CheckFailure naming its property, and WorkMail is not asked anything."""
    scenario.add_aliases("alice", "alice@new.example")
    _declare_both(scenario, order, ["al@new.example", "alice@new.example"], exclusive=True)
    scenario.reset_stats()
    text = _failure(scenario, "preview")
    if order == "aliases after primary":
        assert "aliases lists alice@new.example, which the EntityPrimaryEmail 'primary' of this program" in text
    else:
        assert "email alice@new.example is listed in the aliases of the EntityAliases 'aliases'" in text
    assert scenario.calls() == {}
    assert (scenario.primary("alice"), scenario.alias_set("alice")) == ORIGINAL


@pytest.mark.parametrize("order", ["aliases after primary", "primary after aliases"])
def test_new_primary_also_declared_as_alias_fails_an_up_without_preview_at_the_second_resource(
    scenario: Scenario, order: str
) -> None:
    """Without a preview (the Automation API's up), the engine checks a resource only after those it depends
    on are done: the first has run, and the second fails its check before its own write, naming its
    property. The first's change is recorded in the state, for the next up or destroy."""
    scenario.add_aliases("alice", "alice@new.example")
    _declare_both(scenario, order, ["al@new.example", "alice@new.example"], exclusive=True)
    text = _failure(scenario, "up")
    if order == "aliases after primary":
        assert "aliases lists alice@new.example, which the EntityPrimaryEmail 'primary'" in text
        assert scenario.resource_names() == ["default", "primary"]
        assert (scenario.primary("alice"), scenario.alias_set("alice")) == (
            "alice@new.example",
            {"al@example.com", "alice@example.com"},
        )
    else:
        assert "email alice@new.example is listed in the aliases of the EntityAliases 'aliases'" in text
        assert scenario.resource_names() == ["default", "aliases"]
        assert (scenario.primary("alice"), scenario.alias_set("alice")) == (
            "alice@example.com",
            {"al@new.example", "alice@new.example"},
        )


@pytest.mark.parametrize("first", ["aliases", "primary"])
def test_a_primary_change_with_no_order_to_its_exclusive_list_converges_in_one_up(
    scenario: Scenario, first: str
) -> None:
    """Neither depends on the other, so either may run first: the list before the swap has nothing to
    remove yet, and the primary's update then removes its old address itself."""

    def declare_both(email: str) -> None:
        scenario.resources.clear()
        for name in (first, *({"aliases", "primary"} - {first})):
            if name == "primary":
                scenario.declare("primary", entity_id="alice", email=email)
            else:
                scenario.declare_aliases("aliases", entity_id="alice", aliases=["al@new.example"], exclusive=True)

    declare_both("alice@new.example")
    scenario.stack.up()
    declare_both("alice.liddell@new.example")
    scenario.stack.up()
    assert scenario.primary("alice") == "alice.liddell@new.example"
    assert scenario.alias_set("alice") == {"al@new.example"}
    assert not _changes(scenario.stack.preview()), "one up converged"
