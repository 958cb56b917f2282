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
from .models import Entity, Organization, Params, Result, compact, new_resource_id, now
from .state import State


class EntityOperations(State):
    """The user, group and resource operations."""

    def create_user(self, p: Params) -> Result:
        org = self._org(p)
        if p.get("Role") in ("SYSTEM_USER", "RESOURCE"):
            raise exc.InvalidParameterException(f"Role {p['Role']} cannot be set on CreateUser.")
        password = p.get("Password")
        if password is not None and not _strong(password):
            raise exc.InvalidPasswordException("The password does not meet the complexity requirements.")
        self._check_name_free(org, p["Name"])
        entity = Entity(
            id=str(uuid.uuid4()),
            type="USER",
            name=p["Name"],
            display_name=p["DisplayName"],
            role=p.get("Role", "USER"),
            first_name=p.get("FirstName"),
            last_name=p.get("LastName"),
            hidden=bool(p.get("HiddenFromGlobalAddressList", False)),
        )
        self._add_entity(org, entity)
        return {"UserId": entity.id}

    def create_group(self, p: Params) -> Result:
        org = self._org(p)
        self._check_name_free(org, p["Name"])
        entity = Entity(
            id=str(uuid.uuid4()),
            type="GROUP",
            name=p["Name"],
            hidden=bool(p.get("HiddenFromGlobalAddressList")),
        )
        self._add_entity(org, entity)
        return {"GroupId": entity.id}

    def create_resource(self, p: Params) -> Result:
        org = self._org(p)
        self._check_name_free(org, p["Name"])
        entity = Entity(
            id=new_resource_id(),
            type="RESOURCE",
            name=p["Name"],
            resource_type=p["Type"],
            description=p.get("Description"),
            hidden=bool(p.get("HiddenFromGlobalAddressList")),
        )
        self._add_entity(org, entity)
        return {"ResourceId": entity.id}

    def _add_entity(self, org: Organization, entity: Entity) -> None:
        self._before_write(org, entity.id, None)
        org.entities[entity.id] = entity

    def _delete(self, p: Params, key: str, etype: str) -> Result:
        org = self._org(p)
        entity = self._resolve(org, p[key], types=(etype,), by_email=False)
        if entity.state == "DELETED":
            return {}
        if entity.role == "SYSTEM_USER":
            raise exc.UnsupportedOperationException("System users cannot be deleted.")
        if entity.state == "ENABLED":
            raise exc.EntityStateException(f"Entity {entity.id} is enabled; deregister it from WorkMail first.")
        self._before_write(org, entity.id, entity)
        entity.state = "DELETED"
        return {}

    def delete_user(self, p: Params) -> Result:
        return self._delete(p, "UserId", "USER")

    def delete_group(self, p: Params) -> Result:
        return self._delete(p, "GroupId", "GROUP")

    def delete_resource(self, p: Params) -> Result:
        return self._delete(p, "ResourceId", "RESOURCE")

    def register_to_work_mail(self, p: Params) -> Result:
        org = self._org(p)
        entity = self._resolve(org, p["EntityId"], by_email=False)
        email = p["Email"]
        if entity.state == "DELETED":
            raise exc.EntityStateException(f"Entity {entity.id} is deleted.")
        if entity.role == "SYSTEM_USER":
            raise exc.EntityStateException(f"Entity {entity.id} is a system user.")
        if entity.state == "ENABLED":
            if entity.email and entity.email.lower() == email.lower():
                return {}
            raise exc.EntityAlreadyRegisteredException(f"Entity {entity.id} is already registered to WorkMail.")
        self._check_address(org, email, entity)
        self._before_write(org, entity.id, entity)
        entity.state, entity.email, entity.aliases = "ENABLED", email, []
        entity.enabled_date = now()
        return {}

    def deregister_from_work_mail(self, p: Params) -> Result:
        org = self._org(p)
        entity = self._resolve(org, p["EntityId"])
        if entity.state == "DELETED":
            raise exc.EntityStateException(f"Entity {entity.id} is deleted.")
        if entity.state == "DISABLED":
            return {}
        self._before_write(org, entity.id, entity)
        entity.state, entity.email, entity.aliases = "DISABLED", None, []
        entity.disabled_date = now()
        return {}

    def describe_user(self, p: Params) -> Result:
        org = self._org(p)
        e = self._read(org, p["UserId"], ("USER",))
        return compact(
            {
                "UserId": e.id,
                "Name": e.name,
                "Email": e.email,
                "DisplayName": e.display_name,
                "State": e.state,
                "UserRole": e.role,
                "EnabledDate": e.enabled_date,
                "DisabledDate": e.disabled_date,
                "FirstName": e.first_name,
                "LastName": e.last_name,
                "HiddenFromGlobalAddressList": e.hidden,
            }
        )

    def describe_group(self, p: Params) -> Result:
        org = self._org(p)
        e = self._read(org, p["GroupId"], ("GROUP",))
        return compact(
            {
                "GroupId": e.id,
                "Name": e.name,
                "Email": e.email,
                "State": e.state,
                "EnabledDate": e.enabled_date,
                "DisabledDate": e.disabled_date,
                "HiddenFromGlobalAddressList": e.hidden,
            }
        )

    def describe_resource(self, p: Params) -> Result:
        org = self._org(p)
        e = self._read(org, p["ResourceId"], ("RESOURCE",))
        return compact(
            {
                "ResourceId": e.id,
                "Email": e.email,
                "Name": e.name,
                "Type": e.resource_type,
                "BookingOptions": {
                    "AutoAcceptRequests": True,
                    "AutoDeclineRecurringRequests": False,
                    "AutoDeclineConflictingRequests": True,
                },
                "State": e.state,
                "EnabledDate": e.enabled_date,
                "DisabledDate": e.disabled_date,
                "Description": e.description,
                "HiddenFromGlobalAddressList": e.hidden,
            }
        )

    def describe_entity(self, p: Params) -> Result:
        org = self._org(p)
        key = p["Email"].lower()
        for entity in org.entities.values():
            addresses = entity.addresses() if self.settings.describe_entity_resolves_aliases else [entity.email or ""]
            if key in (a.lower() for a in addresses):
                view = self._view(org, entity)
                if view is not None and key in (a.lower() for a in view.addresses()):
                    return {"EntityId": view.id, "Name": view.name, "Type": view.type}
                break
        raise exc.EntityNotFoundException(f"No entity has the email address {p['Email']}.")

    def _list(self, p: Params, etype: str, filters: dict[str, Callable[[Entity, Any], bool]]) -> list[Entity]:
        org = self._org(p)
        given = {k: v for k, v in (p.get("Filters") or {}).items() if v is not None}
        if len(given) > 1:
            raise exc.InvalidParameterException("Only one filter can be used per request.")
        views = [self._view(org, e) for e in org.entities.values() if e.type == etype]
        return [v for v in views if v is not None and all(filters[k](v, val) for k, val in given.items())]

    def _list_response(
        self, p: Params, etype: str, key: str, filters: dict[str, Callable[[Entity, Any], bool]]
    ) -> Result:
        entities = self._list(p, etype, filters)
        page, token = self._page(entities, p, f"{key}:{p['OrganizationId']}:{p.get('Filters')}")
        return compact({key: [_summary(e) for e in page], "NextToken": token})

    def list_users(self, p: Params) -> Result:
        return self._list_response(p, "USER", "Users", _USER_FILTERS)

    def list_groups(self, p: Params) -> Result:
        return self._list_response(p, "GROUP", "Groups", _NAME_FILTERS)

    def list_resources(self, p: Params) -> Result:
        return self._list_response(p, "RESOURCE", "Resources", _NAME_FILTERS)


