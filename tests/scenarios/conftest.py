"""The scenario fixture: an emulator, a seeded organization, and a stack on one of two backends."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pulumi
import pytest

from pulumi_workmail import EntityPrimaryEmail
from pulumi_workmail.testing import OfflineStack
from pulumi_workmail.testing._automation import AutomationStack
from workmail_emulator import Emulator, running

from ..pulumi_cli import pulumi_cli
from ..seeds import acme, seed

REPO = Path(__file__).resolve().parents[2]
SEED = seed(
    acme(),
    {
        "alias": "globex",
        "domains": [{"name": "new.example2", "verified": True}],
        "users": [{"name": "alice", "email": "alice@globex.awsapps.com"}],
    },
)


class Scenario:
    """A stack plus direct WorkMail access, for a test to drive and check."""

    def __init__(self, emu: Emulator, stack: Any) -> None:
        self.emu = emu
        self.stack = stack
        self.wm = emu.client()
        assert emu.seed_result is not None
        self.ids = emu.seed_result["organizations"]["acme"]
        self.org: str = self.ids["id"]
        self.other_org: str = emu.seed_result["organizations"]["globex"]["id"]
        self.resources: dict[str, dict[str, Any]] = {}

    # -- the program ------------------------------------------------------------------------

    def declare(self, name: str, **props: Any) -> None:
        props.setdefault("organization_id", self.org)
        self.resources[name] = props

    def program(self) -> None:
        for name, props in list(self.resources.items()):
            resource = EntityPrimaryEmail(name, **props)
            for key in ("email", "original_email", "entity_type", "resolved_entity_id"):
                pulumi.export(f"{name}.{key}", getattr(resource, key))

    # -- WorkMail ---------------------------------------------------------------------------

    def entity_id(self, kind: str, name: str) -> str:
        return str(self.ids[kind][name])

    def describe(self, name: str) -> dict[str, Any]:
        return dict(self.wm.describe_user(OrganizationId=self.org, UserId=name))

    def primary(self, name: str) -> str:
        return str(self.describe(name).get("Email"))

    def aliases(self, name: str) -> list[str]:
        entity = self.describe(name)["UserId"]
        return list(self.wm.list_aliases(OrganizationId=self.org, EntityId=entity)["Aliases"])

    def add_users(self, count: int) -> list[str]:
        names = [f"user{i:03d}" for i in range(count)]
        users = [{"name": n, "email": f"{n}@old.example"} for n in names]
        for user in users:
            uid = self.wm.create_user(OrganizationId=self.org, Name=user["name"], DisplayName=user["name"])["UserId"]
            self.wm.register_to_work_mail(OrganizationId=self.org, EntityId=uid, Email=user["email"])
        return names

    def reset_stats(self) -> None:
        self.emu.admin("POST", "/_emulator/stats/reset")

    def calls(self) -> dict[str, int]:
        return dict(self.emu.admin("GET", "/_emulator/stats")[1]["calls"])

    def requests(self) -> int:
        return sum(self.calls().values())

    def writes(self) -> int:
        return self.calls().get("UpdatePrimaryEmailAddress", 0)

    def _state_resources(self) -> list[dict[str, Any]]:
        state = self.stack.export_state()
        resources = state.get("deployment", {}).get("resources") or []
        return [r for r in resources if r.get("type") != "pulumi:pulumi:Stack" and not r.get("delete")]

    def resource_names(self) -> list[str]:
        return [r["urn"].rsplit("::", 1)[-1] for r in self._state_resources()]

    def resource_outputs(self, name: str) -> dict[str, Any]:
        """A resource's outputs as stored (refresh updates these, not the stack outputs)."""
        found = [r for r in self._state_resources() if r["urn"].endswith(f"::{name}")]
        assert len(found) == 1, self.resource_names()
        return dict(found[0].get("outputs") or {})


BACKENDS = ["offline", "automation"]


@contextmanager
def open_scenario(backend: str, state_dir: Path) -> Iterator[Scenario]:
    """A fresh emulator (strict SigV4: every request the provider signs is verified) and a stack on
    ``backend``, "offline" (the offline runner) or "automation" (the real CLI)."""
    if backend == "automation":
        pulumi_cli()
    with running(seed=SEED, credentials={"AKIDSCENARIO": "scenario-secret"}) as emu:
        env = {
            "AWS_ENDPOINT_URL_WORKMAIL": emu.url,
            "AWS_ACCESS_KEY_ID": "AKIDSCENARIO",
            "AWS_SECRET_ACCESS_KEY": "scenario-secret",
            "AWS_REGION": "us-east-1",
            "PULUMI_WORKMAIL_POLL_SECONDS": "0.01",
            "PYTHONPATH": os.pathsep.join([str(REPO / "provider"), os.environ.get("PYTHONPATH", "")]),
        }
        holder: dict[str, Scenario] = {}

        def program() -> None:
            holder["scenario"].program()

        stack_class = OfflineStack if backend == "offline" else AutomationStack
        stack = stack_class("test", project_name="scenarios", program=program, state_dir=str(state_dir), env=env)
        stack.set_config("aws:region", "us-east-1")
        holder["scenario"] = Scenario(emu, stack)
        yield holder["scenario"]


@pytest.fixture(params=BACKENDS)
def scenario(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Scenario]:
    with open_scenario(request.param, tmp_path) as opened:
        yield opened
