"""Run a whole Pulumi program offline: a test and demo driver, **not** the Pulumi engine.

``OfflineStack`` runs a program (a directory with ``Pulumi.yaml`` + ``__main__.py``, or an inline function)
in this process under ``pulumi.runtime.mocks`` and forwards every Python dynamic resource to a real
``python -m pulumi.dynamic`` provider process over Pulumi's provider gRPC protocol (``ProviderServer``),
making the engine's calls in the engine's order. It exists because the Pulumi CLI cannot be installed
everywhere we test, yet the provider must be exercised the way the CLI drives it: the ``__provider``
pickle round trip, Configure with the namespaced stack config, secrets stripped and re-marked, unknowns
in preview, olds = old *outputs* in Diff/Update/Delete, and the Same-step rule. Its verbs and results
mirror ``pulumi.automation`` stacks, so one scenario test can run on both.

What it does, per verb (each call as the engine makes it, in the engine's order):

- one provider process per operation, started on the first dynamic resource (or up front when the state
  holds one), cwd = the project directory, Configured with the whole stack config;
- ``preview``: Check (+ Diff for existing resources, + a fresh Check for replacements); never
  Create/Update/Delete. New resources' outputs are the checked inputs, so output-only properties and
  everything computed from them are unknown downstream, as in the engine's preview;
- ``up``: Check, Diff, then Create / Update / replace (create-before-delete by default, delete-before-replace
  when the provider or the ``delete_before_replace`` option asks), then deletes of resources no longer
  declared and of replaced resources, in reverse dependency order. DIFF_UNKNOWN is decided by comparing
  inputs, ``__provider`` included; DIFF_NONE is a Same step (new inputs, old outputs, old id);
- ``aliases``: a resource with no entry of its own is looked up under each alias (an old URN, or a spec
  of the old name, type, parent, stack or project), and a child under its renamed parent's old URN, as
  the engine looks (see ``_aliases``); the entry found is diffed as usual and recorded under the new URN,
  so a plain rename is a Same step and nothing is deleted. An alias matching nothing is ignored; an
  entry claimed twice fails with the engine's message;
- a ``get`` (or ``id=`` in the options): Read with the id and the program's properties, in a preview
  too; the resource is recorded as external and is never deleted: when it leaves the program, or on
  destroy, it is discarded without a call (see ``Deployment.read`` for the engine's rules followed);
- ``refresh``: Read per resource without running the program; an empty id drops it, ``ReadResult.inputs``
  replaces the stored inputs; then Diff, as the engine calls it to judge drift (the outputs and inputs read
  as olds, the recorded inputs as news): only changes it finds make the refresh an "update", and its notes
  are listed under the resource (a resource the program read is judged by its outputs, without a Diff);
- ``destroy``: Delete in reverse dependency order; ``retain_on_delete`` resources are dropped without a
  call, protected ones refuse.

Registrations run concurrently (the SDK calls the monitor from worker threads), so provider calls overlap
up to the provider server's four workers; deletes and reads run on four threads in dependency order.
A failed step reports the provider's own message; resources whose steps completed are saved, the failing
resource's state is left as it was.

Where it differs from the engine, so results can be trusted only that far:

- scheduling: no separate preview pass before ``up``/``destroy``/``refresh`` (as with the Automation API,
  which passes ``--skip-preview``); each completed step is appended to a step log beside the state file and
  the whole state is written when an operation ends (also on failure), where the engine rewrites its
  checkpoint after every step; there is no pending-operation tracking, cancellation or partial-failure state
  (``initErrors``); delete ordering uses dependencies, property dependencies, parents and ``deleted_with``,
  but delete-before-replace does not replace dependents (nor those ``deleted_with`` the replaced resource,
  which the engine deletes without a call and creates again);
- options: ``protect``, ``retain_on_delete``, ``delete_before_replace``, ``replace_on_changes`` (top-level
  keys the provider's diff names, as the engine matches it: none for a dynamic provider),
  ``ignore_changes`` (top-level or dotted object paths), ``aliases`` (above) and ``deleted_with`` (no
  Delete call for a resource whose ``deleted_with`` resource this operation deletes too, by destroy,
  removal or replacement; the step still shown and counted) are re-implemented; ``up(refresh=True)`` is
  a refresh followed by an update (two provider processes, two headings and summaries, the refresh's
  messages listed in the update's Diagnostics); ``PULUMI_ENABLE_LEGACY_REFRESH_DIFF`` is not honoured;
  transforms, ``replace_with``, replacement triggers, hooks, targets, ``--replace``, plans and ``import``
  are not;
  ``custom_timeouts`` are only forwarded as the requests' ``timeout`` (the Python server ignores it);
- the default provider is recorded in state as the engine records it (config as inputs and outputs, each
  dynamic resource referring to it) but never has steps of its own; config is always known;
- the provider process is given the address of the runner's own ``Engine/Log`` service (``_engine``), as
  the engine gives its own, so a provider's warnings and notes name their resource and are listed under
  it in a Diagnostics section, as on the CLI (what it prints instead goes under the Stack, as there);
- secrets are re-marked by top-level key (plus ``additional_secret_outputs``) and stored **unencrypted**
  (marked with the wire wrapper);
- a refresh configures the provider with the current stack config, where the CLI was seen to use the
  config the state recorded at the last update;
- the state file is not a Pulumi checkpoint (``pulumi stack import`` cannot read it), and the display is a
  plain log of steps, not the CLI's renderer (no progress rows, its own summary line; a read is a
  ``read <type> <name>`` line of the Stack and a discard is not shown, as on the CLI), closed by the
  CLI's Diagnostics and Outputs sections (``_render`` lays values out as the CLI does);
- the program runs in this process, so ``env`` reaches the provider process only, and interpreter or
  import-path problems of the CLI's ``pulumi-resource-pulumi-python`` shim may not show up; resources of
  other providers (and invokes) need ``mocks=``, as under ``pulumi.runtime.set_mocks``.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Final, Literal, TypeVar, cast

from pulumi.automation import ConfigValue, OutputValue
from pulumi.runtime.mocks import Mocks

from . import _display
from ._deployment import Deployment
from ._engine import LogMessage
from ._monitor import Monitor, ProgramEngine, ProgramMocks
from ._operation import NO_CHANGE, Kind
from ._program import Program, directory_program, run_program
from ._project import Project, config_entry, read_project
from ._results import (
    DestroyResult,
    OfflineCommandError,
    PreviewResult,
    RefreshResult,
    UpdateSummary,
    UpResult,
    output_values,
)
from ._state import STACK_TYPE, ConfigEntry, StackState, StepLog, load_state, save_state, state_path

__all__ = ["OfflineStack"]

_PACKAGE_ROOT: Final = Path(__file__).resolve().parents[2]  # the directory holding ``pulumi_workmail``
R = TypeVar("R", RefreshResult, DestroyResult)


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
        project = read_project(self.work_dir) if self.work_dir is not None else Project(None, None, None)
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
        entry = config_entry(value, secret)

        def change(config: dict[str, ConfigEntry]) -> None:
            config[self._key(key)] = entry

        self._update_config(change)

    def set_all_config(self, config: Mapping[str, str | ConfigValue], *, secret: bool = False) -> None:
        """Set several values at once (existing keys not mentioned are kept, as in the Automation API)."""
        entries = {self._key(key): config_entry(value, secret) for key, value in config.items()}
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
        return output_values(stack.outputs if stack is not None else None)

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
        steps come before the update's, and the summary counts the update's changes only. Its messages are
        listed in the update's Diagnostics section, before the update's own, as the CLI lists the messages
        of the one operation; a failed refresh lists them itself."""
        with self._lock:
            carried: list[LogMessage] = []
            before = self._stateful("refresh", RefreshResult, on_output, carry=carried) if refresh else None
            if expect_no_changes:
                self.preview(expect_no_changes=True)
            deployment, stdout, stderr, started = self._run_program_operation("update", on_output, carried)
            if before is not None:
                stdout, stderr = before.stdout + stdout, before.stderr + stderr
            self._raise_on_failure(deployment, stdout, stderr)
            return UpResult(
                stdout=stdout,
                stderr=stderr,
                summary=self._summary("update", deployment, started),
                outputs=output_values(deployment.stack_outputs),
                steps=(before.steps if before is not None else []) + list(deployment.steps),
            )

    def refresh(self, *, on_output: Callable[[str], None] | None = None) -> RefreshResult:
        """Read every resource back from the provider, without running the program, and save what it says."""
        return self._stateful("refresh", RefreshResult, on_output)

    def destroy(self, *, on_output: Callable[[str], None] | None = None) -> DestroyResult:
        """Delete every resource, in reverse dependency order, without running the program."""
        return self._stateful("destroy", DestroyResult, on_output)

    # -- machinery ----------------------------------------------------------------------------

    def _stateful(
        self,
        kind: Literal["refresh", "destroy"],
        result: type[R],
        on_output: Callable[[str], None] | None,
        *,
        carry: list[LogMessage] | None = None,
    ) -> R:
        """An operation on the state alone (the program does not run); see ``_finish_output`` for ``carry``."""
        with self._lock:
            deployment, stdout, stderr, started = self._run_stateful_operation(kind, on_output, carry)
            self._raise_on_failure(deployment, stdout, stderr)
            return result(stdout, stderr, self._summary(kind, deployment, started), list(deployment.steps))

    def _provider_env(self) -> dict[str, str]:
        """``env`` plus a PYTHONPATH that lets the provider process import ``pulumi_workmail``."""
        env = dict(self._env)
        parts: list[str] = []
        for chunk in (env.get("PYTHONPATH", ""), str(_PACKAGE_ROOT), os.environ.get("PYTHONPATH", "")):
            parts.extend(p for p in chunk.split(os.pathsep) if p and p not in parts)
        env["PYTHONPATH"] = os.pathsep.join(parts)
        return env

    def _new_deployment(self, kind: Kind, on_output: Callable[[str], None] | None) -> tuple[Deployment, StackState]:
        state = self._load()
        deployment = Deployment(
            kind=kind,
            state=state,
            provider_cwd=self.work_dir or Path.cwd(),
            provider_env=self._provider_env(),
            python=self._python,
            on_output=on_output,
            step_log=None if kind == "preview" else StepLog(self.state_file),
        )
        deployment.emit(*_display.header_lines(kind, self.name, self.project_name))
        return deployment, state

    def _run_program_operation(
        self, kind: Kind, on_output: Callable[[str], None] | None, carried: Sequence[LogMessage] = ()
    ) -> tuple[Deployment, str, str, datetime]:
        """``carried``: messages of an earlier part of the operation, listed first in its Diagnostics."""
        started = datetime.now()
        clock = time.monotonic()
        deployment, state = self._new_deployment(kind, on_output)
        deployment.diagnostics.extend(carried)
        monitor = Monitor(deployment, ProgramMocks(self._mocks))
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
                        engine=ProgramEngine(deployment),
                        cwd=self.work_dir if self._program is None else None,
                        sys_path_entry=cast(Path, self._main).parent if self._program is None else None,
                    )
                except Exception as exc:
                    if deployment.failure is None:
                        deployment.fail(_display.exception_message(exc), urn=None, operation=None)
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
        self, kind: Kind, on_output: Callable[[str], None] | None, carry: list[LogMessage] | None = None
    ) -> tuple[Deployment, str, str, datetime]:
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
        return (deployment, *self._finish_output(deployment, kind, clock, carry), started)

    def _finish_output(
        self, deployment: Deployment, kind: Kind, clock: float, carry: list[LogMessage] | None = None
    ) -> tuple[str, str]:
        """The end of the output, in the CLI's order: Diagnostics, Outputs, the summary. Given ``carry``
        (the refresh of an ``up --refresh``), a successful operation adds its messages to it instead of
        listing them: the update that follows lists them."""
        if carry is not None and deployment.failure is None:
            carry.extend(
                _display.diagnostic_messages(deployment.diagnostics, deployment.root_urn(), deployment.provider_stdout)
            )
        else:
            deployment.emit(
                *_display.diagnostics_lines(deployment.diagnostics, deployment.root_urn(), deployment.provider_stdout)
            )
        deployment.emit(*self._outputs_lines(deployment, kind))
        deployment.emit(_display.summary_line(deployment.change_summary(), planned=kind == "preview"))
        deployment.emit(f"Duration: {time.monotonic() - clock:.2f}s")
        if deployment.failure is not None:
            deployment.emit(f"error: {kind} failed")
        return "\n".join(deployment.lines) + "\n", deployment.provider_stderr

    @staticmethod
    def _outputs_lines(deployment: Deployment, kind: Kind) -> list[str]:
        """The stack outputs as the CLI shows them after each verb: a preview shows what changes, an update
        every output with the changes marked (after a failure too: the outputs the program did not get to
        register show as removed, as on the CLI), a refresh the recorded ones; a destroy shows none."""
        stack = next((r for r in deployment.old.values() if r.type == STACK_TYPE), None)
        old = stack.outputs if stack is not None else None
        if kind == "update":
            return _display.outputs_lines(old, deployment.stack_outputs or {}, planned=False)
        if deployment.failure is not None:
            return []
        if kind == "preview":
            return _display.outputs_lines(old, deployment.stack_outputs or {}, planned=True)
        if kind == "refresh" and old is not None:
            return _display.outputs_lines(old, old, planned=False)
        return []

    def _summary(self, kind: str, deployment: Deployment, started: datetime) -> UpdateSummary:
        return UpdateSummary(
            kind=kind,
            result="succeeded",
            message="",
            start_time=started,
            end_time=datetime.now(),
            resource_changes=deployment.change_summary(),
        )

    def _raise_on_failure(self, deployment: Deployment, stdout: str, stderr: str) -> None:
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
        self, expected: bool, deployment: Deployment, changes: Mapping[str, int], stdout: str, stderr: str
    ) -> None:
        if expected and any(op not in NO_CHANGE for op in changes):
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
