"""Eventual consistency: POST /_emulator/consistency {"lag_reads": n} keeps reads on the state before a write."""

from __future__ import annotations

from typing import Any

import pytest

from .emulator_testlib import World


def _lag(world: World, n: int) -> None:
    status, body = world.admin("POST", "/_emulator/consistency", {"lag_reads": n})
    assert status == 200, (status, body)


def _list_email(world: World, name: str) -> str | None:
    users = world.wm.list_users(OrganizationId=world.org)["Users"]
    (item,) = [u for u in users if u["Name"] == name]
    email: str | None = item.get("Email")
    return email


def test_describe_user_sees_old_primary_for_n_reads(world: World) -> None:
    _lag(world, 2)
    alice = world.ids["alice"]
    world.wm.update_primary_email_address(OrganizationId=world.org, EntityId=alice, Email="alice.new@example.com")
    seen = [world.primary(alice) for _ in range(4)]
    assert seen == ["alice@example.com", "alice@example.com", "alice.new@example.com", "alice.new@example.com"]


def test_list_aliases_sees_old_aliases_for_n_reads(world: World) -> None:
    _lag(world, 2)
    alice = world.ids["alice"]
    world.wm.update_primary_email_address(OrganizationId=world.org, EntityId=alice, Email="alice.new@example.com")
    seen = [sorted(world.wm.list_aliases(OrganizationId=world.org, EntityId=alice)["Aliases"]) for _ in range(3)]
    assert seen == [["al@example.com"], ["al@example.com"], ["al@example.com", "alice@example.com"]]


def test_list_users_items_see_old_primary_for_n_reads(world: World) -> None:
    _lag(world, 2)
    world.wm.update_primary_email_address(OrganizationId=world.org, EntityId="alice", Email="alice.new@example.com")
    seen = [_list_email(world, "alice") for _ in range(3)]
    assert seen == ["alice@example.com", "alice@example.com", "alice.new@example.com"]


@pytest.mark.parametrize(("name", "kind", "method", "key"), [("sales", "GROUP", "list_groups", "Groups")])
def test_group_reads_lag_too(world: World, name: str, kind: str, method: str, key: str) -> None:
    _lag(world, 1)
    gid = world.ids[name]
    world.wm.update_primary_email_address(OrganizationId=world.org, EntityId=gid, Email="team@example.com")
    assert world.primary(gid, kind) == "sales@example.com"
    assert world.primary(gid, kind) == "team@example.com"
    world.wm.update_primary_email_address(OrganizationId=world.org, EntityId=gid, Email="sales@example.com")
    listed = [[g.get("Email") for g in getattr(world.wm, method)(OrganizationId=world.org)[key]] for _ in range(2)]
    assert listed == [["team@example.com"], ["sales@example.com"]]


def test_reads_of_any_kind_share_the_entitys_lag_budget(world: World) -> None:
    """Interpretation: "the next n reads of that entity" counts Describe*, List* items and ListAliases together."""
    _lag(world, 2)
    alice = world.ids["alice"]
    world.wm.update_primary_email_address(OrganizationId=world.org, EntityId=alice, Email="alice.new@example.com")
    assert world.primary(alice) == "alice@example.com"
    assert world.wm.list_aliases(OrganizationId=world.org, EntityId=alice)["Aliases"] == ["al@example.com"]
    assert world.primary(alice) == "alice.new@example.com"


def test_reads_of_other_entities_do_not_use_up_the_lag(world: World) -> None:
    _lag(world, 1)
    alice = world.ids["alice"]
    world.wm.update_primary_email_address(OrganizationId=world.org, EntityId=alice, Email="alice.new@example.com")
    for _ in range(3):
        assert world.primary(world.ids["bob"]) == "bob@example.com"
    assert world.primary(alice) == "alice@example.com"
    assert world.primary(alice) == "alice.new@example.com"


def test_register_to_workmail_lags(world: World) -> None:
    _lag(world, 2)
    carol = world.ids["carol"]
    world.wm.register_to_work_mail(OrganizationId=world.org, EntityId=carol, Email="carol@example.com")
    states: list[tuple[str, Any]] = []
    for _ in range(3):
        d = world.user(carol)
        states.append((d["State"], d.get("Email")))
    assert states == [("DISABLED", None), ("DISABLED", None), ("ENABLED", "carol@example.com")]


def test_deregister_from_workmail_lags(world: World) -> None:
    _lag(world, 1)
    bob = world.ids["bob"]
    world.wm.deregister_from_work_mail(OrganizationId=world.org, EntityId=bob)
    first, second = world.user(bob), world.user(bob)
    assert (first["State"], first.get("Email")) == ("ENABLED", "bob@example.com")
    # The stubs declare every response key present, so mypy thinks .get("Email") is never None; here it is.
    assert (second["State"], second.get("Email")) == ("DISABLED", None)  # type: ignore[comparison-overlap]


def test_writes_are_checked_against_current_state_during_lag(world: World) -> None:
    _lag(world, 5)
    alice = world.ids["alice"]
    world.wm.update_primary_email_address(OrganizationId=world.org, EntityId=alice, Email="alice.new@example.com")
    # alice@example.com is now an alias (the lagged view still shows it as the primary).
    world.wm.delete_alias(OrganizationId=world.org, EntityId=alice, Alias="alice@example.com")
    world.wm.create_alias(OrganizationId=world.org, EntityId=world.ids["bob"], Alias="alice@example.com")
    _lag(world, 0)
    assert world.primary(alice) == "alice.new@example.com"
    assert world.aliases(world.ids["bob"]) == ["alice@example.com"]


def test_consecutive_writes_lag_behind_the_last_write(world: World) -> None:
    _lag(world, 1)
    bob = world.ids["bob"]
    world.wm.update_primary_email_address(OrganizationId=world.org, EntityId=bob, Email="b1@example.com")
    world.wm.update_primary_email_address(OrganizationId=world.org, EntityId=bob, Email="b2@example.com")
    first = world.primary(bob)
    assert first in {"bob@example.com", "b1@example.com"}
    assert world.primary(bob) == "b2@example.com"


def test_lag_zero_turns_it_off(world: World) -> None:
    _lag(world, 3)
    _lag(world, 0)
    alice = world.ids["alice"]
    world.wm.update_primary_email_address(OrganizationId=world.org, EntityId=alice, Email="alice.new@example.com")
    assert world.primary(alice) == "alice.new@example.com"
    assert sorted(world.aliases(alice)) == ["al@example.com", "alice@example.com"]


def test_no_lag_by_default(world: World) -> None:
    alice = world.ids["alice"]
    world.wm.update_primary_email_address(OrganizationId=world.org, EntityId=alice, Email="al@example.com")
    assert world.primary(alice) == "al@example.com"
    assert world.aliases(alice) == ["alice@example.com"]


def test_a_second_write_while_lagging_keeps_the_oldest_view(world: World) -> None:
    """Created, then registered at once: readers have seen neither write, so the user stays invisible."""
    _lag(world, 2)
    uid = world.wm.create_user(OrganizationId=world.org, Name="fresh", DisplayName="Fresh")["UserId"]
    world.wm.register_to_work_mail(OrganizationId=world.org, EntityId=uid, Email="fresh@example.com")
    outcomes = []
    for _ in range(3):
        try:
            outcomes.append(world.primary(uid))
        except world.wm.exceptions.EntityNotFoundException:
            outcomes.append("not found")
    assert outcomes == ["not found", "not found", "fresh@example.com"]
