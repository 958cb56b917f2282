"""The records WorkMail's state is made of: organizations, their mail domains, and their entities
(users, groups and resources), with the constants and identifiers they use.

Records hold state only; the rules that change them live in the per-area modules, the lock and the
lookups in ``state``.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

ENTITY_TYPES = ("USER", "GROUP", "RESOURCE")
ACTIVE = "Active"
DELETED_ORG = "Deleted"
MAX_ORGANIZATIONS = 100
MAX_DOMAINS = 1000
# Where the emulated service says it runs: in its ARNs and its mail domains' DNS records.
DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT_ID = "123456789012"

Params = dict[str, Any]
Result = dict[str, Any]


@dataclass
class Domain:
    name: str
    verified: bool = False
    is_test: bool = False


@dataclass
class Entity:
    id: str
    type: str
    name: str
    state: str = "DISABLED"
    email: str | None = None
    aliases: list[str] = field(default_factory=list)
    display_name: str | None = None
    role: str | None = None  # users only: USER | SYSTEM_USER | RESOURCE | REMOTE_USER
    resource_type: str | None = None  # resources only: ROOM | EQUIPMENT
    description: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    hidden: bool = False
    enabled_date: float | None = None
    disabled_date: float | None = None

    def addresses(self) -> list[str]:
        return ([self.email] if self.email else []) + self.aliases


@dataclass
class Organization:
    id: str
    alias: str
    state: str = ACTIVE
    domains: dict[str, Domain] = field(default_factory=dict)
    default_domain: str = ""
    entities: dict[str, Entity] = field(default_factory=dict)
    created: float = field(default_factory=time.time)
    completed: float | None = None
    pending_describes: int = 0
    directory_id: str | None = None


def now() -> float:
    """A timestamp as WorkMail answers them: seconds, to the millisecond."""
    return round(time.time(), 3)


def new_org_id() -> str:
    return "m-" + uuid.uuid4().hex


def new_resource_id() -> str:
    return "r-" + uuid.uuid4().hex


def domain_of(email: str) -> str:
    return email.rsplit("@", 1)[1].lower()


def compact(values: dict[str, Any]) -> dict[str, Any]:
    """Leave out members without a value, as AWS does."""
    return {k: v for k, v in values.items() if v is not None}
