"""Pure diff logic for the ``EntityPrimaryEmail`` and ``EntityAliases`` dynamic providers.

Python dynamic providers cannot send a detailed diff, so this decides only whether anything changed and
which properties force a replacement. ``olds`` are the previous OUTPUTS (inputs plus output-only keys,
with ``email`` holding the live address) and ``news`` the checked inputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .secrecy import SECRET_INPUTS
from .validation import DEFAULT_ON_DELETE, DEFAULT_WAIT_TIMEOUT_SECONDS, is_unknown

__all__ = ["REPLACE_PROPERTIES", "DiffDecision", "diff_alias_props", "diff_props", "names_same_entity"]

# Moving to another organization, region or entity means managing a different address slot.
REPLACE_PROPERTIES = ("organization_id", "region", "entity_id")
_COMPARED = (*REPLACE_PROPERTIES, "email", "on_delete", "wait_timeout_seconds")
# Absent and default mean the same thing, so state written without a default does not show a diff.
_DEFAULTS: dict[str, object] = {
    "on_delete": DEFAULT_ON_DELETE,
    "wait_timeout_seconds": DEFAULT_WAIT_TIMEOUT_SECONDS,
    "exclusive": False,
}
_ALIAS_COMPARED = (*REPLACE_PROPERTIES, "aliases", "exclusive", "on_delete", "wait_timeout_seconds")
# Old output keys that may name the entity: its id, name, live address or original address.
_ENTITY_ALIASES = ("entity_id", "resolved_entity_id", "entity_name", "email", "original_email")


@dataclass(frozen=True)
class DiffDecision:
    """What ``diff`` tells the engine.

    ``delete_before_replace`` is True whenever something is replaced. With create-before-delete the new
    resource would read the address the old one still has set and record it as its ``original_email``;
    the old resource's delete (``on_delete="restore"``) would then put its own original back and undo the
    new resource's change.
    """

    changes: bool
    replaces: tuple[str, ...]
    delete_before_replace: bool
    changed: tuple[str, ...]


def _fold(value: object) -> str | None:
    return value.lower() if isinstance(value, str) else None


def names_same_entity(olds: Mapping[str, Any], new: object) -> bool:
    """True when ``new`` is any identifier we already know for the managed entity (id, name or email)."""
    folded = _fold(new)
    return folded is not None and any(_fold(olds.get(key)) == folded for key in _ENTITY_ALIASES)


def diff_props(
    olds: Mapping[str, Any], news: Mapping[str, Any], *, region: str | None = None, entity_now: str | None = None
) -> DiffDecision:
    """Compare old outputs with checked inputs; output-only keys and ``__*`` ones are never compared, but
    for which inputs are secret (``SECRET_INPUTS``, absent the same as none): a change there is an update
    with no WorkMail call, for the outputs to record it (delete and refresh see only those).

    - ``region`` compares where the resource is managed: the old outputs record the region it was made in
      (``resolved_region``), and a side without one means ``region`` (the stack's region now). Setting
      ``region`` to the region in use is no diff; changing the stack's region replaces what it made elsewhere.
    - ``email`` is compared case-insensitively (WorkMail addresses are), so a case change is no diff.
    - ``entity_id`` replaces only if the new value names another entity; switching ``alice`` to her id or
      email is an update with no WorkMail call, so the stored input follows the program. A name the record
      does not know (one of the entity's aliases) is the same entity when ``entity_now``, the id the
      provider found it to name, is the recorded one.
    - An unknown (preview) value counts as changed, and replaces if the property is a replace key.
    """
    return _decide(olds, news, _COMPARED, region, entity_now)


def diff_alias_props(
    olds: Mapping[str, Any], news: Mapping[str, Any], *, region: str | None = None, entity_now: str | None = None
) -> DiffDecision:
    """``diff_props`` for ``EntityAliases``: ``aliases`` is compared as a set of addresses without regard to
    case or order (the old outputs hold the aliases the last up or refresh saw)."""
    return _decide(olds, news, _ALIAS_COMPARED, region, entity_now)


def _same_id(olds: Mapping[str, Any], entity_id: str | None) -> bool:
    return entity_id is not None and _fold(entity_id) == _fold(olds.get("resolved_entity_id"))


def _same_addresses(old: object, new: object) -> bool:
    if not isinstance(old, (list, tuple)) or not isinstance(new, (list, tuple)):
        return False
    if any(not isinstance(a, str) for a in (*old, *new)):  # an unknown entry (preview)
        return False
    return {a.lower() for a in old} == {a.lower() for a in new}


def _secret_names(props: Mapping[str, Any]) -> frozenset[str]:
    names = props.get(SECRET_INPUTS)
    return frozenset(n for n in names if isinstance(n, str)) if isinstance(names, (list, tuple)) else frozenset()


def _decide(
    olds: Mapping[str, Any],
    news: Mapping[str, Any],
    compared: tuple[str, ...],
    region: str | None,
    entity_now: str | None,
) -> DiffDecision:
    changed: list[str] = []
    replaces: list[str] = []
    for name in compared:
        new, old = news.get(name), olds.get(name)
        replace = name in REPLACE_PROPERTIES
        if is_unknown(new):
            differs = True
        elif name == "email":
            differs = _fold(new) is None or _fold(new) != _fold(old)
        elif name == "aliases":
            differs = not _same_addresses(old, new)
        elif name == "region":  # where it was made (a record from before may lack it) against where now
            differs = _fold(olds.get("resolved_region") or old or region) != _fold(new or region)
        elif name in _DEFAULTS:
            differs = (_DEFAULTS[name] if old is None else old) != (_DEFAULTS[name] if new is None else new)
        else:
            differs = old != new
            if name == "entity_id":
                replace = not names_same_entity(olds, new) and not _same_id(olds, entity_now)
        if differs:
            changed.append(name)
            if replace:
                replaces.append(name)
    if _secret_names(olds) != _secret_names(news):
        changed.append(SECRET_INPUTS)
    return DiffDecision(
        changes=bool(changed),
        replaces=tuple(replaces),
        delete_before_replace=bool(replaces),
        changed=tuple(changed),
    )
