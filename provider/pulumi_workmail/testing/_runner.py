"""Run a whole Pulumi program offline: a test and demo driver, **not** the Pulumi engine.

``OfflineStack`` runs a program (a directory with ``Pulumi.yaml`` + ``__main__.py``, or an inline function)
in this process under ``pulumi.runtime.mocks`` and forwards every Python dynamic resource to a real
``python -m pulumi.dynamic`` provider process over Pulumi's provider gRPC protocol (``ProviderServer``),
making the engine's calls in the engine's order. It exists because the Pulumi CLI cannot be installed
everywhere we test, yet the provider must be exercised the way the CLI drives it: the ``__provider``
pickle round trip, Configure with the namespaced stack config, secrets stripped and re-marked, unknowns
in preview, olds = old *outputs* in Diff/Update/Delete, and the Same-step rule. Its verbs and results
mirror ``pulumi.automation`` stacks, so one scenario test can run on both.

What it does, per verb (the research notes ``pulumi-dynamic-protocol.md``, sections 2 and 3, are the spec):

- one provider process per operation, started on the first dynamic resource (or up front when the state
  holds one), cwd = the project directory, Configured with the whole stack config;
- ``preview``: Check (+ Diff for existing resources, + a fresh Check for replacements); never
  Create/Update/Delete. New resources' outputs are the checked inputs, so output-only properties and
  everything computed from them are unknown downstream, as in the engine's preview;
- ``up``: Check, Diff, then Create / Update / replace (create-before-delete by default, delete-before-replace
  when the provider or the ``delete_before_replace`` option asks), then deletes of resources no longer
  declared and of replaced resources, in reverse dependency order. DIFF_UNKNOWN is decided by comparing
  inputs, ``__provider`` included; DIFF_NONE is a Same step (new inputs, old outputs, old id);
- ``refresh``: Read per resource without running the program; an empty id drops it, ``ReadResult.inputs``
  replaces the stored inputs, and outputs that changed are reported as drift ("update");
- ``destroy``: Delete in reverse dependency order; ``retain_on_delete`` resources are dropped without a
  call, protected ones refuse.

Registrations run concurrently (the SDK calls the monitor from worker threads), so provider calls overlap
up to the provider server's four workers; deletes and reads run on four threads in dependency order.
A failed step reports the provider's own message; resources whose steps completed are saved, the failing
resource's state is left as it was.

Where it differs from the engine (reference section 3.4), so results can be trusted only that far:

- scheduling: no separate preview pass before ``up``/``destroy``/``refresh`` (as with the Automation API,
  which passes ``--skip-preview``); each completed step is appended to a step log beside the state file and
  the whole state is written when an operation ends (also on failure), where the engine rewrites its
  checkpoint after every step; there is no pending-operation tracking, cancellation or partial-failure state
  (``initErrors``); delete ordering uses dependencies, property dependencies, parents and ``deleted_with``,
  but delete-before-replace does not replace dependents;
- options: ``protect``, ``retain_on_delete``, ``delete_before_replace``, ``replace_on_changes`` (top-level
  keys) and ``ignore_changes`` (top-level or dotted object paths) are re-implemented; ``up(refresh=True)``
  is a refresh followed by an update (two provider processes); aliases, transforms,
  ``replace_with``, replacement triggers, hooks, targets, ``--replace``, plans and ``import``/``get`` are
  not; ``custom_timeouts`` are only forwarded as the requests' ``timeout`` (the Python server ignores it);
- the default provider is recorded in state as the engine records it (config as inputs and outputs, each
  dynamic resource referring to it) but never has steps of its own; config is always known;
- the provider process is not given an engine address, so the provider prints its warnings and they are
  collected in the runner's output; on the CLI the provider sends them to the engine's Log service and
  they show as warnings of their resource;
- secrets are re-marked by top-level key (plus ``additional_secret_outputs``) and stored **unencrypted**
  (marked with the wire wrapper); refresh reports drift by comparing outputs instead of calling Diff and
  inverting it;
- the state file is not a Pulumi checkpoint (``pulumi stack import`` cannot read it), and the display is a
  plain log, not the CLI's renderer;
- the program runs in this process, so ``env`` reaches the provider process only, and interpreter or
  import-path problems of the CLI's ``pulumi-resource-pulumi-python`` shim may not show up; resources of
  other providers (and invokes) need ``mocks=``, as under ``pulumi.runtime.set_mocks``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import sys
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Final, Literal, cast

import yaml  # type: ignore[import-untyped]
from google.protobuf import empty_pb2
from pulumi.automation import CommandError, CommandResult, ConfigValue, OutputValue
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks
from pulumi.runtime.proto import resource_pb2

from ._program import Program, directory_program, run_program
from ._server import CheckFailure, ProviderError, ProviderServer, ProviderStartError
from ._state import (
    DEFAULT_PROVIDER_TYPE,
    STACK_TYPE,
    ConfigEntry,
    ResourceOptions,
    ResourceState,
    StackState,
    StepLog,
    is_dynamic_type,
    load_state,
    save_state,
    state_path,
)
from ._wire import (
    SECRET_SIG,
    SIG_KEY,
    UNKNOWN,
    is_secret,
    make_urn,
    parse_urn,
    to_struct,
    unwrap_secrets,
    urn_type_name,
    wire_props,
    wrap_secrets,
)

__all__ = [
    "DestroyResult",
    "OfflineCommandError",
    "OfflineStack",
    "PreviewResult",
    "RefreshResult",
    "Step",
    "UpResult",
    "UpdateSummary",
]

StepOp = Literal["create", "update", "replace", "delete", "delete-replaced", "same", "refresh"]
ResultOp = Literal["create", "update", "replace", "delete", "same"]
_Kind = Literal["preview", "update", "refresh", "destroy"]

RUNNER_HEADER: Final = "pulumi_workmail.testing offline runner (not the Pulumi engine)"
_PROVIDER_WORKERS: Final = 4  # the provider server's ThreadPoolExecutor: more would only queue
_PACKAGE_ROOT: Final = Path(__file__).resolve().parents[2]  # the directory holding ``pulumi_workmail``
_SUMMARY_ORDER: Final[tuple[ResultOp, ...]] = ("create", "update", "replace", "delete", "same")
_DONE_WORDS: Final = {"create": "created", "update": "updated", "replace": "replaced", "delete": "deleted"}
_PLAN_WORDS: Final = {"create": "to create", "update": "to update", "replace": "to replace", "delete": "to delete"}
_SYMBOLS: Final = {"create": "+", "update": "~", "replace": "+-", "delete": "-", "same": " "}
_HEADINGS: Final = {
    "preview": "Previewing update",
    "update": "Updating",
    "refresh": "Refreshing",
    "destroy": "Destroying",
}
_DURATION_PART: Final = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_DURATION_UNITS: Final = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


# --------------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Step:
    """One resource operation, as a Pulumi user reads it: resource, operation, old → new.

    ``old``/``new`` are ``{"id", "inputs", "outputs"}`` snapshots (secrets still wrapped, as in state);
    ``diffs`` are the changed top-level inputs (outputs for refresh), ``__`` keys left out as the CLI does.
    ``result_op`` is what the step amounts to: equal to ``op`` except for refresh, where it is
    ``"same"``, ``"update"`` (drift) or ``"delete"`` (gone), and for ``"delete-replaced"`` (the deferred
    delete of a resource replaced create-before-delete), which the summary does not count: like the
    engine, it counts the logical ``"replace"`` once.
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
class PreviewResult:
    """Like ``pulumi.automation.PreviewResult``, plus the planned ``steps``."""

    stdout: str
    stderr: str
    change_summary: dict[str, int]
    steps: list[Step]


