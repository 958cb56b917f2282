"""Fixtures for the pulumi_workmail provider tests that run against the in-process WorkMail emulator.

One emulator serves the whole session (stopping one costs half a second); every test gets it reset,
reseeded, with default settings, no faults, no lag and zeroed request counters, plus an isolated AWS
environment that points boto3 at it and a fresh client cache.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from pulumi.dynamic import CreateResult, ReadResult, UpdateResult

from pulumi_workmail.provider import EntityPrimaryEmailProvider
from workmail_emulator import Emulator, Settings, running

from ..aws_env import isolate_aws

if TYPE_CHECKING:
    from mypy_boto3_workmail import WorkMailClient

# Distinctive credential values: tests assert none of them ever shows up in messages or state.
FAKE_ACCESS_KEY = "AKIAPWMTESTKEY0000042"
FAKE_SECRET_KEY = "pwm-secret-Zq8r7TqLmN3vXy2Wk5"
FAKE_SESSION_TOKEN = "pwm-session-token-Hq3Jx9Lp0Sd8Fg7"
CREDENTIAL_VALUES = (FAKE_ACCESS_KEY, FAKE_SECRET_KEY, FAKE_SESSION_TOKEN)

UNKNOWN_ORG = "m-" + "0" * 32

PROVIDER_SEED: dict[str, Any] = {
    "organizations": [
        {
            "alias": "acme",
            "domains": [
                {"name": "example.com", "verified": True},
                {"name": "pending.example", "verified": False},
            ],
            "users": [
                {"name": "alice", "email": "alice@example.com", "aliases": ["al@example.com"]},
                {"name": "bob", "email": "bob@example.com"},
                {"name": "carol"},  # no email: DISABLED
            ],
            "groups": [{"name": "sales", "email": "sales@example.com"}],
            "resources": [{"name": "room-1", "type": "ROOM", "email": "room-1@example.com"}],
        },
        {
            "alias": "globex",
            "domains": [{"name": "globex.example", "verified": True}],
            "users": [{"name": "gus", "email": "gus@globex.example"}],
        },
    ]
}


@dataclasses.dataclass
class World:
    """The seeded emulator as one test sees it."""

    emu: Emulator
    seed: dict[str, Any]
    monkeypatch: pytest.MonkeyPatch
    provider: EntityPrimaryEmailProvider
    admin_client: WorkMailClient | None = None

    @property
    def org(self) -> str:
        return str(self.seed["organizations"]["acme"]["id"])

    @property
    def other_org(self) -> str:
        return str(self.seed["organizations"]["globex"]["id"])

    def id_of(self, name: str) -> str:
        acme = self.seed["organizations"]["acme"]
        for kind in ("users", "groups", "resources"):
            if name in acme[kind]:
                return str(acme[kind][name])
        raise KeyError(name)

    def props(self, entity_id: str = "alice", email: str = "alice.new@example.com", **extra: Any) -> dict[str, Any]:
        """Checked inputs, as the engine passes them to create/update."""
        props: dict[str, Any] = {
            "organization_id": self.org,
            "entity_id": entity_id,
            "email": email,
            "on_delete": "restore",
            "wait_timeout_seconds": 2,
            "__provider": "serialized-provider",  # the engine passes it along with the inputs
        }
        props.update(extra)
        return props

    # -- admin API
    def stats(self) -> dict[str, int]:
        status, body = self.emu.admin("GET", "/_emulator/stats")
        assert status == 200
        return dict(body["calls"])

    def total(self) -> int:
        status, body = self.emu.admin("GET", "/_emulator/stats")
        assert status == 200
        return int(body["total"])

    def reset_stats(self) -> None:
        assert self.emu.admin("POST", "/_emulator/stats/reset")[0] == 200

    def fault(self, **rule: Any) -> None:
        status, body = self.emu.admin("POST", "/_emulator/faults", rule)
        assert status == 200, body

    def clear_faults(self) -> None:
        assert self.emu.admin("DELETE", "/_emulator/faults")[0] == 200

    def lag(self, reads: int) -> None:
        status, body = self.emu.admin("POST", "/_emulator/consistency", {"lag_reads": reads})
        assert status == 200, body

    def settings(self, **values: Any) -> None:
        status, body = self.emu.admin("POST", "/_emulator/settings", values)
        assert status == 200, body

    # -- direct WorkMail access (counts in the stats; reset them afterwards)
    def wm(self) -> WorkMailClient:
        if self.admin_client is None:
            self.admin_client = self.emu.client(max_attempts=1)
        return self.admin_client

    def describe(self, name_or_id: str, entity_type: str = "USER") -> dict[str, Any]:
        method, member = {
            "USER": ("describe_user", "UserId"),
            "GROUP": ("describe_group", "GroupId"),
            "RESOURCE": ("describe_resource", "ResourceId"),
        }[entity_type]
        answer: dict[str, Any] = getattr(self.wm(), method)(OrganizationId=self.org, **{member: name_or_id})
        return answer

    def aliases(self, entity_id: str) -> list[str]:
        return list(self.wm().list_aliases(OrganizationId=self.org, EntityId=entity_id)["Aliases"])


def outs_of(result: CreateResult | UpdateResult | ReadResult) -> dict[str, Any]:
    """A provider result's outputs: pulumi types them as optional, this provider always returns them."""
    assert result.outs is not None
    return result.outs


def isolate_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No real AWS configuration can leak in (each test's provider builds its own clients)."""
    isolate_aws(monkeypatch, tmp_path)


@pytest.fixture(scope="session")
def session_emulator() -> Iterator[Emulator]:
    with running() as emu:
        yield emu


@pytest.fixture(scope="session")
def session_admin_client(session_emulator: Emulator) -> WorkMailClient:
    """A boto3 client with its own dummy credentials, for setting up and inspecting WorkMail in tests."""
    return session_emulator.client(max_attempts=1)


@pytest.fixture
def world(
    session_emulator: Emulator, session_admin_client: WorkMailClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> World:
    """A freshly seeded emulator, with the provider process's environment pointing at it."""
    emu = session_emulator
    assert emu.admin("POST", "/_emulator/reset")[0] == 200
    status, _ = emu.admin("POST", "/_emulator/settings", dataclasses.asdict(Settings()))
    assert status == 200
    status, seeded = emu.admin("POST", "/_emulator/seed", copy.deepcopy(PROVIDER_SEED))
    assert status == 200, seeded
    isolate_aws_env(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_ENDPOINT_URL_WORKMAIL", emu.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", FAKE_SESSION_TOKEN)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("PULUMI_WORKMAIL_POLL_SECONDS", "0.01")
    w = World(emu, seeded, monkeypatch, EntityPrimaryEmailProvider(), session_admin_client)
    w.reset_stats()
    return w
