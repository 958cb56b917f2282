"""The provider's vocabulary: entity types and states as WorkMail names them, the error codes it acts on,
and ``LiveEntity``, what WorkMail says about one entity.

The enums are ``str`` subclasses, so a member equals WorkMail's spelling (``EntityState.ENABLED ==
"ENABLED"``) and goes into outputs and messages as that spelling; control flow compares members, never
string literals.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum


class EntityType(str, Enum):
    USER = "USER"
    GROUP = "GROUP"
    RESOURCE = "RESOURCE"

    def __str__(self) -> str:
        return self.value

    @property
    def noun(self) -> str:
        """How a message names it: "user", "group", "resource"."""
        return self.value.lower()


class EntityState(str, Enum):
    ENABLED = "ENABLED"
    DISABLED = "DISABLED"
    DELETED = "DELETED"

    def __str__(self) -> str:
        return self.value


class Code(str, Enum):
    """The error codes the provider acts on: WorkMail's own, then the provider's, for failures that have
    no WorkMail code. ``WorkMailProviderError.code`` also carries any other code WorkMail sends."""

    # WorkMail
    EMAIL_IN_USE = "EmailAddressInUseException"
    ENTITY_NOT_FOUND = "EntityNotFoundException"
    ENTITY_STATE = "EntityStateException"
    MAIL_DOMAIN_NOT_FOUND = "MailDomainNotFoundException"
    MAIL_DOMAIN_STATE = "MailDomainStateException"
    ORGANIZATION_NOT_FOUND = "OrganizationNotFoundException"
    ORGANIZATION_STATE = "OrganizationStateException"
    INVALID_PARAMETER = "InvalidParameterException"
    LIMIT_EXCEEDED = "LimitExceededException"
    UNSUPPORTED_OPERATION = "UnsupportedOperationException"
    DIRECTORY_AUTHENTICATION = "DirectoryServiceAuthenticationFailedException"
    DIRECTORY_UNAVAILABLE = "DirectoryUnavailableException"
    ACCESS_DENIED = "AccessDeniedException"
    # The provider's
    ENTITY_DELETED = "EntityDeleted"
    DUPLICATE_ENTITY = "DuplicateEntity"
    INCOMPLETE_STATE = "IncompleteState"
    INVALID_ID = "InvalidId"
    NOTHING_TO_GET = "NothingToGet"
    INVALID_CONFIGURATION = "InvalidConfiguration"
    PAGINATION = "PaginationError"
    MALFORMED_ANSWER = "MalformedAnswer"
    NOT_WORKMAIL = "NotWorkMail"
    CONNECTION = "ConnectionError"
    NO_CREDENTIALS = "NoCredentials"
    NO_REGION = "NoRegion"
    PROFILE_NOT_FOUND = "ProfileNotFound"
    ALIAS_IS_PRIMARY = "AliasIsPrimary"
    ALIAS_LIMIT = "AliasLimit"
    DECLARED_AS_ALIAS = "DeclaredAsAlias"

    def __str__(self) -> str:
        return self.value


# "Not yet": WorkMail has not caught up with a change made moments ago.
CONSISTENCY_CODES = frozenset({Code.ENTITY_STATE, Code.MAIL_DOMAIN_STATE})
# A read that finds one of these knows the entity is gone for good.
GONE_CODES = frozenset({Code.ENTITY_NOT_FOUND, Code.ORGANIZATION_NOT_FOUND, Code.ORGANIZATION_STATE})
# Of those, the ones that are also what other credentials (another account) would see: never dropped quietly.
ORGANIZATION_GONE_CODES = frozenset({Code.ORGANIZATION_NOT_FOUND, Code.ORGANIZATION_STATE})


@dataclass(frozen=True)
class LiveEntity:
    """What WorkMail says about an entity right now (or, from the state, what it said last)."""

    id: str
    type: EntityType
    name: str
    state: EntityState | None  # None: an answer without a state this provider knows
    email: str | None

    @property
    def enabled(self) -> bool:
        return self.state is EntityState.ENABLED

    def label(self) -> str:
        return f"{self.type.noun} {self.name} ({self.id})"

    def with_primary(self, email: str) -> LiveEntity:
        """The entity as a write of ``email`` leaves it, before a read confirms it."""
        return replace(self, state=EntityState.ENABLED, email=email)
