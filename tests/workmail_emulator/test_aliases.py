"""ListAliases / CreateAlias / DeleteAlias, the alias limit and boto3's retries of LimitExceededException."""

from __future__ import annotations

import pytest

from .emulator_testlib import World, raises_code

# --- create ---------------------------------------------------------------------------------


def test_create_alias_adds_it_and_makes_it_resolvable(world: World) -> None:
    bob = world.ids["bob"]
    world.wm.create_alias(OrganizationId=world.org, EntityId=bob, Alias="robert@example.com")
    assert world.aliases(bob) == ["robert@example.com"]
    assert world.wm.describe_entity(OrganizationId=world.org, Email="robert@example.com")["EntityId"] == bob
    assert world.user("robert@example.com")["UserId"] == bob
    assert world.primary(bob) == "bob@example.com"


def test_create_alias_keeps_case_given(world: World) -> None:
    bob = world.ids["bob"]
    world.wm.create_alias(OrganizationId=world.org, EntityId=bob, Alias="Robert.B@Example.com")
    assert world.aliases(bob) == ["Robert.B@Example.com"]


@pytest.mark.parametrize(("name", "kind"), [("sales", "GROUP"), ("room-1", "RESOURCE")])
def test_create_alias_on_group_and_resource(world: World, name: str, kind: str) -> None:
    eid = world.ids[name]
    world.wm.create_alias(OrganizationId=world.org, EntityId=eid, Alias=f"{name}-alt@example.com")
    assert world.aliases(eid) == [f"{name}-alt@example.com"]
    assert world.wm.describe_entity(OrganizationId=world.org, Email=f"{name}-alt@example.com")["Type"] == kind


def test_list_aliases_is_in_insertion_order(world: World) -> None:
    alice = world.ids["alice"]
    for a in ("zeta@example.com", "beta@example.com", "mid@example.com"):
        world.wm.create_alias(OrganizationId=world.org, EntityId=alice, Alias=a)
    assert world.aliases(alice) == ["al@example.com", "zeta@example.com", "beta@example.com", "mid@example.com"]


@pytest.mark.parametrize(
    "alias", ["alice@example.com", "al@example.com", "AL@EXAMPLE.COM", "sales@example.com", "room-1@example.com"]
)
def test_create_alias_taken_by_another_entity_gives_email_address_in_use(world: World, alias: str) -> None:
    bob = world.ids["bob"]
    with pytest.raises(world.wm.exceptions.EmailAddressInUseException):
        world.wm.create_alias(OrganizationId=world.org, EntityId=bob, Alias=alias)
    assert world.aliases(bob) == []


def test_create_alias_already_held_by_same_entity_is_noop(world: World) -> None:
    alice = world.ids["alice"]
    world.wm.create_alias(OrganizationId=world.org, EntityId=alice, Alias="al@example.com")
    world.wm.create_alias(OrganizationId=world.org, EntityId=alice, Alias="Al@Example.com")
    assert [a.lower() for a in world.aliases(alice)] == ["al@example.com"]


def test_create_alias_with_own_primary_gives_email_address_in_use_by_default(world: World) -> None:
    alice = world.ids["alice"]
    with raises_code("EmailAddressInUseException"):
        world.wm.create_alias(OrganizationId=world.org, EntityId=alice, Alias="alice@example.com")
    with raises_code("EmailAddressInUseException"):
        world.wm.create_alias(OrganizationId=world.org, EntityId=alice, Alias="ALICE@example.com")
    assert world.aliases(alice) == ["al@example.com"]


def test_create_alias_with_own_primary_can_be_a_noop(world: World) -> None:
    world.settings(create_alias_own_primary="noop")
    alice = world.ids["alice"]
    world.wm.create_alias(OrganizationId=world.org, EntityId=alice, Alias="alice@example.com")
    assert world.aliases(alice) == ["al@example.com"]
    assert world.primary(alice) == "alice@example.com"


@pytest.mark.parametrize(
    ("alias", "code"),
    [
        ("bob@unregistered.example", "MailDomainNotFoundException"),
        ("bob@pending.example", "MailDomainStateException"),
    ],
)
def test_create_alias_domain_rules(world: World, alias: str, code: str) -> None:
    bob = world.ids["bob"]
    with raises_code(code):
        world.wm.create_alias(OrganizationId=world.org, EntityId=bob, Alias=alias)
    assert world.aliases(bob) == []


def test_create_alias_on_domain_of_another_org_gives_mail_domain_not_found(world: World) -> None:
    world.seed({"organizations": [{"alias": "globex", "domains": [{"name": "other.example", "verified": True}]}]})
    with raises_code("MailDomainNotFoundException"):
        world.wm.create_alias(OrganizationId=world.org, EntityId=world.ids["bob"], Alias="bob@other.example")


