"""Eventual consistency: for a few reads after a write, readers still see the entity as it was.

The admin API sets how many reads (``lag_reads``) a write stays invisible for; 0, the default, makes
every read see every write at once.
"""

from __future__ import annotations

import copy

from .models import Entity


class ReadLag:
    """The snapshots readers keep seeing, keyed by (organization id, entity id)."""

    def __init__(self) -> None:
        self.reads = 0
        self._snapshots: dict[tuple[str, str], tuple[int, Entity | None]] = {}

    def clear(self) -> None:
        self._snapshots.clear()

    def before_write(self, org_id: str, entity_id: str, entity: Entity | None) -> None:
        """Remember what readers keep seeing for ``reads`` reads (``entity`` None: a new entity, unseen).

        A write to an entity that is still lagging keeps the older snapshot (readers have not seen the
        first write yet either) and restarts the count: "created, then registered" stays invisible.
        """
        if self.reads > 0:
            key = (org_id, entity_id)
            snapshot = self._snapshots[key][1] if key in self._snapshots else copy.deepcopy(entity)
            self._snapshots[key] = (self.reads, snapshot)

    def view(self, org_id: str, entity: Entity) -> Entity | None:
        """What a read sees of ``entity``: itself, or its previous state while a write is still lagging."""
        key = (org_id, entity.id)
        lagging = self._snapshots.get(key)
        if lagging is None:
            return entity
        remaining, snapshot = lagging
        if remaining <= 1:
            del self._snapshots[key]
        else:
            self._snapshots[key] = (remaining - 1, snapshot)
        return snapshot
