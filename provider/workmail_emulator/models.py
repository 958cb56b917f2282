"""The records WorkMail's state is made of: organizations, their mail domains, and their entities
(users, groups and resources), with the constants and identifiers they use.

Records hold state and render themselves as WorkMail's response members (the ``to_*dict`` methods);
the rules that change them live in the per-area modules, the lock and the lookups in ``state``.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from .terms import DirectoryType, EntityState, EntityType, OrganizationState, ResourceType, UserRole, VerificationStatus

MAX_ORGANIZATIONS = 100
MAX_DOMAINS = 1000
# Where the emulated service says it runs: in its ARNs and its mail domains' DNS records.
DEFAULT_REGION = "us-east-1"
REGION = re.compile(r"[a-z]{2}(-[a-z0-9]+)+")  # a region name's shape, e.g. eu-west-1
DEFAULT_ACCOUNT_ID = "123456789012"

Params = dict[str, Any]
Result = dict[str, Any]


@dataclass
class Domain:
    name: str
    verified: bool = False
    is_test: bool = False

    def to_dict(self, *, default: bool, region: str) -> Result:
        """GetMailDomain's answer: the DNS records to publish and the verification status."""
        status = VerificationStatus.VERIFIED if self.verified else VerificationStatus.PENDING
        return {
            "Records": [
                {"Type": "MX", "Hostname": self.name, "Value": f"10 inbound-smtp.{region}.amazonaws.com."},
                {
                    "Type": "CNAME",
                    "Hostname": f"autodiscover.{self.name}",
                    "Value": f"autodiscover.mail.{region}.awsapps.com.",
                },
            ],
            "IsTestDomain": self.is_test,
            "IsDefault": default,
            "OwnershipVerificationStatus": status,
            "DkimVerificationStatus": status,
        }

    def to_summary_dict(self, *, default: bool) -> Result:
        """A ListMailDomains item."""
        return {"DomainName": self.name, "DefaultDomain": default}


@dataclass
class Entity:
    id: str
    type: EntityType
    name: str
    state: EntityState = EntityState.DISABLED
    email: str | None = None
    aliases: list[str] = field(default_factory=list)
    display_name: str | None = None
    role: UserRole | None = None  # users only
    resource_type: ResourceType | str | None = None  # resources only; a seed may give any type (kept as given)
    description: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    hidden: bool = False
    enabled_date: float | None = None
    disabled_date: float | None = None

    def addresses(self) -> list[str]:
        return ([self.email] if self.email else []) + self.aliases

    def to_user_dict(self) -> Result:
        """DescribeUser's answer."""
        return compact(
            {
                "UserId": self.id,
                "Name": self.name,
                "Email": self.email,
                "DisplayName": self.display_name,
                "State": self.state,
                "UserRole": self.role,
                "EnabledDate": self.enabled_date,
                "DisabledDate": self.disabled_date,
                "FirstName": self.first_name,
                "LastName": self.last_name,
                "HiddenFromGlobalAddressList": self.hidden,
            }
        )

    def to_group_dict(self) -> Result:
        """DescribeGroup's answer."""
        return compact(
            {
                "GroupId": self.id,
                "Name": self.name,
                "Email": self.email,
                "State": self.state,
                "EnabledDate": self.enabled_date,
                "DisabledDate": self.disabled_date,
                "HiddenFromGlobalAddressList": self.hidden,
            }
        )

    def to_resource_dict(self) -> Result:
        """DescribeResource's answer; every resource has WorkMail's default booking options."""
        return compact(
            {
                "ResourceId": self.id,
                "Email": self.email,
                "Name": self.name,
                "Type": self.resource_type,
                "BookingOptions": {
                    "AutoAcceptRequests": True,
                    "AutoDeclineRecurringRequests": False,
                    "AutoDeclineConflictingRequests": True,
                },
                "State": self.state,
                "EnabledDate": self.enabled_date,
                "DisabledDate": self.disabled_date,
                "Description": self.description,
                "HiddenFromGlobalAddressList": self.hidden,
            }
        )

    def to_entity_dict(self) -> Result:
        """DescribeEntity's answer."""
        return {"EntityId": self.id, "Name": self.name, "Type": self.type}

    def to_summary_dict(self) -> Result:
        """A ListUsers/ListGroups/ListResources item: the members every type shares, plus its type's own."""
        own: dict[str, Any] = {
            EntityType.USER: {"DisplayName": self.display_name, "UserRole": self.role},
            EntityType.GROUP: {},
            EntityType.RESOURCE: {"Type": self.resource_type, "Description": self.description},
        }[self.type]
        common = {"Id": self.id, "Email": self.email, "Name": self.name, "State": self.state}
        return compact({**common, **own, "EnabledDate": self.enabled_date, "DisabledDate": self.disabled_date})


@dataclass
class Organization:
    id: str
    alias: str
    state: OrganizationState | str = OrganizationState.ACTIVE  # a seed may give any state (kept as given)
    domains: dict[str, Domain] = field(default_factory=dict)
    default_domain: str = ""
    entities: dict[str, Entity] = field(default_factory=dict)
    created: float = field(default_factory=time.time)
    completed: float | None = None
    pending_describes: int = 0
    directory_id: str | None = None
    # The region it lives in: requests signed for another region do not find it. None: the emulator's own.
    region: str | None = None

    def arn(self, region: str, account_id: str) -> str:
        return f"arn:aws:workmail:{region}:{account_id}:organization/{self.id}"

    def is_default(self, domain: Domain) -> bool:
        return domain.name == self.default_domain

    def to_dict(self, *, state: OrganizationState | str, arn: str) -> Result:
        """DescribeOrganization's answer, with the state that describe saw."""
        out: Result = {
            "OrganizationId": self.id,
            "Alias": self.alias,
            "State": state,
            "DirectoryType": DirectoryType.VPC if self.directory_id else DirectoryType.WORKMAIL,
            "DefaultMailDomain": self.default_domain,
            "ARN": arn,
        }
        if self.directory_id:
            out["DirectoryId"] = self.directory_id
        if self.completed:
            out["CompletedDate"] = self.completed
        return out

    def to_summary_dict(self) -> Result:
        """A ListOrganizations item."""
        return {
            "OrganizationId": self.id,
            "Alias": self.alias,
            "DefaultMailDomain": self.default_domain,
            "State": self.state,
        }


def now() -> float:
    """A timestamp as WorkMail answers them: seconds, to the millisecond."""
    return round(time.time(), 3)


def new_org_id() -> str:
    return "m-" + uuid.uuid4().hex


def new_resource_id() -> str:
    return "r-" + uuid.uuid4().hex


def domain_of(email: str) -> str:
    return email.rsplit("@", 1)[1].lower()


def compact(values: dict[str, Any]) -> dict[str, Any]:
    """Leave out members without a value, as AWS does."""
    return {k: v for k, v in values.items() if v is not None}
