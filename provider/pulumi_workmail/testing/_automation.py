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

from ._runner import DestroyResult, PreviewResult, RefreshResult, Step, UpdateSummary, UpResult

PASSPHRASE = "pulumi-workmail-tests"


def cli_available() -> bool:
    return shutil.which("pulumi") is not None


def _shown_diffs(
    diffs: list[str] | None, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None
) -> tuple[str, ...]:
    """The keys the CLI marks as changed (``[diff: ~email]``).

    A Python dynamic provider cannot send a detailed diff, so the engine's step event carries none and the
    CLI's display compares old and new inputs itself, leaving out internal ``__`` keys; so does this.
    """
    if diffs:
        return tuple(k for k in diffs if not k.startswith("__"))
    old_inputs, new_inputs = dict(old or {}), dict(new or {})
    keys = sorted(set(old_inputs) | set(new_inputs))
    return tuple(k for k in keys if not k.startswith("__") and old_inputs.get(k) != new_inputs.get(k))


def _plain_counts(counts: Mapping[Any, int] | None) -> dict[str, int]:
    return {str(getattr(k, "value", k)): int(v) for k, v in (counts or {}).items()}


class _Events:
    """Collects the engine's per-resource step events into ``Step``s."""

    def __init__(self) -> None:
        self.steps: list[Step] = []

    def __call__(self, event: auto.EngineEvent) -> None:
        pre = event.resource_pre_event
        if pre is None:
            return
        meta = pre.metadata
        op = str(getattr(meta.op, "value", meta.op))
        if meta.type == "pulumi:pulumi:Stack":
            return
        old = {"inputs": meta.old.inputs, "outputs": meta.old.outputs} if meta.old else None
        new = {"inputs": meta.new.inputs, "outputs": meta.new.outputs} if meta.new else None
        result_op = op if op in ("create", "update", "replace", "delete", "same") else "update"
        self.steps.append(
            Step(
                urn=meta.urn,
                name=meta.urn.rsplit("::", 1)[-1],
                type=meta.type,
                op=op,  # type: ignore[arg-type]
                result_op=result_op,  # type: ignore[arg-type]
                diffs=_shown_diffs(meta.diffs, old and old["inputs"], new and new["inputs"]) if old else (),
                old=old,
                new=new,
            )
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
