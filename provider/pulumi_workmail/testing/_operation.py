"""What one preview/up/refresh/destroy has done so far, and the provider process it talks to.

Steps complete on the SDK's registration threads and on the scheduler's workers, yet the state saved
after a failure must be exactly what the provider was told to do, and the output and step log must
follow the same order. So the evolving snapshot, the steps, the output lines and the first failure are
kept here, changed only together under one lock; :class:`~._deployment.Deployment` decides the steps.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final, Literal, cast

from . import _display
from ._aliases import Renames
from ._engine import EngineLogServer, LogMessage
from ._results import ResultOp, Step, StepOp, step_snapshot
from ._server import ProviderError, ProviderServer, ProviderStartError
from ._state import DEFAULT_PROVIDER_TYPE, STACK_TYPE, ResourceState, StackState, StepLog
from ._wire import SECRET_SIG, SIG_KEY, make_urn, urn_type_name

Kind = Literal["preview", "update", "refresh", "destroy"]

_SUMMARY_ORDER: Final[tuple[ResultOp, ...]] = ("create", "update", "replace", "delete", "read", "discard", "same")
# Not logical steps: the summary counts the resource's "replace" instead (the engine's ``Logical()``).
_UNCOUNTED: Final = frozenset({"delete-replaced", "discard-replaced"})
# What ``pulumi preview --expect-no-changes`` does not count as a change (the engine's ``HasChanges``).
NO_CHANGE: Final[frozenset[str]] = frozenset({"same", "read", "discard"})


class StepFailed(Exception):
    """Raised inside a registration so the SDK aborts the program; the message is already recorded."""


@dataclass(frozen=True)
class Failure:
    """The operation's first failure: the cause, and the resource and operation it happened to."""

    message: str
    urn: str | None
    operation: str | None


class Operation:
    """The state of one preview/up/refresh/destroy: old state, the evolving snapshot, steps and the provider.

    ``current`` starts as the old state and has each completed step applied to it (like the engine's
    snapshot manager), so whatever is saved after a failure is exactly what the provider was told to do.
    Everything mutable is guarded by ``_lock``; provider calls happen outside it.
    """

    def __init__(
        self,
        *,
        kind: Kind,
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
        # URNs this operation deletes, replacements' old resources included (the engine's ``sg.deletes``).
        self.deletions: set[str] = set()
        self.registered: list[str] = []
        self._registered_set: set[str] = set()
        self.renames = Renames()  # old entries taken under an alias, which the program no longer declares
        self.steps: list[Step] = []
        self.lines: list[str] = []
        self.diagnostics: list[LogMessage] = []
        self.failure: Failure | None = None
        self.stack_urn: str | None = None
        self.stack_outputs: dict[str, Any] | None = None
        self._server: ProviderServer | None = None
        self._engine: EngineLogServer | None = None
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

    def diagnostic(self, message: LogMessage) -> None:
        """A message of the provider or the program, about a resource (or the stack): kept for the
        Diagnostics section; an ephemeral one (a passing note of what a step waits for) is shown at once
        on a line of its resource instead, as the CLI shows it on the resource's row only."""
        if message.severity == "debug":
            return
        with self._lock:
            if message.ephemeral:
                self._emit_locked(_display.passing_note_lines(message.urn or self.root_urn(), message.message))
            else:
                self.diagnostics.append(message)

    def root_urn(self) -> str:
        """The Stack's URN, under which messages about no resource in particular are shown."""
        return self.stack_urn or make_urn(self.stack, self.project, STACK_TYPE, f"{self.project}-{self.stack}")

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
        """Record a completed (or, in preview, planned) step; ``apply`` updates the snapshot atomically with it.

        A step whose ``old`` record is under another URN (found under an alias) moves it: the old URN's
        entry goes with the step, as the engine records the resource under its new URN only."""
        resolved: ResultOp = result_op if result_op is not None else cast(ResultOp, op)
        step = Step(
            urn=urn,
            name=urn_type_name(urn)[1],
            type=type_,
            op=op,
            result_op=resolved,
            diffs=tuple(diffs),
            replaces=tuple(replaces),
            old=step_snapshot(old),
            new=step_snapshot(new),
        )
        with self._lock:
            if apply is not None:
                apply()
                was = old.urn if old is not None and old.urn != urn else None
                if was is not None and self.current.get(was) is old:
                    del self.current[was]
                self._log_step(urn, was)
            self.steps.append(step)
            self._emit_locked(_display.render_step(step, self.root_urn()))

    def _log_step(self, urn: str, was: str | None = None) -> None:
        """Put the step's outcome on disk (under ``_lock``, so lines follow the snapshot's order); ``was``:
        the old URN the resource was renamed from, whose records the line replaces too."""
        if self.step_log is not None and not self.dry_run:
            records = [self.current[urn]] if urn in self.current else []
            pending = [record for record in self.pending if record.urn in (urn, was)]
            self.step_log.record(urn, records + pending, was=was)

    # -- failures -----------------------------------------------------------------------------

    def fail(self, message: str, *, urn: str | None, operation: str | None) -> StepFailed:
        """Record the operation's failure (the first one wins) and return the exception to raise."""
        with self._lock:
            if self.failure is None:
                self.failure = Failure(message, urn, operation)
                self._emit_locked(_display.error_lines(message, urn))
                self.diagnostics.append(LogMessage("error", message, urn or ""))
        return StepFailed(message)

    def _call(self, urn: str, operation: str, call: Callable[[], Any], *, mutating: bool = False) -> Any:
        """One provider call; a ProviderError fails the step with the provider's own message."""
        if mutating and self.failure is not None:
            # The engine stops starting steps once one has failed.
            raise StepFailed(f"skipped {operation} of {urn}: an earlier step failed")
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
                if self._engine is None:
                    self._engine = EngineLogServer(self.diagnostic)
                server = ProviderServer(
                    project=self.project,
                    config=plain,
                    secret_keys=secret,
                    cwd=self._provider_cwd,
                    env=self._provider_env,
                    python=self._python,
                    engine_address=self._engine.address,
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
            with contextlib.suppress(StepFailed):
                self._call(self._provider_urn(), "configure", self.provider)

    def _provider_urn(self) -> str:
        return make_urn(self.stack, self.project, DEFAULT_PROVIDER_TYPE, "default")

    def close_step_log(self) -> None:
        if self.step_log is not None:
            self.step_log.close()

    def stop_provider(self) -> None:
        with self._server_lock:
            server, self._server = self._server, None
            engine, self._engine = self._engine, None
        if server is not None:
            server.stop()
            logs = server.logs()
            self.provider_stdout, self.provider_stderr = logs.stdout, logs.stderr
        if engine is not None:
            engine.stop()

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
                if step.op not in _UNCOUNTED and (step.op != "read" or _read_found_changes(step)):
                    counts[step.result_op] += 1
        return {op: counts[op] for op in _SUMMARY_ORDER if counts[op]}


def _read_found_changes(step: Step) -> bool:
    """The engine counts a read only when it finds other outputs than the stack recorded
    (``shouldRecordReadStep``), so that a program's reads leave an unchanged stack's summary alone."""
    return step.old is not None and step.new is not None and step.old["outputs"] != step.new["outputs"]
