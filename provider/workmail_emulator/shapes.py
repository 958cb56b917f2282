"""Server-side validation of requests against botocore's own WorkMail service model.

botocore checks only required members, types and minimums on the client; the real service also
enforces maximum lengths, patterns and enums, so the emulator does the whole check here from the
same model instead of re-typing the shapes.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape

from .exceptions import InvalidParameterException, SerializationException


@functools.lru_cache(maxsize=1)
def service_model() -> ServiceModel:
    """The WorkMail model shipped with the installed botocore (loaded once per process)."""
    return botocore.session.get_session().get_service_model("workmail")


@functools.lru_cache(maxsize=256)
def _pattern(pattern: str) -> re.Pattern[str] | None:
    # Smithy patterns are not implicitly anchored; the emulator requires a full match, the safer choice:
    # a value a prefix match would let through may still be refused by the real service. A pattern Python
    # cannot compile is not enforced.
    try:
        return re.compile(pattern)
    except re.error:
        return None


def operation(name: str) -> OperationModel | None:
    model = service_model()
    if name not in model.operation_names:
        return None
    return model.operation_model(name)


def validate(op: OperationModel, params: Any) -> None:
    """Raise InvalidParameterException for the first rule of the model that ``params`` breaks."""
    if not isinstance(params, dict):
        raise SerializationException("The request body must be a JSON object.")
    shape = op.input_shape
    if shape is None:
        return
    _check(shape, params, "")


def _fail(path: str, reason: str) -> None:
    raise InvalidParameterException(
        f"1 validation error detected: Value at '{path}' failed to satisfy constraint: {reason}"
    )


def _check(shape: Shape, value: Any, path: str) -> None:
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure":
        if not isinstance(value, dict):
            _fail(path or "body", "Member must be a structure")
        members = shape.members  # type: ignore[attr-defined]
        for required in shape.required_members:
            if value.get(required) is None:
                _fail(_join(path, required), "Member must not be null")
        for key, item in value.items():
            if key not in members:
                # AWS JSON services reject unknown members.
                raise SerializationException(f"Unknown member '{_join(path, key)}'.")
            if item is not None:
                _check(members[key], item, _join(path, key))
    elif kind == "string":
        if not isinstance(value, str):
            _fail(path, "Member must be a string")
        _check_length(value, meta, path, "length")
        if "enum" in meta and value not in meta["enum"]:
            _fail(path, f"Member must satisfy enum value set: [{', '.join(meta['enum'])}]")
        pattern = meta.get("pattern")
        if pattern:
            compiled = _pattern(pattern)
            if compiled is not None and compiled.fullmatch(value) is None:
                _fail(path, f"Member must satisfy regular expression pattern: {pattern}")
    elif kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            _fail(path, "Member must be an integer")
        if "min" in meta and value < meta["min"]:
            _fail(path, f"Member must have value greater than or equal to {meta['min']}")
        if "max" in meta and value > meta["max"]:
            _fail(path, f"Member must have value less than or equal to {meta['max']}")
    elif kind == "boolean":
        if not isinstance(value, bool):
            _fail(path, "Member must be a boolean")
    elif kind == "list":
        if not isinstance(value, list):
            _fail(path, "Member must be a list")
        _check_length(value, meta, path, "length")
        for index, item in enumerate(value):
            _check(shape.member, item, f"{path}.{index + 1}")  # type: ignore[attr-defined]
    elif kind == "map":
        if not isinstance(value, dict):
            _fail(path, "Member must be a map")
        _check_length(value, meta, path, "size")
        for key, item in value.items():
            _check(shape.key, key, f"{path}.key")  # type: ignore[attr-defined]
            _check(shape.value, item, f"{path}.{key}")  # type: ignore[attr-defined]
    elif kind == "timestamp" and (not isinstance(value, (int, float)) or isinstance(value, bool)):
        _fail(path, "Member must be a timestamp")


def _check_length(value: Any, meta: dict[str, Any], path: str, word: str) -> None:
    if "min" in meta and len(value) < meta["min"]:
        _fail(path, f"Member must have {word} greater than or equal to {meta['min']}")
    if "max" in meta and len(value) > meta["max"]:
        _fail(path, f"Member must have {word} less than or equal to {meta['max']}")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def matches(shape_name: str, value: str) -> bool:
    """Whether ``value`` fits a named string shape (length and pattern), e.g. ``"EmailAddress"``."""
    shape = service_model().shape_for(shape_name)
    try:
        _check(shape, value, shape_name)
    except InvalidParameterException:
        return False
    return True
