"""The boto3 adapter: the few WorkMail calls the provider makes, with every error translated here.

Answers become ``LiveEntity`` values here and nowhere else, checked on the way: an answer no WorkMail
gives fails at once, naming the endpoint.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from .clients import ClientPool, Connection
from .errors import Context, WorkMailProviderError, email_in_use, problem, translate
from .terms import Code, EntityState, EntityType, LiveEntity
from .validation import EntityRef

if TYPE_CHECKING:
    from mypy_boto3_workmail import WorkMailClient
    from mypy_boto3_workmail.paginator import (
        ListAliasesPaginator,
        ListGroupsPaginator,
        ListResourcesPaginator,
        ListUsersPaginator,
    )

    Paginator = ListAliasesPaginator | ListGroupsPaginator | ListResourcesPaginator | ListUsersPaginator

USER, GROUP, RESOURCE = EntityType.USER, EntityType.GROUP, EntityType.RESOURCE
# The id member of each type's Describe answer.
ID_MEMBER = {USER: "UserId", GROUP: "GroupId", RESOURCE: "ResourceId"}
# Listing: one List* page of 100 answers up to 100 reads of a refresh, a destroy or an update.
# Each a paginator the SDK stubs know by name, so a misspelt one is a type error.
LIST_CALLS: dict[EntityType, tuple[str, Callable[[WorkMailClient], Paginator], str]] = {
    USER: ("ListUsers", lambda client: client.get_paginator("list_users"), "Users"),
    GROUP: ("ListGroups", lambda client: client.get_paginator("list_groups"), "Groups"),
    RESOURCE: ("ListResources", lambda client: client.get_paginator("list_resources"), "Resources"),
}
MAX_PAGES = 1000  # pages of one List call: 100,000 entries, far beyond any organization


def _address_like(value: object) -> bool:
    """Loose on purpose: WorkMail may hold addresses our input rules refuse, but never one with spaces or
    control characters."""
    return (
        isinstance(value, str)
        and 3 <= len(value) <= 320
        and "@" in value
        and value.isprintable()
        and not any(c.isspace() for c in value)
    )


def _state(value: object) -> EntityState | None:
    """WorkMail's state, or None for one no WorkMail sends."""
    return EntityState(value) if isinstance(value, str) and value in EntityState.__members__ else None


