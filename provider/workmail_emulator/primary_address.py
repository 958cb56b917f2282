"""The primary address: UpdatePrimaryEmailAddress, the operation the provider is built around.

The new address obeys the rules of every address; the old primary becomes an alias, and an alias that
becomes the primary stops being one. What an update to the current primary answers is a setting.
"""

from __future__ import annotations

from . import exceptions as exc
from .state import State
from .terms import EntityState


class PrimaryAddressOperations(State):
    """UpdatePrimaryEmailAddress."""

    def update_primary_email_address(self, *, organization_id: str, entity_id: str, email: str) -> None:
        """Make ``email`` the entity's primary address; the old primary becomes an alias."""
        org = self._org(organization_id)
        entity = self._resolve(org, entity_id)
        if entity.state != EntityState.ENABLED:
            raise exc.EntityStateException(f"Entity {entity.id} is {entity.state}; it must be registered to WorkMail.")
        if entity.email and entity.email.lower() == email.lower():
            mode = self.settings.same_primary_update
            if mode == "InvalidParameterException":
                raise exc.InvalidParameterException(f"{email} is already the primary address of entity {entity.id}.")
            if mode == "EmailAddressInUseException":
                raise exc.EmailAddressInUseException(f"Email address {email} is already in use.")
            self._check_address(org, email, entity)
            return
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
