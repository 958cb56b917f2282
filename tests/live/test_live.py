"""The provider against a real WorkMail organization, and its offline twin against the emulator.

The live run needs WORKMAIL_LIVE_ORGANIZATION_ID, WORKMAIL_LIVE_ENTITY_ID and WORKMAIL_LIVE_EMAIL plus AWS
credentials and a region (see docs/development.md); it changes the entity's primary address and restores it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from pulumi_workmail.provider import EntityPrimaryEmailProvider
from workmail_emulator import running

LIVE_VARS = ("WORKMAIL_LIVE_ORGANIZATION_ID", "WORKMAIL_LIVE_ENTITY_ID", "WORKMAIL_LIVE_EMAIL")


@dataclass(frozen=True)
class Target:
    organization_id: str
    entity_id: str
    email: str


@pytest.fixture(params=["emulator", "live"])
def target(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Target]:
    if request.param == "live":
        missing = [name for name in LIVE_VARS if not os.environ.get(name)]
        if missing:
            pytest.skip(f"live WorkMail suite: set {', '.join(missing)} and AWS credentials to run it")
        yield Target(*(os.environ[name] for name in LIVE_VARS))
        return
    seed = {
        "organizations": [
            {
                "alias": "live-twin",
                "domains": [{"name": "example.com", "verified": True}],
                "users": [{"name": "tester", "email": "tester@example.com"}],
            }
        ]
    }
    with running(seed=seed) as emu:
        for key, value in {
            "AWS_ENDPOINT_URL_WORKMAIL": emu.url,
            "AWS_ACCESS_KEY_ID": "AKIDTWIN",
            "AWS_SECRET_ACCESS_KEY": "twin",
            "AWS_REGION": "us-east-1",
            "PULUMI_WORKMAIL_POLL_SECONDS": "0.01",
        }.items():
            monkeypatch.setenv(key, value)
        assert emu.seed_result is not None
        org = emu.seed_result["organizations"]["live-twin"]["id"]
        yield Target(org, "tester", "tester.renamed@example.com")


def test_set_read_back_and_restore(target: Target) -> None:
    provider = EntityPrimaryEmailProvider()
    checked = provider.check(
        {}, {"organization_id": target.organization_id, "entity_id": target.entity_id, "email": target.email}
    )
    assert not checked.failures
    created = provider.create(checked.inputs)
    assert created.outs is not None  # typed optional by pulumi; the provider always returns outputs
    try:
        assert created.outs["email"].lower() == target.email.lower()
        read = provider.read(created.id, {**created.outs, "__provider": "x"})
        assert read.outs is not None
        assert read.outs["email"].lower() == target.email.lower()
    finally:
        provider.delete(created.id, created.outs)
    after = provider.read(created.id, {**created.outs, "__provider": "x"})
    assert after.outs is not None
    original = created.outs["original_email"]
    assert after.outs["email"].lower() == (original or "").lower()