class WorkMail:
    """WorkMail calls for one organization, each translated into a ``WorkMailProviderError`` on failure."""

    def __init__(self, connection: Connection, organization_id: str, *, batch_reads: bool = True) -> None:
        self.client = connection.client
        self.listings = connection.listings
        self.organization_id = organization_id
        self.batch_reads = batch_reads
        self.region_name: str | None = getattr(self.client.meta, "region_name", None)  # what the stack records
        self.region = str(self.region_name or "the configured region")  # how messages name it
        self.endpoint = str(getattr(self.client.meta, "endpoint_url", None) or "")

    @classmethod
    def connect(
        cls, pool: ClientPool, organization_id: str, region: str | None, profile: str | None, *, batch_reads: bool
    ) -> WorkMail:
        """The adapter on the pool's client for this region and profile (a missing profile, say, fails here)."""
        try:
            connection = pool.get(region, profile)
        except Exception as error:
            raise translate(error, Context("create a WorkMail client", organization_id, region or "")) from None
        return cls(connection, organization_id, batch_reads=batch_reads)

    def read(self, entity_type: EntityType, entity_id: str) -> LiveEntity:
        """Describe one entity, or answer from a listing when many reads of its kind arrive together.

        A refresh or destroy of N resources then costs about N/100 List* pages instead of N Describe
        calls. An entity this process has written to is always described again, so a read never returns
        what was there before our own write.
        """
        cached = self._from_listing(entity_type, entity_id, by_id_only=True)
        return cached if cached is not None else self.describe(entity_type, entity_id)

    def _from_listing(self, entity_type: EntityType, identifier: str, *, by_id_only: bool) -> LiveEntity | None:
        """The listing cache's answer (see ``listing``), or None: ask Describe."""
        if not self.batch_reads:
            return None
        return self.listings.lookup(
            self.organization_id, entity_type, identifier, lambda: self._list(entity_type), by_id_only=by_id_only
        )

    def _list(self, entity_type: EntityType) -> dict[str, LiveEntity]:
        api, paginator, key = LIST_CALLS[entity_type]
        ctx = self.context(f"list the {entity_type.noun}s of the organization")
        found: dict[str, LiveEntity] = {}
        for page in self._pages(api, paginator(self.client), ctx, PaginationConfig={"PageSize": 100}):
            for item in page.get(key, []):
                entity_id = item.get("Id") if isinstance(item, dict) else None
                if not isinstance(entity_id, str) or not entity_id:
                    continue  # a malformed entry answers nothing; its entity is described instead
                entity = LiveEntity(
                    entity_id,
                    entity_type,
                    str(item.get("Name") or ""),
                    _state(item.get("State")),
                    item.get("Email") if isinstance(item.get("Email"), str) else None,
                )
                found[entity.id] = entity
        return found

    def _pages(self, api: str, paginator: Paginator, ctx: Context, **params: Any) -> Iterator[Mapping[str, Any]]:
        """Every page of the List call ``api``, through botocore's paginator (which refuses a repeated token),
        and at most ``MAX_PAGES`` of them: an endpoint that never stops paging fails with a message instead."""
        try:
            for number, page in enumerate(paginator.paginate(OrganizationId=self.organization_id, **params), 1):
                if number > MAX_PAGES:
                    raise problem(Code.PAGINATION, api=api, pages=MAX_PAGES, operation=ctx.operation)
                yield page
        except (ClientError, BotoCoreError, WorkMailProviderError) as error:
            raise translate(error, ctx) from None
        except Exception as error:  # raised while botocore parsed an answer of the wrong shape
            raise self._malformed(api, f"it could not be read: {type(error).__name__}") from None

    def _wrote(self, entity: LiveEntity) -> None:
        self.listings.wrote(self.organization_id, entity)

    def context(self, operation: str, entity: str = "", email: str = "", owner: str = "") -> Context:
        return Context(operation, self.organization_id, self.region, entity, email, owner, endpoint=self.endpoint)

    def _malformed(self, api: str, what: str) -> WorkMailProviderError:
        """An answer no WorkMail gives: waiting or retrying cannot help, the endpoint is probably wrong."""
        return problem(Code.MALFORMED_ANSWER, api=api, endpoint=self.endpoint or "the endpoint", what=what)

    def _call(self, api: str, ctx: Context, call: Callable[[], Mapping[str, Any]]) -> Mapping[str, Any]:
        """One WorkMail call (``api`` names it in messages), its failures translated here and nowhere else."""
        try:
            result = call()
        except (ClientError, BotoCoreError) as error:
            raise translate(error, ctx) from None
        except Exception as error:  # raised while botocore parsed an answer of the wrong shape
            raise self._malformed(api, f"it could not be read: {type(error).__name__}") from None
        if not isinstance(result, Mapping):
            raise self._malformed(api, "it is not a JSON object")
        return result

    def _describe_call(self, entity_type: EntityType, identifier: str) -> Callable[[], Mapping[str, Any]]:
        org, client = self.organization_id, self.client
        if entity_type is USER:
            return lambda: client.describe_user(OrganizationId=org, UserId=identifier)
        if entity_type is GROUP:
            return lambda: client.describe_group(OrganizationId=org, GroupId=identifier)
        return lambda: client.describe_resource(OrganizationId=org, ResourceId=identifier)

    def describe(self, entity_type: EntityType, identifier: str) -> LiveEntity:
        api = f"Describe{entity_type.value.capitalize()}"
        member = ID_MEMBER[entity_type]
        ctx = self.context(f"read {entity_type.noun} {identifier}", entity=identifier)
        answer = self._call(api, ctx, self._describe_call(entity_type, identifier))
        raw_state, email = answer.get("State"), answer.get("Email")
        state = _state(raw_state)
        if state is None:
            raise self._malformed(api, "it has no State" if raw_state is None else f"its State is {raw_state!r}")
        if email is not None and not _address_like(email):
            raise self._malformed(api, "its Email is not an address")
        for key in (member, "Name"):
            if not isinstance(answer.get(key, ""), str):
                raise self._malformed(api, f"its {key} is not a string")
        return LiveEntity(
            id=str(answer.get(member) or identifier),
            type=entity_type,
            name=str(answer.get("Name") or ""),
            state=state,
            email=email,
        )

    def find(self, ref: EntityRef) -> LiveEntity:
        """Resolve an id, email or name, trying the Describe calls its shape makes likely first."""
        identifier, kinds = ref.identifier, ref.candidate_types
        for entity_type in kinds:
            # When many creates arrive together, a listing answers those it shows enabled; anything else
            # (an alias, a miss, an entity not yet enabled or one this process wrote) is described.
            listed = self._from_listing(entity_type, identifier, by_id_only=False)
            if listed is not None and listed.enabled:
                return listed
            try:
                return self.describe(entity_type, identifier)
            except WorkMailProviderError as error:
                if error.code != Code.ENTITY_NOT_FOUND:
                    raise
        raise problem(
            Code.ENTITY_NOT_FOUND,
            entity=f"{' or '.join(k.noun for k in kinds)} {identifier}",
            org=self.organization_id,
            region=self.region,
        )

    def aliases(self, entity: LiveEntity) -> set[str]:
        """The entity's aliases, lower-cased (ListAliases, every page)."""
        return {alias.lower() for alias in self.list_aliases(entity)}

    def list_aliases(self, entity: LiveEntity) -> list[str]:
        """The entity's aliases as WorkMail spells them (ListAliases, every page), without its primary even
        where a listing includes it."""
        ctx = self.context(f"list the aliases of {entity.label()}", entity.label())
        found: list[str] = []
        for page in self._pages("ListAliases", self.client.get_paginator("list_aliases"), ctx, EntityId=entity.id):
            aliases = page.get("Aliases", [])
            if not isinstance(aliases, list) or not all(_address_like(alias) for alias in aliases):
                raise self._malformed("ListAliases", "its Aliases is not a list of addresses")
            found.extend(aliases)
        primary = (entity.email or "").lower()
        return [alias for alias in found if alias.lower() != primary]

    def set_primary(self, entity: LiveEntity, email: str) -> None:
        ctx = self.context(f"set the primary address of {entity.label()} to {email}", entity.label(), email)
        self._wrote(entity)  # before the call: even a failed or timed-out write may have landed
        org, client = self.organization_id, self.client
        self._call(
            "UpdatePrimaryEmailAddress",
            ctx,
            lambda: client.update_primary_email_address(OrganizationId=org, EntityId=entity.id, Email=email),
        )

    def create_alias(self, entity: LiveEntity, alias: str) -> None:
        ctx = self.context(f"add the alias {alias} to {entity.label()}", entity.label(), alias)
        org, client = self.organization_id, self.client
        self._call("CreateAlias", ctx, lambda: client.create_alias(OrganizationId=org, EntityId=entity.id, Alias=alias))

    def delete_alias(self, entity: LiveEntity, alias: str) -> None:
        ctx = self.context(f"remove the alias {alias} from {entity.label()}", entity.label(), alias)
        org, client = self.organization_id, self.client
        self._call("DeleteAlias", ctx, lambda: client.delete_alias(OrganizationId=org, EntityId=entity.id, Alias=alias))

    def in_use_error(
        self, entity: LiveEntity, email: str, operation: str = "set the primary address"
    ) -> WorkMailProviderError:
        """The message for an address held elsewhere, naming its holder (one DescribeEntity call)."""
        owner, primary = self.owner_of(email)
        ctx = self.context(operation, entity.label(), email, owner)
        return email_in_use(dataclasses.replace(ctx, owner_primary=primary))

    def owner_of(self, email: str) -> tuple[str, bool | None]:
        """Who holds ``email`` and whether as their primary (for messages); ("", None) when WorkMail cannot
        say. DescribeEntity names the holder; a Describe of the holder tells primary from alias."""
        org, client = self.organization_id, self.client
        try:
            answer = self._call(
                "DescribeEntity",
                self.context(f"look up {email}"),
                lambda: client.describe_entity(OrganizationId=org, Email=email),
            )
        except WorkMailProviderError:
            return "", None
        kind = str(answer.get("Type") or "")
        label = f"{kind.lower() or 'entity'} {answer.get('Name', '?')} ({answer.get('EntityId', '?')})"
        if kind not in EntityType.__members__ or not answer.get("EntityId"):
            return label, None
        try:
            holder = self.describe(EntityType(kind), str(answer["EntityId"]))
        except WorkMailProviderError:
            return label, None
        return label, (holder.email or "").lower() == email.lower()
