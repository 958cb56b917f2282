"""``EntityPrimaryEmail``: the resource Pulumi programs declare."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import Resource

from .provider import EntityPrimaryEmailProvider

# Pulumi's engine imports with a Read that carries no inputs, and a Python dynamic provider cannot answer one.
IMPORT_UNSUPPORTED = (
    "import is not supported (Pulumi cannot import resources of Python dynamic providers). Declare it without "
    "import_ instead: its first `pulumi up` adopts the entity as it is, writing nothing when the declared email "
    "is already primary, and records the primary it found as original_email."
)

# Output-only properties, seeded with None so they become attributes (pulumi/pulumi#6678).
_OUTPUTS = ("resolved_entity_id", "entity_type", "entity_name", "original_email")


@dataclass
class EntityPrimaryEmailArgs:
    """The inputs of ``EntityPrimaryEmail``, for the ``EntityPrimaryEmail(name, args, opts)`` form."""

    organization_id: pulumi.Input[str]
    """The WorkMail organization (``m-`` and 32 hex digits). Changing it replaces the resource."""
    entity_id: pulumi.Input[str]
    """The user, group or resource: its id, an email address of it, or its name."""
    email: pulumi.Input[str]
    """The address to make primary; updated in place, the previous primary becomes an alias."""
    on_delete: pulumi.Input[str] | None = None
    """``"restore"`` (default) puts the original primary back on delete; ``"retain"`` leaves WorkMail as is."""
    region: pulumi.Input[str] | None = None
    """AWS region of the organization; defaults to the stack's ``aws:region``, then the AWS SDK's default."""
    wait_timeout_seconds: pulumi.Input[float] | None = None
    """How long to wait for WorkMail's eventual consistency (default 120 s)."""


class EntityPrimaryEmail(Resource, module="workmail", name="EntityPrimaryEmail"):
    """The primary email address of an Amazon WorkMail user, group or resource, managed in place.

    Unlike ``aws.workmail.User``'s ``email`` (which forces a replacement and loses the mailbox), this
    calls WorkMail's UpdatePrimaryEmailAddress: the old primary stays on as an alias.
    """

    organization_id: pulumi.Output[str]
    entity_id: pulumi.Output[str]
    email: pulumi.Output[str]
    """The live primary address."""
    on_delete: pulumi.Output[str]
    region: pulumi.Output[str | None]
    wait_timeout_seconds: pulumi.Output[float]
    resolved_entity_id: pulumi.Output[str]
    """The entity's id, whatever ``entity_id`` named it by."""
    entity_type: pulumi.Output[str]
    """``USER``, ``GROUP`` or ``RESOURCE``."""
    entity_name: pulumi.Output[str]
    original_email: pulumi.Output[str | None]
    """The primary address before this resource first changed it; restored on delete."""

    def __init__(
        self,
        resource_name: str,
        args: EntityPrimaryEmailArgs | pulumi.ResourceOptions | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        organization_id: pulumi.Input[str] | None = None,
        entity_id: pulumi.Input[str] | None = None,
        email: pulumi.Input[str] | None = None,
        on_delete: pulumi.Input[str] | None = None,
        region: pulumi.Input[str] | None = None,
        wait_timeout_seconds: pulumi.Input[float] | None = None,
    ) -> None:
        if isinstance(args, pulumi.ResourceOptions):
            args, opts = None, args
        if opts is not None and opts.import_:
            raise pulumi.RunError(f"EntityPrimaryEmail {resource_name!r}: {IMPORT_UNSUPPORTED}")
        if args is not None:
            inputs: dict[str, Any] = dict(vars(args))
        else:
            inputs = {
                "organization_id": organization_id,
                "entity_id": entity_id,
                "email": email,
                "on_delete": on_delete,
                "region": region,
                "wait_timeout_seconds": wait_timeout_seconds,
            }
        props = {**dict.fromkeys(_OUTPUTS), **inputs}
        super().__init__(EntityPrimaryEmailProvider(), resource_name, props, opts)
