"""A local Amazon WorkMail API (AWS JSON 1.1 over HTTP) that real boto3 clients talk to.

moto and LocalStack do not cover WorkMail, and AWS ends WorkMail support on 2027-03-31, so this
emulator is the project's test oracle. ``running()`` starts one in-process for tests; ``python -m
workmail_emulator`` starts one as a server.
"""

from importlib.metadata import PackageNotFoundError, version

__version__: str
try:
    __version__ = version("pulumi-workmail")  # shipped in the same distribution as pulumi_workmail
except PackageNotFoundError:
    __version__ = "0+unknown"

from .backend import Backend
from .exceptions import WorkMailError
from .models import Domain, Entity, Organization
from .server import Emulator, FaultRule, StateFileError, running
from .settings import Settings

__all__ = [
    "Backend",
    "Domain",
    "Emulator",
    "Entity",
    "FaultRule",
    "Organization",
    "Settings",
    "StateFileError",
    "WorkMailError",
    "__version__",
    "running",
]
