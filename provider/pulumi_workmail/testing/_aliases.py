"""Aliases: where the engine looks for a resource's old state entry when none is under its own URN.

A registration's ``aliases`` option names the URNs the resource had before (given outright, or as a spec
of the old name, type, parent, stack or project, the rest taken from the registration). The engine looks
the resource up by its URN first and then by each alias in order; the first old entry found is the
resource's old state, diffed against as usual and then recorded under the new URN, so a rename is no
create and no delete (v3.274: ``getOldResource``, ``generateAliases``, ``collapseAliasToUrn``,
``inheritedChildAlias`` in ``step_generator.go``). An alias matching no entry is ignored. Children of a
resource found under an alias get aliases implied by their parent's old URN, so they follow it without
aliases of their own. An old entry taken twice, by two aliases or by an alias and a registration of its
own URN, fails the update.
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass

from ._state import STACK_TYPE
from ._wire import make_urn, parse_urn


@dataclass(frozen=True)
class Alias:
    """One alias of a registration: an old URN outright (``urn``), or a spec whose empty parts default to
    the registration's own name, type, parent, stack and project (``no_parent``: it had no parent)."""

    urn: str = ""
    name: str = ""
    type: str = ""
    stack: str = ""
    project: str = ""
    parent: str = ""
    no_parent: bool = False


def alias_urns(urn: str, parent: str, aliases: Sequence[Alias], renamed: Mapping[str, str]) -> list[str]:
    """The URNs to look up the resource ``urn`` (child of ``parent``) by after its own, in the engine's
    order, without repeats; ``renamed`` maps the URN of each resource found under an alias so far to the
    URN it was found under."""
    own = parse_urn(urn)
    if own is None:
        return []

    def collapse(alias: Alias) -> str:
        if alias.urn:
            return alias.urn
        old_parent = renamed.get(alias.parent, alias.parent) if alias.parent else parent
        parsed_parent = parse_urn(old_parent) if old_parent else None
        if alias.no_parent or (parsed_parent is not None and parsed_parent.qualified_type == STACK_TYPE):
            old_parent = ""
        return _create_urn(
            alias.name or own.name,
            alias.type or own.type,
            old_parent,
            alias.project or own.project,
            alias.stack or own.stack,
        )

    def inherited(child_urn: str, parent_alias: str) -> str | None:
        """A child's URN under its parent's old URN, the parent's old name replacing the child name's prefix."""
        child, parent_name, old_parent = parse_urn(child_urn), parse_urn(parent), parse_urn(parent_alias)
        if child is None or parent_name is None or old_parent is None:
            return None
        name = child.name
        if name.startswith(parent_name.name):
            name = old_parent.name + name[len(parent_name.name) :]
        qualified = child.type
        if old_parent.qualified_type != STACK_TYPE:
            qualified = f"{old_parent.qualified_type}${child.type}"
        return make_urn(own.stack, own.project, qualified, name)

    found: list[str] = []
    collapsed = [collapse(alias) for alias in aliases]
    candidates: list[str | None] = list(collapsed)
    parent_alias = renamed.get(parent) if parent else None
    if parent_alias is not None:
        candidates.append(inherited(urn, parent_alias))
        candidates.extend(inherited(alias_urn, parent_alias) for alias_urn in collapsed)
    for candidate in candidates:
        if candidate is not None and candidate not in found:
            found.append(candidate)
    return found


def _create_urn(name: str, type_: str, parent: str, project: str, stack: str) -> str:
    """The engine's ``resource.CreateURN``: under a parent, the parent's URN up to its name, then ``$type``."""
    if not parent:
        return make_urn(stack, project, type_, name)
    return f"{parent[: parent.rindex('::')]}${type_}::{name}"


class Renames:
    """The old entries taken under an alias in one operation (the engine's ``aliased`` and ``aliases``)."""

    def __init__(self) -> None:
        self.taken: dict[str, str] = {}  # old URN -> the URN of the resource that took it
        self.was: dict[str, str] = {}  # the taking resource's URN -> the old URN

    def find(
        self, urn: str, parent: str, aliases: Sequence[Alias], olds: Container[str], registered: Container[str]
    ) -> tuple[str | None, str | None]:
        """The old URN the resource ``urn`` (without an entry of its own) finds its entry under, taken; and the
        engine's error when that entry was claimed already."""
        for candidate in alias_urns(urn, parent, aliases, self.was):
            if candidate in olds:
                return candidate, self.take(urn, candidate, registered)
        return None, None

    def conflict(self, urn: str) -> str | None:
        """The engine's error for a registration of a URN that a resource already took as its old entry."""
        holder = self.taken.get(urn)
        if holder is None:
            return None
        return f"Duplicate resource URN '{urn}' conflicting with alias on resource with URN '{holder}'"

    def take(self, urn: str, old_urn: str, registered: Container[str]) -> str | None:
        """Record that ``urn`` found its old entry under ``old_urn``; the engine's error when that entry was
        already claimed, by a registration of its own URN or by another alias (the second claim is recorded
        all the same, as there)."""
        # A registration of the old URN itself: the engine names the claiming resource twice.
        holder = urn if old_urn in registered else self.taken.get(old_urn)
        self.taken[old_urn] = urn
        self.was[urn] = old_urn
        if holder is None:
            return None
        return (
            f"Duplicate resource alias '{old_urn}' applied to resource with URN '{urn}' "
            f"conflicting with resource with URN '{holder}'"
        )
