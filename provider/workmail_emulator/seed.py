"""Seeding: organizations, domains and entities created at once from the seed format.

A seed is all or nothing: any malformed part undoes the whole seed and is reported as a ValueError.
"""

from __future__ import annotations

import uuid
from typing import Any

from . import exceptions as exc
from .models import REGION, Domain, Entity, Organization, Result, new_org_id, new_resource_id, now
from .persistence import Persistence
from .shapes import matches
from .terms import EntityState, EntityType, OrganizationState, ResourceType, UserRole, open_term


class Seeding(Persistence):
    """``seed`` and the checks it makes of each organization and entity."""

    def seed(self, data: Any) -> Result:
        """Create organizations, domains and entities from the documented seed format."""
        if not isinstance(data, dict) or not isinstance(data.get("organizations", []), list):
            raise ValueError('seed must be an object with an "organizations" list')
        with self.lock:
            snapshot = self.to_json()
            try:
                result = {o["alias"]: self._seed_org(o) for o in data.get("organizations", [])}
            except Exception as error:  # any malformed part (a number for a name, ...): apply nothing
                self.load_json(snapshot)
                message = error.message if isinstance(error, exc.WorkMailError) else str(error)
                raise ValueError(f"invalid seed: {message}") from error
            self.notify_changed()
            return {"organizations": result}

    def _seed_org(self, spec: dict[str, Any]) -> dict[str, Any]:
        alias = spec["alias"]
        if not matches("OrganizationName", alias):
            raise ValueError(f"organization alias {alias!r} is not valid")
        if any(
            o.alias.lower() == alias.lower()
            for o in self.organizations.values()
            if o.state != OrganizationState.DELETED
        ):
            raise ValueError(f"organization alias {alias!r} is already in use")
        org_id = spec.get("id") or new_org_id()
        if not matches("OrganizationId", org_id) or org_id in self.organizations:
            raise ValueError(f"organization id {org_id!r} is malformed or taken")
        region = spec.get("region")
        if region is not None and not (isinstance(region, str) and REGION.fullmatch(region)):
            raise ValueError(f"organization region {region!r} is not a region name like eu-west-1")
        org = self._new_org(org_id, alias)
        org.state = open_term(OrganizationState, spec.get("state", OrganizationState.ACTIVE))
        org.region = None if region == self.region else region
        for domain in spec.get("domains", []):
            name = domain["name"].lower()
            if not matches("WorkMailDomainName", name):
                raise ValueError(f"domain {name!r} is not valid")
            self._check_domain_free(name, org)
            org.domains[name] = Domain(name, verified=bool(domain.get("verified", True)))
            if domain.get("default"):
                org.default_domain = name
        ids: dict[str, dict[str, str]] = {"users": {}, "groups": {}, "resources": {}}
        kinds = (("users", EntityType.USER), ("groups", EntityType.GROUP), ("resources", EntityType.RESOURCE))
        for kind, etype in kinds:
            for item in spec.get(kind, []):
                entity = self._seed_entity(org, etype, item)
                ids[kind][entity.name] = entity.id
        return {"id": org.id, **ids}

    def _seed_entity(self, org: Organization, etype: EntityType, item: dict[str, Any]) -> Entity:
        name = item["name"]
        self._check_name_free(org, name)
        resource_type = open_term(ResourceType, item.get("type", ResourceType.ROOM))  # kept as given if unknown
        entity = Entity(
            id=item.get("id") or (new_resource_id() if etype == EntityType.RESOURCE else str(uuid.uuid4())),
            type=etype,
            name=name,
            display_name=item.get("display_name", name) if etype == EntityType.USER else None,
            role=UserRole.USER if etype == EntityType.USER else None,
            resource_type=resource_type if etype == EntityType.RESOURCE else None,
            description=item.get("description"),
        )
        if entity.id in org.entities:
            raise ValueError(f"entity id {entity.id} is used twice")
        org.entities[entity.id] = entity
        for address in ([item["email"]] if item.get("email") else []) + list(item.get("aliases", [])):
            if not isinstance(address, str) or not matches("EmailAddress", address):
                raise ValueError(f"address {address!r} of {name} is not a valid email address")
            self._check_address(org, address, entity)
        if item.get("email"):
            entity.email = item["email"]
            entity.aliases = list(item.get("aliases", []))
            entity.state = EntityState.ENABLED
            entity.enabled_date = now()
        try:
            entity.state = EntityState(item.get("state", entity.state))
        except ValueError:
            raise ValueError(f"entity state {item['state']!r} is not valid") from None
        if entity.state != EntityState.ENABLED:
            entity.email, entity.aliases = None, []
        return entity