def test_create_alias_on_test_domain_succeeds(world: World) -> None:
    bob = world.ids["bob"]
    world.wm.create_alias(OrganizationId=world.org, EntityId=bob, Alias="bob@acme.awsapps.com")
    assert world.aliases(bob) == ["bob@acme.awsapps.com"]


def test_create_alias_on_disabled_entity_gives_entity_state(world: World) -> None:
    with raises_code("EntityStateException"):
        world.wm.create_alias(OrganizationId=world.org, EntityId=world.ids["carol"], Alias="carol@example.com")


def test_create_alias_on_deleted_entity_gives_entity_state(world: World) -> None:
    carol = world.ids["carol"]
    world.wm.delete_user(OrganizationId=world.org, UserId=carol)
    with raises_code("EntityStateException"):
        world.wm.create_alias(OrganizationId=world.org, EntityId=carol, Alias="carol@example.com")


def test_create_alias_unknown_entity_id_gives_entity_not_found(world: World) -> None:
    with raises_code("EntityNotFoundException"):
        world.wm.create_alias(
            OrganizationId=world.org, EntityId="00000000-0000-4000-8000-000000000000", Alias="x@example.com"
        )


# --- id-only resolution (switch alias_ops_resolve_names) ---------------------------------------


@pytest.mark.parametrize("method", ["list_aliases", "create_alias", "delete_alias"])
def test_alias_ops_accept_only_ids_by_default(world: World, method: str) -> None:
    args = {"OrganizationId": world.org, "EntityId": "alice@example.com"}
    if method != "list_aliases":
        args["Alias"] = "alias2@example.com"
    with raises_code("EntityNotFoundException"):
        getattr(world.wm, method)(**args)
    assert world.aliases(world.ids["alice"]) == ["al@example.com"]


def test_alias_ops_resolve_emails_and_names_when_switched_on(world: World) -> None:
    world.settings(alias_ops_resolve_names=True)
    alice = world.ids["alice"]
    world.wm.create_alias(OrganizationId=world.org, EntityId="alice@example.com", Alias="alias2@example.com")
    assert world.wm.list_aliases(OrganizationId=world.org, EntityId="ALICE@EXAMPLE.COM")["Aliases"] == [
        "al@example.com",
        "alias2@example.com",
    ]
    uid = world.wm.create_user(OrganizationId=world.org, Name="longusername", DisplayName="L")["UserId"]
    world.wm.register_to_work_mail(OrganizationId=world.org, EntityId=uid, Email="long@example.com")
    world.wm.create_alias(OrganizationId=world.org, EntityId="longusername", Alias="long2@example.com")
    assert world.aliases(uid) == ["long2@example.com"]
    world.wm.delete_alias(OrganizationId=world.org, EntityId="al@example.com", Alias="alias2@example.com")
    assert world.aliases(alice) == ["al@example.com"]


# --- list -----------------------------------------------------------------------------------


def test_list_aliases_excludes_primary_by_default(world: World) -> None:
    assert world.aliases(world.ids["alice"]) == ["al@example.com"]
    assert world.aliases(world.ids["bob"]) == []


def test_list_aliases_can_include_primary(world: World) -> None:
    world.settings(list_aliases_includes_primary=True)
    assert sorted(world.aliases(world.ids["alice"])) == ["al@example.com", "alice@example.com"]
    assert world.aliases(world.ids["bob"]) == ["bob@example.com"]


def test_list_aliases_of_disabled_entity_is_empty(world: World) -> None:
    out = world.wm.list_aliases(OrganizationId=world.org, EntityId=world.ids["carol"])
    assert out.get("Aliases", []) == []
    assert not out.get("NextToken")


def test_list_aliases_of_deleted_entity_gives_entity_state(world: World) -> None:
    carol = world.ids["carol"]
    world.wm.delete_user(OrganizationId=world.org, UserId=carol)
    with raises_code("EntityStateException"):
        world.wm.list_aliases(OrganizationId=world.org, EntityId=carol)


def test_list_aliases_unknown_entity_gives_entity_not_found(world: World) -> None:
    with raises_code("EntityNotFoundException"):
        world.wm.list_aliases(OrganizationId=world.org, EntityId="00000000-0000-4000-8000-000000000000")


# --- delete ---------------------------------------------------------------------------------


def test_delete_alias_removes_it_and_frees_the_address(world: World) -> None:
    alice, bob = world.ids["alice"], world.ids["bob"]
    world.wm.delete_alias(OrganizationId=world.org, EntityId=alice, Alias="al@example.com")
    assert world.aliases(alice) == []
    with raises_code("EntityNotFoundException"):
        world.wm.describe_entity(OrganizationId=world.org, Email="al@example.com")
    world.wm.create_alias(OrganizationId=world.org, EntityId=bob, Alias="al@example.com")
    assert world.aliases(bob) == ["al@example.com"]


