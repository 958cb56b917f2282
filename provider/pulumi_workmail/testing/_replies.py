"""What the provider server answers, as values: the replies of Check, Diff, Create and Read, what
Configure said it can do, and a failed call reduced to the provider's own message."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final, Literal, NamedTuple

import grpc

DiffChanges = Literal["none", "some", "unknown"]

_TRACEBACK_HEADER: Final = "Traceback (most recent call last):"
_GRPC_APP_PREFIX: Final = "Exception calling application: "
_EXCEPTION_LINE: Final = re.compile(r"(?P<type>[A-Za-z_][\w.]*)(?::[ \t]?(?P<message>.*))?\Z", re.DOTALL)


class CheckFailure(NamedTuple):
    """One ``CheckFailure`` from the provider; compares equal to a ``(property, reason)`` tuple."""

    property: str
    reason: str


@dataclass(frozen=True)
class CheckResponse:
    """The checked inputs (``__provider`` included) and any validation failures."""

    inputs: dict[str, Any]
    failures: tuple[CheckFailure, ...]


@dataclass(frozen=True)
class DiffResponse:
    """The provider's verdict; ``"unknown"`` (default ``diff()``) makes the engine diff inputs itself."""

    changes: DiffChanges
    replaces: tuple[str, ...]
    delete_before_replace: bool
    # The keys the provider says changed (``replace_on_changes`` is matched against these); a Python
    # dynamic provider names none.
    diffs: tuple[str, ...] = ()


@dataclass(frozen=True)
class CreateResponse:
    """The new resource's id and outputs (``__provider`` included, added by the server)."""

    id: str
    outputs: dict[str, Any]


@dataclass(frozen=True)
class ReadResponse:
    """Refreshed state; ``inputs`` is ``None`` unless the provider returned ``ReadResult.inputs``."""

    id: str
    outputs: dict[str, Any]
    inputs: dict[str, Any] | None

    @property
    def gone(self) -> bool:
        """An empty id means the resource no longer exists; the engine drops it from state."""
        return self.id == ""


@dataclass(frozen=True)
class ProviderCapabilities:
    """What the server answered to Configure; the engine adapts every later call to these flags."""

    accept_secrets: bool
    accept_resources: bool
    supports_preview: bool
    accept_outputs: bool


@dataclass(frozen=True)
class ProviderLogs:
    """Everything the server wrote after its port line (bounded; oldest text is dropped first)."""

    stdout: str
    stderr: str


class ProviderStartError(RuntimeError):
    """The server could not be launched, died before reporting its port, or failed its handshake."""


class ProviderError(Exception):
    """A provider call failed. ``str(err)`` is only what the provider said; ``details`` keeps the rest.

    The 3.272 server answers every failed CRUD call with ``traceback.format_exc()``; older servers send
    ``Exception calling application: <message>``. Both reduce to the final exception's message, which is
    what a user needs to see, while ``details`` keeps the raw text for debugging.
    """

    def __init__(
        self,
        operation: str,
        message: str,
        *,
        details: str = "",
        code: grpc.StatusCode | None = None,
        exception_type: str | None = None,
    ) -> None:
        super().__init__(message)
        self.operation = operation
        self.message = message
        self.details = details or message
        self.code = code
        self.exception_type = exception_type

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"ProviderError({self.operation!r}, {self.message!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.operation, self.message), dict(self.__dict__))


def provider_message(details: str) -> tuple[str, str | None]:
    """Reduce gRPC error details to (the provider's own message, its exception type if known)."""
    text = details.strip()
    if text.startswith(_GRPC_APP_PREFIX):
        text = text[len(_GRPC_APP_PREFIX) :]
    start = text.rfind(_TRACEBACK_HEADER)
    if start == -1:
        return text, None
    # The last traceback block is the exception actually raised (format_exc prints causes first).
    # Frame lines are indented; the exception text starts at the first unindented line.
    lines = text[start + len(_TRACEBACK_HEADER) :].splitlines()
    index = 0
    while index < len(lines) and (not lines[index] or lines[index][0].isspace()):
        index += 1
    tail = "\n".join(lines[index:]).strip()
    match = _EXCEPTION_LINE.match(tail)
    if match is None:
        return tail or text, None
    exception_type = match.group("type")
    message = (match.group("message") or "").strip()
    return message or exception_type, exception_type
