"""The emulator's switches: behaviour the public record of WorkMail leaves open.

Where the documentation does not settle what the real service does (answering an update to the
address an entity already has, listing the primary among the aliases, ...), each plausible answer is
a value of one setting, so tests can run the provider against every variant. The annotations are the
whole validation: a ``Literal`` lists a switch's choices, ``Annotated[int, Range(...)]`` bounds a
number, and ``update`` accepts JSON values and the ``KEY=VALUE`` strings of the command line alike.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal


@dataclass(frozen=True)
class Range:
    """The inclusive bounds of a numeric setting."""

    low: int
    high: int


SamePrimaryUpdate = Literal["noop", "InvalidParameterException", "EmailAddressInUseException"]
CreateAliasOwnPrimary = Literal["EmailAddressInUseException", "noop"]
AliasLimitOnUpdate = Literal["allow", "LimitExceededException"]
DeregisterDefaultOrTestDomain = Literal["InvalidParameterException", "allow"]


@dataclass
class Settings:
    """Switches for what only a live organization could settle; the defaults are the likeliest answers."""

    # UpdatePrimaryEmailAddress to the entity's current primary: accepted, or refused with this error.
    same_primary_update: SamePrimaryUpdate = "noop"
    # ListAliases also lists the primary address.
    list_aliases_includes_primary: bool = False
    # DescribeEntity finds an entity by an alias, not only by its primary address.
    describe_entity_resolves_aliases: bool = True
    # The alias operations accept an entity's name or address, not only its id.
    alias_ops_resolve_names: bool = False
    # CreateAlias of the entity's own primary address: refused with this error, or accepted.
    create_alias_own_primary: CreateAliasOwnPrimary = "EmailAddressInUseException"
    # The most aliases one entity may have.
    alias_limit: Annotated[int, Range(0, 10_000)] = 100
    # Whether an update that turns the old primary into an alias may go over ``alias_limit``.
    alias_limit_on_update: AliasLimitOnUpdate = "allow"
    # Items per page when a List* request gives no MaxResults.
    page_size: Annotated[int, Range(1, 1000)] = 100
    # How many DescribeOrganization calls still see a new organization "Creating".
    activation_describes: Annotated[int, Range(0, 1000)] = 0
    # DeregisterMailDomain of the default or the test domain: refused with this error, or allowed.
    deregister_default_or_test_domain: DeregisterDefaultOrTestDomain = "InvalidParameterException"
    # Names CreateUser/CreateGroup/CreateResource refuse as reserved (case-insensitive).
    reserved_names: list[str] = field(default_factory=lambda: ["administrator", "root", "postmaster"])

    def update(self, values: dict[str, Any]) -> None:
        """Apply ``values`` after checking every key and type, all or nothing."""
        hints = _hints()
        staged: dict[str, Any] = {}
        for key, value in values.items():
            if key not in hints:
                raise ValueError(f"unknown setting {key!r}; known: {', '.join(sorted(hints))}")
            staged[key] = _validate(key, value, hints[key])
        for key, value in staged.items():
            setattr(self, key, value)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _hints() -> dict[str, Any]:
    """Each setting's annotation, with its ``Annotated`` extras."""
    names = {f.name for f in dataclasses.fields(Settings)}
    hints = typing.get_type_hints(Settings, include_extras=True)
    return {name: hint for name, hint in hints.items() if name in names}


def _validate(key: str, value: Any, hint: Any) -> Any:
    """``value`` as the setting's type, or a ValueError naming what it must be."""
    bounds: Range | None = None
    if typing.get_origin(hint) is Annotated:
        hint, *extras = typing.get_args(hint)
        bounds = next((extra for extra in extras if isinstance(extra, Range)), None)
    value = _coerce(key, value, hint)
    if typing.get_origin(hint) is Literal:
        choices = typing.get_args(hint)
        if value not in choices:
            raise ValueError(f"setting {key} must be one of {', '.join(choices)}")
    if bounds is not None and not (bounds.low <= value <= bounds.high):
        raise ValueError(f"setting {key} must be from {bounds.low} to {bounds.high}")
    return value


def _coerce(key: str, value: Any, hint: Any) -> Any:
    """Accept JSON values and the ``k=v`` strings of the command line."""
    if hint is bool:
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
            return value.lower() in ("true", "1")
        if isinstance(value, bool):
            return value
    elif hint is int:
        if isinstance(value, str) and value.isdigit():
            return int(value)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
    elif typing.get_origin(hint) is list:
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
    elif typing.get_origin(hint) is Literal and isinstance(value, str):
        return value
    raise ValueError(f"setting {key} has the wrong type: {value!r}")
