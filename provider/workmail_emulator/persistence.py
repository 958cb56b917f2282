"""Persistence: the whole state as JSON (the state file's format, version 1) and back.

``load_json`` refuses a document of the wrong shape, field by field against the records' annotations,
so a damaged state file is reported at start instead of answering 500s later; a field typed with a term
(``terms``) reads its spelling back as the member.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

from .models import Domain, Entity, Organization
from .settings import Settings
from .state import State
from .terms import Term, open_term


class Persistence(State):
    """``to_json``/``load_json`` over the state."""

    def to_json(self) -> dict[str, Any]:
        with self.lock:
            return {
                "version": 1,
                "organizations": [dataclasses.asdict(o) for o in self.organizations.values()],
                "client_tokens": dict(self.client_tokens),
                "settings": self.settings.to_dict(),
            }

    def load_json(self, data: dict[str, Any]) -> None:
        """Replace all state with ``data`` (as written by ``to_json``); raise ValueError if malformed."""
        try:
            if data.get("version") != 1:
                raise ValueError(f"unsupported state version {data.get('version')!r}")
            orgs: dict[str, Organization] = {}
            for raw in data["organizations"]:
                raw = dict(raw)
                domains = {k: Domain(**v) for k, v in raw.pop("domains").items()}
                entities = {k: Entity(**v) for k, v in raw.pop("entities").items()}
                org = Organization(**raw, domains=domains, entities=entities)
                _check_types(org)
                orgs[org.id] = org
            settings = Settings()
            settings.update(data.get("settings", {}))
            tokens = {str(k): str(v) for k, v in data.get("client_tokens", {}).items()}
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"malformed state: {error!r}") from error
        with self.lock:
            self.organizations, self.client_tokens, self.settings = orgs, tokens, settings
            self.lag.clear()


def _matches(value: Any, hint: Any) -> bool:
    """Whether ``value`` is of the (simple) annotated type ``hint``, recursively."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, arg) for arg in args)
    if hint is type(None):
        return value is None
    if origin is list:
        return isinstance(value, list) and all(_matches(item, args[0]) for item in value)
    if origin is dict:
        return isinstance(value, dict) and all(_matches(k, args[0]) and _matches(v, args[1]) for k, v in value.items())
    if hint is bool:
        return isinstance(value, bool)
    if hint in (int, float):
        return (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and (hint is float or isinstance(value, int))
        )
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if not isinstance(value, hint):
            return False
        _check_types(value)
        return True
    return isinstance(value, hint) if isinstance(hint, type) else True


def _term(value: Any, hint: Any) -> Any:
    """``value`` as the member it spells of the term ``hint`` names (alone or in a union), else unchanged."""
    kinds = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, types.UnionType) else (hint,)
    for kind in kinds:
        if isinstance(kind, type) and issubclass(kind, Term):
            return open_term(kind, value)
    return value


def _check_types(obj: Any) -> None:
    """Refuse a loaded record whose fields do not have their declared types (a state file of the wrong
    shape would otherwise load and then answer 500s); a term's spelling becomes its member."""
    hints = typing.get_type_hints(type(obj))
    for item in dataclasses.fields(obj):
        value = _term(getattr(obj, item.name), hints[item.name])
        if not _matches(value, hints[item.name]):
            raise ValueError(f"{type(obj).__name__.lower()} field {item.name} is {value!r:.60}, not {hints[item.name]}")
        setattr(obj, item.name, value)
