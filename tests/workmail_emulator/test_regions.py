"""Regions: an organization lives in one, and a request signed for another region does not find it, as
each AWS region is a WorkMail service of its own (one emulator URL serves them all)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from workmail_emulator import Emulator, running

from .emulator_testlib import emulator, raises_code

SEED = {
    "organizations": [
        {"alias": "home", "users": [{"name": "alice", "email": "alice@home.awsapps.com"}]},
        {"alias": "abroad", "region": "eu-west-1", "users": [{"name": "bob", "email": "bob@abroad.awsapps.com"}]},
    ]
}


@pytest.fixture
def regional() -> Iterator[Emulator]:
    with emulator(seed=SEED) as e:
        yield e


def _org(emu: Emulator, alias: str) -> str:
    assert emu.seed_result is not None
    org_id: str = emu.seed_result["organizations"][alias]["id"]
    return org_id


def test_an_organization_is_found_only_by_requests_signed_for_its_region(regional: Emulator) -> None:
    abroad, home = _org(regional, "abroad"), _org(regional, "home")
    here, there = regional.client(), regional.client(region_name="eu-west-1")
    assert there.describe_organization(OrganizationId=abroad)["Alias"] == "abroad"
    assert here.describe_organization(OrganizationId=home)["Alias"] == "home"
    with raises_code("OrganizationNotFoundException"):
        here.list_users(OrganizationId=abroad)
    with raises_code("OrganizationNotFoundException"):
        there.describe_organization(OrganizationId=home)


def test_list_organizations_lists_those_of_the_requests_region(regional: Emulator) -> None:
    def aliases(region: str) -> set[str]:
        listed = regional.client(region_name=region).list_organizations()["OrganizationSummaries"]
        return {o["Alias"] for o in listed}

    assert aliases("us-east-1") == {"home"}
    assert aliases("eu-west-1") == {"abroad"}
    assert aliases("ap-south-1") == set()


def test_an_organization_is_created_in_the_region_of_the_request(bare_emu: Emulator) -> None:
    there = bare_emu.client(region_name="eu-west-1")
    org_id = there.create_organization(Alias="newco")["OrganizationId"]
    described = there.describe_organization(OrganizationId=org_id)
    assert described["ARN"].startswith("arn:aws:workmail:eu-west-1:")
    with raises_code("OrganizationNotFoundException"):
        bare_emu.client().describe_organization(OrganizationId=org_id)


def test_an_organizations_region_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with running(seed=SEED, state_file=state) as first:
        abroad = _org(first, "abroad")
    with running(state_file=state) as second:
        assert second.client(region_name="eu-west-1").describe_organization(OrganizationId=abroad)["Alias"] == "abroad"
        with raises_code("OrganizationNotFoundException"):
            second.client().describe_organization(OrganizationId=abroad)


@pytest.mark.parametrize("region", ["Europe", 7, "eu_west_1"])
def test_a_seed_with_a_malformed_region_is_refused_whole(bare_emu: Emulator, region: object) -> None:
    status, body = bare_emu.admin("POST", "/_emulator/seed", {"organizations": [{"alias": "x", "region": region}]})
    assert status >= 400 and "region" in str(body), body
    assert bare_emu.client().list_organizations()["OrganizationSummaries"] == []
