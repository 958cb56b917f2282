"""The listing cache: when many reads of one organization's entities arrive together (a refresh, a destroy
or a bulk create of many resources), one ``List*`` page of 100 answers up to 100 of them instead of a
Describe each.

Its rules, each a guard against answering what a single Describe would not:

- it starts listing only after more than ``BATCH_AFTER`` *distinct* identifiers of one organization and
  type within ``BATCH_WINDOW`` seconds (one entity retried while WorkMail lags is not "many");
- a listing answers reads for ``LISTING_TTL`` seconds, then the next read lists again (single flight);
- an identifier with an ``@`` is answered only by a primary email, never by a name (see ``_index``);
- an entity this process has written to is never answered from a listing, which may predate the write.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

from .terms import EntityType, LiveEntity

BATCH_AFTER = 3  # reads of one organization and type within the window before listing pays off
BATCH_WINDOW = 10.0  # seconds in which those reads must fall
LISTING_TTL = 30.0  # seconds a listing answers reads (one refresh or destroy pass)

Fetch = Callable[[], Mapping[str, LiveEntity]]  # every entity of the type, by id (the List* pages)


@dataclass
class _Listing:
    """What one List* pass saw of an organization's entities of one type, and the reads around it."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    recent: dict[str, float] = field(default_factory=dict)  # identifier → last lookup, oldest first
    entities: Mapping[str, LiveEntity] | None = None
    fetched: float = 0.0
    written: set[str] = field(default_factory=set)
    index: dict[str, LiveEntity] = field(default_factory=dict)  # see _index

    def fresh(self, now: float) -> bool:
        return self.entities is not None and now - self.fetched < LISTING_TTL


def _index(entities: Collection[LiveEntity]) -> dict[str, LiveEntity]:
    """Listing entries by the identifiers a listing can answer for exactly as Describe would.

    WorkMail resolves an identifier as an id, then an email (primary or alias), then a name. A listing
    shows ids, names and primary emails but no aliases, so it answers an identifier with an ``@`` only by
    a primary email: a name that looks like an address could be another entity's alias, which Describe
    would pick instead. Keys are prefixed by kind, and an enabled entity wins over a deleted one of the
    same name or address.
    """
    index: dict[str, LiveEntity] = {}
    for entity in sorted(entities, key=lambda e: e.enabled):
        if entity.name:
            index[f"name:{entity.name.lower()}"] = entity
        if entity.email:
            index[f"email:{entity.email.lower()}"] = entity
    for entity in entities:
        index[f"id:{entity.id.lower()}"] = entity
    return index


def _lookup(index: dict[str, LiveEntity], identifier: str) -> LiveEntity | None:
    """The entity a Describe by ``identifier`` would find, if the listing can tell; else None."""
    key = identifier.lower()
    found = index.get(f"id:{key}") or index.get(f"email:{key}")
    if found is None and "@" not in key:
        found = index.get(f"name:{key}")
    return found


class ListingCache:
    """The listings of one WorkMail client, per organization and entity type; safe across threads."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._listings: dict[tuple[str, EntityType], _Listing] = {}

    def _listing(self, organization_id: str, entity_type: EntityType) -> _Listing:
        with self._lock:
            return self._listings.setdefault((organization_id, entity_type), _Listing())

    def lookup(
        self, organization_id: str, entity_type: EntityType, identifier: str, fetch: Fetch, *, by_id_only: bool
    ) -> LiveEntity | None:
        """The listing's entry for ``identifier`` once batching pays off; None means "ask Describe".

        Counts this lookup towards batching and calls ``fetch`` (single flight) when a listing is due.
        ``by_id_only``: the identifier is a resolved id (a read), not what the user wrote (a resolve).
        """
        listing = self._listing(organization_id, entity_type)
        now = self._clock()
        with listing.lock:
            listing.recent.pop(identifier.lower(), None)
            listing.recent[identifier.lower()] = now
            while True:
                oldest, seen = next(iter(listing.recent.items()))
                if now - seen <= BATCH_WINDOW:
                    break
                del listing.recent[oldest]
            if by_id_only and identifier in listing.written:
                return None
            if not listing.fresh(now):
                if len(listing.recent) <= BATCH_AFTER:
                    return None
                listing.entities = fetch()
                listing.index = _index(list(listing.entities.values()))
                listing.fetched = self._clock()
            entities = listing.entities or {}
            found = entities.get(identifier) if by_id_only else _lookup(listing.index, identifier)
            if found is None or found.id in listing.written:
                return None
            return found

    def wrote(self, organization_id: str, entity: LiveEntity) -> None:
        """Called before a write: even a failed or timed-out write may have landed."""
        listing = self._listing(organization_id, entity.type)
        with listing.lock:
            listing.written.add(entity.id)
