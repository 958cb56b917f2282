"""Mail domains: register, get, list, deregister, default, verification, and a domain still in use."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from workmail_emulator import Emulator

from .emulator_testlib import World, raises_code

if TYPE_CHECKING:
    from mypy_boto3_workmail.type_defs import ListMailDomainsRequestTypeDef


def _domains(world: World, org: str | None = None) -> dict[str, bool]:
    out: dict[str, bool] = {}
    args: ListMailDomainsRequestTypeDef = {"OrganizationId": org or world.org}
    while True:
        page = world.wm.list_mail_domains(**args)
        for d in page["MailDomains"]:
            assert d["DomainName"] not in out
            out[d["DomainName"]] = d["DefaultDomain"]
        if not page.get("NextToken"):
            return out
        args["NextToken"] = page["NextToken"]


def test_list_mail_domains_has_seeded_and_test_domain_with_one_default(world: World) -> None:
    domains = _domains(world)
    assert domains == {"acme.awsapps.com": True, "example.com": False, "pending.example": False}


def test_get_mail_domain_reports_verification_and_flags(world: World) -> None:
    verified = world.wm.get_mail_domain(OrganizationId=world.org, DomainName="example.com")
    assert verified["OwnershipVerificationStatus"] == "VERIFIED"
    assert verified["IsTestDomain"] is False
    assert verified["IsDefault"] is False
    assert isinstance(verified.get("Records", []), list)
    pending = world.wm.get_mail_domain(OrganizationId=world.org, DomainName="pending.example")
    assert pending["OwnershipVerificationStatus"] == "PENDING"
    test = world.wm.get_mail_domain(OrganizationId=world.org, DomainName="acme.awsapps.com")
    assert (test["IsTestDomain"], test["IsDefault"], test["OwnershipVerificationStatus"]) == (True, True, "VERIFIED")


def test_dns_records_have_documented_types(world: World) -> None:
    records = world.wm.get_mail_domain(OrganizationId=world.org, DomainName="pending.example").get("Records", [])
    for r in records:
        assert r["Type"] in {"CNAME", "A", "MX", "TXT"}
        assert r["Hostname"] and r["Value"]


def test_get_mail_domain_is_case_insensitive(world: World) -> None:
    out = world.wm.get_mail_domain(OrganizationId=world.org, DomainName="EXAMPLE.Com")
    assert out["OwnershipVerificationStatus"] == "VERIFIED"


def test_get_unknown_mail_domain_gives_mail_domain_not_found(world: World) -> None:
    with raises_code("MailDomainNotFoundException"):
        world.wm.get_mail_domain(OrganizationId=world.org, DomainName="nowhere.example")


def test_register_mail_domain_starts_pending(world: World) -> None:
    world.wm.register_mail_domain(OrganizationId=world.org, DomainName="new.example")
    assert _domains(world)["new.example"] is False
    out = world.wm.get_mail_domain(OrganizationId=world.org, DomainName="new.example")
    assert out["OwnershipVerificationStatus"] == "PENDING"
    assert out["IsTestDomain"] is False


def test_new_domain_is_unusable_until_verified(world: World) -> None:
    world.wm.register_mail_domain(OrganizationId=world.org, DomainName="new.example")
    with raises_code("MailDomainStateException"):
        world.wm.update_primary_email_address(OrganizationId=world.org, EntityId="bob", Email="bob@new.example")
    world.verify("new.example")
    assert (
        world.wm.get_mail_domain(OrganizationId=world.org, DomainName="new.example")["OwnershipVerificationStatus"]
        == "VERIFIED"
    )
    world.wm.update_primary_email_address(OrganizationId=world.org, EntityId="bob", Email="bob@new.example")
    assert world.primary(world.ids["bob"]) == "bob@new.example"


def test_reregistering_same_domain_in_same_org_is_noop(world: World) -> None:
    world.wm.register_mail_domain(OrganizationId=world.org, DomainName="example.com")
    world.wm.register_mail_domain(OrganizationId=world.org, DomainName="Example.COM")
    domains = _domains(world)
    assert len(domains) == 3
    ver = world.wm.get_mail_domain(OrganizationId=world.org, DomainName="example.com")
    assert ver["OwnershipVerificationStatus"] == "VERIFIED"


@pytest.mark.parametrize("name", ["example.com", "EXAMPLE.COM", "acme.awsapps.com"])
def test_register_domain_of_another_org_gives_mail_domain_in_use(world: World, name: str) -> None:
    seeded = world.seed({"organizations": [{"alias": "globex"}]})
    other = seeded["organizations"]["globex"]["id"]
    with raises_code("MailDomainInUseException"):
        world.wm.register_mail_domain(OrganizationId=other, DomainName=name)
    assert name.lower() not in {d.lower() for d in _domains(world, other)}


# --- default domain -------------------------------------------------------------------------


def test_update_default_mail_domain_moves_the_single_default(world: World) -> None:
    world.wm.update_default_mail_domain(OrganizationId=world.org, DomainName="example.com")
    assert _domains(world) == {"acme.awsapps.com": False, "example.com": True, "pending.example": False}
    assert world.wm.get_mail_domain(OrganizationId=world.org, DomainName="example.com")["IsDefault"] is True
    assert world.wm.get_mail_domain(OrganizationId=world.org, DomainName="acme.awsapps.com")["IsDefault"] is False
    assert world.wm.describe_organization(OrganizationId=world.org)["DefaultMailDomain"] == "example.com"


def test_update_default_mail_domain_changes_no_addresses(world: World) -> None:
    world.wm.update_default_mail_domain(OrganizationId=world.org, DomainName="example.com")
    world.wm.update_default_mail_domain(OrganizationId=world.org, DomainName="acme.awsapps.com")
    assert world.primary(world.ids["alice"]) == "alice@example.com"
    assert world.aliases(world.ids["alice"]) == ["al@example.com"]


def test_update_default_back_to_test_domain_and_to_current_default_is_accepted(world: World) -> None:
    world.wm.update_default_mail_domain(OrganizationId=world.org, DomainName="acme.awsapps.com")
    world.wm.update_default_mail_domain(OrganizationId=world.org, DomainName="example.com")
    world.wm.update_default_mail_domain(OrganizationId=world.org, DomainName="acme.awsapps.com")
    assert _domains(world)["acme.awsapps.com"] is True


def test_update_default_to_unverified_domain_gives_mail_domain_state(world: World) -> None:
    with raises_code("MailDomainStateException"):
        world.wm.update_default_mail_domain(OrganizationId=world.org, DomainName="pending.example")
    assert _domains(world)["acme.awsapps.com"] is True


def test_update_default_to_unknown_domain_gives_mail_domain_not_found(world: World) -> None:
    with raises_code("MailDomainNotFoundException"):
        world.wm.update_default_mail_domain(OrganizationId=world.org, DomainName="nowhere.example")


def test_seeded_default_domain_overrides_test_domain(bare_emu: Emulator) -> None:
    status, body = bare_emu.admin(
        "POST",
        "/_emulator/seed",
        {
            "organizations": [
                {"alias": "deflt", "domains": [{"name": "corp.example", "verified": True, "default": True}]}
            ]
        },
    )
    assert status == 200, body
    org = body["organizations"]["deflt"]["id"]
    wm = bare_emu.client()
    assert wm.describe_organization(OrganizationId=org)["DefaultMailDomain"] == "corp.example"
    listed = {d["DomainName"]: d["DefaultDomain"] for d in wm.list_mail_domains(OrganizationId=org)["MailDomains"]}
    assert listed == {"corp.example": True, "deflt.awsapps.com": False}


# --- deregister -----------------------------------------------------------------------------


def test_deregister_unused_domain_removes_it(world: World) -> None:
    world.wm.deregister_mail_domain(OrganizationId=world.org, DomainName="pending.example")
    assert "pending.example" not in _domains(world)
    with raises_code("MailDomainNotFoundException"):
        world.wm.get_mail_domain(OrganizationId=world.org, DomainName="pending.example")


def test_deregistered_domain_can_be_registered_by_another_org(world: World) -> None:
    world.wm.deregister_mail_domain(OrganizationId=world.org, DomainName="pending.example")
    other = world.seed({"organizations": [{"alias": "globex"}]})["organizations"]["globex"]["id"]
    world.wm.register_mail_domain(OrganizationId=other, DomainName="pending.example")
    assert "pending.example" in _domains(world, other)


def test_deregister_unknown_domain_gives_mail_domain_not_found(world: World) -> None:
    with raises_code("MailDomainNotFoundException"):
        world.wm.deregister_mail_domain(OrganizationId=world.org, DomainName="nowhere.example")


def test_deregister_domain_used_by_a_primary_gives_mail_domain_in_use(world: World) -> None:
    with pytest.raises(world.wm.exceptions.MailDomainInUseException):
        world.wm.deregister_mail_domain(OrganizationId=world.org, DomainName="example.com")
    assert "example.com" in _domains(world)


def test_deregister_domain_used_only_by_an_alias_gives_mail_domain_in_use(world: World) -> None:
    world.wm.register_mail_domain(OrganizationId=world.org, DomainName="alias.example")
    world.verify("alias.example")
    world.wm.create_alias(OrganizationId=world.org, EntityId=world.ids["bob"], Alias="bob@alias.example")
    with raises_code("MailDomainInUseException"):
        world.wm.deregister_mail_domain(OrganizationId=world.org, DomainName="alias.example")
    world.wm.delete_alias(OrganizationId=world.org, EntityId=world.ids["bob"], Alias="bob@alias.example")
    world.wm.deregister_mail_domain(OrganizationId=world.org, DomainName="alias.example")
    assert "alias.example" not in _domains(world)


def test_domain_stays_in_use_after_primary_moved_away(world: World) -> None:
    bob = world.ids["bob"]
    world.wm.register_mail_domain(OrganizationId=world.org, DomainName="move.example")
    world.verify("move.example")
    world.wm.update_primary_email_address(OrganizationId=world.org, EntityId=bob, Email="bob@move.example")
    world.wm.update_primary_email_address(OrganizationId=world.org, EntityId=bob, Email="bob2@example.com")
    # bob@move.example is now an alias, so the domain is still in use: moving a primary away does not free it.
    assert "bob@move.example" in world.aliases(bob)
    with raises_code("MailDomainInUseException"):
        world.wm.deregister_mail_domain(OrganizationId=world.org, DomainName="move.example")
    world.wm.delete_alias(OrganizationId=world.org, EntityId=bob, Alias="bob@move.example")
    world.wm.deregister_mail_domain(OrganizationId=world.org, DomainName="move.example")
    assert "move.example" not in _domains(world)


def test_deregister_domain_used_by_a_group_gives_mail_domain_in_use(world: World) -> None:
    world.wm.register_mail_domain(OrganizationId=world.org, DomainName="team.example")
    world.verify("team.example")
    world.wm.update_primary_email_address(
        OrganizationId=world.org, EntityId=world.ids["sales"], Email="sales@team.example"
    )
    with raises_code("MailDomainInUseException"):
        world.wm.deregister_mail_domain(OrganizationId=world.org, DomainName="team.example")


def test_domain_is_free_again_after_its_only_user_is_deregistered(world: World) -> None:
    world.wm.register_mail_domain(OrganizationId=world.org, DomainName="solo.example")
    world.verify("solo.example")
    world.wm.register_to_work_mail(OrganizationId=world.org, EntityId="carol", Email="carol@solo.example")
    with raises_code("MailDomainInUseException"):
        world.wm.deregister_mail_domain(OrganizationId=world.org, DomainName="solo.example")
    world.wm.deregister_from_work_mail(OrganizationId=world.org, EntityId="carol")
    world.wm.deregister_mail_domain(OrganizationId=world.org, DomainName="SOLO.example")
    assert "solo.example" not in _domains(world)


def test_in_use_check_is_case_insensitive(world: World) -> None:
    world.wm.register_mail_domain(OrganizationId=world.org, DomainName="case.example")
    world.verify("case.example")
    world.wm.create_alias(OrganizationId=world.org, EntityId=world.ids["bob"], Alias="Bob@CASE.Example")
    with raises_code("MailDomainInUseException"):
        world.wm.deregister_mail_domain(OrganizationId=world.org, DomainName="case.example")


def test_deregister_default_domain_gives_invalid_parameter(world: World) -> None:
    world.wm.register_mail_domain(OrganizationId=world.org, DomainName="def.example")
    world.verify("def.example")
    world.wm.update_default_mail_domain(OrganizationId=world.org, DomainName="def.example")
    with raises_code("InvalidParameterException"):
        world.wm.deregister_mail_domain(OrganizationId=world.org, DomainName="def.example")
    assert _domains(world)["def.example"] is True


def test_deregister_test_domain_gives_invalid_parameter_even_when_not_default(world: World) -> None:
    with raises_code("InvalidParameterException"):
        world.wm.deregister_mail_domain(OrganizationId=world.org, DomainName="acme.awsapps.com")
    world.wm.update_default_mail_domain(OrganizationId=world.org, DomainName="example.com")
    with raises_code("InvalidParameterException"):
        world.wm.deregister_mail_domain(OrganizationId=world.org, DomainName="acme.awsapps.com")
    assert "acme.awsapps.com" in _domains(world)


def test_deregister_default_or_test_domain_can_be_allowed(world: World) -> None:
    world.settings(deregister_default_or_test_domain="allow")
    world.wm.update_default_mail_domain(OrganizationId=world.org, DomainName="example.com")
    world.wm.deregister_mail_domain(OrganizationId=world.org, DomainName="acme.awsapps.com")
    assert "acme.awsapps.com" not in _domains(world)
    world.wm.register_mail_domain(OrganizationId=world.org, DomainName="def.example")
    world.verify("def.example")
    world.wm.update_default_mail_domain(OrganizationId=world.org, DomainName="def.example")
    world.wm.deregister_mail_domain(OrganizationId=world.org, DomainName="def.example")
    assert "def.example" not in _domains(world)


def test_list_mail_domains_pages_by_hand_with_changing_tokens(world: World) -> None:
    for i in range(3):
        world.wm.register_mail_domain(OrganizationId=world.org, DomainName=f"p{i}.example")
    seen: list[str] = []
    tokens: list[str] = []
    args: ListMailDomainsRequestTypeDef = {"OrganizationId": world.org, "MaxResults": 2}
    while True:
        page = world.wm.list_mail_domains(**args)
        assert len(page["MailDomains"]) <= 2
        seen.extend(d["DomainName"] for d in page["MailDomains"])
        token = page.get("NextToken")
        if not token:
            break
        assert token not in tokens
        tokens.append(token)
        args["NextToken"] = token
    assert len(seen) == 6 == len(set(seen))
    assert len(tokens) == 2


def test_more_than_1000_domains_gives_limit_exceeded(bare_emu: Emulator) -> None:
    domains = [{"name": f"d{i}.example", "verified": False} for i in range(1000)]
    status, body = bare_emu.admin("POST", "/_emulator/seed", {"organizations": [{"alias": "many", "domains": domains}]})
    assert status == 200, body
    wm = bare_emu.client(max_attempts=1)
    org = body["organizations"]["many"]["id"]
    with raises_code("LimitExceededException"):
        wm.register_mail_domain(OrganizationId=org, DomainName="one-more.example")
    with raises_code("MailDomainNotFoundException"):
        wm.get_mail_domain(OrganizationId=org, DomainName="one-more.example")
