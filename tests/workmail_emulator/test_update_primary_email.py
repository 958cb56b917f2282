"""UpdatePrimaryEmailAddress: every rule in docs/workmail-behaviour.md, swap vs append, conflicts, domains,
states, an update to the current primary, and case."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from workmail_emulator import Emulator

from .emulator_testlib import UNKNOWN_ORG, World, emulator, make_world, raises_code, standard_seed


def _update(world: World, entity: str, email: str) -> dict[str, Any]:
    return world.wm.update_primary_email_address(OrganizationId=world.org, EntityId=entity, Email=email)


# --- append vs swap -------------------------------------------------------------------------


def test_update_to_new_address_appends_old_primary_to_aliases(world: World) -> None:
    alice = world.ids["alice"]
    out = _update(world, alice, "alice.new@example.com")
    assert set(out) == {"ResponseMetadata"}
    assert world.primary(alice) == "alice.new@example.com"
    aliases = world.aliases(alice)
    assert sorted(aliases) == ["al@example.com", "alice@example.com"]
    assert "alice.new@example.com" not in aliases


def test_update_swaps_existing_alias(world: World) -> None:
    alice = world.ids["alice"]
    _update(world, alice, "al@example.com")
    assert world.primary(alice) == "al@example.com"
    assert world.aliases(alice) == ["alice@example.com"]


def test_update_swap_keeps_alias_count(world: World) -> None:
    alice = world.ids["alice"]
    world.wm.create_alias(OrganizationId=world.org, EntityId=alice, Alias="a2@example.com")
    world.wm.create_alias(OrganizationId=world.org, EntityId=alice, Alias="a3@example.com")
    before = world.aliases(alice)
    _update(world, alice, "a2@example.com")
    after = world.aliases(alice)
    assert len(after) == len(before) == 3
    assert {a.lower() for a in after} == {"al@example.com", "alice@example.com", "a3@example.com"}


def test_update_swap_with_alias_given_in_other_case(world: World) -> None:
    alice = world.ids["alice"]
    _update(world, alice, "AL@Example.COM")
    primary = world.primary(alice)
    assert primary is not None and primary.lower() == "al@example.com"
    aliases = world.aliases(alice)
    assert [a.lower() for a in aliases] == ["alice@example.com"]


def test_update_then_swap_back_restores_original(world: World) -> None:
    alice = world.ids["alice"]
    _update(world, alice, "alice.new@example.com")
    _update(world, alice, "alice@example.com")
    assert world.primary(alice) == "alice@example.com"
    assert sorted(world.aliases(alice)) == ["al@example.com", "alice.new@example.com"]


def test_repeated_new_addresses_accumulate_aliases(world: World) -> None:
    bob = world.ids["bob"]
    for i in range(5):
        _update(world, bob, f"bob{i}@example.com")
    assert world.primary(bob) == "bob4@example.com"
    assert sorted(world.aliases(bob)) == sorted(["bob@example.com"] + [f"bob{i}@example.com" for i in range(4)])


@pytest.mark.parametrize(("name", "kind"), [("sales", "GROUP"), ("room-1", "RESOURCE")])
def test_update_works_for_groups_and_resources(world: World, name: str, kind: str) -> None:
    eid = world.ids[name]
    _update(world, eid, f"{name}-new@example.com")
    assert world.primary(eid, kind) == f"{name}-new@example.com"
    assert world.aliases(eid) == [f"{name}@example.com"]
    _update(world, eid, f"{name}@example.com")
    assert world.primary(eid, kind) == f"{name}@example.com"
    assert world.aliases(eid) == [f"{name}-new@example.com"]


def test_update_is_visible_in_list_users_and_describe_entity(world: World) -> None:
    alice = world.ids["alice"]
    _update(world, alice, "alice.new@example.com")
    users = {u["Id"]: u for u in world.list_all("list_users", "Users")}
    assert users[alice]["Email"] == "alice.new@example.com"
    assert world.wm.describe_entity(OrganizationId=world.org, Email="alice.new@example.com")["EntityId"] == alice
    # The old primary is now an alias and still resolves to alice (DescribeEntity resolves aliases).
    assert world.wm.describe_entity(OrganizationId=world.org, Email="alice@example.com")["EntityId"] == alice


def test_old_primary_stays_reserved_as_alias(world: World) -> None:
    _update(world, world.ids["alice"], "alice.new@example.com")
    with raises_code("EmailAddressInUseException"):
        _update(world, world.ids["bob"], "alice@example.com")


# --- case handling --------------------------------------------------------------------------


def test_update_keeps_the_case_given(world: World) -> None:
    alice = world.ids["alice"]
    _update(world, alice, "Alice.Smith@Example.COM")
    assert world.primary(alice) == "Alice.Smith@Example.COM"
    assert world.wm.describe_entity(OrganizationId=world.org, Email="alice.smith@example.com")["EntityId"] == alice
    assert world.user("ALICE.SMITH@EXAMPLE.COM")["UserId"] == alice


def test_new_address_domain_compares_case_insensitively(world: World) -> None:
    _update(world, "alice", "alice.x@EXAMPLE.COM")
    assert world.primary(world.ids["alice"]) == "alice.x@EXAMPLE.COM"


@pytest.mark.parametrize("email", ["ALICE@example.com", "Alice@Example.Com", "AL@EXAMPLE.COM", "Sales@Example.com"])
def test_uniqueness_is_case_insensitive(world: World, email: str) -> None:
    with raises_code("EmailAddressInUseException"):
        _update(world, "bob", email)
    assert world.primary(world.ids["bob"]) == "bob@example.com"


# --- entity resolution ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "ident", ["<id>", "alice", "ALICE", "alice@example.com", "ALICE@EXAMPLE.COM", "al@example.com"]
)
def test_update_resolves_entity_by_id_name_email_or_alias(world: World, ident: str) -> None:
    alice = world.ids["alice"]
    _update(world, alice if ident == "<id>" else ident, "alice.new@example.com")
    assert world.primary(alice) == "alice.new@example.com"


def test_update_unknown_entity_gives_entity_not_found(world: World) -> None:
    with raises_code("EntityNotFoundException"):
        _update(world, "nobody", "nobody@example.com")


# --- errors ---------------------------------------------------------------------------------


def test_update_disabled_entity_gives_entity_state(world: World) -> None:
    with raises_code("EntityStateException"):
        _update(world, "carol", "carol@example.com")
    assert "Email" not in world.user("carol")


def test_update_deleted_entity_gives_entity_state(world: World) -> None:
    carol = world.ids["carol"]
    world.wm.delete_user(OrganizationId=world.org, UserId=carol)
    with raises_code("EntityStateException"):
        _update(world, carol, "carol@example.com")


def test_entity_state_is_checked_before_the_domain(world: World) -> None:
    with raises_code("EntityStateException"):
        _update(world, "carol", "carol@unregistered.example")


def test_update_to_unregistered_domain_gives_mail_domain_not_found(world: World) -> None:
    with raises_code("MailDomainNotFoundException"):
        _update(world, "alice", "alice@unregistered.example")
    assert world.primary(world.ids["alice"]) == "alice@example.com"


def test_update_to_domain_of_another_org_gives_mail_domain_not_found(world: World) -> None:
    world.seed({"organizations": [{"alias": "globex", "domains": [{"name": "other.example", "verified": True}]}]})
    with raises_code("MailDomainNotFoundException"):
        _update(world, "alice", "alice@other.example")
    with raises_code("MailDomainNotFoundException"):
        _update(world, "alice", "alice@globex.awsapps.com")


def test_update_to_unverified_domain_gives_mail_domain_state(world: World) -> None:
    with raises_code("MailDomainStateException"):
        _update(world, "alice", "alice@pending.example")
    assert world.primary(world.ids["alice"]) == "alice@example.com"


def test_update_to_domain_after_verification_succeeds(world: World) -> None:
    world.verify("pending.example")
    _update(world, "alice", "alice@pending.example")
    assert world.primary(world.ids["alice"]) == "alice@pending.example"


def test_update_to_test_domain_succeeds_and_default_domain_is_not_required(world: World) -> None:
    assert world.wm.describe_organization(OrganizationId=world.org)["DefaultMailDomain"] == "acme.awsapps.com"
    _update(world, "alice", "alice@acme.awsapps.com")
    assert world.primary(world.ids["alice"]) == "alice@acme.awsapps.com"
    world.wm.update_default_mail_domain(OrganizationId=world.org, DomainName="example.com")
    _update(world, "bob", "bob@acme.awsapps.com")
    assert world.primary(world.ids["bob"]) == "bob@acme.awsapps.com"


@pytest.mark.parametrize(
    ("entity", "email"),
    [
        ("bob", "alice@example.com"),  # another user's primary
        ("bob", "al@example.com"),  # another user's alias
        ("bob", "sales@example.com"),  # a group's primary
        ("bob", "room-1@example.com"),  # a resource's primary
        ("sales", "bob@example.com"),  # group taking a user's primary
        ("room-1", "al@example.com"),  # resource taking a user's alias
    ],
)
def test_address_of_any_other_entity_gives_email_address_in_use(world: World, entity: str, email: str) -> None:
    with pytest.raises(world.wm.exceptions.EmailAddressInUseException):
        _update(world, entity, email)


def test_address_in_use_leaves_both_entities_unchanged(world: World) -> None:
    with raises_code("EmailAddressInUseException"):
        _update(world, "bob", "al@example.com")
    assert world.primary(world.ids["bob"]) == "bob@example.com"
    assert world.aliases(world.ids["bob"]) == []
    assert world.aliases(world.ids["alice"]) == ["al@example.com"]


def test_update_in_unknown_org_gives_organization_not_found(world: World) -> None:
    with raises_code("OrganizationNotFoundException"):
        world.wm.update_primary_email_address(OrganizationId=UNKNOWN_ORG, EntityId="alice", Email="a@example.com")


# --- same-as-current primary (switch same_primary_update) ------------------------------------


def test_same_primary_is_a_noop_by_default(world: World) -> None:
    alice = world.ids["alice"]
    out = _update(world, alice, "alice@example.com")
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert world.primary(alice) == "alice@example.com"
    assert world.aliases(alice) == ["al@example.com"]


def test_same_primary_in_other_case_does_not_add_an_alias_by_default(world: World) -> None:
    alice = world.ids["alice"]
    _update(world, alice, "ALICE@EXAMPLE.COM")
    primary = world.primary(alice)
    assert primary is not None and primary.lower() == "alice@example.com"
    assert world.aliases(alice) == ["al@example.com"]


@pytest.mark.parametrize("mode", ["InvalidParameterException", "EmailAddressInUseException"])
def test_same_primary_strict_modes_set_via_admin_api(world: World, mode: str) -> None:
    world.settings(same_primary_update=mode)
    alice = world.ids["alice"]
    with raises_code(mode):
        _update(world, alice, "alice@example.com")
    with raises_code(mode):
        _update(world, alice, "Alice@Example.com")
    assert world.primary(alice) == "alice@example.com"
    assert world.aliases(alice) == ["al@example.com"]
    # Other updates keep working in strict mode.
    _update(world, alice, "al@example.com")
    assert world.primary(alice) == "al@example.com"


def test_same_primary_noop_mode_can_be_set_back(world: World) -> None:
    world.settings(same_primary_update="InvalidParameterException")
    world.settings(same_primary_update="noop")
    _update(world, "alice", "alice@example.com")
    assert world.aliases(world.ids["alice"]) == ["al@example.com"]


@pytest.fixture(params=["noop", "InvalidParameterException", "EmailAddressInUseException"])
def strict_world(request: pytest.FixtureRequest) -> Iterator[tuple[World, str]]:
    with emulator(seed=standard_seed(), settings={"same_primary_update": request.param}) as e:
        yield make_world(e), request.param


def test_same_primary_mode_set_at_startup(strict_world: tuple[World, str]) -> None:
    world, mode = strict_world
    if mode == "noop":
        _update(world, "bob", "bob@example.com")
    else:
        with raises_code(mode):
            _update(world, "bob", "bob@example.com")
    assert world.primary(world.ids["bob"]) == "bob@example.com"
    assert world.aliases(world.ids["bob"]) == []


# --- alias limit on update (switch alias_limit_on_update) ------------------------------------


def _fill_aliases(world: World, entity: str, n: int) -> None:
    for i in range(n):
        world.wm.create_alias(OrganizationId=world.org, EntityId=entity, Alias=f"fill{i}@example.com")


def test_update_may_exceed_alias_limit_by_default(world: World) -> None:
    world.settings(alias_limit=3)
    alice = world.ids["alice"]
    _fill_aliases(world, alice, 2)
    assert len(world.aliases(alice)) == 3
    _update(world, alice, "alice.new@example.com")
    assert len(world.aliases(alice)) == 4
    assert world.primary(alice) == "alice.new@example.com"


def test_update_at_alias_limit_can_give_limit_exceeded(world: World) -> None:
    world.settings(alias_limit=3, alias_limit_on_update="LimitExceededException")
    alice = world.ids["alice"]
    _fill_aliases(world, alice, 2)
    with raises_code("LimitExceededException"):
        _update(world, alice, "alice.new@example.com")
    assert world.primary(alice) == "alice@example.com"
    assert len(world.aliases(alice)) == 3
    # A swap does not grow the alias list, so it is still allowed at the limit.
    _update(world, alice, "fill0@example.com")
    assert world.primary(alice) == "fill0@example.com"
    assert len(world.aliases(alice)) == 3


def test_update_with_100_aliases_is_allowed_by_default(emu: Emulator) -> None:
    aliases = [f"a{i}@example.com" for i in range(100)]
    status, body = emu.admin(
        "POST",
        "/_emulator/seed",
        {
            "organizations": [
                {
                    "alias": "full",
                    "domains": [{"name": "full.example", "verified": True}],
                    "users": [
                        {
                            "name": "max",
                            "display_name": "Max",
                            "email": "max@full.example",
                            "aliases": [a.replace("example.com", "full.example") for a in aliases],
                        }
                    ],
                }
            ]
        },
    )
    assert status == 200, body
    org = body["organizations"]["full"]
    wm = emu.client()
    uid = org["users"]["max"]
    wm.update_primary_email_address(OrganizationId=org["id"], EntityId=uid, Email="max2@full.example")
    got: list[str] = []
    for page in wm.get_paginator("list_aliases").paginate(OrganizationId=org["id"], EntityId=uid):
        got.extend(page["Aliases"])
    assert len(got) == 101
    assert "max@full.example" in got
