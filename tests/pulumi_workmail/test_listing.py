"""The listing cache's rules, with a fake clock and a counted fetch instead of WorkMail."""

from __future__ import annotations

from collections.abc import Mapping

from pulumi_workmail.listing import BATCH_AFTER, BATCH_WINDOW, LISTING_TTL, ListingCache
from pulumi_workmail.terms import EntityState, EntityType, LiveEntity

ORG = "m-" + "0" * 32
USER = EntityType.USER


def entity(name: str, email: str | None = None, state: EntityState = EntityState.ENABLED) -> LiveEntity:
    return LiveEntity(f"id-{name}", USER, name, state, email if email is not None else f"{name}@example.com")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Listing:
    """The List* pages: counts how often they are fetched."""

    def __init__(self, *entities: LiveEntity) -> None:
        self.entities = {e.id: e for e in entities}
        self.fetches = 0

    def __call__(self) -> Mapping[str, LiveEntity]:
        self.fetches += 1
        return dict(self.entities)


def warm(cache: ListingCache, listing: Listing, names: list[str]) -> list[LiveEntity | None]:
    return [cache.lookup(ORG, USER, name, listing, by_id_only=False) for name in names]


def test_the_first_few_lookups_go_to_describe_and_then_one_listing_answers_the_rest() -> None:
    names = [f"u{i}" for i in range(10)]
    listing = Listing(*(entity(n) for n in names))
    answers = warm(ListingCache(Clock()), listing, names)
    assert answers[:BATCH_AFTER] == [None] * BATCH_AFTER
    assert [a.name if a else None for a in answers[BATCH_AFTER:]] == names[BATCH_AFTER:]
    assert listing.fetches == 1


def test_one_identifier_retried_is_not_many() -> None:
    listing = Listing(entity("u1"))
    cache = ListingCache(Clock())
    assert warm(cache, listing, ["u1"] * 10) == [None] * 10
    assert listing.fetches == 0


def test_lookups_spread_beyond_the_window_never_batch() -> None:
    clock = Clock()
    listing = Listing(*(entity(f"u{i}") for i in range(6)))
    cache = ListingCache(clock)
    for i in range(6):
        assert cache.lookup(ORG, USER, f"u{i}", listing, by_id_only=False) is None
        clock.now += BATCH_WINDOW + 1
    assert listing.fetches == 0


def test_a_listing_expires_and_is_fetched_again() -> None:
    clock = Clock()
    names = [f"u{i}" for i in range(6)]
    listing = Listing(*(entity(n) for n in names))
    cache = ListingCache(clock)
    warm(cache, listing, names)
    clock.now += LISTING_TTL + 1
    warm(cache, listing, names)
    assert listing.fetches == 2


def test_an_address_is_answered_only_by_a_primary_never_by_a_name_that_looks_like_it() -> None:
    impostor = entity("carol@example.com", email="impostor@example.com")
    listing = Listing(impostor, *(entity(f"u{i}") for i in range(5)))
    cache = ListingCache(Clock())
    warm(cache, listing, [f"u{i}" for i in range(5)])
    assert cache.lookup(ORG, USER, "carol@example.com", listing, by_id_only=False) is None  # ask Describe
    assert cache.lookup(ORG, USER, "impostor@example.com", listing, by_id_only=False) == impostor


def test_an_entity_written_to_is_never_answered_from_a_listing() -> None:
    names = [f"u{i}" for i in range(6)]
    listing = Listing(*(entity(n) for n in names))
    cache = ListingCache(Clock())
    warm(cache, listing, names)
    written = listing.entities["id-u5"]
    cache.wrote(ORG, written)
    assert cache.lookup(ORG, USER, "u5", listing, by_id_only=False) is None
    assert cache.lookup(ORG, USER, "id-u5", listing, by_id_only=True) is None
    assert cache.lookup(ORG, USER, "id-u4", listing, by_id_only=True) == listing.entities["id-u4"]
