"""Aliases: list, create and delete an entity's aliases.

An alias obeys the rules of every address (a verified domain of the organization, unused by another
entity); how the operations treat an entity's own primary, names as identifiers and the limit are
settings. Creating an alias the entity has, or deleting one it has not, changes nothing.
"""

from __future__ import annotations

from . import exceptions as exc
from .models import Entity, Organization
from .state import State
from .terms import EntityState


class AliasOperations(State):
    """The alias operations."""

    def _alias_target(self, org: Organization, identifier: str) -> Entity:
        by_names = self.settings.alias_ops_resolve_names
        return self._resolve(org, identifier, by_email=by_names, by_name=by_names)

    def list_aliases(
        self,
        *,
        organization_id: str,
        entity_id: str,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> tuple[list[str], str | None]:
        """One page of the entity's aliases (led by its primary, if ``list_aliases_includes_primary``)."""
        org = self._org(organization_id)
        entity = self._alias_target(org, entity_id)
        if entity.state == EntityState.DELETED:
            raise exc.EntityStateException(f"Entity {entity.id} is deleted.")
        view = self._view(org, entity)
        if view is None:
            raise exc.EntityNotFoundException(f"Entity {entity.id} does not exist in organization {org.id}.")
        aliases = list(view.aliases)
        if self.settings.list_aliases_includes_primary and view.email:
            aliases.insert(0, view.email)
        return self._page(aliases, max_results, next_token, f"aliases:{org.id}:{entity.id}")

    def create_alias(self, *, organization_id: str, entity_id: str, alias: str) -> None:
        org = self._org(organization_id)
        entity = self._alias_target(org, entity_id)
        if entity.state != EntityState.ENABLED:
            raise exc.EntityStateException(f"Entity {entity.id} is {entity.state}; aliases need an enabled entity.")
        if entity.email and entity.email.lower() == alias.lower():
            if self.settings.create_alias_own_primary == "noop":
                return
            raise exc.EmailAddressInUseException(f"{alias} is the primary address of entity {entity.id}.")
        self._check_address(org, alias, entity)
        if alias.lower() in (a.lower() for a in entity.aliases):
            return
        if len(entity.aliases) >= self.settings.alias_limit:
            raise exc.LimitExceededException(f"Entity {entity.id} already has {self.settings.alias_limit} aliases.")
        self._before_write(org, entity.id, entity)
        entity.aliases.append(alias)

    def delete_alias(self, *, organization_id: str, entity_id: str, alias: str) -> None:
        org = self._org(organization_id)
        entity = self._alias_target(org, entity_id)
        if entity.state == EntityState.DELETED:
            raise exc.EntityStateException(f"Entity {entity.id} is deleted.")
        if entity.email and entity.email.lower() == alias.lower():
            raise exc.InvalidParameterException(f"{alias} is the primary address; it cannot be deleted as an alias.")
        remaining = [a for a in entity.aliases if a.lower() != alias.lower()]
        if len(remaining) != len(entity.aliases):
            self._before_write(org, entity.id, entity)
            entity.aliases = remaining
