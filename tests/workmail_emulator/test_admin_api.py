"""Admin API under /_emulator/ and the in-process `running()` contract."""

from __future__ import annotations

import socket
from typing import Any
from urllib.parse import urlsplit

import pytest

from workmail_emulator import Emulator, running

from .emulator_testlib import ORG_ID_RE, RESOURCE_ID_RE, UUID_RE, World, raises_code, raw_call, standard_seed

EXPECTED_DEFAULT_SETTINGS: dict[str, Any] = {
    "same_primary_update": "noop",
    "list_aliases_includes_primary": False,
    "describe_entity_resolves_aliases": True,
    "alias_ops_resolve_names": False,
    "create_alias_own_primary": "EmailAddressInUseException",
    "alias_limit": 100,
    "alias_limit_on_update": "allow",
    "page_size": 100,
    "activation_describes": 0,
    "deregister_default_or_test_domain": "InvalidParameterException",
    "reserved_names": ["administrator", "root", "postmaster"],
}


# --- running() ------------------------------------------------------------------------------


def test_running_yields_url_backend_and_seed_result() -> None:
    with running(seed=standard_seed()) as emu:
        assert emu.url.startswith("http://127.0.0.1:")
        result = emu.seed_result
        assert result is not None
        org_id = result["organizations"]["acme"]["id"]
        assert ORG_ID_RE.match(org_id)
        org = emu.backend.organizations[org_id]
        assert org.alias == "acme"
        assert org.default_domain == "acme.awsapps.com"
        assert set(org.domains) == {"acme.awsapps.com", "example.com", "pending.example"}
        assert org.domains["example.com"].verified is True
        assert org.domains["pending.example"].verified is False
        assert org.domains["acme.awsapps.com"].is_test is True
        alice = org.entities[result["organizations"]["acme"]["users"]["alice"]]
        assert (alice.type, alice.name, alice.state, alice.email) == ("USER", "alice", "ENABLED", "alice@example.com")
        assert alice.aliases == ["al@example.com"]
        port = urlsplit(emu.url).port
        assert port is not None
    # After the context exits the port no longer accepts connections.
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_running_without_seed_has_no_seed_result_and_no_orgs() -> None:
    with running() as emu:
        assert emu.seed_result is None
        assert emu.backend.organizations == {}
        assert emu.client().list_organizations()["OrganizationSummaries"] == []


def test_backend_reflects_api_writes(world: World) -> None:
    world.wm.update_primary_email_address(OrganizationId=world.org, EntityId="alice", Email="al@example.com")
    ent = world.emu.backend.organizations[world.org].entities[world.ids["alice"]]
    assert ent.email == "al@example.com"
    assert ent.aliases == ["alice@example.com"]


def test_two_emulators_are_independent() -> None:
    with running(seed=standard_seed()) as a, running() as b:
        assert a.url != b.url
        assert len(a.client().list_organizations()["OrganizationSummaries"]) == 1
        assert b.client().list_organizations()["OrganizationSummaries"] == []


# --- reset ----------------------------------------------------------------------------------


def test_reset_empties_all_state(world: World) -> None:
    status, _ = world.admin("POST", "/_emulator/reset")
    assert status == 200
    assert world.wm.list_organizations()["OrganizationSummaries"] == []
    with raises_code("OrganizationNotFoundException"):
        world.wm.describe_organization(OrganizationId=world.org)
    assert world.emu.backend.organizations == {}


def test_reset_frees_aliases_and_domains_for_reuse(world: World) -> None:
    world.admin("POST", "/_emulator/reset")
    again = world.seed(standard_seed())
    assert again["organizations"]["acme"]["id"] != ""
    org = again["organizations"]["acme"]["id"]
    assert world.wm.describe_user(OrganizationId=org, UserId="alice")["Email"] == "alice@example.com"


# --- seed -----------------------------------------------------------------------------------


