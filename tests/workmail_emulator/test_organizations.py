"""Organizations: create, describe, list, delete and the org lifecycle (states, Deleted, member operations)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from workmail_emulator import Emulator, running

from .emulator_testlib import ORG_ID_RE, UNKNOWN_ORG, UUID_RE, World, emulator, raises_code

if TYPE_CHECKING:
    from mypy_boto3_workmail import WorkMailClient
    from mypy_boto3_workmail.type_defs import UserTypeDef

ARN_RE = re.compile(r"arn:aws:workmail:[a-z0-9-]*:[a-z0-9-]+:[A-Za-z0-9][A-Za-z0-9:_/+=,@.-]{0,1023}")


def _all_users(client: WorkMailClient, org_id: str) -> list[UserTypeDef]:
    users: list[UserTypeDef] = []
    for page in client.get_paginator("list_users").paginate(OrganizationId=org_id):
        users.extend(page["Users"])
    return users


def test_create_organization_returns_m_plus_32_hex_id(bare_emu: Emulator) -> None:
    wm = bare_emu.client()
    out = wm.create_organization(Alias="newco")
    assert ORG_ID_RE.match(out["OrganizationId"])


def test_new_organization_describes_active_with_test_domain_as_default(bare_emu: Emulator) -> None:
    wm = bare_emu.client()
    org_id = wm.create_organization(Alias="newco")["OrganizationId"]
    desc = wm.describe_organization(OrganizationId=org_id)
    assert desc["OrganizationId"] == org_id
    assert desc["Alias"] == "newco"
    assert desc["State"] == "Active"
    assert desc["DefaultMailDomain"] == "newco.awsapps.com"


def test_organization_arn_matches_model_pattern(bare_emu: Emulator) -> None:
    wm = bare_emu.client()
    org_id = wm.create_organization(Alias="newco")["OrganizationId"]
    arn = wm.describe_organization(OrganizationId=org_id)["ARN"]
    assert ARN_RE.fullmatch(arn)
    assert arn.endswith(f":organization/{org_id}")
    assert arn.startswith("arn:aws:workmail:us-east-1:")


def test_arn_and_dns_records_name_the_region_and_account_the_emulator_was_given() -> None:
    with running(region="eu-west-1", account_id="210987654321") as emu:
        wm = emu.client()
        org_id = wm.create_organization(Alias="newco")["OrganizationId"]
        arn = wm.describe_organization(OrganizationId=org_id)["ARN"]
        records = wm.get_mail_domain(OrganizationId=org_id, DomainName="newco.awsapps.com")["Records"]
    assert arn == f"arn:aws:workmail:eu-west-1:210987654321:organization/{org_id}"
    assert {r["Value"] for r in records} == {
        "10 inbound-smtp.eu-west-1.amazonaws.com.",
        "autodiscover.mail.eu-west-1.awsapps.com.",
    }


@pytest.mark.parametrize(("region", "account_id"), [("us-east-1", "12345"), ("US_EAST", "123456789012")])
def test_a_malformed_region_or_account_id_is_refused(region: str, account_id: str) -> None:
    with pytest.raises(ValueError, match="invalid"):
        Emulator(region=region, account_id=account_id)


def test_new_organization_has_verified_default_test_domain(bare_emu: Emulator) -> None:
    wm = bare_emu.client()
    org_id = wm.create_organization(Alias="newco")["OrganizationId"]
    dom = wm.get_mail_domain(OrganizationId=org_id, DomainName="newco.awsapps.com")
    assert dom["IsTestDomain"] is True
    assert dom["IsDefault"] is True
    assert dom["OwnershipVerificationStatus"] == "VERIFIED"
    listed = wm.list_mail_domains(OrganizationId=org_id)["MailDomains"]
    assert [d["DomainName"] for d in listed] == ["newco.awsapps.com"]
    assert listed[0]["DefaultDomain"] is True


def test_new_organization_has_one_disabled_system_user_without_email(bare_emu: Emulator) -> None:
    wm = bare_emu.client()
    org_id = wm.create_organization(Alias="newco")["OrganizationId"]
    users = _all_users(wm, org_id)
    assert len(users) == 1
    (system,) = users
    assert system["UserRole"] == "SYSTEM_USER"
    assert system["State"] == "DISABLED"
    assert "Email" not in system
    assert UUID_RE.match(system["Id"])
    desc = wm.describe_user(OrganizationId=org_id, UserId=system["Id"])
    assert desc["UserRole"] == "SYSTEM_USER"
    assert desc["State"] == "DISABLED"
    assert "Email" not in desc


def test_new_organization_test_domain_is_usable_for_primary_email(bare_emu: Emulator) -> None:
    wm = bare_emu.client()
    org_id = wm.create_organization(Alias="newco")["OrganizationId"]
    uid = wm.create_user(OrganizationId=org_id, Name="zed", DisplayName="Zed")["UserId"]
    wm.register_to_work_mail(OrganizationId=org_id, EntityId=uid, Email="zed@newco.awsapps.com")
    wm.update_primary_email_address(OrganizationId=org_id, EntityId=uid, Email="z@newco.awsapps.com")
    assert wm.describe_user(OrganizationId=org_id, UserId=uid)["Email"] == "z@newco.awsapps.com"


def test_create_organization_with_domains_registers_them(bare_emu: Emulator) -> None:
    wm = bare_emu.client()
    org_id = wm.create_organization(Alias="newco", Domains=[{"DomainName": "newco.example"}])["OrganizationId"]
    names = {d["DomainName"] for d in wm.list_mail_domains(OrganizationId=org_id)["MailDomains"]}
    assert names == {"newco.awsapps.com", "newco.example"}
    dom = wm.get_mail_domain(OrganizationId=org_id, DomainName="newco.example")
    assert dom["IsTestDomain"] is False


def test_duplicate_organization_alias_gives_name_availability(world: World) -> None:
    with raises_code("NameAvailabilityException"):
        world.wm.create_organization(Alias="acme")
    aliases = [o["Alias"] for o in world.wm.list_organizations()["OrganizationSummaries"]]
    assert aliases.count("acme") == 1


def test_same_client_token_does_not_create_a_second_organization(bare_emu: Emulator) -> None:
    # A retry carrying the same ClientToken answers with the organization the first call created.
    wm = bare_emu.client()
    first = wm.create_organization(Alias="retryco", ClientToken="tok-123")["OrganizationId"]
    second = wm.create_organization(Alias="retryco", ClientToken="tok-123")["OrganizationId"]
    assert first == second
    assert len(wm.list_organizations()["OrganizationSummaries"]) == 1


def test_more_than_100_organizations_gives_limit_exceeded(bare_emu: Emulator) -> None:
    status, body = bare_emu.admin(
        "POST", "/_emulator/seed", {"organizations": [{"alias": f"org{i}"} for i in range(99)]}
    )
    assert status == 200, body
    wm = bare_emu.client(max_attempts=1)
    wm.create_organization(Alias="org99")
    with raises_code("LimitExceededException"):
        wm.create_organization(Alias="org100")
    orgs = [o for page in wm.get_paginator("list_organizations").paginate() for o in page["OrganizationSummaries"]]
    assert len(orgs) == 100


def test_unknown_well_formed_org_id_gives_organization_not_found(world: World) -> None:
    with raises_code("OrganizationNotFoundException"):
        world.wm.describe_organization(OrganizationId=UNKNOWN_ORG)


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("list_users", {}),
        ("list_groups", {}),
        ("list_resources", {}),
        ("list_mail_domains", {}),
        ("describe_user", {"UserId": "alice"}),
        ("describe_entity", {"Email": "alice@example.com"}),
        ("update_primary_email_address", {"EntityId": "alice", "Email": "a2@example.com"}),
        ("create_user", {"Name": "dave", "DisplayName": "Dave"}),
        ("register_mail_domain", {"DomainName": "new.example"}),
        ("get_mail_domain", {"DomainName": "example.com"}),
        ("delete_organization", {"DeleteDirectory": False}),
    ],
)
def test_member_operation_on_unknown_org_gives_organization_not_found(
    world: World, method: str, args: dict[str, Any]
) -> None:
    with raises_code("OrganizationNotFoundException"):
        getattr(world.wm, method)(OrganizationId=UNKNOWN_ORG, **args)


def test_list_organizations_includes_summary_fields(world: World) -> None:
    summaries = world.wm.list_organizations()["OrganizationSummaries"]
    (acme,) = [s for s in summaries if s["OrganizationId"] == world.org]
    assert acme["Alias"] == "acme"
    assert acme["State"] == "Active"
    assert acme["DefaultMailDomain"] == "acme.awsapps.com"


def test_delete_organization_then_describe_shows_deleted(world: World) -> None:
    out = world.wm.delete_organization(OrganizationId=world.org, DeleteDirectory=False, ForceDelete=True)
    assert out["OrganizationId"] == world.org
    assert out["State"] in {"Deleting", "Deleted"}
    states = [world.wm.describe_organization(OrganizationId=world.org)["State"] for _ in range(3)]
    assert states[-1] == "Deleted"
    assert set(states) <= {"Deleting", "Deleted"}


def test_deleted_organization_is_listed_as_deleted(world: World) -> None:
    world.wm.delete_organization(OrganizationId=world.org, DeleteDirectory=False, ForceDelete=True)
    for _ in range(3):
        world.wm.describe_organization(OrganizationId=world.org)
    summaries = world.wm.list_organizations()["OrganizationSummaries"]
    (acme,) = [s for s in summaries if s["OrganizationId"] == world.org]
    assert acme["State"] == "Deleted"


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("list_users", {}),
        ("list_groups", {}),
        ("list_resources", {}),
        ("list_mail_domains", {}),
        ("describe_user", {"UserId": "alice"}),
        ("describe_group", {"GroupId": "sales"}),
        ("describe_resource", {"ResourceId": "room-1"}),
        ("describe_entity", {"Email": "alice@example.com"}),
        ("update_primary_email_address", {"EntityId": "alice", "Email": "a2@example.com"}),
        ("register_to_work_mail", {"EntityId": "carol", "Email": "carol@example.com"}),
        ("deregister_from_work_mail", {"EntityId": "bob"}),
        ("create_user", {"Name": "dave", "DisplayName": "Dave"}),
        ("create_group", {"Name": "ops"}),
        ("create_resource", {"Name": "room-2", "Type": "ROOM"}),
        ("delete_user", {"UserId": "carol"}),
        ("register_mail_domain", {"DomainName": "new.example"}),
        ("get_mail_domain", {"DomainName": "example.com"}),
        ("deregister_mail_domain", {"DomainName": "pending.example"}),
        ("update_default_mail_domain", {"DomainName": "example.com"}),
    ],
)
def test_member_operation_on_deleted_org_gives_organization_state(
    world: World, method: str, args: dict[str, Any]
) -> None:
    world.wm.delete_organization(OrganizationId=world.org, DeleteDirectory=False, ForceDelete=True)
    with raises_code("OrganizationStateException"):
        getattr(world.wm, method)(OrganizationId=world.org, **args)


@pytest.mark.parametrize("method", ["list_aliases", "create_alias", "delete_alias"])
def test_alias_operation_on_deleted_org_gives_organization_state(world: World, method: str) -> None:
    alice = world.ids["alice"]
    world.wm.delete_organization(OrganizationId=world.org, DeleteDirectory=False, ForceDelete=True)
    args: dict[str, Any] = {"OrganizationId": world.org, "EntityId": alice}
    if method != "list_aliases":
        args["Alias"] = "al@example.com"
    with raises_code("OrganizationStateException"):
        getattr(world.wm, method)(**args)


def test_delete_organization_with_enabled_users_without_force_gives_organization_state(world: World) -> None:
    with raises_code("OrganizationStateException"):
        world.wm.delete_organization(OrganizationId=world.org, DeleteDirectory=False)
    assert world.wm.describe_organization(OrganizationId=world.org)["State"] == "Active"


def test_delete_organization_without_enabled_users_needs_no_force(bare_emu: Emulator) -> None:
    wm = bare_emu.client()
    org_id = wm.create_organization(Alias="emptyco")["OrganizationId"]
    wm.delete_organization(OrganizationId=org_id, DeleteDirectory=False)
    states = [wm.describe_organization(OrganizationId=org_id)["State"] for _ in range(3)]
    assert states[-1] == "Deleted"


@pytest.fixture
def slow_emu() -> Iterator[Emulator]:
    with emulator(settings={"activation_describes": 2}) as e:
        yield e


@pytest.mark.parametrize("n", [1, 2])
def test_organization_becomes_active_after_configured_describe_calls(n: int) -> None:
    # activation_describes=n: n DescribeOrganization calls see the org still being created, the
    # next one sees it Active (0 means Active at once, so n counts the non-Active describes).
    with emulator(settings={"activation_describes": n}) as emu:
        wm = emu.client()
        org_id = wm.create_organization(Alias="slowco")["OrganizationId"]
        with raises_code("OrganizationStateException"):
            wm.list_users(OrganizationId=org_id)
        states = [wm.describe_organization(OrganizationId=org_id)["State"] for _ in range(n + 2)]
        assert all(s in {"Requested", "Creating", "Validating"} for s in states[:n]), states
        assert states[n:] == ["Active", "Active"], states
        assert len(wm.list_users(OrganizationId=org_id)["Users"]) == 1


def test_organization_not_yet_active_is_listed_with_its_state(slow_emu: Emulator) -> None:
    wm = slow_emu.client()
    org_id = wm.create_organization(Alias="slowco")["OrganizationId"]
    (summary,) = wm.list_organizations()["OrganizationSummaries"]
    assert summary["OrganizationId"] == org_id
    assert summary["State"] in {"Requested", "Creating"}


def test_seeded_org_with_explicit_id_and_state(bare_emu: Emulator) -> None:
    org_id = "m-" + "ab" * 16
    status, body = bare_emu.admin(
        "POST",
        "/_emulator/seed",
        {"organizations": [{"alias": "sleepy", "id": org_id, "state": "Inactive"}]},
    )
    assert status == 200, body
    assert body["organizations"]["sleepy"]["id"] == org_id
    wm = bare_emu.client()
    assert wm.describe_organization(OrganizationId=org_id)["State"] == "Inactive"
    with raises_code("OrganizationStateException"):
        wm.list_users(OrganizationId=org_id)


def test_update_default_mail_domain_is_reflected_in_describe_and_list(world: World) -> None:
    world.wm.update_default_mail_domain(OrganizationId=world.org, DomainName="example.com")
    assert world.wm.describe_organization(OrganizationId=world.org)["DefaultMailDomain"] == "example.com"
    summaries = world.wm.list_organizations()["OrganizationSummaries"]
    (acme,) = [s for s in summaries if s["OrganizationId"] == world.org]
    assert acme["DefaultMailDomain"] == "example.com"