def test_delete_alias_matches_case_insensitively(world: World) -> None:
    alice = world.ids["alice"]
    world.wm.delete_alias(OrganizationId=world.org, EntityId=alice, Alias="AL@Example.COM")
    assert world.aliases(alice) == []


def test_delete_alias_not_held_is_noop(world: World) -> None:
    alice = world.ids["alice"]
    world.wm.delete_alias(OrganizationId=world.org, EntityId=alice, Alias="never@example.com")
    assert world.aliases(alice) == ["al@example.com"]


def test_delete_alias_held_by_another_entity_leaves_it_alone(world: World) -> None:
    world.wm.delete_alias(OrganizationId=world.org, EntityId=world.ids["bob"], Alias="al@example.com")
    assert world.aliases(world.ids["alice"]) == ["al@example.com"]


def test_delete_alias_of_primary_gives_invalid_parameter(world: World) -> None:
    alice = world.ids["alice"]
    with raises_code("InvalidParameterException"):
        world.wm.delete_alias(OrganizationId=world.org, EntityId=alice, Alias="alice@example.com")
    with raises_code("InvalidParameterException"):
        world.wm.delete_alias(OrganizationId=world.org, EntityId=alice, Alias="Alice@Example.com")
    assert world.primary(alice) == "alice@example.com"
    assert world.aliases(alice) == ["al@example.com"]


def test_delete_alias_unknown_entity_gives_entity_not_found(world: World) -> None:
    with raises_code("EntityNotFoundException"):
        world.wm.delete_alias(
            OrganizationId=world.org, EntityId="00000000-0000-4000-8000-000000000000", Alias="al@example.com"
        )


# --- limit ----------------------------------------------------------------------------------


def test_101st_alias_gives_limit_exceeded(world: World) -> None:
    seeded = world.seed(
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
                            "aliases": [f"x{i}@full.example" for i in range(99)],
                        }
                    ],
                }
            ]
        }
    )
    org = seeded["organizations"]["full"]["id"]
    uid = seeded["organizations"]["full"]["users"]["max"]
    world.wm.create_alias(OrganizationId=org, EntityId=uid, Alias="hundredth@full.example")
    with pytest.raises(world.wm.exceptions.LimitExceededException) as excinfo:
        world.wm.create_alias(OrganizationId=org, EntityId=uid, Alias="one-too-many@full.example")
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    aliases: list[str] = []
    for page in world.wm.get_paginator("list_aliases").paginate(OrganizationId=org, EntityId=uid):
        aliases.extend(page["Aliases"])
    assert len(aliases) == 100
    assert "hundredth@full.example" in aliases
    assert "one-too-many@full.example" not in aliases
    with raises_code("EntityNotFoundException"):
        world.wm.describe_entity(OrganizationId=org, Email="one-too-many@full.example")


def test_alias_limit_counts_per_entity(world: World) -> None:
    world.settings(alias_limit=2)
    alice, bob = world.ids["alice"], world.ids["bob"]
    world.wm.create_alias(OrganizationId=world.org, EntityId=alice, Alias="a2@example.com")
    with raises_code("LimitExceededException"):
        world.wm.create_alias(OrganizationId=world.org, EntityId=alice, Alias="a3@example.com")
    world.wm.create_alias(OrganizationId=world.org, EntityId=bob, Alias="b1@example.com")
    world.wm.create_alias(OrganizationId=world.org, EntityId=bob, Alias="b2@example.com")
    assert len(world.aliases(bob)) == 2


def test_alias_at_limit_again_after_delete(world: World) -> None:
    world.settings(alias_limit=1)
    alice = world.ids["alice"]
    with raises_code("LimitExceededException"):
        world.wm.create_alias(OrganizationId=world.org, EntityId=alice, Alias="a2@example.com")
    world.wm.delete_alias(OrganizationId=world.org, EntityId=alice, Alias="al@example.com")
    world.wm.create_alias(OrganizationId=world.org, EntityId=alice, Alias="a2@example.com")
    assert world.aliases(alice) == ["a2@example.com"]


def test_limit_exceeded_is_retried_by_boto3_standard_mode(world: World) -> None:
    # botocore's standard mode treats LimitExceededException as throttling and
    # makes 3 attempts; the emulator must answer each of them the same way.
    world.settings(alias_limit=1)
    world.admin("POST", "/_emulator/stats/reset")
    client = world.emu.client(max_attempts=3)
    with pytest.raises(client.exceptions.LimitExceededException) as excinfo:
        client.create_alias(OrganizationId=world.org, EntityId=world.ids["alice"], Alias="a2@example.com")
    assert excinfo.value.response["ResponseMetadata"]["RetryAttempts"] == 2
    status, stats = world.admin("GET", "/_emulator/stats")
    assert status == 200
    assert stats["calls"]["CreateAlias"] == 3
