"""Manage the addresses of Amazon WorkMail users, groups and resources with Pulumi.

``EntityPrimaryEmail`` changes the primary address in place (UpdatePrimaryEmailAddress), so the mailbox
is kept; pulumi-aws and Terraform can only replace the user to change it. ``EntityAliases`` manages the
aliases, which no other tool does.
"""

from importlib.metadata import PackageNotFoundError, version

__version__: str
try:
    __version__ = version("pulumi-workmail")  # the one source is pyproject.toml's [project] version
except PackageNotFoundError:  # the sources on sys.path without an install
    __version__ = "0+unknown"

from .aliases_provider import EntityAliasesProvider
from .aliases_resource import EntityAliases, EntityAliasesArgs
from .errors import WorkMailProviderError
from .provider import EntityPrimaryEmailProvider
from .resource import EntityPrimaryEmail, EntityPrimaryEmailArgs

__all__ = [
    "EntityAliases",
    "EntityAliasesArgs",
    "EntityAliasesProvider",
    "EntityPrimaryEmail",
    "EntityPrimaryEmailArgs",
    "EntityPrimaryEmailProvider",
    "WorkMailProviderError",
    "__version__",
]
