"""Authentication: a request without a SigV4 ``Authorization`` header is refused with 403.

The emulator checks that a SigV4 ``Authorization`` header is present and, when access keys are
configured (``--access-key``), that its access key id is one of them. In that mode it does not verify
signatures (test_signature_is_not_verified); ``--credentials`` does, tested in test_sigv4.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config

from workmail_emulator import Emulator

from .emulator_testlib import World, emulator, op, raises_code, sigv4_header, standard_seed

if TYPE_CHECKING:
    from mypy_boto3_workmail import WorkMailClient


def _client(url: str, key: str, **config: Any) -> WorkMailClient:
    return boto3.session.Session().client(
        "workmail",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id=key,
        aws_secret_access_key="secret",
        config=Config(retries={"total_max_attempts": 1}, **config),
    )


def test_request_without_authorization_gives_403_missing_authentication_token(world: World) -> None:
    resp = op(world.emu.url, "DescribeOrganization", {"OrganizationId": world.org}, auth=None)
    assert resp.status == 403
    assert resp.json()["__type"].split("#")[-1] == "MissingAuthenticationTokenException"
    assert resp.json()["Message"]
    assert resp.headers.get("x-amzn-requestid")


@pytest.mark.parametrize(
    "header",
    ["Basic dXNlcjpwYXNz", "AWS4-HMAC-SHA256", "Bearer token", "", "AWS AKIDEMULATOR:abc"],
)
def test_non_sigv4_authorization_gives_missing_authentication_token(world: World, header: str) -> None:
    resp = op(world.emu.url, "DescribeOrganization", {"OrganizationId": world.org}, auth=header)
    assert resp.status == 403
    assert resp.json()["__type"].split("#")[-1] == "MissingAuthenticationTokenException"


def test_unsigned_boto3_client_is_refused(world: World) -> None:
    client = _client(world.emu.url, "AKIDEMULATOR", signature_version=UNSIGNED)
    with raises_code("MissingAuthenticationTokenException") as excinfo:
        client.describe_organization(OrganizationId=world.org)
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_refused_request_changes_no_state(world: World) -> None:
    resp = op(
        world.emu.url,
        "UpdatePrimaryEmailAddress",
        {"OrganizationId": world.org, "EntityId": "alice", "Email": "x@example.com"},
        auth=None,
    )
    assert resp.status == 403
    assert world.primary(world.ids["alice"]) == "alice@example.com"


def test_any_access_key_is_accepted_without_configured_keys(world: World) -> None:
    client = _client(world.emu.url, "AKIDSOMEONEELSE")
    assert client.describe_organization(OrganizationId=world.org)["Alias"] == "acme"


def test_signature_is_not_verified(world: World) -> None:
    """Documented limitation: only the access key id in the Credential is checked."""
    resp = op(
        world.emu.url,
        "DescribeOrganization",
        {"OrganizationId": world.org},
        auth=sigv4_header("AKIDANYTHING").replace("0" * 64, "deadbeef" * 8),
    )
    assert resp.status == 200
    assert resp.json()["Alias"] == "acme"


@pytest.fixture
def keyed() -> Iterator[tuple[Emulator, str]]:
    with emulator(seed=standard_seed(), access_keys=["AKIDGOOD1", "AKIDGOOD2"]) as e:
        assert e.seed_result is not None
        yield e, e.seed_result["organizations"]["acme"]["id"]


@pytest.mark.parametrize("key", ["AKIDGOOD1", "AKIDGOOD2"])
def test_configured_access_keys_are_accepted(keyed: tuple[Emulator, str], key: str) -> None:
    emu, org = keyed
    assert _client(emu.url, key).describe_organization(OrganizationId=org)["Alias"] == "acme"


@pytest.mark.parametrize("key", ["AKIDEMULATOR", "AKIDBAD", "akidgood1"])
def test_other_access_key_gives_400_unrecognized_client(keyed: tuple[Emulator, str], key: str) -> None:
    emu, org = keyed
    with raises_code("UnrecognizedClientException") as excinfo:
        _client(emu.url, key).describe_organization(OrganizationId=org)
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_missing_header_with_configured_keys_is_still_missing_token(keyed: tuple[Emulator, str]) -> None:
    emu, org = keyed
    resp = op(emu.url, "DescribeOrganization", {"OrganizationId": org}, auth=None)
    assert resp.status == 403
    assert resp.json()["__type"].split("#")[-1] == "MissingAuthenticationTokenException"


def test_admin_api_is_open_with_configured_keys(keyed: tuple[Emulator, str]) -> None:
    emu, _ = keyed
    status, body = emu.admin("GET", "/_emulator/stats")
    assert status == 200
    assert "total" in body
