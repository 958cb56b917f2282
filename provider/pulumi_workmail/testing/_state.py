"""The offline runner's stack state: one JSON file per stack, shaped like a Pulumi checkpoint where it can be.

Resources use the checkpoint's field names (``urn``, ``custom``, ``delete``, ``id``, ``type``, ``inputs``,
``outputs``, ``parent``, ``dependencies`` ...) under ``deployment.resources``, so an assertion written
against ``pulumi.automation``'s ``export_stack().deployment`` reads this too. Secret values keep the wire
wrapper ``{SIG_KEY: SECRET_SIG, "value": ...}``: they are *marked* secret but stored in plain text (the
engine encrypts them). The stack config lives in the same file, since there is no ``Pulumi.<stack>.yaml``.

Writes are atomic (temporary file, fsync, rename), so a crash never leaves a half-written state. Between
the saves that end each operation, every completed step is appended to a step log beside the file
(``<stack>.steps.jsonl``); loading folds it in and the next save removes it, so a runner killed mid-way
keeps each step it reported, as the engine's checkpoints do, at constant cost per step.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import IO, Any, Final

from ._wire import urn_type_name

STATE_VERSION: Final = 1
STACK_TYPE: Final = "pulumi:pulumi:Stack"
DEFAULT_PROVIDER_TYPE: Final = "pulumi:providers:pulumi-python"
DYNAMIC_TYPE_PREFIX: Final = "pulumi-python:dynamic"
_NOTE: Final = (
    "Stack state written by the pulumi_workmail.testing offline runner. Not a Pulumi checkpoint: "
    "secret values are marked but stored in plain text."
)


def is_dynamic_type(type_: str) -> bool:
    """Whether a custom resource of this type is the Python dynamic provider's (the only one run for real)."""
    return type_.startswith(DYNAMIC_TYPE_PREFIX)


@dataclass(frozen=True)
class ConfigEntry:
    """One stack config value: always a string, as the engine stores it, plus its secret flag."""

    value: str
    secret: bool = False


@dataclass(frozen=True)
class ResourceOptions:
    """The resource options the engine keeps with every step of a resource (from its RegisterResource)."""

    parent: str = ""
    dependencies: tuple[str, ...] = ()
    property_dependencies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    protect: bool = False
    retain_on_delete: bool = False
    delete_before_replace: bool | None = None
    ignore_changes: tuple[str, ...] = ()
    replace_on_changes: tuple[str, ...] = ()
    additional_secret_outputs: tuple[str, ...] = ()
    custom_timeouts: dict[str, str] = field(default_factory=dict)
    deleted_with: str = ""

    def option_values(self) -> dict[str, Any]:
        """These options as keyword arguments (shallow: records share the immutable values)."""
        return {item.name: getattr(self, item.name) for item in fields(ResourceOptions)}


@dataclass(frozen=True, kw_only=True)
class ResourceState(ResourceOptions):
    """One resource as stored: checked inputs, outputs (both with secrets wrapped) and its options.

    ``delete`` marks a replaced resource whose deletion has not run yet (the engine's pending-delete).
    ``external`` marks a resource the program read (``get``, or ``id=`` in its options) rather than
    declared: the stack records it but does not own it, so it is never deleted, only dropped from state.
    Frozen so that records can be shared between worker threads and swapped atomically.
    """

    urn: str
    type: str
    custom: bool
    id: str = ""
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    delete: bool = False
    external: bool = False
    provider: str = ""  # the provider reference "<urn>::<id>", as the engine stores it

    @property
    def name(self) -> str:
        """The logical name: the URN's last segment."""
        return urn_type_name(self.urn)[1]

    @property
    def dynamic(self) -> bool:
        """Whether the Python dynamic provider manages it (everything else needs no provider call)."""
        return self.custom and is_dynamic_type(self.type)

    def depends_on(self) -> set[str]:
        """Every URN this resource must outlive: dependencies, property dependencies, parent, deletedWith."""
        urns = set(self.dependencies)
        for values in self.property_dependencies.values():
            urns.update(values)
        urns.update(u for u in (self.parent, self.deleted_with) if u)
        urns.discard(self.urn)
        return urns

    def to_json(self) -> dict[str, Any]:
        """The checkpoint-like JSON form; empty optional fields are left out, as the engine does."""
        data: dict[str, Any] = {"urn": self.urn, "custom": self.custom}
        if self.delete:
            data["delete"] = True
        if self.id:
            data["id"] = self.id
        data["type"] = self.type
        data["inputs"] = self.inputs
        data["outputs"] = self.outputs
        optional: dict[str, Any] = {
            "parent": self.parent,
            "protect": self.protect,
            "retainOnDelete": self.retain_on_delete,
            "dependencies": list(self.dependencies),
            "propertyDependencies": {key: list(urns) for key, urns in self.property_dependencies.items()},
            "additionalSecretOutputs": list(self.additional_secret_outputs),
            "customTimeouts": self.custom_timeouts,
            "ignoreChanges": list(self.ignore_changes),
            "replaceOnChanges": list(self.replace_on_changes),
            "deletedWith": self.deleted_with,
        }
        data.update({key: value for key, value in optional.items() if value})
        if self.external:
            data["external"] = True
        if self.provider:
            data["provider"] = self.provider
        if self.delete_before_replace is not None:
            data["deleteBeforeReplace"] = self.delete_before_replace
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ResourceState:
        dbr = data.get("deleteBeforeReplace")
        return cls(
            urn=str(data["urn"]),
            type=str(data["type"]),
            custom=bool(data.get("custom", False)),
            id=str(data.get("id", "")),
            inputs=dict(data.get("inputs") or {}),
            outputs=dict(data.get("outputs") or {}),
            parent=str(data.get("parent", "")),
            dependencies=tuple(data.get("dependencies") or ()),
            property_dependencies={
                str(key): tuple(urns) for key, urns in (data.get("propertyDependencies") or {}).items()
            },
            protect=bool(data.get("protect", False)),
            retain_on_delete=bool(data.get("retainOnDelete", False)),
            delete_before_replace=None if dbr is None else bool(dbr),
            ignore_changes=tuple(data.get("ignoreChanges") or ()),
            replace_on_changes=tuple(data.get("replaceOnChanges") or ()),
            additional_secret_outputs=tuple(data.get("additionalSecretOutputs") or ()),
            custom_timeouts={str(k): str(v) for k, v in (data.get("customTimeouts") or {}).items()},
            deleted_with=str(data.get("deletedWith", "")),
            delete=bool(data.get("delete", False)),
            external=bool(data.get("external", False)),
            provider=str(data.get("provider", "")),
        )


