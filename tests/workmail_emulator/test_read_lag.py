"""Read lag (``consistency.ReadLag``): a write stays invisible for the configured number of reads."""

from __future__ import annotations

from workmail_emulator import Entity
from workmail_emulator.consistency import ReadLag
from workmail_emulator.terms import EntityState, EntityType


def test_without_lag_every_read_sees_the_write() -> None:
    lag, entity = ReadLag(), Entity(id="u1", type=EntityType.USER, name="a")
    lag.before_write("m-1", "u1", entity)
    entity.state = EntityState.ENABLED
    assert lag.view("m-1", entity) is entity


def test_a_write_is_unseen_for_lag_reads_then_seen() -> None:
    lag, entity = ReadLag(), Entity(id="u1", type=EntityType.USER, name="a")
    lag.reads = 2
    lag.before_write("m-1", "u1", entity)
    entity.state = EntityState.ENABLED
    views = [lag.view("m-1", entity) for _ in range(3)]
    assert [v.state if v else None for v in views] == ["DISABLED", "DISABLED", "ENABLED"]


def test_a_second_write_while_lagging_keeps_the_first_snapshot_and_restarts_the_count() -> None:
    lag, entity = ReadLag(), Entity(id="u1", type=EntityType.USER, name="a")
    lag.reads = 2
    lag.before_write("m-1", "u1", None)  # created: unseen
    assert lag.view("m-1", entity) is None
    lag.before_write("m-1", "u1", entity)  # registered while still unseen
    assert [lag.view("m-1", entity) for _ in range(2)] == [None, None]
    assert lag.view("m-1", entity) is entity
