"""``EntityAliases``: the aliases of one entity, as a Pulumi program declares them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import Resource

from .aliases_provider import EntityAliasesProvider

IMPORT_UNSUPPORTED = (
    "import is not supported (Pulumi cannot import resources of Python dynamic providers). Declare it without "
    "import_ instead: its first `pulumi up` adopts the aliases as they are, adding only the declared ones the "
    "entity lacks (and, when exclusive, removing the others)."
)
# Output-only properties, seeded with None so they become attributes (pulumi/pulumi#6678).
_OUTPUTS = ("resolved_entity_id", "entity_type", "entity_name", "added_aliases", "removed_aliases")


@dataclass
class EntityAliasesArgs:
    """The inputs of ``EntityAliases``, for the ``EntityAliases(name, args, opts)`` form."""

    organization_id: pulumi.Input[str]
    """The WorkMail organization (``m-`` and 32 hex digits). Changing it replaces the resource."""
    entity_id: pulumi.Input[str]
    """The user, group or resource: its id, an email address of it, or its name."""
    aliases: pulumi.Input[list[pulumi.Input[str]]]
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
    """

    organization_id: pulumi.Output[str]
    entity_id: pulumi.Output[str]
    aliases: pulumi.Output[list[str]]
    """The aliases that count, as last seen: all of them when exclusive, else the declared ones the entity has."""
    exclusive: pulumi.Output[bool]
    on_delete: pulumi.Output[str]
    region: pulumi.Output[str | None]
    wait_timeout_seconds: pulumi.Output[float]
    resolved_entity_id: pulumi.Output[str]
    """The entity's id, whatever ``entity_id`` named it by."""
    entity_type: pulumi.Output[str]
    """``USER``, ``GROUP`` or ``RESOURCE``."""
    entity_name: pulumi.Output[str]
    added_aliases: pulumi.Output[list[str]]
    """Aliases this resource added (they were not there before it); removed again on delete."""
    removed_aliases: pulumi.Output[list[str]]
    """Aliases this resource removed (they were there before it); put back on delete."""

    def __init__(
        self,
        resource_name: str,
        args: EntityAliasesArgs | pulumi.ResourceOptions | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        organization_id: pulumi.Input[str] | None = None,
        entity_id: pulumi.Input[str] | None = None,
        aliases: pulumi.Input[list[pulumi.Input[str]]] | None = None,
        exclusive: pulumi.Input[bool] | None = None,
        on_delete: pulumi.Input[str] | None = None,
        region: pulumi.Input[str] | None = None,
        wait_timeout_seconds: pulumi.Input[float] | None = None,
    ) -> None:
        if isinstance(args, pulumi.ResourceOptions):
            args, opts = None, args
        if opts is not None and opts.import_:
            raise pulumi.RunError(f"EntityAliases {resource_name!r}: {IMPORT_UNSUPPORTED}")
        if args is not None:
            inputs: dict[str, Any] = dict(vars(args))
        else:
            inputs = {
                "organization_id": organization_id,
                "entity_id": entity_id,
                "aliases": aliases,
                "exclusive": exclusive,
                "on_delete": on_delete,
                "region": region,
                "wait_timeout_seconds": wait_timeout_seconds,
            }
        props = {**dict.fromkeys(_OUTPUTS), **inputs}
        super().__init__(EntityAliasesProvider(), resource_name, props, opts)
