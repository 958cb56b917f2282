"""The emulator's state and the lookups and rules every area of the API shares.

``State`` holds the organizations (with their domains and entities), the client tokens of
CreateOrganization, the settings, and where the emulated service runs (region, account id). One
re-entrant lock guards all of it, so concurrent clients see atomic operations. The per-area operations
(``organizations``, ``domains``, ``entities``, ``aliases``, ``primary_address``) build on it.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable
from typing import TypeVar

from . import exceptions as exc
from .consistency import ReadLag
from .models import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, Domain, Entity, Organization, domain_of, now
from .pagination import Pager
from .settings import Settings
from .terms import EntityState, EntityType, OrganizationState, UserRole

T = TypeVar("T")


class State:
    """All emulator state, guarded by ``lock``; ``on_change`` is called after every change that persists."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID,
    ) -> None:
        self.lock = threading.RLock()
        self.settings = settings or Settings()
        self.region = region
        self.account_id = account_id
        self.organizations: dict[str, Organization] = {}
        self.client_tokens: dict[str, str] = {}
        self.lag = ReadLag()
        self.pager = Pager()
        self.on_change: Callable[[], None] | None = None

    @property
    def lag_reads(self) -> int:
        """How many reads a write stays invisible for (see ``consistency``)."""
        return self.lag.reads

    @lag_reads.setter
    def lag_reads(self, reads: int) -> None:
        self.lag.reads = reads

    def reset(self) -> None:
        with self.lock:
            self.organizations.clear()
            self.client_tokens.clear()
            self.lag.clear()
            self.lag_reads = 0
            self.notify_changed()

    def set_lag(self, reads: int) -> None:
        with self.lock:
            self.lag_reads = reads
            if reads == 0:
                self.lag.clear()

    def notify_changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    # ------------------------------------------------------------- lookups and shared rules

    def _new_org(self, org_id: str, alias: str) -> Organization:
        test_domain = f"{alias.lower()}.awsapps.com"
        org = Organization(id=org_id, alias=alias, default_domain=test_domain, completed=now())
        org.domains[test_domain] = Domain(test_domain, verified=True, is_test=True)
        system = Entity(id=str(uuid.uuid4()), type=EntityType.USER, name="SystemUser", role=UserRole.SYSTEM_USER)
        system.display_name = "System User"
        org.entities[system.id] = system
        self.organizations[org_id] = org
        return org

    def region_of(self, org: Organization) -> str:
        return org.region or self.region

    def check_region(self, org_id: str, region: str) -> None:
        """An organization of another region is not there for a request signed for ``region``, as each AWS
        region is a service of its own."""
        org = self.organizations.get(org_id)
        if org is not None and self.region_of(org) != region:
            raise exc.OrganizationNotFoundException(f"Organization {org_id} does not exist.")

    def _org(self, org_id: str, *, active: bool = True) -> Organization:
        org = self.organizations.get(org_id)
        if org is None:
            raise exc.OrganizationNotFoundException(f"Organization {org_id} does not exist.")
        if active and org.state != OrganizationState.ACTIVE:
            raise exc.OrganizationStateException(f"Organization {org_id} is in state {org.state}.")
        return org

    def _resolve(
        self,
        org: Organization,
        identifier: str,
        *,
        types: Iterable[EntityType] = tuple(EntityType),
        by_email: bool = True,
        by_name: bool = True,
    ) -> Entity:
        """Find an entity by id, then email (primary or alias), then name; case-insensitive."""
        wanted = set(types)
        key = identifier.lower()
        candidates = [e for e in org.entities.values() if e.type in wanted]
        for entity in candidates:
            if entity.id.lower() == key:
                return entity
        if by_email and "@" in key:
            for entity in candidates:
                if key in (a.lower() for a in entity.addresses()):
                    return entity
        if by_name:
            named = [e for e in candidates if e.name.lower() == key]
            named.sort(key=lambda e: e.state == EntityState.DELETED)  # a live entity wins over a deleted namesake
            if named:
                return named[0]
        raise exc.EntityNotFoundException(f"Entity {identifier} does not exist in organization {org.id}.")

    def _owner(self, org: Organization, address: str) -> Entity | None:
        key = address.lower()
        for entity in org.entities.values():
            if key in (a.lower() for a in entity.addresses()):
                return entity
        return None

    def _check_address(self, org: Organization, address: str, entity: Entity | None) -> None:
        """The rules every new primary or alias obeys: a verified domain of this org, unused elsewhere."""
        domain = org.domains.get(domain_of(address))
        if domain is None:
            raise exc.MailDomainNotFoundException(
                f"Mail domain {domain_of(address)} is not registered in organization {org.id}."
            )
        if not domain.verified:
            raise exc.MailDomainStateException(f"Mail domain {domain.name} is not verified.")
        owner = self._owner(org, address)
        if owner is not None and owner is not entity:
            raise exc.EmailAddressInUseException(f"Email address {address} is already in use.")

    def _check_name_free(self, org: Organization, name: str) -> None:
        if name.lower() in (n.lower() for n in self.settings.reserved_names):
            raise exc.ReservedNameException(f"Name {name} is reserved.")
        for entity in org.entities.values():
            if entity.state != EntityState.DELETED and entity.name.lower() == name.lower():
                raise exc.NameAvailabilityException(f"Name {name} is already in use.")

    def _check_domain_free(self, name: str, org: Organization | None) -> None:
        for other in self.organizations.values():
            if other is not org and other.state != OrganizationState.DELETED and name.lower() in other.domains:
                raise exc.MailDomainInUseException(f"Mail domain {name} is registered in another organization.")

    def _domain(self, org: Organization, name: str) -> Domain:
        domain = org.domains.get(name.lower())
        if domain is None:
            raise exc.MailDomainNotFoundException(f"Mail domain {name} is not registered in organization {org.id}.")
        return domain

    # ------------------------------------------------------------- reads, writes and pages

    def _before_write(self, org: Organization, entity_id: str, entity: Entity | None) -> None:
        self.lag.before_write(org.id, entity_id, entity)

    def _view(self, org: Organization, entity: Entity) -> Entity | None:
        return self.lag.view(org.id, entity)

    def _read(self, org: Organization, identifier: str, types: Iterable[EntityType], **kw: bool) -> Entity:
        view = self._view(org, entity := self._resolve(org, identifier, types=types, **kw))
        if view is None:
            raise exc.EntityNotFoundException(f"Entity {entity.id} does not exist in organization {org.id}.")
        return view

    def _page(
        self, items: list[T], max_results: int | None, next_token: str | None, context: str
    ) -> tuple[list[T], str | None]:
        """The page of ``items`` a request asks for; without ``max_results``, ``page_size`` items."""
        return self.pager.page(items, max_results or self.settings.page_size, next_token or None, context)