def test_seed_returns_ids_by_alias_and_name(bare_emu: Emulator) -> None:
    status, body = bare_emu.admin("POST", "/_emulator/seed", standard_seed())
    assert status == 200
    acme = body["organizations"]["acme"]
    assert ORG_ID_RE.match(acme["id"])
    assert set(acme["users"]) == {"alice", "bob", "carol"}
    assert set(acme["groups"]) == {"sales"}
    assert set(acme["resources"]) == {"room-1"}
    assert all(UUID_RE.match(v) for v in acme["users"].values())
    assert UUID_RE.match(acme["groups"]["sales"])
    assert RESOURCE_ID_RE.match(acme["resources"]["room-1"])


def test_seeded_state_is_visible_through_boto3(bare_emu: Emulator) -> None:
    _, body = bare_emu.admin("POST", "/_emulator/seed", standard_seed())
    acme = body["organizations"]["acme"]
    wm = bare_emu.client()
    org = acme["id"]
    alice = wm.describe_user(OrganizationId=org, UserId=acme["users"]["alice"])
    assert (alice["Name"], alice["DisplayName"], alice["State"], alice["Email"]) == (
        "alice",
        "Alice",
        "ENABLED",
        "alice@example.com",
    )
    assert wm.list_aliases(OrganizationId=org, EntityId=acme["users"]["alice"])["Aliases"] == ["al@example.com"]
    carol = wm.describe_user(OrganizationId=org, UserId=acme["users"]["carol"])
    assert carol["State"] == "DISABLED" and "Email" not in carol
    group = wm.describe_group(OrganizationId=org, GroupId=acme["groups"]["sales"])
    assert (group["State"], group["Email"]) == ("ENABLED", "sales@example.com")
    res = wm.describe_resource(OrganizationId=org, ResourceId=acme["resources"]["room-1"])
    assert (res["State"], res["Email"], res["Type"]) == ("ENABLED", "room-1@example.com", "ROOM")
    desc = wm.describe_organization(OrganizationId=org)
    assert (desc["State"], desc["DefaultMailDomain"]) == ("Active", "acme.awsapps.com")
    users = wm.list_users(OrganizationId=org)["Users"]
    assert sum(1 for u in users if u.get("UserRole") == "SYSTEM_USER") == 1


def test_seed_with_explicit_entity_id(bare_emu: Emulator) -> None:
    uid = "11111111-2222-4333-8444-555555555555"
    status, body = bare_emu.admin(
        "POST",
        "/_emulator/seed",
        {"organizations": [{"alias": "fixed", "users": [{"name": "fred", "display_name": "Fred", "id": uid}]}]},
    )
    assert status == 200, body
    assert body["organizations"]["fixed"]["users"]["fred"] == uid
    wm = bare_emu.client()
    assert wm.describe_user(OrganizationId=body["organizations"]["fixed"]["id"], UserId=uid)["Name"] == "fred"


def test_seed_adds_to_existing_state(world: World) -> None:
    world.seed({"organizations": [{"alias": "globex"}]})
    aliases = sorted(o["Alias"] for o in world.wm.list_organizations()["OrganizationSummaries"])
    assert aliases == ["acme", "globex"]


@pytest.mark.parametrize(
    "bad",
    [
        {"organizations": [{"alias": "x", "users": [{"name": "u", "email": "u@nowhere.example"}]}]},
        {"organizations": [{"alias": "x", "users": [{"name": "u", "email": "not-an-email"}]}]},
        {"organizations": [{"alias": "y"}, {"alias": "y"}]},
        {"organizations": "nope"},
    ],
)
def test_invalid_seed_is_rejected_with_4xx(bare_emu: Emulator, bad: dict[str, Any]) -> None:
    status, body = bare_emu.admin("POST", "/_emulator/seed", bad)
    assert 400 <= status < 500, (status, body)