def _summary(e: Entity) -> dict[str, Any]:
    """A List* item: the members every entity type shares, plus its type's own."""
    own: dict[str, Any] = {
        "USER": {"DisplayName": e.display_name, "UserRole": e.role},
        "GROUP": {},
        "RESOURCE": {"Type": e.resource_type, "Description": e.description},
    }[e.type]
    common = {"Id": e.id, "Email": e.email, "Name": e.name, "State": e.state}
    return compact({**common, **own, "EnabledDate": e.enabled_date, "DisabledDate": e.disabled_date})


_USER_FILTERS: dict[str, Callable[[Entity, Any], bool]] = {
    "UsernamePrefix": lambda e, v: e.name.lower().startswith(v.lower()),
    "DisplayNamePrefix": lambda e, v: (e.display_name or "").lower().startswith(v.lower()),
    "PrimaryEmailPrefix": lambda e, v: (e.email or "").lower().startswith(v.lower()),
    "State": lambda e, v: e.state == v,
    "IdentityProviderUserIdPrefix": lambda e, v: False,
}


_NAME_FILTERS: dict[str, Callable[[Entity, Any], bool]] = {
    "NamePrefix": lambda e, v: e.name.lower().startswith(v.lower()),
    "PrimaryEmailPrefix": lambda e, v: (e.email or "").lower().startswith(v.lower()),
    "State": lambda e, v: e.state == v,
}


def _strong(password: str) -> bool:
    return len(password) >= 8 and any(c.isdigit() for c in password) and any(c.isalpha() for c in password)
