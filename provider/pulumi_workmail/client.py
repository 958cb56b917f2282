"""The boto3 adapter: the few WorkMail calls the provider makes, with every error translated here.

Clients are built lazily, once per (region, profile, endpoint) per process, and shared by the provider
server's worker threads (boto3 clients are thread-safe; sessions are not, hence the lock).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

from .errors import Context, WorkMailProviderError, email_in_use, translate
from .validation import identifier_kind

USER_AGENT = "pulumi-workmail/0.1"
ENTITY_NOT_FOUND = "EntityNotFoundException"
# Describe call and id member per entity type.
DESCRIBE = {
    "USER": ("describe_user", "UserId"),
    "GROUP": ("describe_group", "GroupId"),
    "RESOURCE": ("describe_resource", "ResourceId"),
}
# Which Describe calls can answer an identifier of each shape, most likely first.
LOOKUP_ORDER = {
    "resource_id": ("RESOURCE",),
    "uuid": ("USER", "GROUP"),
    "sid": ("USER", "GROUP"),
    "email": ("USER", "GROUP", "RESOURCE"),
    "name": ("USER", "GROUP", "RESOURCE"),
}

_CLIENTS: dict[tuple[str | None, str | None, str | None, str | None], Any] = {}
_CLIENTS_LOCK = threading.Lock()


def workmail_client(region: str | None, profile: str | None) -> Any:
    """The shared client for this region and profile (the endpoint comes from boto3's own env vars)."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL_WORKMAIL") or os.environ.get("AWS_ENDPOINT_URL")
    mode = os.environ.get("AWS_RETRY_MODE")
    key = (region, profile, endpoint, mode)
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(key)
        if client is None:
            session = boto3.session.Session(profile_name=profile, region_name=region)
            retries: Any = {"mode": mode or "standard"}
            config = Config(retries=retries, user_agent_extra=USER_AGENT)
            client = session.client("workmail", config=config)
            _CLIENTS[key] = client
        return client


def client_count() -> int:
    """How many clients this process has built (the benchmarks show it stays at one)."""
    with _CLIENTS_LOCK:
        return len(_CLIENTS)


@dataclass(frozen=True)
class LiveEntity:
    """What WorkMail says about an entity right now."""

    id: str
    type: str
    name: str
    state: str
    email: str | None

    def label(self) -> str:
        return f"{self.type.lower()} {self.name} ({self.id})"


class WorkMail:
    """WorkMail calls for one organization, each translated into a ``WorkMailProviderError`` on failure."""

    def __init__(self, client: Any, organization_id: str) -> None:
        self.client = client
        self.organization_id = organization_id
        self.region = str(getattr(client.meta, "region_name", None) or "the configured region")

    def context(self, operation: str, entity: str = "", email: str = "", owner: str = "") -> Context:
        return Context(operation, self.organization_id, self.region, entity, email, owner)

    def _call(self, method: str, ctx: Context, **params: Any) -> dict[str, Any]:
        try:
            result: dict[str, Any] = getattr(self.client, method)(OrganizationId=self.organization_id, **params)
            return result
        except Exception as error:
            raise translate(error, ctx) from None

    def describe(self, entity_type: str, identifier: str) -> LiveEntity:
        method, member = DESCRIBE[entity_type]
        ctx = self.context(f"read {entity_type.lower()} {identifier}", entity=identifier)
        answer = self._call(method, ctx, **{member: identifier})
        return LiveEntity(
            id=str(answer.get(member) or identifier),
            type=entity_type,
            name=str(answer.get("Name") or ""),
            state=str(answer.get("State") or ""),
            email=answer.get("Email"),
        )

    def find(self, identifier: str) -> LiveEntity:
        """Resolve an id, email or name, trying the Describe calls its shape makes likely first."""
        kinds = LOOKUP_ORDER[identifier_kind(identifier)]
        for entity_type in kinds:
            try:
                return self.describe(entity_type, identifier)
            except WorkMailProviderError as error:
                if error.code != ENTITY_NOT_FOUND:
                    raise
        raise WorkMailProviderError(
            f"No {' or '.join(k.lower() for k in kinds)} {identifier} exists in organization "
            f"{self.organization_id} ({self.region}); check entity_id (an entity id, an email address or a name).",
            code=ENTITY_NOT_FOUND,
        )

    def set_primary(self, entity: LiveEntity, email: str) -> None:
        ctx = self.context(f"set the primary address of {entity.label()} to {email}", entity.label(), email)
        self._call("update_primary_email_address", ctx, EntityId=entity.id, Email=email)

    def in_use_error(self, entity: LiveEntity, email: str) -> WorkMailProviderError:
        """The message for an address held elsewhere, naming its holder (one DescribeEntity call)."""
        owner = self.owner_of(email)
        return email_in_use(self.context("set the primary address", entity.label(), email, owner))

    def owner_of(self, email: str) -> str:
        """Who holds ``email`` (for messages); empty when WorkMail cannot say."""
        try:
            answer = self._call("describe_entity", self.context(f"look up {email}"), Email=email)
        except WorkMailProviderError:
            return ""
        kind = str(answer.get("Type") or "entity").lower()
        return f"{kind} {answer.get('Name', '?')} ({answer.get('EntityId', '?')})"
