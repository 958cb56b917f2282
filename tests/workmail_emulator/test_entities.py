"""Users, groups and resources: lifecycle, states, id formats, resolution (docs/workmail-behaviour.md, Entities)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from workmail_emulator import Emulator

from .emulator_testlib import RESOURCE_ID_RE, UUID_RE, World, raises_code

# --- create -------------------------------------------------------------------------------


def test_create_user_gives_uuid_and_disabled_user_without_email(world: World) -> None:
    uid = world.wm.create_user(OrganizationId=world.org, Name="dave", DisplayName="Dave D")["UserId"]
    assert UUID_RE.match(uid)
    desc = world.wm.describe_user(OrganizationId=world.org, UserId=uid)
    assert desc["UserId"] == uid
    assert desc["Name"] == "dave"
    assert desc["DisplayName"] == "Dave D"
    assert desc["State"] == "DISABLED"
    assert desc["UserRole"] == "USER"
    assert "Email" not in desc


def test_create_group_gives_uuid_and_disabled_group_without_email(world: World) -> None:
    gid = world.wm.create_group(OrganizationId=world.org, Name="ops")["GroupId"]
    assert UUID_RE.match(gid)
    desc = world.wm.describe_group(OrganizationId=world.org, GroupId=gid)
    assert (desc["GroupId"], desc["Name"], desc["State"]) == (gid, "ops", "DISABLED")
    assert "Email" not in desc


def test_create_resource_gives_r_id_and_disabled_resource_without_email(world: World) -> None:
    rid = world.wm.create_resource(OrganizationId=world.org, Name="beamer", Type="EQUIPMENT", Description="Projector")[
        "ResourceId"
    ]
    assert RESOURCE_ID_RE.match(rid)
    desc = world.wm.describe_resource(OrganizationId=world.org, ResourceId=rid)
    assert desc["ResourceId"] == rid
    assert desc["Name"] == "beamer"
    assert desc["Type"] == "EQUIPMENT"
    assert desc["Description"] == "Projector"
    assert desc["State"] == "DISABLED"
    assert "Email" not in desc


def test_entity_ids_are_unique(world: World) -> None:
    made = {world.wm.create_user(OrganizationId=world.org, Name=f"u{i}", DisplayName="U")["UserId"] for i in range(5)}
    made |= {world.wm.create_group(OrganizationId=world.org, Name=f"g{i}")["GroupId"] for i in range(5)}
    assert len(made) == 10
    assert not made & set(world.ids.values())


def test_seeded_entity_ids_have_the_documented_formats(world: World) -> None:
    for name in ("alice", "bob", "carol", "sales"):
        assert UUID_RE.match(world.ids[name]), name
    assert RESOURCE_ID_RE.match(world.ids["room-1"])


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("create_user", {"Name": "bob", "DisplayName": "Other Bob"}),
        ("create_user", {"Name": "BOB", "DisplayName": "Other Bob"}),
        ("create_group", {"Name": "bob"}),
        ("create_resource", {"Name": "Sales", "Type": "ROOM"}),
        ("create_group", {"Name": "room-1"}),
    ],
)
def test_name_taken_by_any_entity_type_gives_name_availability(world: World, method: str, args: dict[str, Any]) -> None:
    with raises_code("NameAvailabilityException"):
        getattr(world.wm, method)(OrganizationId=world.org, **args)


@pytest.mark.parametrize("name", ["administrator", "root", "postmaster"])
def test_reserved_names_give_reserved_name_exception(world: World, name: str) -> None:
    with raises_code("ReservedNameException"):
        world.wm.create_user(OrganizationId=world.org, Name=name, DisplayName="X")
    with raises_code("ReservedNameException"):
        world.wm.create_group(OrganizationId=world.org, Name=name)


def test_reserved_names_setting_replaces_the_list(world: World) -> None:
    world.settings(reserved_names=["ceo"])
    with raises_code("ReservedNameException"):
        world.wm.create_resource(OrganizationId=world.org, Name="ceo", Type="ROOM")
    uid = world.wm.create_user(OrganizationId=world.org, Name="root", DisplayName="Root")["UserId"]
    assert world.wm.describe_user(OrganizationId=world.org, UserId=uid)["Name"] == "root"


def test_weak_password_gives_invalid_password(world: World) -> None:
    with pytest.raises(world.wm.exceptions.InvalidPasswordException):
        world.wm.create_user(OrganizationId=world.org, Name="dave", DisplayName="Dave", Password="a")
    names = {u["Name"] for u in world.list_all("list_users", "Users")}
    assert "dave" not in names


def test_strong_password_is_accepted(world: World) -> None:
    uid = world.wm.create_user(OrganizationId=world.org, Name="dave", DisplayName="Dave", Password="Str0ng-Passw0rd!")[
        "UserId"
    ]
    assert world.user(uid)["Name"] == "dave"


# --- register / deregister -----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["USER", "GROUP", "RESOURCE"])
def test_register_to_workmail_enables_entity_with_primary(world: World, kind: str) -> None:
    if kind == "USER":
        eid = world.wm.create_user(OrganizationId=world.org, Name="dave", DisplayName="Dave")["UserId"]
    elif kind == "GROUP":
        eid = world.wm.create_group(OrganizationId=world.org, Name="ops")["GroupId"]
    else:
        eid = world.wm.create_resource(OrganizationId=world.org, Name="desk", Type="EQUIPMENT")["ResourceId"]
    world.wm.register_to_work_mail(OrganizationId=world.org, EntityId=eid, Email="new@example.com")
    desc = world.describe(eid, kind)
    assert desc["State"] == "ENABLED"
    assert desc["Email"] == "new@example.com"
    assert desc["EnabledDate"] is not None
    assert world.aliases(eid) == []
    found = world.wm.describe_entity(OrganizationId=world.org, Email="new@example.com")
    assert (found["EntityId"], found["Type"]) == (eid, kind)


def test_register_to_workmail_by_name(world: World) -> None:
    world.wm.register_to_work_mail(OrganizationId=world.org, EntityId="carol", Email="carol@example.com")
    desc = world.user(world.ids["carol"])
    assert (desc["State"], desc["Email"]) == ("ENABLED", "carol@example.com")


def test_register_to_workmail_on_test_domain(world: World) -> None:
    world.wm.register_to_work_mail(OrganizationId=world.org, EntityId="carol", Email="carol@acme.awsapps.com")
    assert world.user("carol")["Email"] == "carol@acme.awsapps.com"


def test_register_already_enabled_entity_with_same_email_is_noop(world: World) -> None:
    world.wm.register_to_work_mail(OrganizationId=world.org, EntityId="alice", Email="alice@example.com")
    desc = world.user("alice")
    assert (desc["State"], desc["Email"]) == ("ENABLED", "alice@example.com")
    assert world.aliases(world.ids["alice"]) == ["al@example.com"]


def test_register_already_enabled_entity_with_other_email_gives_already_registered(world: World) -> None:
    with pytest.raises(world.wm.exceptions.EntityAlreadyRegisteredException):
        world.wm.register_to_work_mail(OrganizationId=world.org, EntityId="alice", Email="alice2@example.com")
    assert world.user("alice")["Email"] == "alice@example.com"


@pytest.mark.parametrize(
    ("email", "code"),
    [
        ("alice@example.com", "EmailAddressInUseException"),
        ("AL@EXAMPLE.COM", "EmailAddressInUseException"),
        ("sales@example.com", "EmailAddressInUseException"),
        ("carol@unregistered.example", "MailDomainNotFoundException"),
        ("carol@pending.example", "MailDomainStateException"),
    ],
)
def test_register_to_workmail_email_rules(world: World, email: str, code: str) -> None:
    with raises_code(code):
        world.wm.register_to_work_mail(OrganizationId=world.org, EntityId="carol", Email=email)
    desc = world.user("carol")
    assert desc["State"] == "DISABLED"
    assert "Email" not in desc


def test_register_unknown_entity_gives_entity_not_found(world: World) -> None:
    with raises_code("EntityNotFoundException"):
        world.wm.register_to_work_mail(OrganizationId=world.org, EntityId="nobody", Email="nobody@example.com")


def test_register_deleted_entity_gives_entity_state(world: World) -> None:
    carol = world.ids["carol"]
    world.wm.delete_user(OrganizationId=world.org, UserId=carol)
    with raises_code("EntityStateException"):
        world.wm.register_to_work_mail(OrganizationId=world.org, EntityId=carol, Email="carol@example.com")


def test_deregister_disables_and_drops_primary_and_aliases(world: World) -> None:
    alice = world.ids["alice"]
    world.wm.deregister_from_work_mail(OrganizationId=world.org, EntityId=alice)
    desc = world.user(alice)
    assert desc["State"] == "DISABLED"
    assert "Email" not in desc
    assert world.aliases(alice) == []
    with raises_code("EntityNotFoundException"):
        world.wm.describe_entity(OrganizationId=world.org, Email="alice@example.com")


def test_deregister_frees_primary_and_aliases_for_others(world: World) -> None:
    world.wm.deregister_from_work_mail(OrganizationId=world.org, EntityId="alice")
    world.wm.register_to_work_mail(OrganizationId=world.org, EntityId="carol", Email="alice@example.com")
    world.wm.create_alias(OrganizationId=world.org, EntityId=world.ids["bob"], Alias="al@example.com")
    assert world.user("carol")["Email"] == "alice@example.com"
    assert "al@example.com" in world.aliases(world.ids["bob"])


def test_reregister_after_deregister_starts_without_old_aliases(world: World) -> None:
    alice = world.ids["alice"]
    world.wm.deregister_from_work_mail(OrganizationId=world.org, EntityId=alice)
    world.wm.register_to_work_mail(OrganizationId=world.org, EntityId=alice, Email="alice@example.com")
    assert world.user(alice)["State"] == "ENABLED"
    assert world.aliases(alice) == []


@pytest.mark.parametrize("ident", ["bob", "bob@example.com", "BOB@Example.com"])
def test_deregister_resolves_id_name_or_email(world: World, ident: str) -> None:
    world.wm.deregister_from_work_mail(OrganizationId=world.org, EntityId=ident)
    assert world.user(world.ids["bob"])["State"] == "DISABLED"


def test_deregister_disabled_entity_is_noop(world: World) -> None:
    world.wm.deregister_from_work_mail(OrganizationId=world.org, EntityId="carol")
    assert world.user("carol")["State"] == "DISABLED"


def test_deregister_deleted_entity_gives_entity_state(world: World) -> None:
    carol = world.ids["carol"]
    world.wm.delete_user(OrganizationId=world.org, UserId=carol)
    with raises_code("EntityStateException"):
        world.wm.deregister_from_work_mail(OrganizationId=world.org, EntityId=carol)


def test_deregister_unknown_entity_gives_entity_not_found(world: World) -> None:
    with raises_code("EntityNotFoundException"):
        world.wm.deregister_from_work_mail(OrganizationId=world.org, EntityId="nobody")


# --- delete ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "key", "name", "kind"),
    [
        ("delete_user", "UserId", "alice", "USER"),
        ("delete_group", "GroupId", "sales", "GROUP"),
        ("delete_resource", "ResourceId", "room-1", "RESOURCE"),
    ],
)
def test_delete_enabled_entity_gives_entity_state(world: World, method: str, key: str, name: str, kind: str) -> None:
    with raises_code("EntityStateException"):
        getattr(world.wm, method)(OrganizationId=world.org, **{key: world.ids[name]})
    assert world.describe(world.ids[name], kind)["State"] == "ENABLED"


@pytest.mark.parametrize(
    ("method", "key", "name", "kind", "list_method", "list_key"),
    [
        ("delete_user", "UserId", "bob", "USER", "list_users", "Users"),
        ("delete_group", "GroupId", "sales", "GROUP", "list_groups", "Groups"),
        ("delete_resource", "ResourceId", "room-1", "RESOURCE", "list_resources", "Resources"),
    ],
)
def test_deleted_entity_stays_describable_and_listable_as_deleted(
    world: World, method: str, key: str, name: str, kind: str, list_method: str, list_key: str
) -> None:
    eid = world.ids[name]
    world.wm.deregister_from_work_mail(OrganizationId=world.org, EntityId=eid)
    getattr(world.wm, method)(OrganizationId=world.org, **{key: eid})
    assert world.describe(eid, kind)["State"] == "DELETED"
    items = {i["Id"]: i for i in world.list_all(list_method, list_key)}
    assert items[eid]["State"] == "DELETED"
    filtered = world.list_all(list_method, list_key, Filters={"State": "DELETED"})
    assert [i["Id"] for i in filtered] == [eid]


def test_delete_disabled_user_by_name(world: World) -> None:
    world.wm.delete_user(OrganizationId=world.org, UserId="carol")
    assert world.user(world.ids["carol"])["State"] == "DELETED"


def test_delete_already_deleted_entity_is_noop(world: World) -> None:
    carol = world.ids["carol"]
    world.wm.delete_user(OrganizationId=world.org, UserId=carol)
    world.wm.delete_user(OrganizationId=world.org, UserId=carol)
    assert world.user(carol)["State"] == "DELETED"


@pytest.mark.parametrize(
    ("method", "key"), [("delete_user", "UserId"), ("delete_group", "GroupId"), ("delete_resource", "ResourceId")]
)
def test_delete_unknown_entity_gives_entity_not_found(world: World, method: str, key: str) -> None:
    with raises_code("EntityNotFoundException"):
        getattr(world.wm, method)(OrganizationId=world.org, **{key: "nobody"})


def test_deleted_entity_name_can_be_reused(world: World) -> None:
    world.wm.delete_user(OrganizationId=world.org, UserId="carol")
    new_id = world.wm.create_user(OrganizationId=world.org, Name="carol", DisplayName="Carol 2")["UserId"]
    assert new_id != world.ids["carol"]
    assert world.user(new_id)["State"] == "DISABLED"


def test_delete_user_with_group_id_does_not_delete_the_group(world: World) -> None:
    world.wm.deregister_from_work_mail(OrganizationId=world.org, EntityId="sales")
    with pytest.raises(ClientError):
        world.wm.delete_user(OrganizationId=world.org, UserId=world.ids["sales"])
    assert world.describe(world.ids["sales"], "GROUP")["State"] == "DISABLED"


# --- resolution -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ident",
    ["<id>", "alice", "ALICE", "Alice", "alice@example.com", "Alice@Example.COM", "al@example.com", "AL@example.com"],
)
def test_describe_user_resolves_id_name_email_and_alias_case_insensitively(world: World, ident: str) -> None:
    alice = world.ids["alice"]
    desc = world.user(alice if ident == "<id>" else ident)
    assert desc["UserId"] == alice
    assert desc["Email"] == "alice@example.com"


@pytest.mark.parametrize("ident", ["<id>", "sales", "SALES", "sales@example.com", "Sales@Example.com"])
def test_describe_group_resolves_id_name_and_email(world: World, ident: str) -> None:
    gid = world.ids["sales"]
    desc = world.wm.describe_group(OrganizationId=world.org, GroupId=gid if ident == "<id>" else ident)
    assert desc["GroupId"] == gid
    assert desc["Email"] == "sales@example.com"


@pytest.mark.parametrize("ident", ["<id>", "room-1", "ROOM-1", "room-1@example.com", "ROOM-1@EXAMPLE.COM"])
def test_describe_resource_resolves_id_name_and_email(world: World, ident: str) -> None:
    rid = world.ids["room-1"]
    desc = world.wm.describe_resource(OrganizationId=world.org, ResourceId=rid if ident == "<id>" else ident)
    assert desc["ResourceId"] == rid
    assert desc["Type"] == "ROOM"


@pytest.mark.parametrize(
    ("method", "key", "ident"),
    [
        ("describe_user", "UserId", "sales"),
        ("describe_user", "UserId", "room-1@example.com"),
        ("describe_group", "GroupId", "alice"),
        ("describe_resource", "ResourceId", "bob@example.com"),
        ("describe_user", "UserId", "nobody"),
        ("describe_user", "UserId", "nobody@example.com"),
    ],
)
def test_describe_with_identifier_of_other_type_or_unknown_gives_entity_not_found(
    world: World, method: str, key: str, ident: str
) -> None:
    with raises_code("EntityNotFoundException"):
        getattr(world.wm, method)(OrganizationId=world.org, **{key: ident})


def test_describe_user_by_id_of_group_gives_entity_not_found(world: World) -> None:
    with raises_code("EntityNotFoundException"):
        world.user(world.ids["sales"])


def test_entities_do_not_leak_between_organizations(world: World) -> None:
    other = world.seed(
        {
            "organizations": [
                {
                    "alias": "globex",
                    "domains": [{"name": "other.example", "verified": True}],
                    "users": [{"name": "gus", "display_name": "Gus", "email": "gus@other.example"}],
                }
            ]
        }
    )
    gus = other["organizations"]["globex"]["users"]["gus"]
    with raises_code("EntityNotFoundException"):
        world.user(gus)
    with raises_code("EntityNotFoundException"):
        world.user("gus")


@pytest.mark.parametrize(
    ("email", "name", "kind", "key"),
    [
        ("alice@example.com", "alice", "USER", "alice"),
        ("ALICE@EXAMPLE.COM", "alice", "USER", "alice"),
        ("sales@example.com", "sales", "GROUP", "sales"),
        ("room-1@example.com", "room-1", "RESOURCE", "room-1"),
    ],
)
def test_describe_entity_by_primary_email(world: World, email: str, name: str, kind: str, key: str) -> None:
    out = world.wm.describe_entity(OrganizationId=world.org, Email=email)
    assert out["EntityId"] == world.ids[key]
    assert out["Name"] == name
    assert out["Type"] == kind


def test_describe_entity_resolves_alias_by_default(world: World) -> None:
    out = world.wm.describe_entity(OrganizationId=world.org, Email="Al@Example.com")
    assert out["EntityId"] == world.ids["alice"]


def test_describe_entity_alias_resolution_can_be_switched_off(world: World) -> None:
    world.settings(describe_entity_resolves_aliases=False)
    with raises_code("EntityNotFoundException"):
        world.wm.describe_entity(OrganizationId=world.org, Email="al@example.com")
    assert (
        world.wm.describe_entity(OrganizationId=world.org, Email="alice@example.com")["EntityId"]
        == (world.ids["alice"])
    )


def test_describe_entity_unknown_email_gives_entity_not_found(world: World) -> None:
    with raises_code("EntityNotFoundException"):
        world.wm.describe_entity(OrganizationId=world.org, Email="ghost@example.com")


# --- listing --------------------------------------------------------------------------------


def test_list_users_shows_all_states_and_system_user(world: World) -> None:
    users = {u["Name"]: u for u in world.list_all("list_users", "Users")}
    assert {"alice", "bob", "carol"} <= set(users)
    assert users["alice"]["State"] == "ENABLED"
    assert users["alice"]["Email"] == "alice@example.com"
    assert users["alice"]["DisplayName"] == "Alice"
    assert users["alice"]["Id"] == world.ids["alice"]
    assert users["carol"]["State"] == "DISABLED"
    assert "Email" not in users["carol"]
    system = [u for u in users.values() if u.get("UserRole") == "SYSTEM_USER"]
    assert len(system) == 1
    assert system[0]["State"] == "DISABLED"
    assert "Email" not in system[0]
    assert len(users) == 4


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"UsernamePrefix": "al"}, {"alice"}),
        ({"DisplayNamePrefix": "Bo"}, {"bob"}),
        ({"PrimaryEmailPrefix": "bob@"}, {"bob"}),
        ({"State": "ENABLED"}, {"alice", "bob"}),
    ],
)
def test_list_users_filters(world: World, filters: dict[str, str], expected: set[str]) -> None:
    got = {u["Name"] for u in world.list_all("list_users", "Users", Filters=filters)}
    assert got == expected


def test_list_users_state_filter_disabled_includes_system_user(world: World) -> None:
    got = world.list_all("list_users", "Users", Filters={"State": "DISABLED"})
    assert {u["Id"] for u in got if u.get("UserRole") != "SYSTEM_USER"} == {world.ids["carol"]}
    assert len(got) == 2


def test_list_groups_and_resources_items(world: World) -> None:
    (group,) = world.list_all("list_groups", "Groups")
    assert (group["Id"], group["Name"], group["Email"], group["State"]) == (
        world.ids["sales"],
        "sales",
        "sales@example.com",
        "ENABLED",
    )
    (res,) = world.list_all("list_resources", "Resources")
    assert (res["Id"], res["Name"], res["Email"], res["Type"], res["State"]) == (
        world.ids["room-1"],
        "room-1",
        "room-1@example.com",
        "ROOM",
        "ENABLED",
    )


def test_list_groups_name_prefix_filter(world: World) -> None:
    world.wm.create_group(OrganizationId=world.org, Name="salesforce")
    world.wm.create_group(OrganizationId=world.org, Name="ops")
    got = {g["Name"] for g in world.list_all("list_groups", "Groups", Filters={"NamePrefix": "sales"})}
    assert got == {"sales", "salesforce"}


def test_list_resources_primary_email_prefix_filter(world: World) -> None:
    rid = world.wm.create_resource(OrganizationId=world.org, Name="room-2", Type="ROOM")["ResourceId"]
    world.wm.register_to_work_mail(OrganizationId=world.org, EntityId=rid, Email="board@example.com")
    got = world.list_all("list_resources", "Resources", Filters={"PrimaryEmailPrefix": "board"})
    assert [r["Id"] for r in got] == [rid]


def test_list_items_carry_timestamps_for_enabled_entities(world: World) -> None:
    users = {u["Name"]: u for u in world.list_all("list_users", "Users")}
    assert users["alice"]["EnabledDate"].year >= 2020


def test_seeded_entity_state_override(emu: Emulator) -> None:
    status, body = emu.admin(
        "POST",
        "/_emulator/seed",
        {
            "organizations": [
                {
                    "alias": "states",
                    "users": [
                        {"name": "gone", "display_name": "Gone", "state": "DELETED"},
                        {"name": "off", "display_name": "Off", "state": "DISABLED"},
                    ],
                }
            ]
        },
    )
    assert status == 200, body
    org = body["organizations"]["states"]
    wm = emu.client()
    assert wm.describe_user(OrganizationId=org["id"], UserId=org["users"]["gone"])["State"] == "DELETED"
    assert wm.describe_user(OrganizationId=org["id"], UserId=org["users"]["off"])["State"] == "DISABLED"
