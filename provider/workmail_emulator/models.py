"""WorkMail's state and rules: organizations, mail domains, users, groups, resources and aliases.

Each public operation method takes the request parameters (already validated against the service
model by ``shapes``) and returns the response members. Behaviour the public record leaves open is
decided by ``Settings``, so tests can run the provider against every plausible variant of the real
service.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import hashlib
import hmac
import secrets
import threading
import time
import types
import typing
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from . import exceptions as exc
from .settings import Settings
from .shapes import matches

ENTITY_TYPES = ("USER", "GROUP", "RESOURCE")
ACTIVE = "Active"
DELETED_ORG = "Deleted"
MAX_ORGANIZATIONS = 100
MAX_DOMAINS = 1000
# Where the emulated service says it runs: in its ARNs and its mail domains' DNS records.
DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT_ID = "123456789012"

Params = dict[str, Any]
Result = dict[str, Any]


@dataclass
class Domain:
    name: str
    verified: bool = False
    is_test: bool = False


@dataclass
class Entity:
    id: str
    type: str
    name: str
    state: str = "DISABLED"
    email: str | None = None
    aliases: list[str] = field(default_factory=list)
    display_name: str | None = None
    role: str | None = None  # users only: USER | SYSTEM_USER | RESOURCE | REMOTE_USER
    resource_type: str | None = None  # resources only: ROOM | EQUIPMENT
    description: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    hidden: bool = False
    enabled_date: float | None = None
    disabled_date: float | None = None

    def addresses(self) -> list[str]:
        return ([self.email] if self.email else []) + self.aliases


@dataclass
class Organization:
    id: str
    alias: str
    state: str = ACTIVE
    domains: dict[str, Domain] = field(default_factory=dict)
    default_domain: str = ""
    entities: dict[str, Entity] = field(default_factory=dict)
    created: float = field(default_factory=time.time)
    completed: float | None = None
    pending_describes: int = 0
    directory_id: str | None = None


def _matches(value: Any, hint: Any) -> bool:
    """Whether ``value`` is of the (simple) annotated type ``hint``, recursively."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, arg) for arg in args)
    if hint is type(None):
        return value is None
    if origin is list:
        return isinstance(value, list) and all(_matches(item, args[0]) for item in value)
    if origin is dict:
        return isinstance(value, dict) and all(_matches(k, args[0]) and _matches(v, args[1]) for k, v in value.items())
    if hint is bool:
        return isinstance(value, bool)
    if hint in (int, float):
        return (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and (hint is float or isinstance(value, int))
        )
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if not isinstance(value, hint):
            return False
        _check_types(value)
        return True
    return isinstance(value, hint) if isinstance(hint, type) else True


def _check_types(obj: Any) -> None:
    """Refuse a loaded record whose fields do not have their declared types (a state file of the wrong
    shape would otherwise load and then answer 500s)."""
    hints = typing.get_type_hints(type(obj))
    for item in dataclasses.fields(obj):
        value = getattr(obj, item.name)
        if not _matches(value, hints[item.name]):
            raise ValueError(f"{type(obj).__name__.lower()} field {item.name} is {value!r:.60}, not {hints[item.name]}")


def _now() -> float:
    return round(time.time(), 3)


def _org_id() -> str:
    return "m-" + uuid.uuid4().hex


def _resource_id() -> str:
    return "r-" + uuid.uuid4().hex


def _domain_of(email: str) -> str:
    return email.rsplit("@", 1)[1].lower()


