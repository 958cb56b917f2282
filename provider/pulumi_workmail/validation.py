"""Pure input checks for the ``EntityPrimaryEmail`` and ``EntityAliases`` dynamic providers.

``check`` runs on every preview, so everything here is offline and fast, and it never raises: a raised
exception reaches the user as a gRPC traceback, whereas a ``CheckFailure`` is a readable error that names
the property. Patterns follow the WorkMail API model so a bad value fails at preview instead of at
``UpdatePrimaryEmailAddress`` time.
"""

from __future__ import annotations

import re
import reprlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pulumi.output import Unknown

from .terms import EntityType

__all__ = [
    "ALIAS_INPUT_PROPERTIES",
    "ALIAS_OUTPUT_ONLY_PROPERTIES",
    "DEFAULT_ON_DELETE",
    "DEFAULT_WAIT_TIMEOUT_SECONDS",
    "EMAIL_RE",
    "ENTITY_ID_RE",
    "INPUT_PROPERTIES",
    "MAX_ALIASES",
    "MAX_WAIT_TIMEOUT_SECONDS",
    "ON_DELETE_VALUES",
    "ORGANIZATION_ID_RE",
    "OUTPUT_ONLY_PROPERTIES",
    "REGION_RE",
    "EntityRef",
    "check_alias_inputs",
    "check_inputs",
    "identifier_kind",
    "is_unknown",
]

# Anchored with \A...\Z (not ^...$) so that .match/.search behave like .fullmatch and a trailing "\n"
# is never accepted.
ORGANIZATION_ID_RE = re.compile(r"\Am-[0-9a-f]{32}\Z")
ENTITY_ID_RE = re.compile(r"\A[a-zA-Z0-9._%+@-]+\Z")
EMAIL_RE = re.compile(r"\A[a-zA-Z0-9._%+-]{1,64}@[a-zA-Z0-9.-]+\.[a-zA-Z-]{2,}\Z")
# Bounded, as every part of AWS's region names is: an unbounded name passed check and then broke the
# engine's gRPC stream when it reached the endpoint URL.
REGION_RE = re.compile(r"\A[a-z]{2}(?:-[a-z]{1,10}){1,3}-[0-9]{1,2}\Z")
# "%0a", "%2e%2e%2f": percent-escapes are legal characters for WorkMail but only ever smuggle a newline
# or a path into logs and URLs; no real id, name or address needs one.
_PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_RESOURCE_ID_RE = re.compile(r"\Ar-[0-9a-f]{32}\Z")
_UUID_RE = re.compile(r"\A[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z", re.IGNORECASE)
_SID_RE = re.compile(r"\AS-1(?:-[0-9]+)+\Z")

DEFAULT_ON_DELETE = "restore"
ON_DELETE_VALUES = ("restore", "retain")
DEFAULT_WAIT_TIMEOUT_SECONDS = 120
MAX_WAIT_TIMEOUT_SECONDS = 3600
INPUT_PROPERTIES = ("organization_id", "entity_id", "email", "on_delete", "region", "wait_timeout_seconds")
OUTPUT_ONLY_PROPERTIES = ("resolved_entity_id", "entity_type", "entity_name", "original_email")

_ENTITY_ID_MAX = 256
_EMAIL_MAX = 254
_SHOW_MAX = 60

IdentifierKind = Literal["resource_id", "uuid", "sid", "email", "name"]

_repr = reprlib.Repr()
_repr.maxlevel = 2
_repr.maxstring = _SHOW_MAX
_repr.maxother = _SHOW_MAX
_repr.maxlong = _SHOW_MAX


def is_unknown(v: object) -> bool:
    """True for a value Pulumi does not know yet (preview); such values skip validation."""
    return isinstance(v, Unknown)


