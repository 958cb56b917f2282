"""EntityPrimaryEmailProvider driven through the real provider server (`python -m pulumi.dynamic`) over gRPC.

The provider is serialized exactly as `pulumi.dynamic.Resource` does, so these tests prove pickling by
reference, the shapes of olds/news the engine sends, and that expected errors reach the user as one line.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pulumi_workmail.provider import EntityPrimaryEmailProvider
from pulumi_workmail.testing import ProviderError, ProviderServer, serialize_provider
from workmail_emulator import Emulator, running

from ..seeds import acme, seed

REPO = Path(__file__).resolve().parents[2]
URN = "urn:pulumi:dev::quickstart::pulumi-python:dynamic/workmail:EntityPrimaryEmail::alice-primary"
SECRETS = {
    "AWS_ACCESS_KEY_ID": "AKIAZZZZSECRETKEYID1",
    "AWS_SECRET_ACCESS_KEY": "s3cr3t-Value-That-Must-Not-Leak",
    "AWS_SESSION_TOKEN": "session-Token-That-Must-Not-Leak",
}
SEED = seed(acme())


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with running(seed=SEED) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def server(emu: Emulator) -> Iterator[ProviderServer]:
    env = {
        **SECRETS,
        "AWS_ENDPOINT_URL_WORKMAIL": emu.url,
        "PULUMI_WORKMAIL_POLL_SECONDS": "0.01",
        "PYTHONPATH": os.pathsep.join([str(REPO / "provider"), os.environ.get("PYTHONPATH", "")]),
    }
    with ProviderServer(project="quickstart", config={"aws:region": "us-east-1"}, env=env, cwd=REPO) as srv:
        yield srv


@pytest.fixture()
def org(emu: Emulator) -> str:
    assert emu.seed_result is not None
    return str(emu.seed_result["organizations"]["acme"]["id"])


def _news(org: str, provider: str, **overrides: Any) -> dict[str, Any]:
    return {"__provider": provider, "organization_id": org, "entity_id": "alice", "email": "alice@new.example"} | (
        overrides
    )


def test_provider_pickles_by_reference_without_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in SECRETS.items():
        monkeypatch.setenv(key, value)
    pickled = serialize_provider(EntityPrimaryEmailProvider())
    raw = base64.b64decode(pickled)
    assert b"pulumi_workmail.provider" in raw
    assert b"EntityPrimaryEmailProvider" in raw
    assert len(pickled) < 400, "a by-value pickle would carry code objects and be far longer"
    for value in SECRETS.values():
        assert value.encode() not in raw
    assert EntityPrimaryEmailProvider.serialize_as_secret_always is True


def test_full_lifecycle_over_grpc_restores_original(server: ProviderServer, emu: Emulator, org: str) -> None:
    provider = serialize_provider(EntityPrimaryEmailProvider())
    checked = server.check(URN, {}, _news(org, provider))
    assert checked.failures == ()
    assert checked.inputs["on_delete"] == "restore"

    created = server.create(URN, checked.inputs)
    alice = emu.seed_result["organizations"]["acme"]["users"]["alice"]  # type: ignore[index]
    assert created.id == f"{org}/{alice}"
    assert created.outputs["email"] == "alice@new.example"
    assert created.outputs["original_email"] == "alice@example.com"
    assert created.outputs["entity_type"] == "USER"
    assert created.outputs["__provider"] == provider

    # Diff gets old OUTPUTS as olds; switching the identifier to the id is not a replace.
    news = server.check(URN, checked.inputs, _news(org, provider, entity_id=alice, email="al@example.com")).inputs
    diff = server.diff(created.id, URN, created.outputs, news, checked.inputs)
    assert diff.changes == "some"
    assert diff.replaces == ()

    updated = server.update(created.id, URN, created.outputs, news, checked.inputs)
    assert updated["email"] == "al@example.com"
    assert updated["original_email"] == "alice@example.com"
    assert updated["resolved_entity_id"] == alice

    # Out-of-band change, then refresh: the live value comes back in outputs and inputs.
    emu.client().update_primary_email_address(OrganizationId=org, EntityId=alice, Email="alice@new.example")
    read = server.read(created.id, URN, updated, news)
    assert read.outputs["email"] == "alice@new.example"
    assert read.inputs is not None and read.inputs["email"] == "alice@new.example"

    server.delete(created.id, URN, read.outputs, read.inputs)
    live = emu.client().describe_user(OrganizationId=org, UserId=alice)
    assert live["Email"] == "alice@example.com"

    for value in SECRETS.values():
        assert value not in repr(created.outputs) + repr(updated) + repr(read.outputs)
        logs = server.logs()
        assert value not in logs.stdout + logs.stderr


def test_expected_error_reaches_user_as_one_line(server: ProviderServer, org: str) -> None:
    provider = serialize_provider(EntityPrimaryEmailProvider())
    inputs = server.check(URN, {}, _news(org, provider, email="bob@example.com")).inputs
    with pytest.raises(ProviderError) as caught:
        server.create(URN, inputs)
    assert "Traceback" not in caught.value.details, "the provider server must send only the message"
    assert caught.value.details.strip() == str(caught.value)
    assert "bob@example.com is already used by user bob" in str(caught.value)
    for value in SECRETS.values():
        assert value not in caught.value.details


def test_check_failure_names_property_over_grpc(server: ProviderServer) -> None:
    provider = serialize_provider(EntityPrimaryEmailProvider())
    checked = server.check(
        URN, {}, {"__provider": provider, "organization_id": "m-1", "entity_id": "a b", "email": "x"}
    )
    failed = {f.property for f in checked.failures}
    assert failed == {"organization_id", "entity_id", "email"}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PULUMI_WORKMAIL_POLL_SECONDS", "-1"),
        ("PULUMI_WORKMAIL_POLL_SECONDS", "nan"),
        ("PULUMI_WORKMAIL_POLL_SECONDS", "0"),
        ("PULUMI_WORKMAIL_POLL_SECONDS", "soon"),
        ("PULUMI_WORKMAIL_BATCH_READS", "yes please"),
    ],
)
def test_a_bad_environment_knob_fails_the_first_call_with_one_line_naming_it_and_writes_nothing(
    emu: Emulator, org: str, name: str, value: str
) -> None:
    env = {
        **SECRETS,
        "AWS_ENDPOINT_URL_WORKMAIL": emu.url,
        "PULUMI_WORKMAIL_POLL_SECONDS": "0.01",
        "PYTHONPATH": os.pathsep.join([str(REPO / "provider"), os.environ.get("PYTHONPATH", "")]),
        name: value,
    }
    emu.admin("POST", "/_emulator/stats/reset")
    provider = serialize_provider(EntityPrimaryEmailProvider())
    server = ProviderServer(project="quickstart", config={"aws:region": "us-east-1"}, env=env, cwd=REPO)
    with server as srv, pytest.raises(ProviderError) as caught:
        srv.check(URN, {}, _news(org, provider))
    message = str(caught.value)
    assert name in message and "Traceback" not in caught.value.details, caught.value.details
    assert emu.admin("GET", "/_emulator/stats")[1]["calls"] == {}
