"""The AWS JSON 1.1 wire layer: target header and body in, status and JSON body out.

This is the only layer that knows WorkMail's member names. Each operation reads its typed arguments
from the (already validated) request, calls the backend with keyword arguments, and renders what the
backend returns with the records' ``to_*dict`` methods; ``OPERATIONS`` is the routing table.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from . import exceptions as exc
from .backend import Backend
from .models import Params, Result
from .shapes import operation, validate
from .terms import EntityState, OrganizationState, ResourceType, UserRole

TARGET_PREFIX = "WorkMailService."
CONTENT_TYPES = ("application/x-amz-json-1.1", "application/json")


def operation_name(target: str | None) -> str:
    """The operation an ``X-Amz-Target`` header names, or "" when it names none."""
    if target and target.startswith(TARGET_PREFIX):
        return target[len(TARGET_PREFIX) :]
    return ""


def parse_body(content_type: str | None, raw: bytes) -> Any:
    media = (content_type or "").split(";")[0].strip().lower()
    if media not in CONTENT_TYPES:
        raise exc.SerializationException(
            f"Unsupported content type {media or '(none)'!r}; send application/x-amz-json-1.1."
        )
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise exc.SerializationException(f"The request body is not valid JSON: {error}") from None


def dispatch(backend: Backend, name: str, params: Any, region: str | None = None) -> tuple[dict[str, Any], bool]:
    """Validate ``params`` against the model and run the operation for a request signed for ``region`` (the
    emulator's own when None); returns (result, changed state)."""
    model = operation(name) if name else None
    implemented = OPERATIONS.get(name)
    if model is None or implemented is None:
        raise exc.UnknownOperationException(f"Operation {name or '(none)'} is not supported by this emulator.")
    validate(model, params)
    handler, mutating = implemented
    with backend.lock:
        return handler(WorkMailResponse(backend, params, region or backend.region)), mutating


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


# Filter member -> the backend's filter name, per List* operation.
_USER_FILTERS = {
    "UsernamePrefix": "username_prefix",
    "DisplayNamePrefix": "display_name_prefix",
    "PrimaryEmailPrefix": "primary_email_prefix",
    "State": "state",
    "IdentityProviderUserIdPrefix": "identity_provider_user_id_prefix",
}
_NAME_FILTERS = {"NamePrefix": "name_prefix", "PrimaryEmailPrefix": "primary_email_prefix", "State": "state"}


class WorkMailResponse:
    """One request: its parameters read as typed arguments, and one method per operation answering it."""

    def __init__(self, backend: Backend, params: Params, region: str) -> None:
        self.backend = backend
        self.params = params
        self.region = region  # the region the request is signed for

    # ---------------------------------------------------------------- reading parameters

    def _str(self, name: str) -> str:
        """A required string member (the model guarantees it is there)."""
        value: str = self.params[name]
        return value

    def _opt(self, name: str) -> Any:
        """An optional member: its value, or None when absent or null."""
        return self.params.get(name)

    def _org_id(self) -> str:
        """The request's organization, which must be one of the region it is signed for."""
        org_id = self._str("OrganizationId")
        self.backend.check_region(org_id, self.region)
        return org_id

    def _filters(self, names: dict[str, str]) -> dict[str, Any] | None:
        """The backend's filters, a state filter as the entity state it names (the model checked it is one)."""
        given = self._opt("Filters")
        if given is None:
            return None
        filters = {names.get(key, key): value for key, value in given.items()}
        if filters.get("state") is not None:
            filters["state"] = EntityState(filters["state"])
        return filters

    def _pages(self) -> dict[str, Any]:
        return {"max_results": self._opt("MaxResults"), "next_token": self._opt("NextToken")}

    # ---------------------------------------------------------------- organizations

    def create_organization(self) -> Result:
        org_id = self.backend.create_organization(
            alias=self._str("Alias"),
            domain_names=_domain_names(self._opt("Domains") or []),
            directory_id=self._opt("DirectoryId"),
            enable_interoperability=self._opt("EnableInteroperability"),
            client_token=self._opt("ClientToken"),
            region=self.region,
        )
        return {"OrganizationId": org_id}

    def describe_organization(self) -> Result:
        org, state = self.backend.describe_organization(organization_id=self._org_id())
        return org.to_dict(state=state, arn=org.arn(self.backend.region_of(org), self.backend.account_id))

    def list_organizations(self) -> Result:
        page, token = self.backend.list_organizations(region=self.region, **self._pages())
        return _listing("OrganizationSummaries", [o.to_summary_dict() for o in page], token)

    def delete_organization(self) -> Result:
        org = self.backend.delete_organization(organization_id=self._org_id(), force_delete=self._opt("ForceDelete"))
        return {"OrganizationId": org.id, "State": OrganizationState.DELETING}

    # ---------------------------------------------------------------- mail domains

    def register_mail_domain(self) -> Result:
        self.backend.register_mail_domain(organization_id=self._org_id(), domain_name=self._str("DomainName"))
        return {}

    def get_mail_domain(self) -> Result:
        org, domain = self.backend.get_mail_domain(organization_id=self._org_id(), domain_name=self._str("DomainName"))
        return domain.to_dict(default=org.is_default(domain), region=self.backend.region_of(org))

    def list_mail_domains(self) -> Result:
        org, page, token = self.backend.list_mail_domains(organization_id=self._org_id(), **self._pages())
        return _listing("MailDomains", [d.to_summary_dict(default=org.is_default(d)) for d in page], token)

    def deregister_mail_domain(self) -> Result:
        self.backend.deregister_mail_domain(organization_id=self._org_id(), domain_name=self._str("DomainName"))
        return {}

    def update_default_mail_domain(self) -> Result:
        self.backend.update_default_mail_domain(organization_id=self._org_id(), domain_name=self._str("DomainName"))
        return {}

    # ---------------------------------------------------------------- entities

    def create_user(self) -> Result:
        user = self.backend.create_user(
            organization_id=self._org_id(),
            name=self._str("Name"),
            display_name=self._str("DisplayName"),
            password=self._opt("Password"),
            role=UserRole(self._opt("Role") or UserRole.USER),
            first_name=self._opt("FirstName"),
            last_name=self._opt("LastName"),
            hidden=bool(self._opt("HiddenFromGlobalAddressList")),
        )
        return {"UserId": user.id}

    def create_group(self) -> Result:
        group = self.backend.create_group(
            organization_id=self._org_id(),
            name=self._str("Name"),
            hidden=bool(self._opt("HiddenFromGlobalAddressList")),
        )
        return {"GroupId": group.id}

    def create_resource(self) -> Result:
        resource = self.backend.create_resource(
            organization_id=self._org_id(),
            name=self._str("Name"),
            resource_type=ResourceType(self._str("Type")),
            description=self._opt("Description"),
            hidden=bool(self._opt("HiddenFromGlobalAddressList")),
        )
        return {"ResourceId": resource.id}

    def delete_user(self) -> Result:
        self.backend.delete_user(organization_id=self._org_id(), user_id=self._str("UserId"))
        return {}

    def delete_group(self) -> Result:
        self.backend.delete_group(organization_id=self._org_id(), group_id=self._str("GroupId"))
        return {}

    def delete_resource(self) -> Result:
        self.backend.delete_resource(organization_id=self._org_id(), resource_id=self._str("ResourceId"))
        return {}

    def register_to_work_mail(self) -> Result:
        self.backend.register_to_work_mail(
            organization_id=self._org_id(), entity_id=self._str("EntityId"), email=self._str("Email")
        )
        return {}

    def deregister_from_work_mail(self) -> Result:
        self.backend.deregister_from_work_mail(organization_id=self._org_id(), entity_id=self._str("EntityId"))
        return {}

    def describe_user(self) -> Result:
        user = self.backend.describe_user(organization_id=self._org_id(), user_id=self._str("UserId"))
        return user.to_user_dict()

    def describe_group(self) -> Result:
        group = self.backend.describe_group(organization_id=self._org_id(), group_id=self._str("GroupId"))
        return group.to_group_dict()

    def describe_resource(self) -> Result:
        resource = self.backend.describe_resource(organization_id=self._org_id(), resource_id=self._str("ResourceId"))
        return resource.to_resource_dict()

    def describe_entity(self) -> Result:
        entity = self.backend.describe_entity(organization_id=self._org_id(), email=self._str("Email"))
        return entity.to_entity_dict()

    def list_users(self) -> Result:
        page, token = self.backend.list_users(
            organization_id=self._org_id(), filters=self._filters(_USER_FILTERS), **self._pages()
        )
        return _listing("Users", [e.to_summary_dict() for e in page], token)

    def list_groups(self) -> Result:
        page, token = self.backend.list_groups(
            organization_id=self._org_id(), filters=self._filters(_NAME_FILTERS), **self._pages()
        )
        return _listing("Groups", [e.to_summary_dict() for e in page], token)

    def list_resources(self) -> Result:
        page, token = self.backend.list_resources(
            organization_id=self._org_id(), filters=self._filters(_NAME_FILTERS), **self._pages()
        )
        return _listing("Resources", [e.to_summary_dict() for e in page], token)

    # ---------------------------------------------------------------- aliases and the primary address

    def list_aliases(self) -> Result:
        page, token = self.backend.list_aliases(
            organization_id=self._org_id(), entity_id=self._str("EntityId"), **self._pages()
        )
        return _listing("Aliases", page, token)

    def create_alias(self) -> Result:
        self.backend.create_alias(
            organization_id=self._org_id(), entity_id=self._str("EntityId"), alias=self._str("Alias")
        )
        return {}

    def delete_alias(self) -> Result:
        self.backend.delete_alias(
            organization_id=self._org_id(), entity_id=self._str("EntityId"), alias=self._str("Alias")
        )
        return {}

    def update_primary_email_address(self) -> Result:
        self.backend.update_primary_email_address(
            organization_id=self._org_id(), entity_id=self._str("EntityId"), email=self._str("Email")
        )
        return {}


def _listing(key: str, items: list[Any], token: str | None) -> Result:
    """A List* answer: the page under ``key``, and ``NextToken`` only when there is a next page."""
    out: Result = {key: items}
    if token:
        out["NextToken"] = token
    return out


def _domain_names(domains: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The names of CreateOrganization's ``Domains``, read only as the backend gets to them."""
    for domain in domains:
        yield domain["DomainName"]


Handler = Callable[[WorkMailResponse], Result]

# Operation name -> (the method that answers it, whether it changes state).
OPERATIONS: dict[str, tuple[Handler, bool]] = {
    "UpdatePrimaryEmailAddress": (WorkMailResponse.update_primary_email_address, True),
    "DescribeUser": (WorkMailResponse.describe_user, False),
    "DescribeGroup": (WorkMailResponse.describe_group, False),
    "DescribeResource": (WorkMailResponse.describe_resource, False),
    "DescribeEntity": (WorkMailResponse.describe_entity, False),
    "ListAliases": (WorkMailResponse.list_aliases, False),
    "CreateAlias": (WorkMailResponse.create_alias, True),
    "DeleteAlias": (WorkMailResponse.delete_alias, True),
    "ListUsers": (WorkMailResponse.list_users, False),
    "ListGroups": (WorkMailResponse.list_groups, False),
    "ListResources": (WorkMailResponse.list_resources, False),
    "CreateOrganization": (WorkMailResponse.create_organization, True),
    "DescribeOrganization": (WorkMailResponse.describe_organization, True),
    "ListOrganizations": (WorkMailResponse.list_organizations, False),
    "DeleteOrganization": (WorkMailResponse.delete_organization, True),
    "RegisterMailDomain": (WorkMailResponse.register_mail_domain, True),
    "GetMailDomain": (WorkMailResponse.get_mail_domain, False),
    "ListMailDomains": (WorkMailResponse.list_mail_domains, False),
    "DeregisterMailDomain": (WorkMailResponse.deregister_mail_domain, True),
    "UpdateDefaultMailDomain": (WorkMailResponse.update_default_mail_domain, True),
    "CreateUser": (WorkMailResponse.create_user, True),
    "CreateGroup": (WorkMailResponse.create_group, True),
    "CreateResource": (WorkMailResponse.create_resource, True),
    "DeleteUser": (WorkMailResponse.delete_user, True),
    "DeleteGroup": (WorkMailResponse.delete_group, True),
    "DeleteResource": (WorkMailResponse.delete_resource, True),
    "RegisterToWorkMail": (WorkMailResponse.register_to_work_mail, True),
    "DeregisterFromWorkMail": (WorkMailResponse.deregister_from_work_mail, True),
}
