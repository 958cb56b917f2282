"""Organizations: CreateOrganization, DescribeOrganization, ListOrganizations, DeleteOrganization.

A new organization gets its test domain (``<alias>.awsapps.com``, verified, the default) and a system
user; with the ``activation_describes`` setting it is "Creating" for that many describes first.
"""

from __future__ import annotations

from . import exceptions as exc
from .models import ACTIVE, DELETED_ORG, MAX_ORGANIZATIONS, Domain, Params, Result, new_org_id, now
from .state import State


class OrganizationOperations(State):
    """The organization operations."""

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
        org = self._new_org(new_org_id(), p["Alias"])
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
                org.state, org.completed = ACTIVE, now()
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
