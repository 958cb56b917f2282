"""Which resource of a deployment holds each entity (``Claims``), and what each declares for it
(``Declarations``).

One provider process serves every resource of a deployment, so these registries are where two resources
on one entity meet: a second claim fails, a delete leaves the entity to its successor, and a primary and
an alias list on one entity see each other's declarations.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from . import engine_log
from .errors import problem
from .terms import Code, LiveEntity


def _entity_key(organization_id: str, entity_id: str) -> tuple[str, str]:
    """How the registries below key an entity: ids and organizations compare without regard to case."""
    return organization_id.lower(), entity_id.lower()


@dataclass(frozen=True)
class Holder:
    """The resource seen holding an entity: kept by its diff or refresh, or ``created`` in this deployment,
    then with what its create ``recorded``."""

    urn: str
    created: bool = False
    recorded: object = None

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


class Claims:
    """Which resource manages which entity, as far as this provider process has seen (one deployment).

    Two resources on one entity (say one by name, one by email) would each set their own address and
    undo the other's on every later run. The engine sends every resource's calls to one provider
    process, so the second to claim an entity, at its create (before its write), diff or refresh, fails
    naming the first. Calls without a URN (the provider used directly) are not tracked.

    The resource that *holds* an entity is the last one seen keeping it (a diff without replacement, a
    refresh) or having taken it (a create that succeeded). A delete asks for its ``successor``: the engine
    creates a renamed resource under its new name, and makes a replacement it decided on its own
    (``--replace``, ``replacement_trigger``, ``replace_with``) before it deletes the old one, so the old
    one's delete must not undo what the new one set.
    """

    def __init__(self, resource_type: str = "EntityPrimaryEmail") -> None:
        self.resource_type = resource_type
        self._lock = threading.Lock()
        self._owners: dict[tuple[str, str], str] = {}  # by resources the program declares
        self._readers: dict[tuple[str, str], str] = {}  # by the others (refreshed): they meet only each other
        self._declared: set[str] = set()
        self._holders: dict[tuple[str, str], Holder] = {}

    def declare(self) -> None:
        """This call's resource is one the program declares (the engine checks its inputs)."""
        urn = engine_log.current_urn()
        if urn:
            with self._lock:
                self._declared.add(urn)

    def declares(self) -> bool:
        """Whether this call's resource is one the program declares (a refresh checks none)."""
        with self._lock:
            return engine_log.current_urn() in self._declared

    def claim(self, organization_id: str, entity: LiveEntity | str, label: str = "", *, holds: bool = True) -> None:
        """Claim the entity for this call's resource (``holds``: it keeps it; a create claims before its
        write with ``holds=False``, and ``took`` once it succeeded).

        The claims of resources the program does not declare (``declare``) meet only each other:
        ``pulumi up --refresh`` reads and diffs, in the update's process, a resource the program no longer
        declares, and the resource renamed from it must still be created."""
        urn = engine_log.current_urn()
        if not urn:
            return
        entity_id = entity.id if isinstance(entity, LiveEntity) else entity
        key = _entity_key(organization_id, entity_id)
        with self._lock:
            owner = (self._owners if urn in self._declared else self._readers).setdefault(key, urn)
            if owner == urn and holds:
                self._holders[key] = Holder(urn)
        if owner != urn:
            what = entity.label() if isinstance(entity, LiveEntity) else label or f"entity {entity_id}"
            raise problem(
                Code.DUPLICATE_ENTITY,
                entity=what,
                org=organization_id,
                owner=owner.rsplit("::", 1)[-1],
                resource=self.resource_type,
            )

    def took(self, organization_id: str, entity_id: str, recorded: object) -> None:
        """This call's resource was created on the entity, and its delete will undo ``recorded`` (an
        ``original_email``, an ``EntityAliases`` record; nothing with ``on_delete="retain"``)."""
        urn = engine_log.current_urn()
        if urn:
            with self._lock:
                self._holders[_entity_key(organization_id, entity_id)] = Holder(urn, created=True, recorded=recorded)

    def successor(self, organization_id: str, entity_id: str) -> Holder | None:
        """For a delete: the resource of this deployment that holds the entity instead of this call's
        resource (this resource's replacement, under the same URN, when that was created first), or None."""
        urn = engine_log.current_urn()
        with self._lock:
            holder = self._holders.get(_entity_key(organization_id, entity_id))
        if not urn or holder is None or (holder.urn == urn and not holder.created):
            return None
        return holder


@dataclass(frozen=True)
class Declaration:
    """What one resource declares for its entity: an ``EntityAliases``'s aliases, or an
    ``EntityPrimaryEmail``'s address (``aliases`` then holds that one address)."""

    owner: str  # the resource's name
    aliases: tuple[str, ...]
    exclusive: bool = False


@dataclass(frozen=True)
class Move:
    """An ``EntityPrimaryEmail`` of this deployment changing its entity's primary from ``old`` to ``new``:
    ``old`` becomes an alias, and ``new`` is no longer one if it was."""

    owner: str  # the resource's name
    old: str
    new: str


class Declarations:
    """What this deployment's resources declare, by entity, for the other resource type on the same entity.

    Keys are the organization and an entity as ``entity_id`` names it or as it resolved to. ``check``
    records each resource's declaration under its ``entity_id``, so a preview refuses a primary that the
    same program lists as an alias, whichever resource comes second. An ``EntityPrimaryEmail`` that runs
    after the entity's ``EntityAliases`` (the program made it depend on that one, or declared no order)
    finds that one's list under the resolved id: it refuses a primary declared as an alias, and removes the
    old primary that its swap turned into an alias an exclusive list does not declare, so one ``up``
    converges in either order. In the other order an ``EntityPrimaryEmail`` whose diff moves the primary
    records the ``Move`` under the resolved id: the ``EntityAliases`` diffed after it then knows that the old
    primary becomes an alias and the new one stops being one, though its own inputs may not have changed.
    This is process-wide because the two resource types have provider objects of their own in the one
    provider process of a deployment.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._aliases: dict[tuple[str, str], Declaration] = {}
        self._primaries: dict[tuple[str, str], Declaration] = {}
        self._moves: dict[tuple[str, str], Move] = {}

    def move_primary(self, organization_id: str, entity_id: str, move: Move) -> None:
        if engine_log.current_urn():
            with self._lock:
                self._moves[_entity_key(organization_id, entity_id)] = move

    def moved_primary(self, organization_id: str, entity_id: str) -> Move | None:
        with self._lock:
            return self._moves.get(_entity_key(organization_id, entity_id))

    def declare_aliases(self, organization_id: str, entity_id: str, declaration: Declaration) -> None:
        if engine_log.current_urn():  # not for the provider used directly, outside a deployment
            with self._lock:
                self._aliases[_entity_key(organization_id, entity_id)] = declaration

    def declare_primary(self, organization_id: str, entity_id: str, declaration: Declaration) -> None:
        if engine_log.current_urn():
            with self._lock:
                self._primaries[_entity_key(organization_id, entity_id)] = declaration

    def aliases_of(self, organization_id: str, entity_id: str) -> Declaration | None:
        with self._lock:
            return self._aliases.get(_entity_key(organization_id, entity_id))

    def primary_of(self, organization_id: str, entity_id: str) -> Declaration | None:
        with self._lock:
            return self._primaries.get(_entity_key(organization_id, entity_id))


DECLARED = Declarations()


def owner() -> str:
    """The name of the resource whose engine call this is ("" outside one)."""
    return engine_log.current_urn().rsplit("::", 1)[-1]
