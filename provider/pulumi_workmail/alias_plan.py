"""Pure decisions of ``EntityAliases``: which aliases to add and remove, and what the state records so a
delete can undo exactly what the resource did.

Addresses are compared without regard to case (WorkMail's are) and kept as first written: an alias put
back on delete is spelt as it was. Every function takes and returns plain tuples of addresses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .validation import MAX_ALIASES

Addresses = tuple[str, ...]


def addresses(items: Iterable[str]) -> Addresses:
    """``items`` without repeats (the first spelling wins), in a stable order."""
    kept: dict[str, str] = {}
    for item in items:
        kept.setdefault(item.lower(), item)
    return tuple(sorted(kept.values(), key=str.lower))


def minus(items: Iterable[str], taken: Iterable[str]) -> Addresses:
    gone = {t.lower() for t in taken}
    return addresses(i for i in items if i.lower() not in gone)


def among(items: Iterable[str], pool: Iterable[str]) -> Addresses:
    kept = {p.lower() for p in pool}
    return addresses(i for i in items if i.lower() in kept)


def contains(items: Iterable[str], item: str | None) -> bool:
    return item is not None and item.lower() in {i.lower() for i in items}


def _named(*changes: tuple[str, Addresses]) -> str:
    """Each non-empty change as its verb and addresses, e.g. "adds a@x; removes b@y"."""
    return "; ".join(f"{verb} {', '.join(aliases)}" for verb, aliases in changes if aliases)


@dataclass(frozen=True)
class AliasPlan:
    """The calls that bring an entity's aliases to what the program declares."""

    add: Addresses
    remove: Addresses

    @property
    def empty(self) -> bool:
        return not self.add and not self.remove

    def count_after(self, live: Iterable[str]) -> int:
        return len(addresses(minus(live, self.remove) + self.add))

    def describe(self) -> str:
        """How a note names the change, e.g. "adds a@x; removes b@y"."""
        return _named(("adds", self.add), ("removes", self.remove)) or "changes no alias"


def plan(
    declared: Iterable[str],
    live: Iterable[str],
    *,
    exclusive: bool,
    dropped: Iterable[str] = (),
    own: Iterable[str] = (),
    primary: str | None = None,
) -> AliasPlan:
    """Add what is declared and missing; remove, when ``exclusive``, every live alias not declared, and
    otherwise only the ``dropped`` ones (declared before, no longer) that are still there.

    ``own`` are the aliases the resource itself added (its record). One no longer wanted is removed even
    when ``live`` lacks it: a list read soon after the resource's writes may predate them, and removing an
    alias the entity has not got changes nothing. The entity's ``primary`` is never removed: an alias the
    list drops may have just become the primary (WorkMail refuses to delete that)."""
    declared, live = addresses(declared), addresses(live)
    there = addresses((*live, *own))
    unwanted = there if exclusive else among(there, dropped)
    return AliasPlan(add=minus(declared, live), remove=minus(unwanted, (*declared, *([primary] if primary else []))))


def over_limit(step: AliasPlan, live: Iterable[str]) -> int:
    """How many aliases the entity would have after ``step`` when that is more than WorkMail allows, else 0."""
    count = step.count_after(live)
    return count if count > MAX_ALIASES else 0


@dataclass(frozen=True)
class Record:
    """What the resource changed since it was created: the aliases it added (not there before) and the
    ones it removed (there before). An alias it adds and later removes again is in neither."""

    added: Addresses = ()
    removed: Addresses = ()

    def after(self, step: AliasPlan) -> Record:
        return Record(
            added=addresses(minus(self.added, step.remove) + minus(step.add, self.removed)),
            removed=addresses(minus(self.removed, step.add) + minus(step.remove, self.added)),
        )

    def undo(self) -> AliasPlan:
        """What a delete with ``on_delete="restore"`` does: put back what was removed, remove what was added."""
        return AliasPlan(add=self.removed, remove=self.added)

    @property
    def empty(self) -> bool:
        return not self.added and not self.removed

    def describe(self) -> str:
        """How a message names it, e.g. "added a@x; removed b@y"."""
        return _named(("added", self.added), ("removed", self.removed)) or "changed no alias"