class Backend:
    """All emulator state, guarded by one re-entrant lock so concurrent clients see atomic operations."""

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
        self.lag_reads = 0
        self._lag: dict[tuple[str, str], tuple[int, Entity | None]] = {}
        self._token_key = secrets.token_bytes(16)
        self.on_change: Callable[[], None] | None = None

    # ------------------------------------------------------------------ admin

    def reset(self) -> None:
        with self.lock:
            self.organizations.clear()
            self.client_tokens.clear()
            self._lag.clear()
            self.lag_reads = 0
            self.notify_changed()

    def set_lag(self, reads: int) -> None:
        with self.lock:
            self.lag_reads = reads
            if reads == 0:
                self._lag.clear()

    def verify_domain(self, organization_id: str, domain: str) -> None:
        with self.lock:
            org = self.organizations.get(organization_id)
            if org is None:
                raise exc.OrganizationNotFoundException(f"Organization {organization_id} not found.")
            found = org.domains.get(domain.lower())
            if found is None:
                raise exc.MailDomainNotFoundException(f"Mail domain {domain} is not registered.")
            found.verified = True
            self.notify_changed()

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
        if any(o.alias.lower() == alias.lower() for o in self.organizations.values() if o.state != DELETED_ORG):
            raise ValueError(f"organization alias {alias!r} is already in use")
        org_id = spec.get("id") or _org_id()
        if not matches("OrganizationId", org_id) or org_id in self.organizations:
            raise ValueError(f"organization id {org_id!r} is malformed or taken")
        org = self._new_org(org_id, alias)
        org.state = spec.get("state", ACTIVE)
        for domain in spec.get("domains", []):
            name = domain["name"].lower()
            if not matches("WorkMailDomainName", name):
                raise ValueError(f"domain {name!r} is not valid")
            self._check_domain_free(name, org)
            org.domains[name] = Domain(name, verified=bool(domain.get("verified", True)))
            if domain.get("default"):
                org.default_domain = name
        ids: dict[str, dict[str, str]] = {"users": {}, "groups": {}, "resources": {}}
        for kind, etype in (("users", "USER"), ("groups", "GROUP"), ("resources", "RESOURCE")):
            for item in spec.get(kind, []):
                entity = self._seed_entity(org, etype, item)
                ids[kind][entity.name] = entity.id
        return {"id": org.id, **ids}

    def _seed_entity(self, org: Organization, etype: str, item: dict[str, Any]) -> Entity:
        name = item["name"]
        self._check_name_free(org, name)
        entity = Entity(
            id=item.get("id") or (_resource_id() if etype == "RESOURCE" else str(uuid.uuid4())),
            type=etype,
            name=name,
            display_name=item.get("display_name", name) if etype == "USER" else None,
            role="USER" if etype == "USER" else None,
            resource_type=item.get("type", "ROOM") if etype == "RESOURCE" else None,
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
            entity.state = "ENABLED"
            entity.enabled_date = _now()
        entity.state = item.get("state", entity.state)
        if entity.state not in ("ENABLED", "DISABLED", "DELETED"):
            raise ValueError(f"entity state {entity.state!r} is not valid")
        if entity.state != "ENABLED":
            entity.email, entity.aliases = None, []
        return entity

    # ---------------------------------------------------------- persistence

    def to_json(self) -> dict[str, Any]:
        with self.lock:
            return {
                "version": 1,
                "organizations": [dataclasses.asdict(o) for o in self.organizations.values()],
                "client_tokens": dict(self.client_tokens),
                "settings": self.settings.to_dict(),
            }

    def load_json(self, data: dict[str, Any]) -> None:
        """Replace all state with ``data`` (as written by ``to_json``); raise ValueError if malformed."""
        try:
            if data.get("version") != 1:
                raise ValueError(f"unsupported state version {data.get('version')!r}")
            orgs: dict[str, Organization] = {}
            for raw in data["organizations"]:
                raw = dict(raw)
                domains = {k: Domain(**v) for k, v in raw.pop("domains").items()}
                entities = {k: Entity(**v) for k, v in raw.pop("entities").items()}
                org = Organization(**raw, domains=domains, entities=entities)
                _check_types(org)
                orgs[org.id] = org
            settings = Settings()
            settings.update(data.get("settings", {}))
            tokens = {str(k): str(v) for k, v in data.get("client_tokens", {}).items()}
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"malformed state: {error!r}") from error
        with self.lock:
            self.organizations, self.client_tokens, self.settings = orgs, tokens, settings
            self._lag.clear()

    def notify_changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    # ------------------------------------------------------------- helpers

    def _new_org(self, org_id: str, alias: str) -> Organization:
        test_domain = f"{alias.lower()}.awsapps.com"
        org = Organization(id=org_id, alias=alias, default_domain=test_domain, completed=_now())
        org.domains[test_domain] = Domain(test_domain, verified=True, is_test=True)
        system = Entity(id=str(uuid.uuid4()), type="USER", name="SystemUser", role="SYSTEM_USER")
        system.display_name = "System User"
        org.entities[system.id] = system
        self.organizations[org_id] = org
        return org

    def _org(self, params: Params, *, active: bool = True) -> Organization:
        org_id = params["OrganizationId"]
        org = self.organizations.get(org_id)
        if org is None:
            raise exc.OrganizationNotFoundException(f"Organization {org_id} does not exist.")
        if active and org.state != ACTIVE:
            raise exc.OrganizationStateException(f"Organization {org_id} is in state {org.state}.")
        return org

    def _resolve(
        self,
        org: Organization,
        identifier: str,
        *,
        types: Iterable[str] = ENTITY_TYPES,
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
            named.sort(key=lambda e: e.state == "DELETED")  # a live entity wins over a deleted namesake
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
        domain = org.domains.get(_domain_of(address))
        if domain is None:
            raise exc.MailDomainNotFoundException(
                f"Mail domain {_domain_of(address)} is not registered in organization {org.id}."
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
            if entity.state != "DELETED" and entity.name.lower() == name.lower():
                raise exc.NameAvailabilityException(f"Name {name} is already in use.")

    def _before_write(self, org: Organization, entity_id: str, entity: Entity | None) -> None:
        """Remember what readers keep seeing for ``lag_reads`` reads (eventual consistency).

        A write to an entity that is still lagging keeps the older snapshot (readers have not seen the
        first write yet either) and restarts the count: "created, then registered" stays invisible.
        """
        if self.lag_reads > 0:
            key = (org.id, entity_id)
            snapshot = self._lag[key][1] if key in self._lag else copy.deepcopy(entity)
            self._lag[key] = (self.lag_reads, snapshot)

    def _view(self, org: Organization, entity: Entity) -> Entity | None:
        """What a read sees of ``entity``: itself, or its previous state while a write is still lagging."""
        key = (org.id, entity.id)
        lagging = self._lag.get(key)
        if lagging is None:
            return entity
        remaining, snapshot = lagging
        if remaining <= 1:
            del self._lag[key]
        else:
            self._lag[key] = (remaining - 1, snapshot)
        return snapshot

    def _read(self, org: Organization, identifier: str, types: Iterable[str], **kw: bool) -> Entity:
        view = self._view(org, entity := self._resolve(org, identifier, types=types, **kw))
        if view is None:
            raise exc.EntityNotFoundException(f"Entity {entity.id} does not exist in organization {org.id}.")
        return view

    def _page(self, items: list[Any], params: Params, context: str) -> tuple[list[Any], str | None]:
        """Offset pagination with signed tokens that differ on every page."""
        size = params.get("MaxResults") or self.settings.page_size
        offset = 0
        if params.get("NextToken"):
            offset = self._decode_token(params["NextToken"], context)
        page = items[offset : offset + size]
        end = offset + len(page)
        return page, (self._encode_token(end, context) if end < len(items) else None)

    def _token_sig(self, body: str) -> str:
        return hmac.new(self._token_key, body.encode(), hashlib.sha256).hexdigest()[:24]

    def _encode_token(self, offset: int, context: str) -> str:
        body = f"{offset}:{secrets.token_hex(4)}:{hashlib.sha256(context.encode()).hexdigest()[:12]}"
        return base64.b64encode(f"{body}:{self._token_sig(body)}".encode()).decode()

    def _decode_token(self, token: str, context: str) -> int:
        try:
            body, sig = base64.b64decode(token, validate=True).decode().rsplit(":", 1)
            offset, _nonce, ctx = body.split(":")
            if (
                hmac.compare_digest(sig, self._token_sig(body))
                and ctx == hashlib.sha256(context.encode()).hexdigest()[:12]
            ):
                return int(offset)
        except (ValueError, UnicodeDecodeError):
            pass
        raise exc.InvalidParameterException("The pagination token is invalid or expired.")

    # ------------------------------------------------------- organizations

    def create_organization(self, p: Params) -> Result:
        token = p.get("ClientToken")
        if token and token in self.client_tokens:
            return {"OrganizationId": self.client_tokens[token]}
        if p.get("EnableInteroperability") and not p.get("DirectoryId"):
            raise exc.InvalidParameterException("EnableInteroperability requires an AD Connector DirectoryId.")
        live = [o for o in self.organizations.values() if o.state != DELETED_ORG]
        if any(o.alias.lower() == p["Alias"].lower() for o in live):
            raise exc.NameAvailabilityException(f"Alias {p['Alias']} is already in use.")
        if len(live) >= MAX_ORGANIZATIONS:
            raise exc.LimitExceededException("The maximum number of organizations has been reached.")
        for domain in p.get("Domains", []):
            self._check_domain_free(domain["DomainName"], None)
        org = self._new_org(_org_id(), p["Alias"])
        org.directory_id = p.get("DirectoryId")
        for domain in p.get("Domains", []):
            org.domains[domain["DomainName"].lower()] = Domain(domain["DomainName"].lower())
        if self.settings.activation_describes:
            org.state, org.pending_describes, org.completed = (
                "Creating",
                self.settings.activation_describes,
                None,
            )
        if token:
            self.client_tokens[token] = org.id
        return {"OrganizationId": org.id}

    def describe_organization(self, p: Params) -> Result:
        org = self._org(p, active=False)
        state = org.state
        if org.pending_describes > 0:
            # This describe still sees the organization being created; the next one may see it Active.
            org.pending_describes -= 1
            if org.pending_describes == 0:
                org.state, org.completed = ACTIVE, _now()
        out: Result = {
            "OrganizationId": org.id,
            "Alias": org.alias,
            "State": state,
            "DirectoryType": "VpcDirectory" if org.directory_id else "WorkMailDirectory",
            "DefaultMailDomain": org.default_domain,
            "ARN": f"arn:aws:workmail:{self.region}:{self.account_id}:organization/{org.id}",
        }
        if org.directory_id:
            out["DirectoryId"] = org.directory_id
        if org.completed:
            out["CompletedDate"] = org.completed
        return out

    def list_organizations(self, p: Params) -> Result:
        orgs = list(self.organizations.values())
        page, token = self._page(orgs, p, "orgs")
        out: Result = {
            "OrganizationSummaries": [
                {
                    "OrganizationId": o.id,
                    "Alias": o.alias,
                    "DefaultMailDomain": o.default_domain,
                    "State": o.state,
                }
                for o in page
            ]
        }
        if token:
            out["NextToken"] = token
        return out

    def delete_organization(self, p: Params) -> Result:
        org = self._org(p, active=False)
        if org.state == DELETED_ORG:
            raise exc.OrganizationStateException(f"Organization {org.id} is already deleted.")
        enabled = [e for e in org.entities.values() if e.type == "USER" and e.state == "ENABLED"]
        if enabled and not p.get("ForceDelete"):
            raise exc.OrganizationStateException(
                f"Organization {org.id} still has {len(enabled)} enabled users; use ForceDelete."
            )
        org.state = DELETED_ORG
        for entity in org.entities.values():
            entity.email, entity.aliases, entity.state = None, [], "DELETED"
        return {"OrganizationId": org.id, "State": "Deleting"}

    # -------------------------------------------------------- mail domains

    def _check_domain_free(self, name: str, org: Organization | None) -> None:
        for other in self.organizations.values():
            if other is not org and other.state != DELETED_ORG and name.lower() in other.domains:
                raise exc.MailDomainInUseException(f"Mail domain {name} is registered in another organization.")

    def register_mail_domain(self, p: Params) -> Result:
        org = self._org(p)
        name = p["DomainName"].lower()
        if name in org.domains:
            return {}
        self._check_domain_free(name, org)
        if len(org.domains) >= MAX_DOMAINS:
            raise exc.LimitExceededException("The maximum number of mail domains has been reached.")
        org.domains[name] = Domain(name)
        return {}

    def _domain(self, org: Organization, name: str) -> Domain:
        domain = org.domains.get(name.lower())
        if domain is None:
            raise exc.MailDomainNotFoundException(f"Mail domain {name} is not registered in organization {org.id}.")
        return domain

    def get_mail_domain(self, p: Params) -> Result:
        org = self._org(p)
        domain = self._domain(org, p["DomainName"])
        status = "VERIFIED" if domain.verified else "PENDING"
        return {
            "Records": [
                {"Type": "MX", "Hostname": domain.name, "Value": f"10 inbound-smtp.{self.region}.amazonaws.com."},
                {
                    "Type": "CNAME",
                    "Hostname": f"autodiscover.{domain.name}",
                    "Value": f"autodiscover.mail.{self.region}.awsapps.com.",
                },
            ],
            "IsTestDomain": domain.is_test,
            "IsDefault": domain.name == org.default_domain,
            "OwnershipVerificationStatus": status,
            "DkimVerificationStatus": status,
        }

    def list_mail_domains(self, p: Params) -> Result:
        org = self._org(p)
        page, token = self._page(sorted(org.domains.values(), key=lambda d: d.name), p, f"domains:{org.id}")
        out: Result = {
            "MailDomains": [{"DomainName": d.name, "DefaultDomain": d.name == org.default_domain} for d in page]
        }
        if token:
            out["NextToken"] = token
        return out

    def deregister_mail_domain(self, p: Params) -> Result:
        org = self._org(p)
        domain = self._domain(org, p["DomainName"])
        special = domain.is_test or domain.name == org.default_domain
        if special and self.settings.deregister_default_or_test_domain != "allow":
            raise exc.InvalidParameterException(f"Mail domain {domain.name} is the default or test domain.")
        users = [e for e in org.entities.values() if any(_domain_of(a) == domain.name for a in e.addresses())]
        if users:
            raise exc.MailDomainInUseException(
                f"Mail domain {domain.name} is used by {len(users)} entities; remove their addresses first."
            )
        del org.domains[domain.name]
        if org.default_domain == domain.name:
            org.default_domain = next((d.name for d in org.domains.values() if d.is_test), "")
        return {}

    def update_default_mail_domain(self, p: Params) -> Result:
        org = self._org(p)
        domain = self._domain(org, p["DomainName"])
        if not domain.verified:
            raise exc.MailDomainStateException(f"Mail domain {domain.name} is not verified.")
        org.default_domain = domain.name
        return {}

    # ------------------------------------------------------------ entities

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
            id=_resource_id(),
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
        entity.enabled_date = _now()
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
        entity.disabled_date = _now()
        return {}

    def describe_user(self, p: Params) -> Result:
        org = self._org(p)
        e = self._read(org, p["UserId"], ("USER",))
        return _compact(
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
        return _compact(
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
        return _compact(
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
        return _compact({key: [_summary(e) for e in page], "NextToken": token})

    def list_users(self, p: Params) -> Result:
        return self._list_response(p, "USER", "Users", _USER_FILTERS)

    def list_groups(self, p: Params) -> Result:
        return self._list_response(p, "GROUP", "Groups", _NAME_FILTERS)

    def list_resources(self, p: Params) -> Result:
        return self._list_response(p, "RESOURCE", "Resources", _NAME_FILTERS)

    # ------------------------------------------------------------- aliases

    def _alias_target(self, org: Organization, identifier: str) -> Entity:
        by_names = self.settings.alias_ops_resolve_names
        return self._resolve(org, identifier, by_email=by_names, by_name=by_names)

    def list_aliases(self, p: Params) -> Result:
        org = self._org(p)
        entity = self._alias_target(org, p["EntityId"])
        if entity.state == "DELETED":
            raise exc.EntityStateException(f"Entity {entity.id} is deleted.")
        view = self._view(org, entity)
        if view is None:
            raise exc.EntityNotFoundException(f"Entity {entity.id} does not exist in organization {org.id}.")
        aliases = list(view.aliases)
        if self.settings.list_aliases_includes_primary and view.email:
            aliases.insert(0, view.email)
        page, token = self._page(aliases, p, f"aliases:{org.id}:{entity.id}")
        return _compact({"Aliases": page, "NextToken": token})

    def create_alias(self, p: Params) -> Result:
        org = self._org(p)
        entity = self._alias_target(org, p["EntityId"])
        alias = p["Alias"]
        if entity.state != "ENABLED":
            raise exc.EntityStateException(f"Entity {entity.id} is {entity.state}; aliases need an enabled entity.")
        if entity.email and entity.email.lower() == alias.lower():
            if self.settings.create_alias_own_primary == "noop":
                return {}
            raise exc.EmailAddressInUseException(f"{alias} is the primary address of entity {entity.id}.")
        self._check_address(org, alias, entity)
        if alias.lower() in (a.lower() for a in entity.aliases):
            return {}
        if len(entity.aliases) >= self.settings.alias_limit:
            raise exc.LimitExceededException(f"Entity {entity.id} already has {self.settings.alias_limit} aliases.")
        self._before_write(org, entity.id, entity)
        entity.aliases.append(alias)
        return {}

    def delete_alias(self, p: Params) -> Result:
        org = self._org(p)
        entity = self._alias_target(org, p["EntityId"])
        alias = p["Alias"]
        if entity.state == "DELETED":
            raise exc.EntityStateException(f"Entity {entity.id} is deleted.")
        if entity.email and entity.email.lower() == alias.lower():
            raise exc.InvalidParameterException(f"{alias} is the primary address; it cannot be deleted as an alias.")
        remaining = [a for a in entity.aliases if a.lower() != alias.lower()]
        if len(remaining) != len(entity.aliases):
            self._before_write(org, entity.id, entity)
            entity.aliases = remaining
        return {}

    # ------------------------------------------------------ primary address

    def update_primary_email_address(self, p: Params) -> Result:
        org = self._org(p)
        entity = self._resolve(org, p["EntityId"])
        email = p["Email"]
        if entity.state != "ENABLED":
            raise exc.EntityStateException(f"Entity {entity.id} is {entity.state}; it must be registered to WorkMail.")
        if entity.email and entity.email.lower() == email.lower():
            mode = self.settings.same_primary_update
            if mode == "InvalidParameterException":
                raise exc.InvalidParameterException(f"{email} is already the primary address of entity {entity.id}.")
            if mode == "EmailAddressInUseException":
                raise exc.EmailAddressInUseException(f"Email address {email} is already in use.")
            self._check_address(org, email, entity)
            return {}
        self._check_address(org, email, entity)
        self._before_write(org, entity.id, entity)
        existing = [a for a in entity.aliases if a.lower() == email.lower()]
        old = entity.email
        if existing:
            entity.aliases = [a for a in entity.aliases if a.lower() != email.lower()]
        elif len(entity.aliases) >= self.settings.alias_limit and self.settings.alias_limit_on_update != "allow":
            raise exc.LimitExceededException(f"Entity {entity.id} already has {self.settings.alias_limit} aliases.")
        if old:
            entity.aliases.append(old)
        entity.email = email
        return {}


def _summary(e: Entity) -> dict[str, Any]:
    """A List* item: the members every entity type shares, plus its type's own."""
    own: dict[str, Any] = {
        "USER": {"DisplayName": e.display_name, "UserRole": e.role},
        "GROUP": {},
        "RESOURCE": {"Type": e.resource_type, "Description": e.description},
    }[e.type]
    common = {"Id": e.id, "Email": e.email, "Name": e.name, "State": e.state}
    return _compact({**common, **own, "EnabledDate": e.enabled_date, "DisabledDate": e.disabled_date})


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


def _compact(values: dict[str, Any]) -> dict[str, Any]:
    """Leave out members without a value, as AWS does."""
    return {k: v for k, v in values.items() if v is not None}


# Operation name -> (backend method, whether it changes state).
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