@dataclass(frozen=True)
class EntityRef:
    """An ``entity_id`` as the user wrote it, classified once: which lookups can answer it, in what order."""

    identifier: str
    kind: IdentifierKind

    @classmethod
    def parse(cls, entity_id: str) -> EntityRef:
        return cls(entity_id, identifier_kind(entity_id))

    @property
    def id_shaped(self) -> bool:
        """Only an id can name an entity that exists but is not visible yet (created moments ago); a name
        or email that resolves to nothing is a typo, reported at once."""
        return self.kind in ("uuid", "sid", "resource_id")

    @property
    def candidate_types(self) -> tuple[EntityType, ...]:
        """The types whose Describe can answer it, most likely first (user and group ids look alike)."""
        return _CANDIDATES[self.kind]


_CANDIDATES: dict[IdentifierKind, tuple[EntityType, ...]] = {
    "resource_id": (EntityType.RESOURCE,),
    "uuid": (EntityType.USER, EntityType.GROUP),
    "sid": (EntityType.USER, EntityType.GROUP),
    "email": (EntityType.USER, EntityType.GROUP, EntityType.RESOURCE),
    "name": (EntityType.USER, EntityType.GROUP, EntityType.RESOURCE),
}


def identifier_kind(entity_id: str) -> IdentifierKind:
    """Classify an ``entity_id`` so the caller can pick the cheapest lookup (id, then email, then name)."""
    if _RESOURCE_ID_RE.match(entity_id):
        return "resource_id"
    if _UUID_RE.match(entity_id):
        return "uuid"
    if _SID_RE.match(entity_id):
        return "sid"
    if "@" in entity_id and EMAIL_RE.match(entity_id):
        return "email"
    return "name"


def _show(value: object) -> str:
    """A short, single-line, escaped rendering of a user value, safe to put in an error/log line."""
    try:
        if isinstance(value, str):
            text = repr(value[:_SHOW_MAX]) + ("..." if len(value) > _SHOW_MAX else "")
        else:
            text = f"{_repr.repr(value)} ({type(value).__name__})"
    except Exception:  # a hostile __repr__, or an int too long for str(), must not crash the check
        text = f"<unprintable {type(value).__name__}>"
    if not text.isprintable():  # a custom __repr__ or type name could smuggle in control characters
        text = text.encode("unicode_escape", "backslashreplace").decode("ascii")
    return text if len(text) <= 2 * _SHOW_MAX else text[: 2 * _SHOW_MAX - 3] + "..."


def _is_organization_id(v: object) -> bool:
    return isinstance(v, str) and ORGANIZATION_ID_RE.match(v) is not None


def _is_entity_id(v: object) -> bool:
    # "." / ".." match the API pattern but name nothing and look like path traversal.
    return (
        isinstance(v, str)
        and 1 <= len(v) <= _ENTITY_ID_MAX
        and ENTITY_ID_RE.match(v) is not None
        and v.strip(".") != ""
        and _PERCENT_ESCAPE.search(v) is None
    )


def _is_email(v: object) -> bool:
    # Length first: it bounds the regex's backtracking on huge inputs.
    return (
        isinstance(v, str)
        and 1 <= len(v) <= _EMAIL_MAX
        and EMAIL_RE.match(v) is not None
        and _PERCENT_ESCAPE.search(v) is None
    )


_LOCAL_CHARS = re.compile(r"[a-zA-Z0-9._%+-]")
_DOMAIN_CHARS = re.compile(r"[a-zA-Z0-9.-]")


