"""The engine's wire form: the sentinels, secret wrappers, protobuf Structs and URNs every part shares.

The provider client, the mock monitor, the step records and the state all speak it, so its rules live
once, here: one URN parser, one builder, one reading of a ``Struct`` as the engine reads a registration
(:func:`wire_props`) and the SDK's own reading for provider answers (:func:`from_struct`).
"""

from __future__ import annotations

from collections.abc import Coroutine, Iterable, Mapping
from typing import Any, Final, NamedTuple, TypeVar, cast

from google.protobuf import struct_pb2
from pulumi.output import Unknown
from pulumi.runtime import rpc

PROVIDER_KEY: Final = "__provider"
"""The input/output property holding the base64 dill pickle of the provider instance."""

UNKNOWN: Final[str] = rpc.UNKNOWN
"""The wire sentinel for a value that is not known yet (only legal in preview / Check / Diff)."""

SIG_KEY: Final[str] = getattr(rpc, "_special_sig_key", "4dabf18193072939515e22adb298388d")
"""The key marking a special wire object (secret, asset, resource reference ...)."""

SECRET_SIG: Final[str] = getattr(rpc, "_special_secret_sig", "1b47061264138c4ac30d75fd1eb44270")
"""The ``SIG_KEY`` value marking a secret: ``{SIG_KEY: SECRET_SIG, "value": ...}``."""

RESOURCE_REF_SIG: Final = "5cf8f73096256a8f31e491e813e4eb8e"
"""The ``SIG_KEY`` value marking a resource reference (the SDK sends them: the mock monitor accepts them)."""

_T = TypeVar("_T")


# --------------------------------------------------------------------------------------------------
# Secrets


def wrap_secret(value: Any) -> dict[str, Any]:
    """Mark ``value`` as secret in the engine's wire format; already-wrapped values are returned as is."""
    if is_secret(value):
        return cast(dict[str, Any], value)
    return {SIG_KEY: SECRET_SIG, "value": value}


def is_secret(value: Any) -> bool:
    """Whether ``value`` is a wire-format secret wrapper."""
    return isinstance(value, Mapping) and value.get(SIG_KEY) == SECRET_SIG


def unwrap_secrets(props: Mapping[str, Any]) -> tuple[dict[str, Any], frozenset[str]]:
    """Strip every secret wrapper from a property map, as the engine does before calling a provider.

    Returns the plain map and the top-level keys whose value was, or contained, a secret: the engine
    re-marks outputs by those keys (``annotateSecrets``), so that is all a caller needs to remember.
    """
    plain: dict[str, Any] = {}
    secret_keys: set[str] = set()
    for key, value in props.items():
        plain[key], was_secret = _strip_secrets(value)
        if was_secret:
            secret_keys.add(key)
    return plain, frozenset(secret_keys)


