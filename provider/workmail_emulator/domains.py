"""Mail domains: RegisterMailDomain, GetMailDomain, ListMailDomains, DeregisterMailDomain,
UpdateDefaultMailDomain, and the admin API's verification of a domain.

A registered domain is pending until verified (through the admin API, or ``verified`` in a seed); only a
verified domain can hold addresses or become the default.
"""

from __future__ import annotations

from . import exceptions as exc
from .models import MAX_DOMAINS, Domain, Params, Result, domain_of
from .state import State


class DomainOperations(State):
    """The mail domain operations."""

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
        users = [e for e in org.entities.values() if any(domain_of(a) == domain.name for a in e.addresses())]
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