def email_problem(v: object) -> str:
    """What is wrong with ``v`` as an address, in a few words ("" when nothing is)."""
    if not isinstance(v, str):
        return f"it is a {type(v).__name__}, not a string"
    if not v:
        return "it is empty"
    if len(v) > _EMAIL_MAX:
        return f"it has {len(v)} characters, more than {_EMAIL_MAX}"
    ats = v.count("@")
    if ats != 1:
        return "it has no @" if ats == 0 else f"it has {ats} @ signs, one is needed"
    local, domain = v.split("@")
    if not local:
        return "nothing comes before the @"
    if len(local) > 64:
        return f"the part before the @ has {len(local)} characters, more than 64"
    bad = next((c for c in local if not _LOCAL_CHARS.fullmatch(c)), None)
    if bad is not None:
        return f"the part before the @ contains {bad!r}; only letters, digits and . _ % + - may appear there"
    if _PERCENT_ESCAPE.search(v):
        return "it contains a %XX escape"
    bad = next((c for c in domain if not _DOMAIN_CHARS.fullmatch(c)), None)
    if bad is not None:
        return f"the domain contains {bad!r}; only letters, digits, dots and hyphens may appear there"
    if "." not in domain:
        return f"the domain {domain!r} has no dot" if domain else "nothing comes after the @"
    tld = domain.rsplit(".", 1)[1]
    if not re.fullmatch(r"[a-zA-Z-]{2,}", tld):
        return f"the top-level domain {tld!r} must be two or more letters (no digits)"
    return "" if EMAIL_RE.match(v) else "it is not of the form alice@example.com"


def _is_on_delete(v: object) -> bool:
    return isinstance(v, str) and v in ON_DELETE_VALUES


def _is_region(v: object) -> bool:
    return isinstance(v, str) and REGION_RE.match(v) is not None


def _is_wait_timeout(v: object) -> bool:
    # bool is an int subclass, and NaN fails both comparisons, so neither slips through.
    return isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= MAX_WAIT_TIMEOUT_SECONDS


# property -> (validity test, what a valid value looks like)
_RULES: dict[str, tuple[Callable[[object], bool], str]] = {
    "organization_id": (
        _is_organization_id,
        'organization_id must look like m-0123456789abcdef0123456789abcdef ("m-" and 32 lowercase hex digits)',
    ),
    "entity_id": (
        _is_entity_id,
        "entity_id must be a WorkMail entity id, email address or name: 1-256 characters from letters, "
        "digits and . _ % + @ - (not only dots, no %XX escapes), e.g. alice, alice@example.com or "
        "12345678-1234-1234-1234-123456789012 (a group whose name has spaces must be given by id or email)",
    ),
    "email": (
        _is_email,
        "email must be an address like alice@example.com: at most 254 characters, a local part of 1-64 "
        "characters from letters, digits and . _ % + - (no %XX escapes), and a top-level domain without digits",
    ),
    "on_delete": (
        _is_on_delete,
        'on_delete must be "restore" (put the original primary address back on delete) or "retain" '
        "(leave the address as is)",
    ),
    "region": (_is_region, "region must be an AWS region name like us-east-1, eu-west-1 or us-gov-west-1"),
    "wait_timeout_seconds": (
        _is_wait_timeout,
        f"wait_timeout_seconds must be a number of seconds from 0 to {MAX_WAIT_TIMEOUT_SECONDS}",
    ),
}
_REQUIRED = ("organization_id", "entity_id", "email")
_DEFAULTS: dict[str, object] = {"on_delete": DEFAULT_ON_DELETE, "wait_timeout_seconds": DEFAULT_WAIT_TIMEOUT_SECONDS}

ALIAS_INPUT_PROPERTIES = (
    "organization_id",
    "entity_id",
    "aliases",
    "exclusive",
    "on_delete",
    "region",
    "wait_timeout_seconds",
)
ALIAS_OUTPUT_ONLY_PROPERTIES = ("resolved_entity_id", "entity_type", "entity_name", "added_aliases", "removed_aliases")
MAX_ALIASES = 100  # WorkMail's hard limit of aliases per entity
_ALIAS_REQUIRED = ("organization_id", "entity_id", "aliases")
_ALIAS_DEFAULTS: dict[str, object] = {**_DEFAULTS, "exclusive": False}