def wrap_secrets(props: Mapping[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    """Copy ``props`` with the values under ``keys`` wrapped as secrets (re-marking outputs by key)."""
    wanted = set(keys)
    return {key: wrap_secret(value) if key in wanted else value for key, value in props.items()}


def _strip_secrets(value: Any) -> tuple[Any, bool]:
    if is_secret(value):
        inner, _nested = _strip_secrets(value.get("value"))
        return inner, True
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        found = False
        for key, item in value.items():
            out[key], item_secret = _strip_secrets(item)
            found = found or item_secret
        return out, found
    if isinstance(value, (list, tuple)):
        items: list[Any] = []
        found = False
        for item in value:
            plain, item_secret = _strip_secrets(item)
            items.append(plain)
            found = found or item_secret
        return items, found
    return value, False


# --------------------------------------------------------------------------------------------------
# Structs


def _run_sync(coro: Coroutine[Any, Any, _T]) -> _T:
    """Finish a coroutine that never suspends, without touching any event loop.

    ``rpc.serialize_properties`` is async only because it may await Outputs; for plain values it completes
    on the first step. Driving it by hand keeps this thread-safe and usable from inside a running loop
    (the program runner calls us from Pulumi's own loop threads).
    """
    try:
        coro.send(None)
    except StopIteration as done:
        return cast(_T, done.value)
    coro.close()
    raise TypeError("property values must be plain, resolved data (got an Output, future or awaitable)")


def to_struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    """Serialize plain values with the SDK's own rules (``Unknown()`` and ``UNKNOWN`` both become UNKNOWN)."""
    return _run_sync(rpc.serialize_properties(dict(props), {}))


def from_struct(struct: struct_pb2.Struct) -> dict[str, Any]:
    """Deserialize with the SDK's own rules, keeping unknowns as the :data:`UNKNOWN` sentinel."""
    value = rpc.deserialize_properties(struct, keep_unknowns=True)
    return cast(dict[str, Any], _unknowns_to_sentinel(value))


def _unknowns_to_sentinel(value: Any) -> Any:
    if isinstance(value, Unknown):
        return UNKNOWN
    if isinstance(value, dict):
        return {key: _unknowns_to_sentinel(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unknowns_to_sentinel(item) for item in value]
    return value


def wire_props(struct: struct_pb2.Struct) -> dict[str, Any]:
    """A registration's properties as the engine keeps them: exactly what was sent, no SDK rules applied.

    Unlike :func:`from_struct`, nulls stay, nested secrets stay where they are and other ``__`` keys are
    kept; only resource references are downgraded (see :func:`_struct_to_python`).
    """
    value = _struct_to_python(struct)
    return value if isinstance(value, dict) else {}


def _value_to_python(value: struct_pb2.Value) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "struct_value":
        return _struct_to_python(value.struct_value)
    if kind == "list_value":
        return [_value_to_python(item) for item in value.list_value.values]
    if kind == "string_value":
        return value.string_value
    if kind == "number_value":
        return value.number_value
    if kind == "bool_value":
        return value.bool_value
    return None


def _struct_to_python(struct: struct_pb2.Struct) -> Any:
    """Wire properties as plain data: secrets stay wrapped, unknowns stay the UNKNOWN sentinel.

    Resource references are downgraded to the id (custom) or URN (component), as the engine does for a
    provider that does not accept resources.
    """
    data = {key: _value_to_python(item) for key, item in struct.fields.items()}
    if data.get(SIG_KEY) == RESOURCE_REF_SIG:
        resource_id = data.get("id")
        if isinstance(resource_id, str):
            return resource_id or UNKNOWN
        return data.get("urn", "")
    return data


# --------------------------------------------------------------------------------------------------
# URNs


class Urn(NamedTuple):
    """The parts of ``urn:pulumi:<stack>::<project>::<qualified type>::<name>``.

    The qualified type is the parents' types and then the resource's own, joined by ``$``; the name is
    everything after the third ``::``, since the engine allows ``::`` in names.
    """

    stack: str
    project: str
    qualified_type: str
    name: str

    @property
    def type(self) -> str:
        """The resource's own type, as the engine fills ``type`` in provider requests."""
        return self.qualified_type.rsplit("$", 1)[-1]


def parse_urn(urn: str) -> Urn | None:
    """The URN's parts, or ``None`` for a string that is not one."""
    parts = urn.split("::", 3)
    if len(parts) != 4:
        return None
    return Urn(parts[0].removeprefix("urn:pulumi:"), parts[1], parts[2], parts[3])


def make_urn(stack: str, project: str, qualified_type: str, name: str) -> str:
    return f"urn:pulumi:{stack}::{project}::{qualified_type}::{name}"


def urn_type_name(urn: str) -> tuple[str, str]:
    """``(type, name)`` for messages and step records; a string that is no URN is all name."""
    parsed = parse_urn(urn)
    if parsed is None:
        return "", urn
    return parsed.type, parsed.name
