"""The resource options the runner acts on, read from the raw ``RegisterResourceRequest``.

``MockResourceArgs`` does not carry them, yet protect, ignore_changes, timeouts and the rest decide what
a step does, and every state record of a step stores them, as the engine stores the goal's options.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, cast

from ._aliases import Alias
from ._state import ResourceOptions, ResourceState

_DURATION_PART: Final = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_DURATION_UNITS: Final = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_MISSING: Final = object()


@dataclass(frozen=True)
class RegisterOptions(ResourceOptions):
    """The options of one RegisterResource request, which every state record of that step carries (but
    ``aliases``, which only say where to find the old record: the engine does not store them)."""

    aliases: tuple[Alias, ...] = ()

    @classmethod
    def from_request(cls, request: Any) -> RegisterOptions:
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
            aliases=request_aliases(request),
        )

    def record(self, urn: str, type_: str, custom: bool, **values: Any) -> ResourceState:
        """A state record carrying these options (the engine stores the goal's options on every step)."""
        return ResourceState(urn=urn, type=type_, custom=custom, **self.option_values(), **values)


def request_aliases(request: Any) -> tuple[Alias, ...]:
    """The request's aliases as the engine reads them: ``aliasURNs`` (sent by an SDK that cannot send specs),
    then ``aliases``, each an old URN or a spec (``noParent``, or a ``parentUrn`` where empty means the
    registration's own parent)."""
    aliases = [Alias(urn=urn) for urn in request.aliasURNs]
    for alias in request.aliases:
        kind = alias.WhichOneof("alias")
        if kind == "urn":
            aliases.append(Alias(urn=alias.urn))
        elif kind == "spec":
            spec = alias.spec
            parent = spec.WhichOneof("parent")
            aliases.append(
                Alias(
                    name=spec.name,
                    type=spec.type,
                    stack=spec.stack,
                    project=spec.project,
                    parent=spec.parentUrn if parent == "parentUrn" else "",
                    no_parent=parent == "noParent" and spec.noParent,
                )
            )
    return tuple(aliases)


def custom_timeout(record: ResourceOptions, operation: str) -> float:
    """The request's ``timeout`` for ``operation``: its ``custom_timeouts`` entry in seconds, 0 when unset."""
    return _duration_seconds(record.custom_timeouts.get(operation, ""))


def apply_ignore_changes(news: dict[str, Any], olds: Mapping[str, Any], paths: Iterable[str]) -> dict[str, Any]:
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
