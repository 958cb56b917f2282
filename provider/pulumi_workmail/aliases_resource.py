"""``EntityAliases``: the aliases of one entity, as a Pulumi program declares them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, overload

import pulumi
from pulumi.dynamic import Resource

from .aliases_provider import EntityAliasesProvider
from .resource import read_options, resource_inputs
from .secrecy import register_secrets

IMPORT_UNSUPPORTED = (
    "import is not supported (Pulumi cannot import resources of Python dynamic providers). Declare it without "
    "import_ instead: its first `pulumi up` adopts the aliases as they are, adding only the declared ones the "
    "entity lacks (and, when exclusive, removing the others)."
)
# Output-only properties, seeded with None so they become attributes (pulumi/pulumi#6678).
_OUTPUTS = ("resolved_entity_id", "resolved_region", "entity_type", "entity_name", "added_aliases", "removed_aliases")


@dataclass
class EntityAliasesArgs:
    """The inputs of ``EntityAliases``, for the ``EntityAliases(name, args, opts)`` form."""

    organization_id: pulumi.Input[str]
    """The WorkMail organization (``m-`` and 32 hex digits). Changing it replaces the resource."""
    entity_id: pulumi.Input[str]
    """The user, group or resource: its id, an email address of it, or its name."""
    aliases: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Addresses that must be aliases of the entity; order and case do not matter, repeats are refused."""
    exclusive: pulumi.Input[bool] | None = None
    """``True``: the entity has exactly these aliases, others are removed. ``False`` (default): others stay."""
    on_delete: pulumi.Input[str] | None = None
    """``"restore"`` (default) undoes what the resource changed on delete; ``"retain"`` leaves WorkMail as is."""
    region: pulumi.Input[str] | None = None
    """AWS region of the organization; defaults to the stack's ``aws:region``, then the AWS SDK's default."""
    wait_timeout_seconds: pulumi.Input[float] | None = None
    """How long to wait for WorkMail's eventual consistency (default 120 s)."""


class EntityAliases(Resource, module="workmail", name="EntityAliases"):
    """The aliases of an Amazon WorkMail user, group or resource.

    With ``exclusive=True`` the entity has exactly the declared aliases, which is how a migrated domain's
    old addresses are dropped before the domain is deregistered. To change the primary address as well,
    manage it with ``EntityPrimaryEmail`` and give this resource ``depends_on=[that resource]``: the swap
    happens first, and the list then sees the aliases it left.

    ## Example Usage

    ```python
    import pulumi
    from pulumi_workmail import EntityAliases

    aliases = EntityAliases(
        "alice-aliases",
        organization_id="m-0123456789abcdef0123456789abcdef",
        entity_id="alice",
        aliases=["al@new.example"],
        exclusive=True,
    )
    pulumi.export("removed", aliases.removed_aliases)
    ```

    ## Import

    ``pulumi import`` cannot import resources of Python dynamic providers. Declare the resource instead: its
    first ``pulumi up`` adopts the aliases it finds, writing nothing for the declared ones the entity has.
    To read an entity's aliases without managing them, ``EntityAliases.get("alice", "<organization_id>/<entity
    id>")``.
    """

    organization_id: pulumi.Output[str]
    """The WorkMail organization."""
    entity_id: pulumi.Output[str]
    """The entity as the program named it (its id, for a resource read with ``get``)."""
    aliases: pulumi.Output[list[str]]
    """The aliases that count, as last seen: all of them when exclusive, else the declared ones the entity has."""
    exclusive: pulumi.Output[bool]
    """Whether the entity has exactly the declared aliases (``True``) or others stay (``False``)."""
    on_delete: pulumi.Output[str]
    """What deleting the resource does: ``restore`` or ``retain``."""
    region: pulumi.Output[str | None]
    """The region, when the resource sets one (``resolved_region`` is where it is managed)."""
    wait_timeout_seconds: pulumi.Output[float]
    """How long a step waits for WorkMail's eventual consistency, in seconds."""
    resolved_entity_id: pulumi.Output[str]
    """The entity's id, whatever ``entity_id`` named it by."""
    resolved_region: pulumi.Output[str]
    """The region the resource was made in and is managed in: ``region``, else the stack's region then."""
    entity_type: pulumi.Output[str]
    """``USER``, ``GROUP`` or ``RESOURCE``."""
    entity_name: pulumi.Output[str]
    """The entity's name."""
    added_aliases: pulumi.Output[list[str]]
    """Aliases this resource added (they were not there before it); removed again on delete."""
    removed_aliases: pulumi.Output[list[str]]
    """Aliases this resource removed (they were there before it); put back on delete."""

    @overload
    def __init__(
        self, resource_name: str, args: EntityAliasesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None: ...

    @overload
    def __init__(
        self,
        resource_name: str,
        opts: pulumi.ResourceOptions | None = None,
        *,
        organization_id: pulumi.Input[str],
        entity_id: pulumi.Input[str],
        aliases: pulumi.Input[Sequence[pulumi.Input[str]]],
        exclusive: pulumi.Input[bool] | None = None,
        on_delete: pulumi.Input[str] | None = None,
        region: pulumi.Input[str] | None = None,
        wait_timeout_seconds: pulumi.Input[float] | None = None,
    ) -> None: ...

    def __init__(self, resource_name: str, *args: Any, **kwargs: Any) -> None:
        inputs, opts = resource_inputs(
            "EntityAliases", resource_name, args, kwargs, EntityAliasesArgs, IMPORT_UNSUPPORTED
        )
        self._register(resource_name, inputs, opts)

    def _register(self, resource_name: str, inputs: Mapping[str, Any], opts: pulumi.ResourceOptions | None) -> None:
        props = {**dict.fromkeys(_OUTPUTS), **dict.fromkeys(_INPUTS), **inputs}
        if inputs:  # not a get: its outputs are read, from no input
            props, opts = register_secrets(props, opts, _WATCHED, _DERIVED)
        Resource.__init__(self, EntityAliasesProvider(), resource_name, props, opts)

    @staticmethod
    def get(resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None) -> EntityAliases:
        """Read an entity's aliases without managing them; ``id`` is ``<organization_id>/<entity id>`` (the id
        of an ``EntityAliases``). ``aliases`` then holds every alias the entity has."""
        resource = EntityAliases.__new__(EntityAliases)
        resource._register(resource_name, {}, read_options(id, opts))
        return resource


_INPUTS = ("organization_id", "entity_id", "aliases", "exclusive", "on_delete", "region", "wait_timeout_seconds")
# Addresses given as secrets, and the outputs derived from them that Pulumi must then encrypt as well.
_WATCHED = ("entity_id", "aliases")
_DERIVED = ("added_aliases", "removed_aliases")
