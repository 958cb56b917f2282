"""Manage the primary email address of Amazon WorkMail users, groups and resources with Pulumi.

``EntityPrimaryEmail`` changes the address in place (UpdatePrimaryEmailAddress), so the mailbox is
kept; pulumi-aws and Terraform can only replace the user to change it.
"""

from importlib.metadata import PackageNotFoundError, version

__version__: str
try:
    __version__ = version("pulumi-workmail")  # the one source is pyproject.toml's [project] version
except PackageNotFoundError:  # the sources on sys.path without an install
    __version__ = "0+unknown"

from .errors import WorkMailProviderError
from .provider import EntityPrimaryEmailProvider
from .resource import EntityPrimaryEmail, EntityPrimaryEmailArgs

__all__ = [
    "EntityPrimaryEmail",
    "EntityPrimaryEmailArgs",
    "EntityPrimaryEmailProvider",
    "WorkMailProviderError",
    "__version__",
]
