"""The AWS JSON 1.1 wire layer: target header and body in, status and JSON body out."""

from __future__ import annotations

import json
from typing import Any

from . import exceptions as exc
from .backend import OPERATIONS, Backend
from .shapes import operation, validate

TARGET_PREFIX = "WorkMailService."
CONTENT_TYPES = ("application/x-amz-json-1.1", "application/json")


def operation_name(target: str | None) -> str:
    """The operation an ``X-Amz-Target`` header names, or "" when it names none."""
    if target and target.startswith(TARGET_PREFIX):
        return target[len(TARGET_PREFIX) :]
    return ""


def parse_body(content_type: str | None, raw: bytes) -> Any:
    media = (content_type or "").split(";")[0].strip().lower()
    if media not in CONTENT_TYPES:
        raise exc.SerializationException(
            f"Unsupported content type {media or '(none)'!r}; send application/x-amz-json-1.1."
        )
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise exc.SerializationException(f"The request body is not valid JSON: {error}") from None


def dispatch(backend: Backend, name: str, params: Any) -> tuple[dict[str, Any], bool]:
    """Validate ``params`` against the model and run the operation; returns (result, changed state)."""
    model = operation(name) if name else None
    implemented = OPERATIONS.get(name)
    if model is None or implemented is None:
        raise exc.UnknownOperationException(f"Operation {name or '(none)'} is not supported by this emulator.")
    validate(model, params)
    method, mutating = implemented
    with backend.lock:
        return method(backend, params), mutating


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()
