"""``EntityPrimaryEmail``: the resource Pulumi programs declare."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, overload

import pulumi
from pulumi.dynamic import Resource, ResourceProvider

from .provider import EntityPrimaryEmailProvider
from .secrecy import register_secrets

# Pulumi's engine imports with a Read that carries no inputs, and a Python dynamic provider cannot answer one.
IMPORT_UNSUPPORTED = (
    "import is not supported (Pulumi cannot import resources of Python dynamic providers). Declare it without "
    "import_ instead: its first `pulumi up` adopts the entity as it is, writing nothing when the declared email "
    "is already primary, and records the primary it found as original_email. To read an entity without managing "
    "it, use EntityPrimaryEmail.get(name, id)."
)

# Output-only properties, seeded with None so they become attributes (pulumi/pulumi#6678).
_OUTPUTS = ("resolved_entity_id", "resolved_region", "entity_type", "entity_name", "original_email")


def resource_inputs(
    type_name: str,
    resource_name: str,
    positional: tuple[Any, ...],
    keywords: dict[str, Any],
    args_type: type,
    unsupported_import: str,
) -> tuple[dict[str, Any], pulumi.ResourceOptions | None]:
    """The inputs and options of either constructor form, ``(name, args, opts)`` or ``(name, opts,
    **inputs)``; giving both an ``Args`` object and input keywords is refused (the overloads make it a
    type error too)."""
    keywords = dict(keywords)
    rest = list(positional)
    args = keywords.pop("args", None)
    if args is None and rest and isinstance(rest[0], args_type):
        args = rest.pop(0)
    opts = keywords.pop("opts", None)
    if opts is None and rest and isinstance(rest[0], pulumi.ResourceOptions):
        opts = rest.pop(0)
    if rest:
        raise TypeError(
            f"{type_name} {resource_name!r}: expected ({args_type.__name__}, ResourceOptions) or "
            f"(ResourceOptions, keyword inputs) after the name; got {', '.join(type(r).__name__ for r in rest)}"
        )
    if opts is not None and not isinstance(opts, pulumi.ResourceOptions):
        raise TypeError(f"{type_name} {resource_name!r}: opts must be a ResourceOptions, not {type(opts).__name__}")
    if opts is not None and opts.import_:
        raise pulumi.RunError(f"{type_name} {resource_name!r}: {unsupported_import}")
    if args is None:
        return keywords, opts
    if not isinstance(args, args_type):
        raise TypeError(
            f"{type_name} {resource_name!r}: args must be a {args_type.__name__}, not {type(args).__name__}"
        )
    given = sorted(key for key, value in keywords.items() if value is not None)
    if given:
        raise TypeError(
            f"{type_name} {resource_name!r}: give the inputs in {args_type.__name__} or as keywords, not both "
            f"(got {', '.join(given)} as keywords too)"
        )
    return dict(vars(args)), opts


def read_options(id: pulumi.Input[str], opts: pulumi.ResourceOptions | None) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id))


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

    ## Example Usage

    ```python
    import pulumi
    from pulumi_workmail import EntityPrimaryEmail

    alice = EntityPrimaryEmail(
        "alice-primary",
        organization_id="m-0123456789abcdef0123456789abcdef",
        entity_id="alice",
        email="alice@new.example",
    )
    pulumi.export("original", alice.original_email)
    ```

    ## Import

    ``pulumi import`` cannot import resources of Python dynamic providers. Declare the resource with the
    entity's current address instead: its first ``pulumi up`` adopts the entity without a write. To read
    an entity without managing it, ``EntityPrimaryEmail.get("alice", "<organization_id>/<entity id>")``.
    """

    organization_id: pulumi.Output[str]
    """The WorkMail organization."""
    entity_id: pulumi.Output[str]
    """The entity as the program named it (its id, for a resource read with ``get``)."""
    email: pulumi.Output[str]
    """The live primary address."""
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
    original_email: pulumi.Output[str | None]
    """The primary address before this resource first changed it; restored on delete."""

    @overload
    def __init__(
        self, resource_name: str, args: EntityPrimaryEmailArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None: ...

    @overload
    def __init__(
        self,
        resource_name: str,
        opts: pulumi.ResourceOptions | None = None,
        *,
        organization_id: pulumi.Input[str],
        entity_id: pulumi.Input[str],
        email: pulumi.Input[str],
        on_delete: pulumi.Input[str] | None = None,
        region: pulumi.Input[str] | None = None,
        wait_timeout_seconds: pulumi.Input[float] | None = None,
    ) -> None: ...

    def __init__(self, resource_name: str, *args: Any, **kwargs: Any) -> None:
        inputs, opts = resource_inputs(
            "EntityPrimaryEmail", resource_name, args, kwargs, EntityPrimaryEmailArgs, IMPORT_UNSUPPORTED
        )
        self._register(EntityPrimaryEmailProvider(), resource_name, inputs, opts)

    def _register(
        self,
        provider: ResourceProvider,
        resource_name: str,
        inputs: Mapping[str, Any],
        opts: pulumi.ResourceOptions | None,
    ) -> None:
        props = {**dict.fromkeys(_OUTPUTS), **dict.fromkeys(_INPUTS), **inputs}
        if inputs:  # not a get: its outputs are read, from no input
            props, opts = register_secrets(props, opts, _WATCHED, _DERIVED)
        Resource.__init__(self, provider, resource_name, props, opts)

    @staticmethod
    def get(
        resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None
    ) -> EntityPrimaryEmail:
        """Read an entity's primary address without managing it; ``id`` is ``<organization_id>/<entity id>``
        (the id of an ``EntityPrimaryEmail``). ``entity_id`` then holds the entity's id."""
        resource = EntityPrimaryEmail.__new__(EntityPrimaryEmail)
        resource._register(EntityPrimaryEmailProvider(), resource_name, {}, read_options(id, opts))
        return resource


_INPUTS = ("organization_id", "entity_id", "email", "on_delete", "region", "wait_timeout_seconds")
# An address given as a secret, and the outputs derived from it that Pulumi must then encrypt as well
# (an entity_id given as an address is often the primary that original_email records).
_WATCHED = ("entity_id", "email")
_DERIVED = ("original_email",)
