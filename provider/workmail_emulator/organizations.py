"""Organizations: create, describe, list and delete them.

A new organization gets its test domain (``<alias>.awsapps.com``, verified, the default) and a system
user; with the ``activation_describes`` setting it is "Creating" for that many describes first. A client
token makes creation idempotent: the same token answers the organization it created before.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import exceptions as exc
from .models import MAX_ORGANIZATIONS, Domain, Organization, new_org_id, now
from .state import State
from .terms import EntityState, EntityType, OrganizationState


class OrganizationOperations(State):
    """The organization operations."""

    def create_organization(
        self,
        *,
        alias: str,
        domain_names: Iterable[str] = (),
        directory_id: str | None = None,
        enable_interoperability: bool | None = None,
        client_token: str | None = None,
        region: str | None = None,
    ) -> str:
        """The new organization's id (or, for a client token seen before, the id it created), in ``region``
        (None: the emulator's)."""
        if client_token and client_token in self.client_tokens:
            return self.client_tokens[client_token]
        if enable_interoperability and not directory_id:
            raise exc.InvalidParameterException("EnableInteroperability requires an AD Connector DirectoryId.")
        live = [o for o in self.organizations.values() if o.state != OrganizationState.DELETED]
        if any(o.alias.lower() == alias.lower() for o in live):
            raise exc.NameAvailabilityException(f"Alias {alias} is already in use.")
        if len(live) >= MAX_ORGANIZATIONS:
            raise exc.LimitExceededException("The maximum number of organizations has been reached.")
        domain_names = list(domain_names)
        for name in domain_names:
            self._check_domain_free(name, None)
        org = self._new_org(new_org_id(), alias)
        org.directory_id = directory_id
        org.region = None if region in (None, self.region) else region
        for name in domain_names:
            org.domains[name.lower()] = Domain(name.lower())
        if self.settings.activation_describes:
            org.state, org.pending_describes, org.completed = (
                OrganizationState.CREATING,
                self.settings.activation_describes,
                None,
            )
        if client_token:
            self.client_tokens[client_token] = org.id
        return org.id

    def describe_organization(self, *, organization_id: str) -> tuple[Organization, OrganizationState | str]:
        """The organization and the state this describe sees (a new one may turn Active after it)."""
        org = self._org(organization_id, active=False)
        state = org.state
        if org.pending_describes > 0:
            # This describe still sees the organization being created; the next one may see it Active.
            org.pending_describes -= 1
            if org.pending_describes == 0:
                org.state, org.completed = OrganizationState.ACTIVE, now()
        return org, state

    def list_organizations(
        self, *, region: str | None = None, max_results: int | None = None, next_token: str | None = None
    ) -> tuple[list[Organization], str | None]:
        """The organizations of ``region`` (None: of every region)."""
        orgs = [o for o in self.organizations.values() if region is None or self.region_of(o) == region]
        return self._page(orgs, max_results, next_token, "orgs")

    def delete_organization(self, *, organization_id: str, force_delete: bool | None = None) -> Organization:
        """Delete the organization (and with it every entity's addresses); refused while users are enabled
        unless ``force_delete``."""
        org = self._org(organization_id, active=False)
        if org.state == OrganizationState.DELETED:
            raise exc.OrganizationStateException(f"Organization {org.id} is already deleted.")
        enabled = [e for e in org.entities.values() if e.type == EntityType.USER and e.state == EntityState.ENABLED]
        if enabled and not force_delete:
            raise exc.OrganizationStateException(
                f"Organization {org.id} still has {len(enabled)} enabled users; use ForceDelete."
            )
        org.state = OrganizationState.DELETED
        for entity in org.entities.values():
            entity.email, entity.aliases, entity.state = None, [], EntityState.DELETED
        return org
