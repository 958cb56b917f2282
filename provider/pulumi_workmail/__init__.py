"""Manage the primary email address of Amazon WorkMail users, groups and resources with Pulumi.

``EntityPrimaryEmail`` changes the address in place (UpdatePrimaryEmailAddress), so the mailbox is
kept; pulumi-aws and Terraform can only replace the user to change it.
"""

from .errors import WorkMailProviderError
from .provider import EntityPrimaryEmailProvider
from .resource import EntityPrimaryEmail, EntityPrimaryEmailArgs

__all__ = [
    "EntityPrimaryEmail",
    "EntityPrimaryEmailArgs",
    "EntityPrimaryEmailProvider",
    "WorkMailProviderError",
]
