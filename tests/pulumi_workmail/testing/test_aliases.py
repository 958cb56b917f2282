"""Where the offline runner looks for a resource's old entry under its aliases, as the engine looks."""

from __future__ import annotations

from pulumi_workmail.testing._aliases import Alias, Renames, alias_urns
from pulumi_workmail.testing._wire import make_urn

TYPE = "pulumi-python:dynamic/workmail:EntityPrimaryEmail"
STACK = make_urn("dev", "p", "pulumi:pulumi:Stack", "p-dev")
GROUP = make_urn("dev", "p", "acme:demo:Group", "team")


def urn(qualified_type: str, name: str, *, stack: str = "dev", project: str = "p") -> str:
    return make_urn(stack, project, qualified_type, name)


def test_a_spec_takes_what_it_leaves_out_from_the_registration() -> None:
    new = urn(TYPE, "new")
    assert alias_urns(new, STACK, [Alias(name="old")], {}) == [urn(TYPE, "old")]
    assert alias_urns(new, STACK, [Alias(type="acme:demo:Old")], {}) == [urn("acme:demo:Old", "new")]
    assert alias_urns(new, STACK, [Alias(stack="prod", project="q")], {}) == [
        urn(TYPE, "new", stack="prod", project="q")
    ]


def test_a_spec_s_parent_prefixes_its_type_unless_it_is_the_stack_or_there_was_none() -> None:
    child = urn(f"acme:demo:Group${TYPE}", "alice")
    assert alias_urns(urn(TYPE, "alice"), STACK, [Alias(parent=GROUP)], {}) == [child]
    assert alias_urns(child, GROUP, [Alias(no_parent=True)], {}) == [urn(TYPE, "alice")]
    assert alias_urns(child, GROUP, [Alias(parent=STACK)], {}) == [urn(TYPE, "alice")]


def test_a_child_of_a_renamed_parent_is_looked_up_under_the_parent_s_old_urn() -> None:
    """The parent's old name replaces the prefix of the child's name it shares, and the child's own aliases
    are multiplied out under the old parent too."""
    old_parent = urn("acme:demo:Old", "group")
    renamed = {GROUP: old_parent}
    assert alias_urns(urn(f"acme:demo:Group${TYPE}", "team-alice"), GROUP, [], renamed) == [
        urn(f"acme:demo:Old${TYPE}", "group-alice")
    ]
    assert alias_urns(urn(f"acme:demo:Group${TYPE}", "alice"), GROUP, [Alias(name="ali")], renamed) == [
        urn(f"acme:demo:Group${TYPE}", "ali"),
        urn(f"acme:demo:Old${TYPE}", "alice"),
        urn(f"acme:demo:Old${TYPE}", "ali"),
    ]


def test_an_old_entry_claimed_twice_gets_the_engine_s_errors() -> None:
    old, first, second = urn(TYPE, "old"), urn(TYPE, "first"), urn(TYPE, "second")
    renames = Renames()
    assert renames.find(first, STACK, [Alias(name="old")], {old}, set()) == (old, None)
    assert renames.find(second, STACK, [Alias(name="old")], {old}, set()) == (
        old,
        f"Duplicate resource alias '{old}' applied to resource with URN '{second}' "
        f"conflicting with resource with URN '{first}'",
    )
    assert (
        renames.conflict(old)
        == f"Duplicate resource URN '{old}' conflicting with alias on resource with URN '{second}'"
    )
    assert renames.find(urn(TYPE, "other"), STACK, [Alias(name="nothing")], {old}, set()) == (None, None)
