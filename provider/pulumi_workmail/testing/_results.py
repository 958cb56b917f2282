"""What an operation hands back: its steps, summary and result types, shaped like ``pulumi.automation``'s.

Both backends (the offline runner and ``AutomationStack`` on the real CLI) return these, so one scenario
test reads the same on either; they carry no behaviour of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pulumi.automation import CommandError, CommandResult, OutputValue

from ._state import ResourceState
from ._wire import is_secret, urn_type_name

__all__ = [
    "DestroyResult",
    "OfflineCommandError",
    "PreviewResult",
    "RefreshResult",
    "Step",
    "UpResult",
    "UpdateSummary",
]

StepOp = Literal[
    "create", "update", "replace", "delete", "delete-replaced", "same", "refresh", "read", "discard", "discard-replaced"
]
ResultOp = Literal["create", "update", "replace", "delete", "same", "read", "discard"]


@dataclass(frozen=True)
class Step:
    """One resource operation, as a Pulumi user reads it: resource, operation, old → new.

    ``old``/``new`` are ``{"id", "inputs", "outputs"}`` snapshots (secrets still wrapped, as in state);
    ``diffs`` are the changed top-level inputs (outputs for a refresh that is an update; none for one that
    is the same), ``__`` keys left out as the CLI does.
    ``result_op`` is what the step amounts to: equal to ``op`` except for refresh, where it is
    ``"same"``, ``"update"`` (drift the provider's Diff finds) or ``"delete"`` (gone), and for
    ``"delete-replaced"`` (the deferred delete of a resource replaced create-before-delete), which the
    summary does not count: like the engine, it counts the logical ``"replace"`` once. A resource the
    program reads (``get``) has a ``"read"`` step, counted only when it finds outputs other than the stack
    recorded; when it leaves the stack (removed from the program, or destroyed) it is ``"discard"``ed,
    without a provider call (``"discard-replaced"`` when a declared resource took its name, not counted
    either).
    """

    urn: str
    name: str
    type: str
    op: StepOp
    result_op: ResultOp
    diffs: tuple[str, ...] = ()
    replaces: tuple[str, ...] = ()
    old: dict[str, Any] | None = None
    new: dict[str, Any] | None = None

    @property
    def custom(self) -> bool:
        """Whether a provider manages it (the Stack and components are not custom)."""
        snapshot = self.new or self.old or {}
        return bool(snapshot.get("custom", False))


@dataclass(frozen=True)
class UpdateSummary:
    """The subset of ``pulumi.automation.UpdateSummary`` a test looks at."""

    kind: str
    result: str
    message: str
    start_time: datetime
    end_time: datetime
    resource_changes: dict[str, int]


@dataclass(frozen=True)
class _Output:
    """What every operation's result carries first, as ``pulumi.automation``'s do: the command's text."""

    stdout: str
    stderr: str


@dataclass(frozen=True)
class _Applied(_Output):
    """The result of an operation that changed the stack: its summary."""

    summary: UpdateSummary


@dataclass(frozen=True)
class PreviewResult(_Output):
    """Like ``pulumi.automation.PreviewResult``, plus the planned ``steps``."""

    change_summary: dict[str, int]
    steps: list[Step]


@dataclass(frozen=True)
class UpResult(_Applied):
    """Like ``pulumi.automation.UpResult``, plus the ``steps`` taken."""

    outputs: dict[str, OutputValue]
    steps: list[Step]


@dataclass(frozen=True)
class RefreshResult(_Applied):
    """Like ``pulumi.automation.RefreshResult``, plus the ``steps`` (op ``"refresh"``)."""

    steps: list[Step]


@dataclass(frozen=True)
class DestroyResult(_Applied):
    """Like ``pulumi.automation.DestroyResult``, plus the ``steps`` taken."""

    steps: list[Step]


class OfflineCommandError(CommandError):
    """An operation failed. A ``pulumi.automation.CommandError``, so one ``pytest.raises`` fits both backends.

    ``message`` is the cause alone (the provider's message, the engine-format check failure, or the
    program's exception); ``str()`` adds the resource it happened to. ``steps`` lists the steps that
    completed before the failure; they are saved in the state.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        urn: str | None,
        operation: str | None,
        stdout: str,
        stderr: str,
        steps: list[Step],
    ) -> None:
        super().__init__(CommandResult(stdout=stdout, stderr=stderr, code=255))
        self.name = "OfflineCommandError"
        self.message = message
        self.kind = kind
        self.urn = urn
        self.operation = operation
        self.stdout = stdout
        self.stderr = stderr
        self.steps = steps

    def __str__(self) -> str:
        if self.urn is None or self.operation is None:
            return self.message
        type_, name = urn_type_name(self.urn)
        if self.message.startswith(f"{type_} resource '{name}'"):  # check failures already say where
            return self.message
        return f"{type_} resource '{name}': {self.operation} failed: {self.message}"


def step_snapshot(record: ResourceState | None) -> dict[str, Any] | None:
    """A record as a step's ``old``/``new``: what ``pulumi.automation`` step events carry."""
    if record is None:
        return None
    return {"id": record.id, "custom": record.custom, "inputs": record.inputs, "outputs": record.outputs}


def output_values(outputs: Mapping[str, Any] | None) -> dict[str, OutputValue]:
    """Stack outputs as ``pulumi.automation`` returns them: secrets unwrapped but flagged."""
    return {
        key: OutputValue(value["value"], True) if is_secret(value) else OutputValue(value, False)
        for key, value in (outputs or {}).items()
    }