@dataclass
class StackState:
    """Config plus resources (in dependency order: the engine's checkpoint invariant)."""

    project: str
    stack: str
    config: dict[str, ConfigEntry] = field(default_factory=dict)
    resources: list[ResourceState] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "note": _NOTE,
            "project": self.project,
            "stack": self.stack,
            "config": {key: {"value": e.value, "secret": e.secret} for key, e in sorted(self.config.items())},
            "deployment": {"resources": [resource.to_json() for resource in self.resources]},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, project: str, stack: str) -> StackState:
        version = data.get("version")
        if version != STATE_VERSION:
            raise ValueError(f"unsupported offline state version {version!r} (expected {STATE_VERSION})")
        config = {
            str(key): ConfigEntry(str(entry["value"]), bool(entry.get("secret", False)))
            for key, entry in (data.get("config") or {}).items()
        }
        resources = [ResourceState.from_json(item) for item in (data.get("deployment") or {}).get("resources", [])]
        return cls(project=project, stack=stack, config=config, resources=resources)


def state_path(state_dir: str | os.PathLike[str], project: str, stack: str) -> Path:
    """``<state_dir>/<project>/<stack>.json``, like the file backend's per-project stack layout."""
    return Path(state_dir) / project / f"{stack}.json"


def step_log_path(path: Path) -> Path:
    """``<stack>.steps.jsonl`` beside ``<stack>.json``."""
    return path.with_name(f"{path.stem}.steps.jsonl")


class StepLog:
    """The records of each completed step, one JSON line per step, appended and flushed as it completes.

    A line carries every record of one URN after the step (none: the resource is gone; a ``delete``
    record: a pending delete), so folding replays steps in order whatever they were; a line of a resource
    renamed under an alias (``was``: its old URN) replaces the old URN's records too, in their place.
    Rewriting the whole state after each step, as the engine's checkpoints do, would make a run of N steps
    quadratic. Lines are flushed to the operating system, not fsynced: they survive a killed process, not
    a power cut.
    """

    def __init__(self, state_file: Path) -> None:
        self.path = step_log_path(state_file)
        self._stream: IO[str] | None = None

    def record(self, urn: str, records: Sequence[ResourceState], *, was: str | None = None) -> None:
        if self._stream is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._stream = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - held until close()
        entry: dict[str, Any] = {"urn": urn, "records": [record.to_json() for record in records]}
        if was is not None:
            entry["was"] = was
        line = json.dumps(entry, sort_keys=False)
        self._stream.write(line + "\n")
        self._stream.flush()

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None


def fold_steps(resources: list[ResourceState], lines: Iterable[str]) -> list[ResourceState]:
    """``resources`` with each logged step applied; a torn last line (killed mid-write) ends the fold."""
    folded = list(resources)
    for line in lines:
        try:
            entry = json.loads(line)
            urns = {str(entry["urn"]), str(entry.get("was") or entry["urn"])}
            records = [ResourceState.from_json(item) for item in entry["records"]]
        except (ValueError, KeyError, TypeError):
            break
        at = next((i for i, record in enumerate(folded) if record.urn in urns and not record.delete), len(folded))
        kept = [record for record in folded[:at] if record.urn not in urns]
        rest = [record for record in folded[at:] if record.urn not in urns]
        live = [record for record in records if not record.delete]
        folded = [*kept, *live, *rest, *(record for record in records if record.delete)]
    return folded


def load_state(path: Path, *, project: str, stack: str) -> StackState:
    """The stored state with any logged steps folded in, or an empty stack when there is none yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        state = StackState(project=project, stack=stack)
    else:
        state = StackState.from_json(json.loads(text), project=project, stack=stack)
    try:
        lines = step_log_path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return state
    state.resources = fold_steps(state.resources, lines)
    return state


def save_state(path: Path, state: StackState) -> None:
    """Write atomically: readers see the old file or the new one, never a torn write. The new file holds
    every logged step, so the step log goes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(state.to_json(), indent=2, sort_keys=False) + "\n"
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    step_log_path(path).unlink(missing_ok=True)