def test_seed_conflicting_addresses_is_rejected(world: World) -> None:
    status, body = world.admin(
        "POST",
        "/_emulator/seed",
        {
            "organizations": [
                {
                    "alias": "dupe",
                    "domains": [{"name": "dupe.example", "verified": True}],
                    "users": [
                        {"name": "a", "display_name": "A", "email": "same@dupe.example"},
                        {"name": "b", "display_name": "B", "email": "SAME@dupe.example"},
                    ],
                }
            ]
        },
    )
    assert 400 <= status < 500, (status, body)


@pytest.mark.parametrize(
    "bad",
    [
        {"organizations": [{"alias": "acme"}]},
        {"organizations": [{"alias": "globex", "domains": [{"name": "Example.com", "verified": True}]}]},
    ],
)
def test_seed_conflicting_with_existing_state_is_rejected(world: World, bad: dict[str, Any]) -> None:
    """Seeding must keep the invariants the API enforces: unique org aliases, one org per domain."""
    status, body = world.admin("POST", "/_emulator/seed", bad)
    assert 400 <= status < 500, (status, body)
    assert [o["Alias"] for o in world.wm.list_organizations()["OrganizationSummaries"]] == ["acme"]


# --- verify ---------------------------------------------------------------------------------


def test_verify_marks_registered_domain_verified(world: World) -> None:
    world.verify("pending.example")
    out = world.wm.get_mail_domain(OrganizationId=world.org, DomainName="pending.example")
    assert out["OwnershipVerificationStatus"] == "VERIFIED"
    assert world.emu.backend.organizations[world.org].domains["pending.example"].verified is True


def test_verify_is_case_insensitive_on_domain(world: World) -> None:
    world.verify("PENDING.Example")
    out = world.wm.get_mail_domain(OrganizationId=world.org, DomainName="pending.example")
    assert out["OwnershipVerificationStatus"] == "VERIFIED"


@pytest.mark.parametrize(
    "body",
    [
        {"organization_id": "<org>", "domain": "unregistered.example"},
        {"organization_id": "m-" + "0" * 32, "domain": "pending.example"},
        {"domain": "pending.example"},
    ],
)
def test_verify_unknown_domain_or_org_fails(world: World, body: dict[str, str]) -> None:
    payload = {k: world.org if v == "<org>" else v for k, v in body.items()}
    status, _ = world.admin("POST", "/_emulator/domains/verify", payload)
    assert 400 <= status < 500


# --- stats ----------------------------------------------------------------------------------


def test_stats_count_calls_per_operation(world: World) -> None:
    world.admin("POST", "/_emulator/stats/reset")
    for _ in range(3):
        world.wm.describe_user(OrganizationId=world.org, UserId="alice")
    world.wm.list_users(OrganizationId=world.org)
    with raises_code("EntityNotFoundException"):
        world.wm.describe_user(OrganizationId=world.org, UserId="nobody")
    status, stats = world.admin("GET", "/_emulator/stats")
    assert status == 200
    assert stats["calls"] == {"DescribeUser": 4, "ListUsers": 1}
    assert stats["total"] == 5


def test_stats_reset_zeroes_counters(world: World) -> None:
    world.wm.list_users(OrganizationId=world.org)
    status, _ = world.admin("POST", "/_emulator/stats/reset")
    assert status == 200
    _, stats = world.admin("GET", "/_emulator/stats")
    assert stats["total"] == 0
    assert sum(stats["calls"].values()) == 0
    world.wm.list_groups(OrganizationId=world.org)
    _, stats = world.admin("GET", "/_emulator/stats")
    assert stats["calls"].get("ListGroups") == 1
    assert stats["total"] == 1


def test_stats_are_not_changed_by_admin_calls(world: World) -> None:
    world.admin("POST", "/_emulator/stats/reset")
    world.admin("GET", "/_emulator/settings")
    world.admin("GET", "/_emulator/stats")
    _, stats = world.admin("GET", "/_emulator/stats")
    assert stats["total"] == 0


