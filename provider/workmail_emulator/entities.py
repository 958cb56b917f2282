"""Entities (users, groups, resources): create, delete, register to and deregister from WorkMail,
describe, find by address (DescribeEntity) and list with filters.

An entity is DISABLED when created, ENABLED once registered with a primary address, DELETED when
deleted; it must be deregistered before it can be deleted.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from . import exceptions as exc
from .models import Entity, Organization, new_resource_id, now
from .state import State
from .terms import EntityState, EntityType, ResourceType, UserRole


class EntityOperations(State):
    """The user, group and resource operations."""

    def create_user(
        self,
        *,
        organization_id: str,
        name: str,
        display_name: str,
        password: str | None = None,
        role: UserRole | None = UserRole.USER,
        first_name: str | None = None,
        last_name: str | None = None,
        hidden: bool = False,
    ) -> Entity:
        org = self._org(organization_id)
        if role in (UserRole.SYSTEM_USER, UserRole.RESOURCE):
            raise exc.InvalidParameterException(f"Role {role} cannot be set on CreateUser.")
        if password is not None and not _strong(password):
            raise exc.InvalidPasswordException("The password does not meet the complexity requirements.")
        self._check_name_free(org, name)
        entity = Entity(
            id=str(uuid.uuid4()),
            type=EntityType.USER,
            name=name,
            display_name=display_name,
            role=role,
            first_name=first_name,
            last_name=last_name,
            hidden=hidden,
        )
        self._add_entity(org, entity)
        return entity

    def create_group(self, *, organization_id: str, name: str, hidden: bool = False) -> Entity:
        org = self._org(organization_id)
        self._check_name_free(org, name)
        entity = Entity(id=str(uuid.uuid4()), type=EntityType.GROUP, name=name, hidden=hidden)
        self._add_entity(org, entity)
        return entity

    def create_resource(
        self,
        *,
        organization_id: str,
        name: str,
        resource_type: ResourceType,
        description: str | None = None,
        hidden: bool = False,
    ) -> Entity:
        org = self._org(organization_id)
        self._check_name_free(org, name)
        entity = Entity(
            id=new_resource_id(),
            type=EntityType.RESOURCE,
            name=name,
            resource_type=resource_type,
            description=description,
            hidden=hidden,
        )
        self._add_entity(org, entity)
        return entity

    def _add_entity(self, org: Organization, entity: Entity) -> None:
        self._before_write(org, entity.id, None)
        org.entities[entity.id] = entity

    def _delete(self, organization_id: str, identifier: str, etype: EntityType) -> None:
        """Delete a disabled entity (by id or name); deleting a deleted one changes nothing."""
        org = self._org(organization_id)
        entity = self._resolve(org, identifier, types=(etype,), by_email=False)
        if entity.state == EntityState.DELETED:
            return
        if entity.role == UserRole.SYSTEM_USER:
            raise exc.UnsupportedOperationException("System users cannot be deleted.")
        if entity.state == EntityState.ENABLED:
            raise exc.EntityStateException(f"Entity {entity.id} is enabled; deregister it from WorkMail first.")
        self._before_write(org, entity.id, entity)
        entity.state = EntityState.DELETED

    def delete_user(self, *, organization_id: str, user_id: str) -> None:
        self._delete(organization_id, user_id, EntityType.USER)

    def delete_group(self, *, organization_id: str, group_id: str) -> None:
        self._delete(organization_id, group_id, EntityType.GROUP)

    def delete_resource(self, *, organization_id: str, resource_id: str) -> None:
        self._delete(organization_id, resource_id, EntityType.RESOURCE)

    def register_to_work_mail(self, *, organization_id: str, entity_id: str, email: str) -> None:
        """Enable the entity with ``email`` as its primary; again with the same address changes nothing."""
        org = self._org(organization_id)
        entity = self._resolve(org, entity_id, by_email=False)
        if entity.state == EntityState.DELETED:
            raise exc.EntityStateException(f"Entity {entity.id} is deleted.")
        if entity.role == UserRole.SYSTEM_USER:
            raise exc.EntityStateException(f"Entity {entity.id} is a system user.")
        if entity.state == EntityState.ENABLED:
            if entity.email and entity.email.lower() == email.lower():
                return
            raise exc.EntityAlreadyRegisteredException(f"Entity {entity.id} is already registered to WorkMail.")
        self._check_address(org, email, entity)
        self._before_write(org, entity.id, entity)
        entity.state, entity.email, entity.aliases = EntityState.ENABLED, email, []
        entity.enabled_date = now()

    def deregister_from_work_mail(self, *, organization_id: str, entity_id: str) -> None:
        """Disable the entity, dropping its primary and aliases; a disabled one stays as it is."""
        org = self._org(organization_id)
        entity = self._resolve(org, entity_id)
        if entity.state == EntityState.DELETED:
            raise exc.EntityStateException(f"Entity {entity.id} is deleted.")
        if entity.state == EntityState.DISABLED:
            return
        self._before_write(org, entity.id, entity)
        entity.state, entity.email, entity.aliases = EntityState.DISABLED, None, []
        entity.disabled_date = now()

    def describe_user(self, *, organization_id: str, user_id: str) -> Entity:
        org = self._org(organization_id)
        return self._read(org, user_id, (EntityType.USER,))

    def describe_group(self, *, organization_id: str, group_id: str) -> Entity:
        org = self._org(organization_id)
        return self._read(org, group_id, (EntityType.GROUP,))

    def describe_resource(self, *, organization_id: str, resource_id: str) -> Entity:
        org = self._org(organization_id)
        return self._read(org, resource_id, (EntityType.RESOURCE,))

    def describe_entity(self, *, organization_id: str, email: str) -> Entity:
        """The entity with this primary address (or alias, if ``describe_entity_resolves_aliases``)."""
        org = self._org(organization_id)
        key = email.lower()
        for entity in org.entities.values():
            addresses = entity.addresses() if self.settings.describe_entity_resolves_aliases else [entity.email or ""]
            if key in (a.lower() for a in addresses):
                view = self._view(org, entity)
                if view is not None and key in (a.lower() for a in view.addresses()):
                    return view
                break
        raise exc.EntityNotFoundException(f"No entity has the email address {email}.")

    def _list(
        self,
        organization_id: str,
        etype: EntityType,
        filters: dict[str, Any] | None,
        max_results: int | None,
        next_token: str | None,
    ) -> tuple[list[Entity], str | None]:
        """One page of the organization's entities of ``etype`` that pass the (at most one) filter."""
        org = self._org(organization_id)
        given = {k: v for k, v in (filters or {}).items() if v is not None}
        if len(given) > 1:
            raise exc.InvalidParameterException("Only one filter can be used per request.")
        views = [self._view(org, e) for e in org.entities.values() if e.type == etype]
        found = [v for v in views if v is not None and all(_FILTERS[k](v, val) for k, val in given.items())]
        return self._page(found, max_results, next_token, f"{etype}:{organization_id}:{filters}")

    def list_users(
        self,
        *,
        organization_id: str,
        filters: dict[str, Any] | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> tuple[list[Entity], str | None]:
        """``filters``: one of username_prefix, display_name_prefix, primary_email_prefix, state,
        identity_provider_user_id_prefix (matches no one)."""
        return self._list(organization_id, EntityType.USER, filters, max_results, next_token)

    def list_groups(
        self,
        *,
        organization_id: str,
        filters: dict[str, Any] | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> tuple[list[Entity], str | None]:
        """``filters``: one of name_prefix, primary_email_prefix, state."""
        return self._list(organization_id, EntityType.GROUP, filters, max_results, next_token)

    def list_resources(
        self,
        *,
        organization_id: str,
        filters: dict[str, Any] | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> tuple[list[Entity], str | None]:
        """``filters``: as for ``list_groups``."""
        return self._list(organization_id, EntityType.RESOURCE, filters, max_results, next_token)


def _prefix(value: str | None, prefix: str) -> bool:
    return (value or "").lower().startswith(prefix.lower())


# Filter name -> whether an entity passes it with the given value; names are case-insensitive prefixes.
_FILTERS: dict[str, Callable[[Entity, Any], bool]] = {
    "username_prefix": lambda e, v: _prefix(e.name, v),
    "name_prefix": lambda e, v: _prefix(e.name, v),
    "display_name_prefix": lambda e, v: _prefix(e.display_name, v),
    "primary_email_prefix": lambda e, v: _prefix(e.email, v),
    "state": lambda e, v: e.state == v,
    "identity_provider_user_id_prefix": lambda e, v: False,
}


def _strong(password: str) -> bool:
    return len(password) >= 8 and any(c.isdigit() for c in password) and any(c.isalpha() for c in password)