@dataclass(frozen=True)
class UpResult:
    """Like ``pulumi.automation.UpResult``, plus the ``steps`` taken."""

    stdout: str
    stderr: str
    summary: UpdateSummary
    outputs: dict[str, OutputValue]
    steps: list[Step]


@dataclass(frozen=True)
class RefreshResult:
    """Like ``pulumi.automation.RefreshResult``, plus the ``steps`` (op ``"refresh"``)."""

    stdout: str
    stderr: str
    summary: UpdateSummary
    steps: list[Step]


@dataclass(frozen=True)
class DestroyResult:
    """Like ``pulumi.automation.DestroyResult``, plus the ``steps`` taken."""

    stdout: str
    stderr: str
    summary: UpdateSummary
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


# --------------------------------------------------------------------------------------------------
# Small helpers

_MISSING: Final = object()


def _plain(props: Mapping[str, Any]) -> dict[str, Any]:
    return unwrap_secrets(props)[0]


def _secret_keys(props: Mapping[str, Any]) -> frozenset[str]:
    return unwrap_secrets(props)[1]


def _snapshot(record: ResourceState | None) -> dict[str, Any] | None:
    if record is None:
        return None
    return {"id": record.id, "custom": record.custom, "inputs": record.inputs, "outputs": record.outputs}


def _changed_keys(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[str, ...]:
    """Top-level keys whose (unwrapped) values differ, internal ``__`` keys left out as the CLI does."""
    old_plain, new_plain = _plain(old), _plain(new)
    keys = {key for key in old_plain.keys() | new_plain.keys() if not key.startswith("__")}
    return tuple(sorted(key for key in keys if old_plain.get(key, _MISSING) != new_plain.get(key, _MISSING)))


def _apply_ignore_changes(news: dict[str, Any], olds: Mapping[str, Any], paths: Iterable[str]) -> dict[str, Any]:
    """Keep the old value at each ignored path (top-level key or dotted object path); drop it if there was none."""
    result = json.loads(json.dumps(news))
    for path in paths:
        parts = path.split(".")
        source: Any = olds
        for part in parts:
            source = source.get(part, _MISSING) if isinstance(source, Mapping) else _MISSING
        target: Any = result
        for part in parts[:-1]:
            if not isinstance(target, dict):
                target = None
                break
            target = target.setdefault(part, {}) if source is not _MISSING else target.get(part)
        if not isinstance(target, dict):
            continue
        if source is _MISSING:
            target.pop(parts[-1], None)
        else:
            target[parts[-1]] = source
    return cast(dict[str, Any], result)


def _duration_seconds(text: str) -> float:
    """A Go duration ("10m", "1h30m", "90s") in seconds, the unit of the requests' ``timeout`` field."""
    total = 0.0
    position = 0
    for match in _DURATION_PART.finditer(text.strip()):
        if match.start() != position:
            return 0.0
        total += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
        position = match.end()
    return total if position == len(text.strip()) else 0.0


def _go_value(value: Any) -> str:
    """A property value as the engine prints a ``resource.PropertyValue`` with ``%v`` (``{alice}``)."""
    if isinstance(value, str) and value == UNKNOWN:
        return "output<string>{}"
    return f"{{{_go_inner(value)}}}"


def _go_inner(value: Any) -> str:
    if value is None or value is _MISSING:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)
    if isinstance(value, (int, str)):
        return str(value)
    if is_secret(value):
        return "[secret]"
    if isinstance(value, Mapping):
        return "map[" + " ".join(f"{key}:{_go_value(value[key])}" for key in sorted(value)) + "]"
    if isinstance(value, (list, tuple)):
        return "[" + " ".join(_go_value(item) for item in value) + "]"
    return str(value)


def check_failure_message(type_: str, name: str, failure: CheckFailure, news: Mapping[str, Any]) -> str:
    """The engine's text for a ``CheckFailure`` (``GetResourcePropertyInvalidValueError``)."""
    if not failure.property:
        return f"{type_} resource '{name}' has a problem: {failure.reason}"
    value = _go_value(news.get(failure.property, _MISSING))
    return f"{type_} resource '{name}': property {failure.property} value {value} has a problem: {failure.reason}"


def _display_value(value: Any) -> str:
    if is_secret(value):
        return "[secret]"
    if value == UNKNOWN:
        return "[unknown]"
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def _exception_message(exc: BaseException) -> str:
    text = str(exc).strip()
    return text or type(exc).__name__


# --------------------------------------------------------------------------------------------------
# Resource options captured from RegisterResourceRequest (MockResourceArgs does not carry them)


@dataclass(frozen=True)
class _Options(ResourceOptions):
    """The options of one RegisterResource request, which every state record of that step carries."""

    @classmethod
    def from_request(cls, request: Any) -> _Options:
        timeouts = request.customTimeouts
        return cls(
            parent=request.parent,
            dependencies=tuple(request.dependencies),
            property_dependencies={
                key: tuple(value.urns) for key, value in request.propertyDependencies.items() if value.urns
            },
            protect=bool(request.protect),
            retain_on_delete=bool(request.retainOnDelete),
            delete_before_replace=bool(request.deleteBeforeReplace) if request.deleteBeforeReplaceDefined else None,
            ignore_changes=tuple(request.ignoreChanges),
            replace_on_changes=tuple(request.replaceOnChanges),
            additional_secret_outputs=tuple(request.additionalSecretOutputs),
            custom_timeouts={
                key: value
                for key, value in (
                    ("create", timeouts.create),
                    ("update", timeouts.update),
                    ("delete", timeouts.delete),
                )
                if value
            },
            deleted_with=request.deletedWith,
        )

    def record(self, urn: str, type_: str, custom: bool, **values: Any) -> ResourceState:
        """A state record carrying these options (the engine stores the goal's options on every step)."""
        return ResourceState(urn=urn, type=type_, custom=custom, **self.option_values(), **values)


def _timeout(record: ResourceOptions, operation: str) -> float:
    return _duration_seconds(record.custom_timeouts.get(operation, ""))


# --------------------------------------------------------------------------------------------------
# One operation (a "deployment", in engine terms)


class _StepFailed(Exception):
    """Raised inside a registration so the SDK aborts the program; the message is already recorded."""


@dataclass(frozen=True)
class _Failure:
    message: str
    urn: str | None
    operation: str | None


