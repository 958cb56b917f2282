"""The scenario fixture: an emulator, a seeded organization, and a stack on one of two backends."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pytest

from pulumi_workmail import EntityAliases, EntityPrimaryEmail
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


EXPORTS: dict[type[pulumi.CustomResource], tuple[str, ...]] = {
    EntityPrimaryEmail: ("email", "original_email", "entity_type", "resolved_entity_id"),
    EntityAliases: ("aliases", "added_aliases", "removed_aliases", "resolved_entity_id"),
}


@dataclass(frozen=True)
class Secret:
    """An input the program gives as ``pulumi.Output.secret(value)``."""

    value: Any


def program_value(value: Any) -> Any:
    """A declared input as the program gives it: a ``Secret`` becomes a secret Output."""
    return pulumi.Output.secret(value.value) if isinstance(value, Secret) else value


@dataclass(frozen=True)
class Declared:
    """One resource of the program: its class, inputs and the declared resources it depends on."""

    kind: type[pulumi.CustomResource]
    props: dict[str, Any]
    depends_on: tuple[str, ...]
    options: dict[str, Any]  # other ``pulumi.ResourceOptions`` arguments
    deleted_with: str | None = None  # a declared resource's name


@dataclass(frozen=True)
class Read:
    """One resource the program reads (``get``) by its id instead of declaring it."""

    kind: type[EntityPrimaryEmail] | type[EntityAliases]
    id: str


@dataclass(frozen=True)
class Component:
    """A component resource of type ``type``, with no properties: a parent to declare resources under."""

    type: str
    options: dict[str, Any]


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
        self.resources: dict[str, Declared | Read | Component] = {}
        # Stack outputs instead of the declared resources' (EXPORTS): values, or functions of the resources.
        self.exports: dict[str, Any] | None = None

    # -- the program ------------------------------------------------------------------------

    def declare(
        self,
        name: str,
        *,
        kind: type[pulumi.CustomResource] = EntityPrimaryEmail,
        depends_on: Sequence[str] = (),
        deleted_with: str | None = None,
        options: Mapping[str, Any] | None = None,
        **props: Any,
    ) -> None:
        """An ``EntityPrimaryEmail``, or a resource of another ``kind`` (replacing any earlier declaration of
        ``name``); ``options`` are further ``pulumi.ResourceOptions`` arguments, ``deleted_with`` names a
        declared resource."""
        self._declare(name, kind, depends_on, deleted_with, options, props)

    def declare_aliases(self, name: str, **arguments: Any) -> None:
        """An ``EntityAliases``, with ``declare``'s arguments."""
        self.declare(name, kind=EntityAliases, **arguments)

    def declare_component(
        self, name: str, type_: str = "acme:demo:Group", *, options: Mapping[str, Any] | None = None
    ) -> None:
        """A ``pulumi.ComponentResource``; another resource's ``options={"parent": name}`` puts it under this one."""
        self.resources[name] = Component(type_, dict(options or {}))

    def rename(self, old: str, new: str) -> None:
        """The program declares ``old`` as it was under the name ``new`` (and no longer ``old``)."""
        self.resources[new] = self.resources.pop(old)

    def _declare(
        self,
        name: str,
        kind: type[pulumi.CustomResource],
        depends_on: Sequence[str],
        deleted_with: str | None,
        options: Mapping[str, Any] | None,
        props: Any,
    ) -> None:
        props.setdefault("organization_id", self.org)
        self.resources[name] = Declared(kind, dict(props), tuple(depends_on), dict(options or {}), deleted_with)

    def read(self, name: str, entity: str, kind: type[EntityPrimaryEmail] | type[EntityAliases]) -> str:
        """``kind.get(name, <organization_id>/<entity>)`` (replacing any earlier declaration of ``name``),
        ``entity`` being a user's name or an id as it is; returns the id given to ``get``."""
        read = Read(kind, f"{self.org}/{self.ids['users'].get(entity, entity)}")
        self.resources[name] = read
        return read.id

    def program(self) -> None:
        """Every declared resource, each after those it depends on (``depends_on`` and ``deleted_with`` name
        declared ones, and so does a ``parent`` option given as a string)."""
        made: dict[str, pulumi.Resource] = {}

        def resolved(options: Mapping[str, Any]) -> dict[str, Any]:
            parent = options.get("parent")
            return {**options, "parent": make(parent)} if isinstance(parent, str) else dict(options)

        def make(name: str) -> pulumi.Resource:
            if name not in made:
                declared = self.resources[name]
                resource: pulumi.Resource
                if isinstance(declared, Component):
                    made[name] = pulumi.ComponentResource(
                        declared.type, name, {}, opts=pulumi.ResourceOptions(**resolved(declared.options))
                    )
                    return made[name]
                if isinstance(declared, Read):
                    resource = declared.kind.get(name, declared.id)
                else:
                    depends_on = [make(d) for d in declared.depends_on]
                    options = resolved(declared.options)
                    if declared.deleted_with is not None:
                        options["deleted_with"] = make(declared.deleted_with)
                    opts = pulumi.ResourceOptions(depends_on=depends_on, **options)
                    props = {key: program_value(value) for key, value in declared.props.items()}
                    resource = declared.kind(name, opts=opts, **props)
                for key in EXPORTS[declared.kind] if self.exports is None else ():
                    pulumi.export(f"{name}.{key}", getattr(resource, key))
                made[name] = resource
            return made[name]

        for name in list(self.resources):
            make(name)
        for key, value in (self.exports or {}).items():
            pulumi.export(key, value(made) if callable(value) else value)

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

    def alias_writes(self) -> dict[str, int]:
        """The CreateAlias and DeleteAlias requests since the last reset (refused ones included)."""
        return {op: n for op, n in self.calls().items() if op in ("CreateAlias", "DeleteAlias")}

    def alias_set(self, name: str) -> set[str]:
        """The user's aliases, lower-cased (order and case mean nothing to WorkMail)."""
        return {alias.lower() for alias in self.aliases(name)}

    def add_aliases(self, name: str, *aliases: str) -> None:
        entity = self.describe(name)["UserId"]
        for alias in aliases:
            self.wm.create_alias(OrganizationId=self.org, EntityId=entity, Alias=alias)

    def delete_aliases(self, name: str, *aliases: str) -> None:
        entity = self.describe(name)["UserId"]
        for alias in aliases:
            self.wm.delete_alias(OrganizationId=self.org, EntityId=entity, Alias=alias)

    def settings(self, **settings: Any) -> None:
        status, answer = self.emu.admin("POST", "/_emulator/settings", settings)
        assert status == 200, answer

    def _state_resources(self) -> list[dict[str, Any]]:
        state = self.stack.export_state()
        resources = state.get("deployment", {}).get("resources") or []
        return [r for r in resources if r.get("type") != "pulumi:pulumi:Stack" and not r.get("delete")]

    def resource_names(self) -> list[str]:
        return [r["urn"].rsplit("::", 1)[-1] for r in self._state_resources()]

    def _state_resource(self, name: str) -> dict[str, Any]:
        found = [r for r in self._state_resources() if r["urn"].endswith(f"::{name}")]
        assert len(found) == 1, self.resource_names()
        return found[0]

    def resource_outputs(self, name: str) -> dict[str, Any]:
        """A resource's outputs as stored (refresh updates these, not the stack outputs)."""
        return dict(self._state_resource(name).get("outputs") or {})

    def resource_id(self, name: str) -> str:
        return str(self._state_resource(name).get("id", ""))


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
