"""Mail domains: register, get, list, deregister, make default, and the admin API's verification.

A registered domain is pending until verified (through the admin API, or ``verified`` in a seed); only a
verified domain can hold addresses or become the default. Domain names are case-insensitive.
"""

from __future__ import annotations

from . import exceptions as exc
from .models import MAX_DOMAINS, Domain, Organization, domain_of
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

    def register_mail_domain(self, *, organization_id: str, domain_name: str) -> None:
        """Register the domain, pending; registering it again changes nothing."""
        org = self._org(organization_id)
        name = domain_name.lower()
        if name in org.domains:
            return
        self._check_domain_free(name, org)
        if len(org.domains) >= MAX_DOMAINS:
            raise exc.LimitExceededException("The maximum number of mail domains has been reached.")
        org.domains[name] = Domain(name)

    def get_mail_domain(self, *, organization_id: str, domain_name: str) -> tuple[Organization, Domain]:
        org = self._org(organization_id)
        return org, self._domain(org, domain_name)

    def list_mail_domains(
        self, *, organization_id: str, max_results: int | None = None, next_token: str | None = None
    ) -> tuple[Organization, list[Domain], str | None]:
        """The organization and one page of its domains, by name."""
        org = self._org(organization_id)
        domains = sorted(org.domains.values(), key=lambda d: d.name)
        page, token = self._page(domains, max_results, next_token, f"domains:{org.id}")
        return org, page, token

    def deregister_mail_domain(self, *, organization_id: str, domain_name: str) -> None:
        org = self._org(organization_id)
        domain = self._domain(org, domain_name)
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

    def update_default_mail_domain(self, *, organization_id: str, domain_name: str) -> None:
        org = self._org(organization_id)
        domain = self._domain(org, domain_name)
        if not domain.verified:
            raise exc.MailDomainStateException(f"Mail domain {domain.name} is not verified.")
        org.default_domain = domain.name