class _Deployment:
    """The state of one preview/up/refresh/destroy: old state, the evolving snapshot, steps and the provider.

    ``current`` starts as the old state and has each completed step applied to it (like the engine's
    snapshot manager), so whatever is saved after a failure is exactly what the provider was told to do.
    Everything mutable is guarded by ``_lock``; provider calls happen outside it.
    """

    def __init__(
        self,
        *,
        kind: _Kind,
        state: StackState,
        provider_cwd: Path,
        provider_env: Mapping[str, str],
        python: str,
        on_output: Callable[[str], None] | None,
        step_log: StepLog | None = None,
    ) -> None:
        self.kind = kind
        self.step_log = step_log
        self.dry_run = kind == "preview"
        self.project = state.project
        self.stack = state.stack
        self.config = dict(state.config)
        self._provider_cwd = provider_cwd
        self._provider_env = dict(provider_env)
        self._python = python
        self._on_output = on_output
        self._lock = threading.Lock()
        # The default provider's own record is the engine's bookkeeping, not a resource: remade on save.
        self._provider_id = next((r.id for r in state.resources if r.type == DEFAULT_PROVIDER_TYPE), "")
        live = [record for record in state.resources if not record.delete and record.type != DEFAULT_PROVIDER_TYPE]
        self.old: dict[str, ResourceState] = {record.urn: record for record in live}
        self._old_order = [record.urn for record in live]
        self.current: dict[str, ResourceState] = dict(self.old)
        self.pending: list[ResourceState] = [record for record in state.resources if record.delete]
        self.registered: list[str] = []
        self._registered_set: set[str] = set()
        self.steps: list[Step] = []
        self.lines: list[str] = []
        self.failure: _Failure | None = None
        self.stack_urn: str | None = None
        self.stack_outputs: dict[str, Any] | None = None
        self._server: ProviderServer | None = None
        self._server_error: str | None = None
        self._server_lock = threading.Lock()
        self.provider_stdout = ""
        self.provider_stderr = ""

    # -- output -------------------------------------------------------------------------------

    def emit(self, *lines: str) -> None:
        with self._lock:
            self._emit_locked(lines)

    def _emit_locked(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.lines.append(line)
            if self._on_output is not None:
                self._on_output(line)

    def diagnostic(self, severity: str, message: str) -> None:
        self.emit(*(f"    {severity}: {line}" for line in message.splitlines() or [""]))

    def _step(
        self,
        op: StepOp,
        urn: str,
        type_: str,
        old: ResourceState | None,
        new: ResourceState | None,
        *,
        result_op: ResultOp | None = None,
        diffs: Sequence[str] = (),
        replaces: Sequence[str] = (),
        apply: Callable[[], None] | None = None,
    ) -> None:
        """Record a completed (or, in preview, planned) step; ``apply`` updates the snapshot atomically with it."""
        resolved: ResultOp = result_op if result_op is not None else cast(ResultOp, op)
        step = Step(
            urn=urn,
            name=urn_type_name(urn)[1],
            type=type_,
            op=op,
            result_op=resolved,
            diffs=tuple(diffs),
            replaces=tuple(replaces),
            old=_snapshot(old),
            new=_snapshot(new),
        )
        with self._lock:
            if apply is not None:
                apply()
                self._log_step(urn)
            self.steps.append(step)
            self._emit_locked(_render_step(step))

    def _log_step(self, urn: str) -> None:
        """Put the step's outcome on disk (under ``_lock``, so lines follow the snapshot's order)."""
        if self.step_log is not None and not self.dry_run:
            records = [self.current[urn]] if urn in self.current else []
            self.step_log.record(urn, records + [record for record in self.pending if record.urn == urn])

    # -- failures -----------------------------------------------------------------------------

    def fail(self, message: str, *, urn: str | None, operation: str | None) -> _StepFailed:
        """Record the operation's failure (the first one wins) and return the exception to raise."""
        with self._lock:
            if self.failure is None:
                self.failure = _Failure(message, urn, operation)
                where = " ".join(urn_type_name(urn)) + ": " if urn is not None else ""
                self._emit_locked(f"  error: {where}{line}" for line in message.splitlines())
        return _StepFailed(message)

    def _call(self, urn: str, operation: str, call: Callable[[], Any], *, mutating: bool = False) -> Any:
        """One provider call; a ProviderError fails the step with the provider's own message."""
        if mutating and self.failure is not None:
            # The engine stops starting steps once one has failed.
            raise _StepFailed(f"skipped {operation} of {urn}: an earlier step failed")
        try:
            return call()
        except ProviderError as err:
            raise self.fail(str(err), urn=urn, operation=operation) from None
        except ProviderStartError as err:
            raise self.fail(f"could not start the dynamic provider: {err}", urn=urn, operation=operation) from None

    # -- provider process ---------------------------------------------------------------------

    def provider(self) -> ProviderServer:
        """The deployment's provider server, started (and Configured) on first use."""
        with self._server_lock:
            if self._server_error is not None:
                raise ProviderStartError(self._server_error)
            if self._server is None:
                plain = {key: entry.value for key, entry in self.config.items()}
                secret = [key for key, entry in self.config.items() if entry.secret]
                server = ProviderServer(
                    project=self.project,
                    config=plain,
                    secret_keys=secret,
                    cwd=self._provider_cwd,
                    env=self._provider_env,
                    python=self._python,
                )
                try:
                    self._server = server.start()
                except ProviderStartError as err:
                    self._server_error = str(err)
                    raise
            return self._server

    def start_provider_if_state_needs_it(self) -> None:
        """The engine loads the provider up front when the state holds dynamic resources."""
        if any(record.dynamic for record in [*self.current.values(), *self.pending]):
            with contextlib.suppress(_StepFailed):
                self._call(self._provider_urn(), "configure", self.provider)

    def _provider_urn(self) -> str:
        return make_urn(self.stack, self.project, DEFAULT_PROVIDER_TYPE, "default")

    def close_step_log(self) -> None:
        if self.step_log is not None:
            self.step_log.close()

    def stop_provider(self) -> None:
        with self._server_lock:
            server, self._server = self._server, None
        if server is not None:
            server.stop()
            logs = server.logs()
            self.provider_stdout, self.provider_stderr = logs.stdout, logs.stderr

    # -- registration (preview and up) --------------------------------------------------------

    def register(
        self,
        urn: str,
        request: Any,
        new_mock_resource: Callable[[], tuple[str | None, dict[str, Any]]],
    ) -> tuple[str, dict[str, Any]]:
        """Handle one RegisterResource; returns the (id, outputs) the program sees, outputs in wire form."""
        type_: str = request.type
        options = _Options.from_request(request)
        news = wire_props(request.object)
        with self._lock:
            duplicate = urn in self._registered_set
            if not duplicate:
                self._registered_set.add(urn)
                self.registered.append(urn)
            old = self.old.get(urn)
        if duplicate:
            raise self.fail(f"Duplicate resource URN '{urn}'; try giving it a unique name", urn=urn, operation=None)
        if type_ == STACK_TYPE:
            self.stack_urn = urn
            self._register_without_provider(urn, type_, options, {}, old, custom=False)
            return "", {}
        if not request.custom:
            self._register_without_provider(urn, type_, options, news, old, custom=False)
            return "", {}
        if not is_dynamic_type(type_):
            return self._register_mocked(urn, type_, options, news, old, new_mock_resource)
        return self._register_dynamic(urn, type_, options, news, old)

    def _register_without_provider(
        self,
        urn: str,
        type_: str,
        options: _Options,
        inputs: dict[str, Any],
        old: ResourceState | None,
        *,
        custom: bool,
        id_: str = "",
        outputs: dict[str, Any] | None = None,
    ) -> None:
        """The Stack, components and mocked resources: no provider; create/update/same by input comparison."""
        kept_outputs = outputs if outputs is not None else (old.outputs if old is not None else {})
        record = options.record(urn, type_, custom, id=id_, inputs=inputs, outputs=kept_outputs)
        diffs = _changed_keys(old.inputs, inputs) if old is not None else ()
        op: StepOp = "create" if old is None else ("update" if diffs else "same")
        self._step(op, urn, type_, old, record, diffs=diffs, apply=self._setter(urn, record))

    def _register_mocked(
        self,
        urn: str,
        type_: str,
        options: _Options,
        news: dict[str, Any],
        old: ResourceState | None,
        new_mock_resource: Callable[[], tuple[str | None, dict[str, Any]]],
    ) -> tuple[str, dict[str, Any]]:
        try:
            id_, outputs = new_mock_resource()
        except _NoMocksError as err:
            raise self.fail(str(err), urn=urn, operation="create") from None
        except Exception as err:
            raise self.fail(
                f"mocks.new_resource failed: {_exception_message(err)}", urn=urn, operation="create"
            ) from None
        resolved_id = id_ or ("" if self.dry_run else urn_type_name(urn)[1])
        wire_outputs = json.loads(json.dumps(outputs, default=str))
        self._register_without_provider(
            urn, type_, options, news, old, custom=True, id_=resolved_id, outputs=wire_outputs
        )
        return resolved_id, wire_outputs

    def _setter(self, urn: str, record: ResourceState) -> Callable[[], None] | None:
        if self.dry_run:
            return None

        def apply() -> None:
            self.current[urn] = record

        return apply

    def _raise_check_failures(
        self, urn: str, type_: str, failures: Sequence[CheckFailure], news: Mapping[str, Any]
    ) -> None:
        if failures:
            name = urn_type_name(urn)[1]
            message = "\n".join(check_failure_message(type_, name, failure, news) for failure in failures)
            raise self.fail(message, urn=urn, operation="check")

    def _register_dynamic(
        self, urn: str, type_: str, options: _Options, news: dict[str, Any], old: ResourceState | None
    ) -> tuple[str, dict[str, Any]]:
        plain_news, secret_keys = unwrap_secrets(news)
        old_inputs = _plain(old.inputs) if old is not None else {}
        if old is not None and options.ignore_changes:
            plain_news = _apply_ignore_changes(plain_news, old_inputs, options.ignore_changes)
        server = self._call(urn, "check", self.provider)
        checked = self._call(urn, "check", lambda: server.check(urn, old_inputs, plain_news))
        self._raise_check_failures(urn, type_, checked.failures, news)
        output_secrets = secret_keys | set(options.additional_secret_outputs)

        if old is None:
            return self._create(urn, type_, options, checked.inputs, secret_keys, output_secrets, server)

        old_outputs = _plain(old.outputs)
        diff = self._call(
            urn,
            "diff",
            lambda: server.diff(
                old.id, urn, old_outputs, checked.inputs, old_inputs, ignore_changes=options.ignore_changes
            ),
        )
        changes = diff.changes
        if changes == "unknown":  # the engine diffs the inputs itself, __provider included
            changes = "some" if old_inputs != checked.inputs else "none"
        new_inputs = wrap_secrets(checked.inputs, secret_keys)
        if changes == "none":  # Same step: new inputs, but the old id and outputs (old __provider too)
            record = options.record(urn, type_, True, id=old.id, inputs=new_inputs, outputs=old.outputs)
            self._step("same", urn, type_, old, record, apply=self._setter(urn, record))
            return old.id, old.outputs

        diffs = _changed_keys(old.inputs, new_inputs)
        replaces = set(diff.replaces)
        if "*" in options.replace_on_changes:
            replaces.update(diffs)
        replaces.update(key for key in diffs if any(path.split(".")[0] == key for path in options.replace_on_changes))
        if not replaces:
            return self._update(urn, type_, options, old, checked.inputs, new_inputs, diffs, output_secrets, server)
        delete_first = (
            options.delete_before_replace if options.delete_before_replace is not None else diff.delete_before_replace
        )
        return self._replace(
            urn,
            type_,
            options,
            old,
            plain_news,
            news,
            secret_keys,
            output_secrets,
            diffs,
            sorted(replaces),
            delete_first,
            server,
        )

    def _create(
        self,
        urn: str,
        type_: str,
        options: _Options,
        checked: dict[str, Any],
        secret_keys: frozenset[str],
        output_secrets: set[str] | frozenset[str],
        server: ProviderServer,
        *,
        op: StepOp = "create",
        old: ResourceState | None = None,
        diffs: Sequence[str] = (),
        replaces: Sequence[str] = (),
        pending_delete: ResourceState | None = None,
    ) -> tuple[str, dict[str, Any]]:
        inputs = wrap_secrets(checked, secret_keys)
        if self.dry_run:  # the engine answers a preview Create itself: outputs = checked inputs, id unknown
            planned = options.record(urn, type_, True, inputs=inputs, outputs=inputs)
            self._step(op, urn, type_, old, planned, diffs=diffs, replaces=replaces)
            return "", inputs
        created = self._call(
            urn,
            "create",
            lambda: server.create(urn, checked, custom_timeout=_timeout(options, "create")),
            mutating=True,
        )
        if not created.id:
            raise self.fail("provider returned an empty ID from Create", urn=urn, operation="create")
        record = options.record(
            urn, type_, True, id=created.id, inputs=inputs, outputs=wrap_secrets(created.outputs, output_secrets)
        )

        def apply() -> None:
            self.current[urn] = record
            if pending_delete is not None:
                self.pending.append(pending_delete)

        self._step(op, urn, type_, old, record, diffs=diffs, replaces=replaces, apply=apply)
        return record.id, record.outputs

    def _update(
        self,
        urn: str,
        type_: str,
        options: _Options,
        old: ResourceState,
        checked: dict[str, Any],
        new_inputs: dict[str, Any],
        diffs: Sequence[str],
        output_secrets: set[str] | frozenset[str],
        server: ProviderServer,
    ) -> tuple[str, dict[str, Any]]:
        if self.dry_run:  # preview: the engine returns the new inputs as outputs
            planned = options.record(urn, type_, True, id=old.id, inputs=new_inputs, outputs=new_inputs)
            self._step("update", urn, type_, old, planned, diffs=diffs)
            return old.id, new_inputs
        outputs = self._call(
            urn,
            "update",
            lambda: server.update(
                old.id,
                urn,
                _plain(old.outputs),
                checked,
                _plain(old.inputs),
                ignore_changes=options.ignore_changes,
                custom_timeout=_timeout(options, "update"),
            ),
            mutating=True,
        )
        record = options.record(
            urn, type_, True, id=old.id, inputs=new_inputs, outputs=wrap_secrets(outputs, output_secrets)
        )
        self._step("update", urn, type_, old, record, diffs=diffs, apply=self._setter(urn, record))
        return record.id, record.outputs

    def _replace(
        self,
        urn: str,
        type_: str,
        options: _Options,
        old: ResourceState,
        plain_news: dict[str, Any],
        news: Mapping[str, Any],
        secret_keys: frozenset[str],
        output_secrets: set[str] | frozenset[str],
        diffs: Sequence[str],
        replaces: Sequence[str],
        delete_first: bool,
        server: ProviderServer,
    ) -> tuple[str, dict[str, Any]]:
        if options.protect or old.protect:
            raise self.fail(
                f'unable to replace resource "{urn}"\nas it is currently marked for protection. To unprotect the '
                "resource, remove the `protect` flag from the resource in your Pulumi program and run `pulumi up`",
                urn=urn,
                operation="replace",
            )
        fresh = self._call(urn, "check", lambda: server.check(urn, {}, plain_news))  # a replacement checks as a create
        self._raise_check_failures(urn, type_, fresh.failures, news)
        if delete_first and not self.dry_run:
            if not old.retain_on_delete:
                self._call(
                    urn,
                    "delete",
                    lambda: server.delete(
                        old.id, urn, _plain(old.outputs), _plain(old.inputs), custom_timeout=_timeout(old, "delete")
                    ),
                    mutating=True,
                )
            with self._lock:  # the old resource is gone even if the create below fails
                if self.current.get(urn) is old:
                    del self.current[urn]
        pending = None if delete_first or self.dry_run else replace(old, delete=True)
        return self._create(
            urn,
            type_,
            options,
            fresh.inputs,
            secret_keys,
            output_secrets,
            server,
            op="replace",
            old=old,
            diffs=diffs,
            replaces=replaces,
            pending_delete=pending,
        )

    def register_outputs(self, urn: str, outputs: dict[str, Any]) -> None:
        """RegisterResourceOutputs: the Stack's are the stack outputs (``pulumi.export``)."""
        with self._lock:
            if urn == self.stack_urn:
                self.stack_outputs = outputs
            record = self.current.get(urn)
            if record is not None and not record.custom and not self.dry_run and urn in self._registered_set:
                self.current[urn] = replace(record, outputs=outputs)
                self._log_step(urn)

    # -- deletes ------------------------------------------------------------------------------

    def delete_unregistered(self) -> None:
        """After a successful program: delete what it no longer declares, and replaced resources."""
        with self._lock:
            removed = [
                self.current[urn] for urn in self._old_order if urn in self.current and urn not in self._registered_set
            ]
            targets = removed + list(self.pending)
        protected = [record for record in removed if record.protect]
        if protected:
            self.fail(_protected_message(protected[0].urn), urn=protected[0].urn, operation="delete")
            return
        self.delete_in_order(targets)

    def delete_all(self) -> None:
        """Destroy: everything in state, in reverse dependency order; protected resources refuse."""
        targets = self.snapshot()
        protected = [record for record in targets if record.protect and not record.delete]
        if protected:
            self.fail(_protected_message(protected[0].urn), urn=protected[0].urn, operation="delete")
            return
        self.delete_in_order(targets)

    def delete_in_order(self, records: list[ResourceState]) -> None:
        if self.dry_run:
            for record in reversed(records):
                self._step(_delete_op(record), record.urn, record.type, record, None, result_op="delete")
            return
        if any(record.dynamic and not record.retain_on_delete for record in records):
            with contextlib.suppress(_StepFailed):
                self._call(self._provider_urn(), "configure", self.provider)
            if self.failure is not None:
                return
        _run_in_dependency_order(
            records, self._guarded(self._delete_one, "delete"), stop=lambda: self.failure is not None
        )

    def _guarded(self, action: Callable[[ResourceState], None], operation: str) -> Callable[[ResourceState], None]:
        """Any unexpected error in a worker becomes the operation's failure instead of vanishing in a future."""

        def run(record: ResourceState) -> None:
            try:
                action(record)
            except _StepFailed:
                raise
            except Exception as exc:
                raise self.fail(_exception_message(exc), urn=record.urn, operation=operation) from exc

        return run

    def _delete_one(self, record: ResourceState) -> None:
        if record.dynamic and not record.retain_on_delete:
            server = self.provider()
            self._call(
                record.urn,
                "delete",
                lambda: server.delete(
                    record.id,
                    record.urn,
                    _plain(record.outputs),
                    _plain(record.inputs),
                    custom_timeout=_timeout(record, "delete"),
                ),
                mutating=True,
            )

        def apply() -> None:
            if self.current.get(record.urn) is record:
                del self.current[record.urn]
            self.pending = [item for item in self.pending if item is not record]

        self._step(_delete_op(record), record.urn, record.type, record, None, result_op="delete", apply=apply)

    # -- refresh ------------------------------------------------------------------------------

    def refresh_all(self) -> None:
        """Read every dynamic resource (four at a time); others have nothing to read and stay the same."""
        records = [self.current[urn] for urn in self._old_order if urn in self.current]
        dynamic = [record for record in records if record.dynamic]
        for record in records:
            if not record.dynamic:
                self._step("refresh", record.urn, record.type, record, record, result_op="same")
        if not dynamic:
            return
        with contextlib.suppress(_StepFailed):
            self._call(self._provider_urn(), "configure", self.provider)
        if self.failure is None:
            _run_in_dependency_order(
                dynamic, self._guarded(self._refresh_one, "read"), stop=lambda: self.failure is not None, ordered=False
            )

    def _refresh_one(self, record: ResourceState) -> None:
        server = self.provider()
        read = self._call(
            record.urn,
            "read",
            lambda: server.read(
                record.id,
                record.urn,
                _plain(record.outputs),
                _plain(record.inputs),
                custom_timeout=_timeout(record, "read"),
            ),
        )
        if read.gone:  # deleted out of band: dropped from state, shown as a delete

            def drop() -> None:
                if self.current.get(record.urn) is record:
                    del self.current[record.urn]

            self._step("refresh", record.urn, record.type, record, None, result_op="delete", apply=drop)
            return
        input_secrets = _secret_keys(record.inputs)
        output_secrets = input_secrets | _secret_keys(record.outputs) | set(record.additional_secret_outputs)
        new = replace(
            record,
            id=read.id,
            outputs=wrap_secrets(read.outputs, output_secrets),
            inputs=record.inputs if read.inputs is None else wrap_secrets(read.inputs, input_secrets),
        )
        drift = _changed_keys(record.outputs, new.outputs)

        def apply() -> None:
            if self.current.get(record.urn) is record:
                self.current[record.urn] = new

        self._step(
            "refresh",
            record.urn,
            record.type,
            record,
            new,
            result_op="update" if drift else "same",
            diffs=drift,
            apply=apply,
        )

    # -- results ------------------------------------------------------------------------------

    def snapshot(self) -> list[ResourceState]:
        """The state to save: registered resources in registration order, then untouched ones, then pending deletes."""
        with self._lock:
            ordered = [self.current[urn] for urn in self.registered if urn in self.current]
            ordered += [
                self.current[urn] for urn in self._old_order if urn in self.current and urn not in self._registered_set
            ]
            return ordered + list(self.pending)

    def saved(self) -> list[ResourceState]:
        """The snapshot as the engine saves it: with a record of the default provider (its inputs and
        outputs are the stack config it was configured with) before the first dynamic resource, which
        refers to it."""
        records = self.snapshot()
        first = next((i for i, record in enumerate(records) if record.dynamic), None)
        if first is None:
            return records
        if not self._provider_id:
            self._provider_id = str(uuid.uuid4())
        config = {
            key: {SIG_KEY: SECRET_SIG, "value": entry.value} if entry.secret else entry.value
            for key, entry in sorted(self.config.items())
        }
        provider = ResourceState(
            urn=self._provider_urn(),
            type=DEFAULT_PROVIDER_TYPE,
            custom=True,
            id=self._provider_id,
            inputs=dict(config),
            outputs=dict(config),
        )
        reference = f"{provider.urn}::{provider.id}"
        linked = [replace(r, provider=reference) if r.dynamic else r for r in records]
        return [*linked[:first], provider, *linked[first:]]

    def change_summary(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        with self._lock:
            for step in self.steps:
                if step.op != "delete-replaced":  # not a logical step: its "replace" is counted
                    counts[step.result_op] += 1
        return {op: counts[op] for op in _SUMMARY_ORDER if counts[op]}


def _delete_op(record: ResourceState) -> StepOp:
    return "delete-replaced" if record.delete else "delete"


def _protected_message(urn: str) -> str:
    return (
        f'unable to delete resource "{urn}"\nas it is currently marked for protection. To unprotect the resource, '
        "remove the `protect` flag from the resource in your Pulumi program and run `pulumi up`"
    )


def _run_in_dependency_order(
    records: list[ResourceState],
    action: Callable[[ResourceState], None],
    *,
    stop: Callable[[], bool],
    ordered: bool = True,
) -> None:
    """Run ``action`` on up to four records at once; with ``ordered``, a record waits for its dependents.

    That is reverse dependency order, as deletes need: children before parents, users before what they
    use. Later records start first. Once ``stop()`` is true nothing new starts; running actions finish.
    """
    count = len(records)
    blocked_by = [0] * count
    unblocks: list[list[int]] = [[] for _ in range(count)]
    if ordered:
        by_urn: dict[str, list[int]] = defaultdict(list)
        for index, record in enumerate(records):
            by_urn[record.urn].append(index)
        for dependent, record in enumerate(records):
            for urn in record.depends_on():
                for dependency in by_urn.get(urn, ()):
                    if dependency != dependent:
                        blocked_by[dependency] += 1
                        unblocks[dependent].append(dependency)
    ready = deque(sorted((i for i in range(count) if blocked_by[i] == 0), reverse=True))
    started = [False] * count
    with ThreadPoolExecutor(max_workers=_PROVIDER_WORKERS, thread_name_prefix="offline-step") as pool:
        running: dict[Future[None], int] = {}
        while True:
            while ready and not stop():
                index = ready.popleft()
                started[index] = True
                running[pool.submit(action, records[index])] = index
            if not running:
                leftover = [i for i in range(count) if not started[i]]
                if not leftover or stop():
                    break
                ready.append(max(leftover))  # a dependency cycle in a hand-edited state: break it, latest first
                continue
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                index = running.pop(future)
                if future.exception() is not None:
                    continue  # recorded by the action; dependents stay blocked
                for released in unblocks[index]:
                    blocked_by[released] -= 1
                    if blocked_by[released] == 0:
                        ready.append(released)


def _render_step(step: Step) -> list[str]:
    """``  ~ <type> <name> update [diff: ~email]`` plus ``old => new`` lines for what changed."""
    symbol = _SYMBOLS[step.result_op]
    line = f"  {symbol} {step.type} {step.name} {step.op}"
    if step.op == "refresh" and step.result_op == "delete":
        line += " [deleted]"
    if step.diffs:
        line += " [diff: " + ",".join(f"~{key}" for key in step.diffs) + "]"
    lines = [line]
    section = "outputs" if step.op == "refresh" else "inputs"
    old = (step.old or {}).get(section, {})
    new = (step.new or {}).get(section, {})
    for key in step.diffs:
        before = _display_value(old[key]) if key in old else "(none)"
        after = _display_value(new[key]) if key in new else "(none)"
        marker = "+-" if key in step.replaces else "~"
        lines.append(f"      {marker} {key}: {before} => {after}")
    return lines


def _summary_line(changes: Mapping[str, int], *, planned: bool) -> str:
    words = _PLAN_WORDS if planned else _DONE_WORDS
    parts = [f"{changes[op]} {words[op]}" for op in ("create", "update", "replace", "delete") if changes.get(op)]
    if changes.get("same"):
        parts.append(f"{changes['same']} unchanged")
    return "Resources: " + (", ".join(parts) if parts else "0 unchanged")


def _output_values(outputs: Mapping[str, Any] | None) -> dict[str, OutputValue]:
    return {
        key: OutputValue(value["value"], True) if is_secret(value) else OutputValue(value, False)
        for key, value in (outputs or {}).items()
    }


# --------------------------------------------------------------------------------------------------
# The mock monitor bridging the SDK to the deployment


class _NoMocksError(Exception):
    """A non-dynamic resource or an invoke with no ``mocks=`` to stand in for its provider plugin."""


class _ProgramMocks(Mocks):
    """Delegates to the caller's mocks; without them, other providers' resources and invokes fail clearly."""

    def __init__(self, mocks: Mocks | None) -> None:
        self._mocks = mocks

    def call(self, args: MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        if self._mocks is None:
            raise _NoMocksError(
                f"invoke {args.token}: the offline runner has no provider plugins; pass mocks= to OfflineStack"
            )
        return self._mocks.call(args)

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        if self._mocks is None:
            raise _NoMocksError(
                f"{args.typ} resource '{args.name}': the offline runner runs only Python dynamic resources and "
                "has no provider plugin for this type; pass mocks= to OfflineStack to stand in for it"
            )
        return self._mocks.new_resource(args)


class _Monitor(MockMonitor):
    """``MockMonitor`` with the engine's side filled in: every registration goes through the deployment.

    Subclassing (rather than implementing ``Mocks.new_resource``) gives access to the raw
    ``RegisterResourceRequest``: dependencies, parent and the resource options the engine acts on.
    """

    def __init__(self, deployment: _Deployment, mocks: Mocks) -> None:
        super().__init__(mocks)
        self._deployment = deployment

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """The engine's URN: the parent's full qualified type is prefixed, except for the root Stack.

        ``MockMonitor`` prefixes only the parent's last type segment and does so for the Stack too, which
        would give every resource a URN the CLI never produces.
        """
        qualified = type_
        if parent:
            parsed = parse_urn(parent)
            if parsed is None:
                raise ValueError(f"the parent {parent!r} is not a URN")
            if parsed.qualified_type != STACK_TYPE:
                qualified = f"{parsed.qualified_type}${type_}"
        return make_urn(self._deployment.stack, self._deployment.project, qualified, name)

    def RegisterResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)

        def new_mock_resource() -> tuple[str | None, dict[str, Any]]:
            args = MockResourceArgs(
                typ=request.type,
                name=request.name,
                inputs=rpc.deserialize_properties(request.object),
                provider=request.provider,
                resource_id=request.importId,
                custom=request.custom or False,
            )
            return self.mocks.new_resource(args)

        id_, outputs = self._deployment.register(urn, request, new_mock_resource)
        self.resources[urn] = MockMonitor.ResourceRegistration(urn, id_, outputs)
        if request.type == STACK_TYPE:
            return resource_pb2.RegisterResourceResponse(urn=urn)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=id_, object=to_struct(outputs))

    def RegisterResourceOutputs(self, request: Any) -> Any:
        self._deployment.register_outputs(request.urn, wire_props(request.outputs))
        return empty_pb2.Empty()

    def ReadResource(self, request: Any) -> Any:
        if is_dynamic_type(request.type):
            urn = self.make_urn(request.parent, request.type, request.name)
            raise self._deployment.fail(
                "reading an existing resource (get / id=) is not supported for dynamic providers",
                urn=urn,
                operation="read",
            )
        return cast(Any, super()).ReadResource(request)


class _Diagnostics(logging.Handler):
    """Program log messages (``pulumi.log``) go to the run's output, as the CLI shows diagnostics."""

    def __init__(self, deployment: _Deployment) -> None:
        super().__init__(level=logging.INFO)
        self._deployment = deployment

    def emit(self, record: logging.LogRecord) -> None:
        self._deployment.diagnostic(record.levelname.lower(), record.getMessage())


# --------------------------------------------------------------------------------------------------
# The stack


@dataclass(frozen=True)
class _Project:
    name: str | None
    main: Path | None
    virtualenv: Path | None


def _read_project(work_dir: Path) -> _Project:
    """What the runner needs from ``Pulumi.yaml``: name, program location, runtime virtualenv."""
    path = next((work_dir / name for name in ("Pulumi.yaml", "Pulumi.yml") if (work_dir / name).is_file()), None)
    if path is None:
        return _Project(None, None, None)
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a Pulumi project file")
    runtime = data.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name != "python":
        raise ValueError(f"{path}: runtime is {runtime_name!r}; the offline runner runs Python programs only")
    options = runtime.get("options") if isinstance(runtime, dict) else None
    venv = options.get("virtualenv") if isinstance(options, dict) else None
    main = work_dir / str(data.get("main") or ".")
    if main.is_dir():
        main = main / "__main__.py"
    name = data.get("name")
    return _Project(
        name=str(name) if name else None,
        main=main,
        virtualenv=(work_dir / str(venv)) if venv else None,
    )


def _config_entry(value: str | ConfigValue, secret: bool) -> ConfigEntry:
    """Config values are strings to the engine; anything else is stored as its JSON text."""
    raw: object = value.value if isinstance(value, ConfigValue) else value
    is_secret_value = value.secret if isinstance(value, ConfigValue) else secret
    return ConfigEntry(raw if isinstance(raw, str) else json.dumps(raw), is_secret_value)


class OfflineStack:
    """A stack whose program runs here and whose dynamic resources go to a real provider process.

    Mirrors ``pulumi.automation.Stack``: ``preview``/``up``/``refresh``/``destroy``/``outputs`` and the
    config methods, with results shaped alike (plus ``steps``). Give either ``work_dir`` (a directory with
    ``Pulumi.yaml`` and a Python program) or ``program`` (an inline function; ``work_dir`` is then optional
    and only sets the project directory). The state lives in ``<state_dir>/<project>/<stack>.json``.
    ``env`` is added to the provider process's environment; ``mocks`` stands in for any other provider.
    """

    def __init__(
        self,
        stack_name: str,
        *,
        state_dir: str | os.PathLike[str],
        project_name: str | None = None,
        work_dir: str | os.PathLike[str] | None = None,
        program: Program | None = None,
        env: Mapping[str, str] | None = None,
        mocks: Mocks | None = None,
        python: str | None = None,
    ) -> None:
        self.name = stack_name
        self.work_dir = Path(work_dir).resolve() if work_dir is not None else None
        project = _read_project(self.work_dir) if self.work_dir is not None else _Project(None, None, None)
        if program is None:
            if self.work_dir is None:
                raise ValueError("give work_dir (a Pulumi project directory) or program (an inline function)")
            if project.main is None:
                raise ValueError(f"{self.work_dir} has no Pulumi.yaml")
            if not project.main.is_file():
                raise ValueError(f"{project.main} does not exist")
        resolved_project = project_name or project.name
        if not resolved_project:
            raise ValueError("project_name is required when work_dir has no Pulumi.yaml")
        self.project_name: str = resolved_project
        self._program = program
        self._main = project.main
        self._env = dict(env or {})
        self._mocks = mocks
        venv_python = project.virtualenv / "bin" / "python" if project.virtualenv is not None else None
        self._python = python or (
            str(venv_python) if venv_python is not None and venv_python.exists() else sys.executable
        )
        self.state_file = state_path(state_dir, self.project_name, stack_name)
        self._lock = threading.RLock()

    # -- config -------------------------------------------------------------------------------

    def _key(self, key: str) -> str:
        """Keys without a namespace belong to the project, as with ``pulumi config set``."""
        return key if ":" in key else f"{self.project_name}:{key}"

    def _update_config(self, change: Callable[[dict[str, ConfigEntry]], None]) -> None:
        with self._lock:
            state = self._load()
            change(state.config)
            save_state(self.state_file, state)

    def set_config(self, key: str, value: str | ConfigValue, *, secret: bool = False) -> None:
        """Set one value (a ``ConfigValue`` or a string; ``secret=True`` marks a string secret)."""
        entry = _config_entry(value, secret)

        def change(config: dict[str, ConfigEntry]) -> None:
            config[self._key(key)] = entry

        self._update_config(change)

    def set_all_config(self, config: Mapping[str, str | ConfigValue], *, secret: bool = False) -> None:
        """Set several values at once (existing keys not mentioned are kept, as in the Automation API)."""
        entries = {self._key(key): _config_entry(value, secret) for key, value in config.items()}
        self._update_config(lambda current: current.update(entries))

    def get_config(self, key: str) -> ConfigValue:
        """One value (plain text, with its secret flag); ``KeyError`` when unset."""
        entry = self._load().config[self._key(key)]
        return ConfigValue(entry.value, entry.secret)

    def get_all_config(self) -> dict[str, ConfigValue]:
        """Every value, namespaced keys, secrets in plain text (like ``--show-secrets``)."""
        return {key: ConfigValue(entry.value, entry.secret) for key, entry in self._load().config.items()}

    def remove_config(self, key: str) -> None:
        """Unset one value (no error when it is not set)."""

        def change(config: dict[str, ConfigEntry]) -> None:
            config.pop(self._key(key), None)

        self._update_config(change)

    # -- state --------------------------------------------------------------------------------

    def _load(self) -> StackState:
        return load_state(self.state_file, project=self.project_name, stack=self.name)

    def export_state(self) -> dict[str, Any]:
        """The stored state as JSON data (resources under ``deployment.resources``, secrets wrapped)."""
        return self._load().to_json()

    def outputs(self) -> dict[str, OutputValue]:
        """The stack outputs from the last successful ``up``."""
        stack = next((r for r in self._load().resources if r.type == STACK_TYPE and not r.delete), None)
        return _output_values(stack.outputs if stack is not None else None)

    # -- operations ---------------------------------------------------------------------------

    def preview(
        self, *, expect_no_changes: bool = False, on_output: Callable[[str], None] | None = None
    ) -> PreviewResult:
        """Run the program with Check/Diff only; nothing is created, changed or saved."""
        with self._lock:
            deployment, stdout, stderr, _ = self._run_program_operation("preview", on_output)
            changes = deployment.change_summary()
            self._raise_on_failure(deployment, stdout, stderr)
            self._raise_on_unexpected_changes(expect_no_changes, deployment, changes, stdout, stderr)
            return PreviewResult(stdout=stdout, stderr=stderr, change_summary=changes, steps=list(deployment.steps))

    def up(
        self,
        *,
        expect_no_changes: bool = False,
        refresh: bool = False,
        on_output: Callable[[str], None] | None = None,
    ) -> UpResult:
        """Run the program and apply the changes (``expect_no_changes`` previews first and fails on any).

        ``refresh`` (``pulumi up --refresh``) reads every resource back first; its output and ``"refresh"``
        steps come before the update's, and the summary counts the update's changes only."""
        with self._lock:
            before = self.refresh(on_output=on_output) if refresh else None
            if expect_no_changes:
                self.preview(expect_no_changes=True)
            deployment, stdout, stderr, started = self._run_program_operation("update", on_output)
            if before is not None:
                stdout, stderr = before.stdout + stdout, before.stderr + stderr
            self._raise_on_failure(deployment, stdout, stderr)
            return UpResult(
                stdout=stdout,
                stderr=stderr,
                summary=self._summary("update", deployment, started),
                outputs=_output_values(deployment.stack_outputs),
                steps=(before.steps if before is not None else []) + list(deployment.steps),
            )

    def refresh(self, *, on_output: Callable[[str], None] | None = None) -> RefreshResult:
        """Read every resource back from the provider, without running the program, and save what it says."""
        with self._lock:
            deployment, stdout, stderr, started = self._run_stateful_operation("refresh", on_output)
            self._raise_on_failure(deployment, stdout, stderr)
            return RefreshResult(
                stdout=stdout,
                stderr=stderr,
                summary=self._summary("refresh", deployment, started),
                steps=list(deployment.steps),
            )

    def destroy(self, *, on_output: Callable[[str], None] | None = None) -> DestroyResult:
        """Delete every resource, in reverse dependency order, without running the program."""
        with self._lock:
            deployment, stdout, stderr, started = self._run_stateful_operation("destroy", on_output)
            self._raise_on_failure(deployment, stdout, stderr)
            return DestroyResult(
                stdout=stdout,
                stderr=stderr,
                summary=self._summary("destroy", deployment, started),
                steps=list(deployment.steps),
            )

    # -- machinery ----------------------------------------------------------------------------

    def _provider_env(self) -> dict[str, str]:
        """``env`` plus a PYTHONPATH that lets the provider process import ``pulumi_workmail``."""
        env = dict(self._env)
        parts: list[str] = []
        for chunk in (env.get("PYTHONPATH", ""), str(_PACKAGE_ROOT), os.environ.get("PYTHONPATH", "")):
            parts.extend(p for p in chunk.split(os.pathsep) if p and p not in parts)
        env["PYTHONPATH"] = os.pathsep.join(parts)
        return env

    def _new_deployment(self, kind: _Kind, on_output: Callable[[str], None] | None) -> tuple[_Deployment, StackState]:
        state = self._load()
        deployment = _Deployment(
            kind=kind,
            state=state,
            provider_cwd=self.work_dir or Path.cwd(),
            provider_env=self._provider_env(),
            python=self._python,
            on_output=on_output,
            step_log=None if kind == "preview" else StepLog(self.state_file),
        )
        deployment.emit(f"{RUNNER_HEADER}: {kind} of stack {self.name!r}, project {self.project_name!r}")
        deployment.emit(f"{_HEADINGS[kind]} ({self.name}):")
        return deployment, state

    def _run_program_operation(
        self, kind: _Kind, on_output: Callable[[str], None] | None
    ) -> tuple[_Deployment, str, str, datetime]:
        started = datetime.now()
        clock = time.monotonic()
        deployment, state = self._new_deployment(kind, on_output)
        logger = logging.Logger(f"pulumi_workmail.testing.program.{self.name}")
        logger.addHandler(_Diagnostics(deployment))
        monitor = _Monitor(deployment, _ProgramMocks(self._mocks))
        try:
            deployment.start_provider_if_state_needs_it()
            if deployment.failure is None:
                try:
                    run_program(
                        self._program or directory_program(cast(Path, self._main)),
                        monitor=monitor,
                        project=self.project_name,
                        stack=self.name,
                        dry_run=kind == "preview",
                        config={key: entry.value for key, entry in state.config.items()},
                        secret_keys=[key for key, entry in state.config.items() if entry.secret],
                        root_directory=self.work_dir or Path.cwd(),
                        logger=logger,
                        cwd=self.work_dir if self._program is None else None,
                        sys_path_entry=cast(Path, self._main).parent if self._program is None else None,
                    )
                except Exception as exc:
                    if deployment.failure is None:
                        deployment.fail(_exception_message(exc), urn=None, operation=None)
            if deployment.failure is None:
                deployment.delete_unregistered()
        finally:
            deployment.stop_provider()
            if kind != "preview":
                deployment.close_step_log()
                state.resources = deployment.saved()
                save_state(self.state_file, state)
        return (deployment, *self._finish_output(deployment, kind, clock), started)

    def _run_stateful_operation(
        self, kind: _Kind, on_output: Callable[[str], None] | None
    ) -> tuple[_Deployment, str, str, datetime]:
        started = datetime.now()
        clock = time.monotonic()
        deployment, state = self._new_deployment(kind, on_output)
        try:
            if kind == "refresh":
                deployment.refresh_all()
            else:
                deployment.delete_all()
        finally:
            deployment.stop_provider()
            deployment.close_step_log()
            state.resources = deployment.saved()
            save_state(self.state_file, state)
        return (deployment, *self._finish_output(deployment, kind, clock), started)

    def _finish_output(self, deployment: _Deployment, kind: _Kind, clock: float) -> tuple[str, str]:
        if kind == "update" and deployment.failure is None and deployment.stack_outputs:
            deployment.emit("Outputs:")
            for key, value in sorted(deployment.stack_outputs.items()):
                deployment.emit(f"    {key}: {_display_value(value)}")
        deployment.emit(_summary_line(deployment.change_summary(), planned=kind == "preview"))
        deployment.emit(f"Duration: {time.monotonic() - clock:.2f}s")
        if deployment.provider_stdout.strip():  # the CLI shows what provider code prints, too
            deployment.emit("Provider output:", *(f"    {line}" for line in deployment.provider_stdout.splitlines()))
        if deployment.failure is not None:
            deployment.emit(f"error: {kind} failed")
        return "\n".join(deployment.lines) + "\n", deployment.provider_stderr

    def _summary(self, kind: str, deployment: _Deployment, started: datetime) -> UpdateSummary:
        return UpdateSummary(
            kind=kind,
            result="succeeded",
            message="",
            start_time=started,
            end_time=datetime.now(),
            resource_changes=deployment.change_summary(),
        )

    def _raise_on_failure(self, deployment: _Deployment, stdout: str, stderr: str) -> None:
        failure = deployment.failure
        if failure is not None:
            raise OfflineCommandError(
                failure.message,
                kind=deployment.kind,
                urn=failure.urn,
                operation=failure.operation,
                stdout=stdout,
                stderr=stderr,
                steps=list(deployment.steps),
            )

    def _raise_on_unexpected_changes(
        self, expected: bool, deployment: _Deployment, changes: Mapping[str, int], stdout: str, stderr: str
    ) -> None:
        if expected and any(op != "same" for op in changes):
            raise OfflineCommandError(
                "no changes were expected but changes were proposed",
                kind=deployment.kind,
                urn=None,
                operation=None,
                stdout=stdout,
                stderr=stderr,
                steps=list(deployment.steps),
            )

    def __repr__(self) -> str:
        return f"OfflineStack({self.name!r}, project={self.project_name!r}, state_file={str(self.state_file)!r})"
