"""The emulator's vocabulary: WorkMail's names for entity types, states, roles and statuses.

The enums are ``str`` subclasses, so a member equals WorkMail's spelling (``EntityState.ENABLED ==
"ENABLED"``) and goes into JSON and messages as that spelling; the rules compare members, never string
literals. A value from outside (a request, a seed, the state file) becomes a member where it is read.
The emulator keeps its own copy of these terms instead of importing the provider's, so that it stays
usable on its own.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, TypeVar


class Term(str, Enum):
    """A WorkMail name that reads and formats as its spelling (``f"{EntityState.ENABLED}"`` is "ENABLED")."""

    _value_: str

    def __str__(self) -> str:
        return self.value


class EntityType(Term):
    """Which of WorkMail's three kinds an entity is: each kind has its own Create/Describe/List operations
    and its own members in their answers, and an identifier resolves only among the kinds asked for."""

    USER = "USER"
    GROUP = "GROUP"
    RESOURCE = "RESOURCE"


class EntityState(Term):
    """Where an entity is in its life: only an ENABLED one has addresses, an entity must be DISABLED
    before it can be deleted, and a DELETED one stays describable but accepts no change."""

    ENABLED = "ENABLED"
    DISABLED = "DISABLED"
    DELETED = "DELETED"


class UserRole(Term):
    """What a user is for: the system user every organization has can be neither deleted nor registered,
    and CreateUser refuses the roles WorkMail gives only itself."""

    USER = "USER"
    RESOURCE = "RESOURCE"
    SYSTEM_USER = "SYSTEM_USER"
    REMOTE_USER = "REMOTE_USER"


class ResourceType(Term):
    """What a resource is booked as; the emulator only stores and answers it. A seed's resource may name
    any type, kept as given (see ``open_term``), as the emulator has always accepted."""

    ROOM = "ROOM"
    EQUIPMENT = "EQUIPMENT"


class OrganizationState(Term):
    """The organization states the emulator itself moves through: only an Active organization accepts
    member operations. WorkMail's model leaves the state an open string, and a seed may set one the
    emulator never reaches on its own (say "Inactive"); such a state is kept as given (see ``open_term``)."""

    CREATING = "Creating"
    ACTIVE = "Active"
    DELETING = "Deleting"
    DELETED = "Deleted"


class DirectoryType(Term):
    """Where an organization's users live, as DescribeOrganization names it: WorkMail's own directory, or
    the AD Connector the organization was created with."""

    WORKMAIL = "WorkMailDirectory"
    VPC = "VpcDirectory"


class VerificationStatus(Term):
    """Whether a mail domain's ownership and DKIM records are verified, which is what lets the domain hold
    addresses; the emulator answers PENDING until a domain is verified and never fails one."""

    PENDING = "PENDING"
    VERIFIED = "VERIFIED"
    FAILED = "FAILED"


T = TypeVar("T", bound=Term)


def open_term(kind: type[T], value: Any) -> T | Any:
    """``value`` as the member of ``kind`` it names, or unchanged when it names none: for the fields a seed
    may set to anything (an organization's state, which WorkMail's model leaves open; a resource's type)."""
    try:
        return kind(value)
    except ValueError:
        return value