def _aliases_problem(value: object) -> str:
    """What is wrong with ``aliases`` ("" when nothing is); unknown entries (preview) pass."""
    if not isinstance(value, (list, tuple)):
        return f"aliases must be a list of addresses; got {_show(value)}"
    if len(value) > MAX_ALIASES:
        return f"aliases lists {len(value)} addresses; WorkMail keeps at most {MAX_ALIASES} aliases per entity"
    seen: dict[str, int] = {}
    for index, alias in enumerate(value):
        if is_unknown(alias):
            continue
        problem = email_problem(alias)
        if problem:
            return f"aliases[{index}] {_show(alias)} is not an address: {problem} (e.g. alice@example.com)"
        if not _is_email(alias):
            return f"aliases[{index}] {_show(alias)} is not an address (e.g. alice@example.com)"
        first = seen.setdefault(alias.lower(), index)
        if first != index:
            return (
                f"aliases[{index}] {_show(alias)} repeats aliases[{first}] {_show(value[first])} (addresses are "
                "compared without regard to case); list each alias once"
            )
    return ""


def _is_exclusive(v: object) -> bool:
    return isinstance(v, bool)


_ALIAS_RULES: dict[str, tuple[Callable[[object], bool], str]] = {
    **{key: rule for key, rule in _RULES.items() if key != "email"},
    "aliases": (
        lambda v: not _aliases_problem(v),
        "aliases must be a list of addresses like alice@example.com (an empty list is allowed)",
    ),
    "exclusive": (
        _is_exclusive,
        "exclusive must be true (the entity has exactly these aliases) or false (other aliases are left alone)",
    ),
}


def check_inputs(news: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Normalize ``news`` (fill defaults, drop a ``None`` region) and list ``(property, reason)`` failures.

    Keys starting with ``__`` (such as ``__provider``) are copied untouched and never checked. Unknown
    values (preview) are valid and kept as is. Never raises: anything that is not a mapping is treated
    as an empty one, so the user gets "is required" failures instead of a traceback.
    """
    return _check(news, _RULES, _REQUIRED, _DEFAULTS, INPUT_PROPERTIES)


def check_alias_inputs(news: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """``check_inputs`` for ``EntityAliases``; the aliases come back sorted (their order means nothing, and
    a stable order keeps the engine's diff of the list to the addresses that changed)."""
    inputs, failures = _check(news, _ALIAS_RULES, _ALIAS_REQUIRED, _ALIAS_DEFAULTS, ALIAS_INPUT_PROPERTIES)
    aliases = inputs.get("aliases")
    if isinstance(aliases, (list, tuple)) and not any(is_unknown(a) or not isinstance(a, str) for a in aliases):
        inputs["aliases"] = sorted(aliases, key=str.lower)
    return inputs, failures


def _check(
    news: Mapping[str, Any],
    rules: Mapping[str, tuple[Callable[[object], bool], str]],
    required: tuple[str, ...],
    defaults: Mapping[str, object],
    properties: tuple[str, ...],
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    inputs: dict[Any, Any]
    try:
        inputs = dict(news.items())
    except Exception:
        inputs = {}
    failures: list[tuple[str, str]] = []

    for name, default in defaults.items():
        if inputs.get(name) is None:
            inputs[name] = default
    if "region" in inputs and inputs["region"] is None:
        del inputs["region"]

    for name in required:
        if inputs.get(name) is None:
            failures.append((name, f"{name} is required: {rules[name][1]}"))

    for key, value in inputs.items():
        if not isinstance(key, str):
            failures.append((_show(key), f"property names must be strings; got {_show(key)}"))
            continue
        if key.startswith("__") or is_unknown(value):
            continue
        rule = rules.get(key)
        if rule is None:
            valid = ", ".join(properties)
            failures.append((key, f"{_show(key)} is an unknown property; valid properties are {valid}"))
        elif key == "email" and value is not None and not rule[0](value):
            problem = email_problem(value) or "it is not an address"
            failures.append((key, f"email {_show(value)} is not an address: {problem} (e.g. alice@example.com)"))
        elif key == "aliases" and value is not None and _aliases_problem(value):
            failures.append((key, _aliases_problem(value)))
        elif value is not None and not rule[0](value):
            failures.append((key, f"{rule[1]}; got {_show(value)}"))
    return inputs, failures
