"""The backend: every area's operations over one state.

``Backend`` composes the per-area operation classes; each method takes keyword arguments and returns
records (or plain values) that the wire layer, ``responses``, renders.
"""

from __future__ import annotations

from .aliases import AliasOperations
from .domains import DomainOperations
from .entities import EntityOperations
from .organizations import OrganizationOperations
from .primary_address import PrimaryAddressOperations
from .seed import Seeding


class Backend(
    OrganizationOperations,
    DomainOperations,
    EntityOperations,
    AliasOperations,
    PrimaryAddressOperations,
    Seeding,
):
    """All emulator state and every operation on it (see ``state`` for the lock and the shared rules)."""