def test_stats_count_validation_failures_by_operation(world: World) -> None:
    world.admin("POST", "/_emulator/stats/reset")
    with raises_code("InvalidParameterException"):
        world.wm.list_users(OrganizationId=world.org, MaxResults=101)
    _, stats = world.admin("GET", "/_emulator/stats")
    assert stats["calls"].get("ListUsers") == 1


# --- settings -------------------------------------------------------------------------------


def test_get_settings_returns_all_defaults(world: World) -> None:
    status, settings = world.admin("GET", "/_emulator/settings")
    assert status == 200
    for key, value in EXPECTED_DEFAULT_SETTINGS.items():
        assert settings[key] == value, key


def test_post_settings_changes_only_given_keys(world: World) -> None:
    status, _ = world.admin("POST", "/_emulator/settings", {"page_size": 7, "list_aliases_includes_primary": True})
    assert status == 200
    _, settings = world.admin("GET", "/_emulator/settings")
    assert settings["page_size"] == 7
    assert settings["list_aliases_includes_primary"] is True
    assert settings["alias_limit"] == 100
    assert settings["same_primary_update"] == "noop"


def test_settings_given_to_running_are_reported() -> None:
    with running(settings={"alias_limit": 5, "same_primary_update": "EmailAddressInUseException"}) as emu:
        status, settings = emu.admin("GET", "/_emulator/settings")
        assert status == 200
        assert settings["alias_limit"] == 5
        assert settings["same_primary_update"] == "EmailAddressInUseException"


@pytest.mark.parametrize(
    "body",
    [
        {"no_such_setting": 1},
        {"same_primary_update": "bogus"},
        {"alias_limit": "many"},
    ],
)
def test_bad_settings_are_rejected_and_change_nothing(world: World, body: dict[str, Any]) -> None:
    status, _ = world.admin("POST", "/_emulator/settings", body)
    assert 400 <= status < 500
    _, settings = world.admin("GET", "/_emulator/settings")
    for key, value in EXPECTED_DEFAULT_SETTINGS.items():
        assert settings[key] == value, key


def test_reset_keeps_working_after_settings_change(world: World) -> None:
    world.settings(page_size=1)
    world.admin("POST", "/_emulator/reset")
    world.seed(standard_seed())
    org = world.wm.list_organizations()["OrganizationSummaries"][0]["OrganizationId"]
    assert len(world.wm.list_users(OrganizationId=org)["Users"]) == 1


# --- general --------------------------------------------------------------------------------


def test_admin_api_needs_no_aws_auth(world: World) -> None:
    resp = raw_call(world.emu.url, None, b"", auth=None, method="GET", path="/_emulator/stats")
    assert resp.status == 200
    assert "total" in resp.json()


def test_unknown_admin_path_gives_404(world: World) -> None:
    status, _ = world.admin("GET", "/_emulator/nope")
    assert status == 404


def test_admin_json_body_that_is_not_json_gives_400(world: World) -> None:
    resp = raw_call(world.emu.url, None, b"{nope", auth=None, path="/_emulator/seed")
    assert resp.status == 400


def test_a_seed_with_a_part_of_the_wrong_type_answers_400_and_applies_nothing() -> None:
    with running() as emu:
        status, body = emu.admin(
            "POST", "/_emulator/seed", {"organizations": [{"alias": "fine"}, {"alias": "c", "domains": [{"name": 5}]}]}
        )
        assert status == 400 and "invalid seed" in body["error"], body
        assert emu.admin("GET", "/_emulator/state")[1]["organizations"] == [], "not even the first organization"


def test_a_page_size_of_zero_is_refused() -> None:
    with running() as emu:
        status, body = emu.admin("POST", "/_emulator/settings", {"page_size": 0})
        assert status == 400 and "page_size must be from 1 to 1000" in body["error"], body
