"""``AutomationStack``: the ``OfflineStack`` verbs on the real Pulumi CLI, through the Automation API.

Scenario tests take either backend: this one wherever ``pulumi`` is on PATH (a local ``file://`` backend
and the passphrase secrets provider, so nothing leaves the machine), the offline runner everywhere.
Results are converted to the runner's result classes so assertions read the same on both.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from ._results import DestroyResult, PreviewResult, RefreshResult, Step, UpdateSummary, UpResult
from ._wire import urn_type_name

PASSPHRASE = "pulumi-workmail-tests"


def cli_available() -> bool:
    return shutil.which("pulumi") is not None


def _changed(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> tuple[str, ...]:
    """Top-level keys whose values differ, internal ``__`` keys left out (as the CLI's display does)."""
    before, after = dict(old or {}), dict(new or {})
    return tuple(
        k for k in sorted(set(before) | set(after)) if not k.startswith("__") and before.get(k) != after.get(k)
    )


def _plain_counts(counts: Mapping[Any, int] | None) -> dict[str, int]:
    return {str(getattr(k, "value", k)): int(v) for k, v in (counts or {}).items()}


# Engine step ops that the CLI's display folds into the resource's one "replace" row (or, for a resource
# the program read, does not show).
_FOLDED_INTO_REPLACE = frozenset({"create-replacement", "delete-replaced", "read-replacement", "discard-replaced"})


class _Events:
    """Collects the engine's step events into ``Step``s: one per resource row the CLI shows.

    Each step is taken from the event after it ran (``res_outputs_event``: for a refresh, the only one
    that holds what was read), or the one before it (``resource_pre_event``) when it did not finish.
    Default providers' steps, which the CLI neither shows nor counts, are left out; a replacement's
    create-replacement and delete-replaced are folded into its replace, as the display does. A Python
    dynamic provider sends no detailed diff, so ``diffs`` are computed as the display computes them:
    changed inputs, or changed outputs for a refresh that the engine found to be an update (its Diff's
    answer: outputs may change in what the Diff ignores, and the refresh is then the same).
    """

    def __init__(self) -> None:
        self._steps: dict[tuple[str, str], Step] = {}
        self._began: dict[str, str] = {}  # urn -> the op its pre-event announced

    @property
    def steps(self) -> list[Step]:
        return list(self._steps.values())

    def __call__(self, event: auto.EngineEvent) -> None:
        step_event = event.resource_pre_event or event.res_outputs_event
        if step_event is None:
            return
        meta = step_event.metadata
        op = str(getattr(meta.op, "value", meta.op))
        if event.resource_pre_event is not None:
            self._began[meta.urn] = op
        # A refresh announces "refresh" and reports what it found (same, update or delete) as the op.
        found, op = (op, "refresh") if self._began.get(meta.urn) == "refresh" else (op, op)
        name = urn_type_name(meta.urn)[1]
        if meta.type.startswith("pulumi:providers:") and name.startswith("default"):
            return
        if op in _FOLDED_INTO_REPLACE:
            return
        old = {"id": meta.old.id, "inputs": meta.old.inputs, "outputs": meta.old.outputs} if meta.old else None
        new = {"id": meta.new.id, "inputs": meta.new.inputs, "outputs": meta.new.outputs} if meta.new else None
        result_op = op
        diffs: tuple[str, ...] = ()
        if op == "refresh":
            drift = _changed(meta.old.outputs, meta.new.outputs) if meta.old and meta.new else ()
            result_op = found if found in ("same", "update", "delete") else "update" if drift else "same"
            diffs = drift if result_op == "update" else ()  # nothing is marked on a row the refresh left the same
        elif meta.old and meta.new:
            shown = [k for k in (meta.diffs or []) if not k.startswith("__")]
            diffs = tuple(shown) if shown else _changed(meta.old.inputs, meta.new.inputs)
        self._steps[(meta.urn, op)] = Step(
            urn=meta.urn,
            name=name,
            type=meta.type,
            op=op,  # type: ignore[arg-type]
            result_op=result_op,  # type: ignore[arg-type]
            diffs=diffs,
            old=old,
            new=new,
        )


def _summary(summary: auto.UpdateSummary) -> UpdateSummary:
    return UpdateSummary(
        kind=summary.kind,
        result=summary.result,
        message=summary.message,
        start_time=summary.start_time if isinstance(summary.start_time, datetime) else datetime.now(),
        end_time=summary.end_time if isinstance(summary.end_time, datetime) else datetime.now(),
        resource_changes=_plain_counts(summary.resource_changes),
    )


class AutomationStack:
    """A stack of the real CLI, with the same constructor and verbs as ``OfflineStack``."""

    def __init__(
        self,
        stack_name: str,
        *,
        project_name: str | None = None,
        work_dir: str | None = None,
        program: Callable[[], None] | None = None,
        state_dir: str,
        env: Mapping[str, str] | None = None,
    ) -> None:
        Path(state_dir).mkdir(parents=True, exist_ok=True)
        env_vars = {
            "PULUMI_BACKEND_URL": f"file://{Path(state_dir).resolve()}",
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_PYTHON_CMD": sys.executable,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_HOME": str(Path(state_dir).resolve() / ".pulumi-home"),
            **dict(env or {}),
        }
        settings = None
        if program is not None:
            settings = auto.ProjectSettings(
                name=project_name or "inline",
                runtime=auto.ProjectRuntimeInfo(name="python", options={"virtualenv": str(Path(sys.prefix))}),
                backend=auto.ProjectBackend(url=env_vars["PULUMI_BACKEND_URL"]),
            )
        opts = auto.LocalWorkspaceOptions(
            work_dir=work_dir,
            env_vars=env_vars,
            secrets_provider="passphrase",
            project_settings=settings,
        )
        if program is not None:
            self.stack = auto.create_or_select_stack(
                stack_name, project_name=project_name or "inline", program=program, opts=opts
            )
        else:
            self.stack = auto.create_or_select_stack(stack_name, work_dir=work_dir, opts=opts)

    def set_config(self, key: str, value: str, secret: bool = False) -> None:
        self.stack.set_config(key, auto.ConfigValue(value, secret=secret))

    def set_all_config(self, config: Mapping[str, str], secret: bool = False) -> None:
        self.stack.set_all_config({k: auto.ConfigValue(v, secret=secret) for k, v in config.items()})

    def get_all_config(self) -> dict[str, Any]:
        return {k: v.value for k, v in self.stack.get_all_config().items()}

    def preview(self) -> PreviewResult:
        events = _Events()
        result = self.stack.preview(on_event=events)
        return PreviewResult(result.stdout, result.stderr, _plain_counts(result.change_summary), events.steps)

    def up(self, *, refresh: bool = False) -> UpResult:
        events = _Events()
        result = self.stack.up(on_event=events, refresh=refresh)
        return UpResult(result.stdout, result.stderr, _summary(result.summary), dict(result.outputs), events.steps)

    def refresh(self) -> RefreshResult:
        events = _Events()
        result = self.stack.refresh(on_event=events)
        return RefreshResult(result.stdout, result.stderr, _summary(result.summary), events.steps)

    def destroy(self) -> DestroyResult:
        events = _Events()
        result = self.stack.destroy(on_event=events)
        return DestroyResult(result.stdout, result.stderr, _summary(result.summary), events.steps)

    def outputs(self) -> dict[str, auto.OutputValue]:
        return dict(self.stack.outputs())

    def export_state(self) -> dict[str, Any]:
        """``{"deployment": {...}}`` like the offline runner's ``export_state``."""
        return {"deployment": dict(self.stack.export_stack().deployment or {})}

    def remove(self) -> None:
        self.stack.workspace.remove_stack(self.stack.name)