def recovered(
    noted: Record, live: Iterable[str], *, declared: Iterable[str], exclusive: bool, primary: str | None
) -> Record:
    """What an earlier create of this resource did before the engine lost its result: the part of the
    journal note it wrote (``noted``) that the entity's ``live`` aliases bear out.

    Which way to err: an entry left out makes destroy do less than undo that create (an alias it added
    stays, one it removed is not put back); an entry wrongly taken makes destroy do more (remove an alias
    that was there before, put back one the entity never had), and a note is a local file anyone who can
    write the journal directory could have planted. So an entry counts only where the live state is what
    that create would have left and the change is one this resource makes:

    - an addition, if the alias is live now and counts for the resource (declared, or any alias when
      ``exclusive``). Destroy then removes only an alias the program declares, never one outside it; an
      undeclared one under ``exclusive`` is removed by this create, and the record then neither removes it
      nor puts it back.
    - a removal, if the resource is ``exclusive`` (a create without it removes nothing) and the address is
      neither live now nor the entity's primary, so destroy never puts back an address the entity has.

    WorkMail keeps no trace of a removed alias, so a removal cannot be proved from the live state: the
    journal directory being private to its owner is what stands between a planted note and destroy
    putting back an address the entity lacks (one another entity holds is still skipped with a warning).
    """
    live = addresses(live)
    counted = live if exclusive else among(declared, live)
    taken = minus(noted.removed, (*live, *([primary] if primary else []))) if exclusive else ()
    return Record(added=among(noted.added, counted), removed=taken)


def kept_for_successor(kept: Addresses, unrestored: Addresses, readded: Addresses = (), successor: str = "") -> str:
    """How a delete names what it leaves to the resource now holding the entity."""
    parts = []
    if kept:
        parts.append(f"{', '.join(kept)}, which it added, {'stays' if len(kept) == 1 else 'stay'}")
    if unrestored:
        parts.append(
            f"{', '.join(unrestored)}, which it removed, {'is' if len(unrestored) == 1 else 'are'} not put back"
        )
    if readded:
        was, it = ("was", "it") if len(readded) == 1 else ("were", "them")
        parts.append(
            f"{', '.join(readded)}, which it added, {was} removed by '{successor}', whose record counts {it} as "
            f"there before, so deleting '{successor}' puts {it} back"
        )
    return "; ".join(parts)


def previewed(declared: Iterable[str], recorded: Iterable[str], *, exclusive: bool, was_exclusive: bool) -> str:
    """The change a preview can name from the state alone (no WorkMail call): the recorded aliases are the
    ones the last up or refresh saw that count for this resource."""
    step = AliasPlan(add=minus(declared, recorded), remove=minus(recorded, declared))
    text = step.describe()
    if exclusive and not was_exclusive:
        text += "; and, as it becomes exclusive, removes every other alias the entity has"
    return text


def drifted(declared: Iterable[str], recorded: Iterable[str]) -> str:
    """What a refresh's diff can name: how the aliases it read differ from the inputs, as drift, for a refresh
    writes nothing (the next ``pulumi up`` corrects it)."""
    missing, extra = minus(declared, recorded), minus(recorded, declared)
    found = _named(("lacks", missing), ("has", extra)) + (" (not declared)" if extra else "")
    return f"drift: the entity {found}; the next `pulumi up` corrects it" if found else "no drift"


def listed_primary(primary: str, primary_owner: str) -> str:
    """The check failure of an address one program declares both as an entity's primary and as its alias."""
    return (
        f"aliases lists {primary}, which the EntityPrimaryEmail '{primary_owner}' of this program makes the "
        "primary address of the same entity; a primary address is never also an alias, so take it out of aliases"
    )
