"""The backend: every area's operations over one state, and the table of operations it implements."""

from __future__ import annotations

from collections.abc import Callable

from .aliases import AliasOperations
from .domains import DomainOperations
from .entities import EntityOperations
from .models import Params, Result
from .organizations import OrganizationOperations
from .primary_address import PrimaryAddressOperations
from .seed import Seeding


class Backend(
    OrganizationOperations,
    DomainOperations,
    EntityOperations,
    AliasOperations,
    PrimaryAddressOperations,
    Seeding,
):
    """All emulator state and every operation on it (see ``state`` for the lock and the shared rules)."""


OPERATIONS: dict[str, tuple[Callable[[Backend, Params], Result], bool]] = {
    "UpdatePrimaryEmailAddress": (Backend.update_primary_email_address, True),
    "DescribeUser": (Backend.describe_user, False),
    "DescribeGroup": (Backend.describe_group, False),
    "DescribeResource": (Backend.describe_resource, False),
    "DescribeEntity": (Backend.describe_entity, False),
    "ListAliases": (Backend.list_aliases, False),
    "CreateAlias": (Backend.create_alias, True),
    "DeleteAlias": (Backend.delete_alias, True),
    "ListUsers": (Backend.list_users, False),
    "ListGroups": (Backend.list_groups, False),
    "ListResources": (Backend.list_resources, False),
    "CreateOrganization": (Backend.create_organization, True),
    "DescribeOrganization": (Backend.describe_organization, True),
    "ListOrganizations": (Backend.list_organizations, False),
    "DeleteOrganization": (Backend.delete_organization, True),
    "RegisterMailDomain": (Backend.register_mail_domain, True),
    "GetMailDomain": (Backend.get_mail_domain, False),
    "ListMailDomains": (Backend.list_mail_domains, False),
    "DeregisterMailDomain": (Backend.deregister_mail_domain, True),
    "UpdateDefaultMailDomain": (Backend.update_default_mail_domain, True),
    "CreateUser": (Backend.create_user, True),
    "CreateGroup": (Backend.create_group, True),
    "CreateResource": (Backend.create_resource, True),
    "DeleteUser": (Backend.delete_user, True),
    "DeleteGroup": (Backend.delete_group, True),
    "DeleteResource": (Backend.delete_resource, True),
    "RegisterToWorkMail": (Backend.register_to_work_mail, True),
    "DeregisterFromWorkMail": (Backend.deregister_from_work_mail, True),
}
