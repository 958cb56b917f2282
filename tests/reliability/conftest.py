"""Shared machinery for the reliability suite: an emulator, a fleet of users, stacks, and figures.

Every test here runs real code paths: WorkMail is the in-process emulator (reached over HTTP by real boto3
clients), the provider runs in a real ``python -m pulumi.dynamic`` server, and whole programs run through
``OfflineStack``. WorkMail's true state is read with the emulator's admin API (``GET /_emulator/state``),
which is never faulted, never lagged and not counted in the request statistics.

Figures (faults injected, operations attempted, operations that converged, inputs fuzzed...) are collected by
the ``figures`` fixture and written to ``.bench/reliability.json`` when the session ends, for the table in
docs/reliability.md.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Collection, Iterator, Mapping
from pathlib import Path
from typing import Any

import pulumi
import pytest

from pulumi_workmail import EntityAliases, EntityPrimaryEmail
from pulumi_workmail.aliases_provider import EntityAliasesProvider
from pulumi_workmail.testing import OfflineStack, is_secret
from workmail_emulator import Emulator, running

from ..aws_env import isolate_aws
from ..seeds import acme, seed

REPO = Path(__file__).resolve().parents[2]
FIGURES_FILE = REPO / ".bench" / "reliability.json"
PROVIDER_PATH = os.pathsep.join([str(REPO / "provider"), os.environ.get("PYTHONPATH", "")])
STACK_TYPE = "pulumi:pulumi:Stack"

# --------------------------------------------------------------------------------------------------
# Figures


class Figures:
    """Counters per section, merged into ``.bench/reliability.json`` at the end of the session."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.sections: dict[str, dict[str, Any]] = {}

    def add(self, section: str, **counts: int) -> None:
        with self._lock:
            target = self.sections.setdefault(section, {})
            for key, value in counts.items():
                target[key] = int(target.get(key, 0)) + int(value)

    def note(self, section: str, **values: Any) -> None:
        with self._lock:
            self.sections.setdefault(section, {}).update(values)

    def write(self, path: Path) -> None:
        if not self.sections:
            return
        existing: dict[str, Any] = {}
        try:
            existing = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            existing = {}
        sections = dict(existing.get("sections") or {})
        sections.update(self.sections)  # a section re-run replaces its old figures
        totals: dict[str, int] = {}
        for figures in sections.values():
            for key in (
                "faults_injected",
                "operations_attempted",
                "operations_succeeded_under_faults",
                "operations_failed_cleanly",
                "operations_converged",
                "stack_runs_under_faults",
                "stack_runs_failed_cleanly",
                "inputs_fuzzed",
            ):
                if isinstance(figures.get(key), int):
                    totals[key] = totals.get(key, 0) + figures[key]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"totals": totals, "sections": sections}, indent=2, sort_keys=True) + "\n")


@pytest.fixture(scope="session")
def figures() -> Iterator[Figures]:
    collected = Figures()
    yield collected
    collected.write(FIGURES_FILE)


# --------------------------------------------------------------------------------------------------
# Environment


def stack_env(emu: Emulator, **extra: str) -> dict[str, str]:
    """What the provider process needs to reach the emulator; retries bounded by AWS_MAX_ATTEMPTS."""
    env = {
        "AWS_ENDPOINT_URL_WORKMAIL": emu.url,
        "AWS_ACCESS_KEY_ID": "AKIDRELIABILITY",
        "AWS_SECRET_ACCESS_KEY": "reliability-secret",
        "AWS_REGION": "us-east-1",
        "AWS_MAX_ATTEMPTS": "3",
        "PULUMI_WORKMAIL_POLL_SECONDS": "0.01",
        "PYTHONPATH": PROVIDER_PATH,
    }
    env.update(extra)
    return env


# --------------------------------------------------------------------------------------------------
# WorkMail as the emulator holds it


class Admin:
    """The emulator's admin API: faults, lag, stats and the true state."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu

    def _ok(self, method: str, path: str, body: Any = None) -> Any:
        status, answer = self.emu.admin(method, path, body)
        assert status == 200, (method, path, answer)
        return answer

    def fault(self, **rule: Any) -> None:
        self._ok("POST", "/_emulator/faults", rule)

    def faults_fired(self) -> int:
        return sum(int(rule["fired"]) for rule in self._ok("GET", "/_emulator/faults")["rules"])

    def clear_faults(self) -> int:
        """Remove every rule; returns how many times they fired."""
        fired = self.faults_fired()
        self._ok("DELETE", "/_emulator/faults")
        return fired

    def lag(self, reads: int) -> None:
        self._ok("POST", "/_emulator/consistency", {"lag_reads": reads})

    def stats(self) -> dict[str, int]:
        return dict(self._ok("GET", "/_emulator/stats")["calls"])

    def total_requests(self) -> int:
        return int(self._ok("GET", "/_emulator/stats")["total"])

    def reset_stats(self) -> None:
        self._ok("POST", "/_emulator/stats/reset")

    def entities(self, org: str) -> dict[str, dict[str, Any]]:
        """Entities of ``org`` by name, as they really are (no lag, no faults)."""
        state = self._ok("GET", "/_emulator/state")
        for organization in state["organizations"]:
            if organization["id"] == org:
                return {e["name"]: e for e in organization["entities"].values()}
        raise AssertionError(f"organization {org} not in the emulator")

    def primaries(self, org: str) -> dict[str, str | None]:
        return {name: entity["email"] for name, entity in self.entities(org).items()}

    def aliases(self, org: str) -> dict[str, set[str]]:
        """Each entity's aliases, lower-cased, as they really are."""
        return {name: {a.lower() for a in entity["aliases"]} for name, entity in self.entities(org).items()}


# --------------------------------------------------------------------------------------------------
# A fleet of users managed by one stack


def state_resources(stack: Any) -> dict[str, dict[str, Any]]:
    """The stack's live dynamic resources by logical name (pending deletes and the Stack left out)."""
    resources = stack.export_state().get("deployment", {}).get("resources") or []
    found: dict[str, dict[str, Any]] = {}
    for resource in resources:
        if not str(resource.get("type")).startswith("pulumi-python:dynamic") or resource.get("delete"):
            continue  # the Stack, the default provider's record, pending deletes
        name = resource["urn"].rsplit("::", 1)[-1]
        assert name not in found, f"{name} is in the state twice"
        found[name] = resource
    return found


def plain(value: Any) -> Any:
    return value["value"] if is_secret(value) else value


def output(resource: dict[str, Any], key: str) -> Any:
    return plain((resource.get("outputs") or {}).get(key))


class SeededFleet:
    """What every fleet shares: ``count`` users at ``<name>@old.example`` with the alias
    ``<name>.alias@old.example`` in an organization of their own, and one offline stack running ``program``."""

    kind = "fleet"  # names the organization
    declared: Mapping[str, tuple[Any, ...]]  # resource name -> what the program declares for it
    default_prefix = "user"  # names the users

    def __init__(
        self,
        emu: Emulator,
        tmp_path: Path,
        count: int,
        *,
        prefix: str | None = None,
        env: dict[str, str] | None = None,
        env_extra: dict[str, str] | None = None,
        wait_timeout_seconds: float = 5,
        stack_name: str = "reliability",
    ) -> None:
        self.emu = emu
        self.admin = Admin(emu)
        prefix = prefix or self.default_prefix
        self.names = [f"{prefix}{i:03d}" for i in range(count)]
        seeded = emu.admin(
            "POST",
            "/_emulator/seed",
            {
                "organizations": [
                    {
                        "alias": f"{self.kind}-{prefix}-{stack_name}".lower(),
                        "domains": [
                            {"name": "old.example", "verified": True},
                            {"name": "new.example", "verified": True},
                            {"name": "next.example", "verified": True},
                        ],
                        "users": [
                            {"name": name, "email": f"{name}@old.example", "aliases": [f"{name}.alias@old.example"]}
                            for name in self.names
                        ],
                    }
                ]
            },
        )
        assert seeded[0] == 200, seeded
        organization = next(iter(seeded[1]["organizations"].values()))
        self.org: str = organization["id"]
        self.ids: dict[str, str] = dict(organization["users"])
        self.wait = wait_timeout_seconds
        self.env = dict(env) if env is not None else stack_env(emu)
        self.env.update(env_extra or {})
        self.stack = OfflineStack(
            stack_name, project_name="reliability", program=self.program, state_dir=str(tmp_path), env=self.env
        )
        self.stack.set_config("aws:region", "us-east-1")

    def program(self) -> None:
        raise NotImplementedError

    def state(self) -> dict[str, dict[str, Any]]:
        return state_resources(self.stack)

    def recorded_as_declared(self) -> dict[str, dict[str, Any]]:
        """The state, which must record exactly the declared resources (the names missing, then the extra)."""
        state = self.state()
        declared = set(self.declared)
        assert set(state) == declared, (sorted(declared - set(state)), sorted(set(state) - declared))
        return state


class Fleet(SeededFleet):
    """One ``EntityPrimaryEmail`` per user of a ``SeededFleet``."""

    def __init__(self, emu: Emulator, tmp_path: Path, count: int, **options: Any) -> None:
        super().__init__(emu, tmp_path, count, **options)
        self.originals = {name: f"{name}@old.example" for name in self.names}
        # resource name -> (entity_id as declared, email as declared, extra props)
        self.declared: dict[str, tuple[str, str, dict[str, Any]]] = {}
        self.extra_resources: Callable[[], None] | None = None

    # -- the program -----------------------------------------------------------------------

    def declare_all(self, domain: str) -> None:
        for name in self.names:
            self.declare(name, f"{name}@{domain}")

    def declare(self, name: str, email: str, *, entity_id: str | None = None, **props: Any) -> None:
        self.declared[f"{name}-primary"] = (entity_id or name, email, props)

    def program(self) -> None:
        previous: pulumi.Resource | None = None
        for resource_name, (entity_id, email, props) in list(self.declared.items()):
            props = dict(props)
            chain = props.pop("chain", False)
            opts = pulumi.ResourceOptions(depends_on=[previous]) if chain and previous is not None else None
            resource = EntityPrimaryEmail(
                resource_name,
                organization_id=props.pop("organization_id", self.org),
                entity_id=entity_id,
                email=email,
                wait_timeout_seconds=props.pop("wait_timeout_seconds", self.wait),
                opts=opts,
                **props,
            )
            previous = resource
        if self.extra_resources is not None:
            self.extra_resources()

    # -- WorkMail and state -----------------------------------------------------------------

    def entity_name(self, resource_name: str) -> str:
        return resource_name.removesuffix("-primary")

    def live(self) -> dict[str, str | None]:
        return self.admin.primaries(self.org)

    def assert_state_matches_workmail(self) -> None:
        """The invariant after any operation, failed or not: state never disagrees with WorkMail.

        Every resource the state records holds, in WorkMail, the address the state says it holds, and its
        recorded original is the entity's true original. Every entity the state does not record holds its
        true original (nothing was changed behind the state's back).
        """
        live = self.live()
        state = self.state()
        problems: list[str] = []
        recorded = set()
        for resource_name, resource in state.items():
            entity = self.entity_name(resource_name)
            recorded.add(entity)
            if (output(resource, "email") or "").lower() != (live[entity] or "").lower():
                problems.append(f"{resource_name}: state says {output(resource, 'email')}, WorkMail {live[entity]}")
            if output(resource, "original_email") != self.originals[entity]:
                problems.append(
                    f"{resource_name}: original_email {output(resource, 'original_email')}, "
                    f"true original {self.originals[entity]}"
                )
        for entity in self.names:
            if entity not in recorded and live[entity] != self.originals[entity]:
                problems.append(
                    f"{entity}: not in state, but WorkMail holds {live[entity]} (original {self.originals[entity]})"
                )
        assert not problems, "\n".join(problems)

    def assert_converged(self) -> None:
        """WorkMail and the state both hold exactly the declared addresses, with the true originals recorded."""
        live = self.live()
        self.recorded_as_declared()
        problems = [
            f"{resource_name}: WorkMail holds {live[self.entity_name(resource_name)]}, declared {email}"
            for resource_name, (_entity, email, _props) in self.declared.items()
            if (live[self.entity_name(resource_name)] or "").lower() != email.lower()
        ]
        assert not problems, "\n".join(problems)
        self.assert_state_matches_workmail()

    def assert_restored(self) -> None:
        """After destroy: nothing in state, every entity back on its true original."""
        assert self.state() == {}
        live = self.live()
        wrong = {name: live[name] for name in self.names if live[name] != self.originals[name]}
        assert not wrong, f"not restored to the true originals: {wrong}"


def lower(addresses: Any) -> set[str]:
    return {str(a).lower() for a in addresses or ()}


class AliasFleet(SeededFleet):
    """One ``EntityAliases`` per user of a ``SeededFleet``: the even ones exclusive, the odd ones not."""

    kind = "aliases"
    default_prefix = "alias"

    def __init__(self, emu: Emulator, tmp_path: Path, count: int, **options: Any) -> None:
        super().__init__(emu, tmp_path, count, **options)
        self.originals = {name: {f"{name}.alias@old.example"} for name in self.names}
        # resource name -> (entity, aliases as declared, exclusive, extra props)
        self.declared: dict[str, tuple[str, list[str], bool, dict[str, Any]]] = {}

    # -- the program -----------------------------------------------------------------------

    def exclusive(self, name: str) -> bool:
        return self.names.index(name) % 2 == 0

    def declare_all(self, *templates: str) -> None:
        """Every user's aliases from ``templates`` such as ``"{name}.a@new.example"``."""
        for name in self.names:
            self.declare(name, [template.format(name=name) for template in templates])

    def declare(self, name: str, aliases: list[str], **props: Any) -> None:
        self.declared[f"{name}-aliases"] = (name, aliases, self.exclusive(name), props)

    def program(self) -> None:
        for resource_name, (entity, aliases, exclusive, props) in list(self.declared.items()):
            inputs: list[pulumi.Input[str]] = list(aliases)
            EntityAliases(
                resource_name,
                organization_id=self.org,
                entity_id=entity,
                aliases=inputs,
                exclusive=exclusive,
                wait_timeout_seconds=props.get("wait_timeout_seconds", self.wait),
            )

    # -- WorkMail and state -----------------------------------------------------------------

    @staticmethod
    def entity_name(resource_name: str) -> str:
        return resource_name.removesuffix("-aliases")

    def live(self) -> dict[str, set[str]]:
        return self.admin.aliases(self.org)

    @staticmethod
    def counted(resource: dict[str, Any], live: set[str]) -> set[str]:
        """The aliases a refresh would record for ``resource`` from ``live``: all of them when exclusive,
        else the declared ones the entity has."""
        return live if output(resource, "exclusive") else lower(output(resource, "aliases")) & live

    def assert_state_matches_workmail(self, *, drifted: Collection[str] = ()) -> None:
        """The invariant after any operation, failed or not: state never disagrees with WorkMail.

        Every recorded resource's record explains WorkMail: the entity holds its true original aliases
        minus the ones the resource removed, plus the ones it added (``drifted`` entities, changed by
        hand, are exempt), and its recorded ``aliases`` are the ones that count of those. Every entity the
        state does not record holds its true original aliases.
        """
        live = self.live()
        state = self.state()
        problems: list[str] = []
        recorded = set()
        for resource_name, resource in state.items():
            entity = self.entity_name(resource_name)
            recorded.add(entity)
            added, removed = lower(output(resource, "added_aliases")), lower(output(resource, "removed_aliases"))
            original = lower(self.originals[entity])
            if added & original or not removed <= original:
                problems.append(f"{resource_name}: added {added}, removed {removed}, true original {original}")
            explained = (original - removed) | added
            if entity in drifted:
                continue
            if live[entity] != explained:
                problems.append(f"{resource_name}: WorkMail holds {sorted(live[entity])}, record explains {explained}")
            if lower(output(resource, "aliases")) != self.counted(resource, live[entity]):
                problems.append(f"{resource_name}: state says {output(resource, 'aliases')}, WorkMail {live[entity]}")
        for entity in self.names:
            if entity not in recorded and live[entity] != lower(self.originals[entity]):
                problems.append(f"{entity}: not in state, but WorkMail holds {live[entity]}")
        assert not problems, "\n".join(problems)

    def assert_converged(self) -> None:
        """WorkMail and the state both hold exactly the declared aliases (exclusive) or at least them."""
        live = self.live()
        state = self.recorded_as_declared()
        problems = []
        for resource_name, (entity, aliases, exclusive, _props) in self.declared.items():
            expected = lower(aliases) | (set() if exclusive else lower(self.originals[entity]))
            if live[entity] != expected:
                problems.append(f"{resource_name}: WorkMail holds {sorted(live[entity])}, declared {sorted(expected)}")
            recorded = lower(output(state[resource_name], "aliases"))
            if recorded != lower(aliases):
                problems.append(f"{resource_name}: state records {sorted(recorded)}, declared {sorted(aliases)}")
        assert not problems, "\n".join(problems)
        self.assert_state_matches_workmail()

    def assert_restored(self) -> None:
        """After destroy: nothing in state, every entity back on its true original aliases."""
        assert self.state() == {}
        live = self.live()
        wrong = {name: live[name] for name in self.names if live[name] != lower(self.originals[name])}
        assert not wrong, f"not restored to the true original aliases: {wrong}"


class AliasWorld:
    """acme (alice: primary alice@example.com, alias al@example.com; bob; group sales) in a reset emulator,
    and an ``EntityAliasesProvider`` called directly, as the provider server calls it, with the process
    environment pointing at the emulator (``AWS_MAX_ATTEMPTS=1``: the provider's own retries are the ones
    under test)."""

    def __init__(self, emu: Emulator, monkeypatch: pytest.MonkeyPatch, *, max_attempts: int = 1) -> None:
        self.emu = emu
        self.admin = Admin(emu)
        assert emu.admin("POST", "/_emulator/reset")[0] == 200
        status, seeded = emu.admin("POST", "/_emulator/seed", seed(acme()))
        assert status == 200, seeded
        self.org: str = seeded["organizations"]["acme"]["id"]
        self.ids: dict[str, str] = dict(seeded["organizations"]["acme"]["users"])
        for key, value in {**stack_env(emu), "AWS_MAX_ATTEMPTS": str(max_attempts)}.items():
            if key != "PYTHONPATH":
                monkeypatch.setenv(key, value)
        self.provider = EntityAliasesProvider()

    def inputs(self, aliases: Any, entity: str = "alice", **extra: Any) -> dict[str, Any]:
        """Checked inputs, as the engine passes them to create and update."""
        news = {"organization_id": self.org, "entity_id": entity, "aliases": aliases, "wait_timeout_seconds": 5}
        checked = self.provider.check({}, {**news, **extra})
        assert not checked.failures, [(f.property, f.reason) for f in checked.failures]
        return {**dict(checked.inputs or {}), "__provider": "serialized-provider"}

    def create(self, aliases: list[str], entity: str = "alice", **extra: Any) -> tuple[str, dict[str, Any]]:
        created = self.provider.create(self.inputs(aliases, entity, **extra))
        return created.id, {**dict(created.outs or {}), "__provider": "serialized-provider"}

    def update(self, id_: str, olds: dict[str, Any], aliases: list[str], **extra: Any) -> dict[str, Any]:
        news = self.inputs(aliases, olds["entity_id"], exclusive=olds["exclusive"], **extra)
        updated = self.provider.update(id_, olds, news)
        return {**dict(updated.outs or {}), "__provider": "serialized-provider"}

    def read(self, id_: str, olds: dict[str, Any]) -> dict[str, Any]:
        read = self.provider.read(id_, olds)
        assert read.id == id_, "the resource is still there"
        return {**dict(read.outs or {}), "__provider": "serialized-provider"}

    def delete(self, id_: str, olds: dict[str, Any]) -> None:
        self.provider.delete(id_, olds)

    def live(self, entity: str = "alice") -> set[str]:
        return self.admin.aliases(self.org)[entity]

    def fault(self, **rule: Any) -> None:
        self.admin.fault(**rule)


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with running() as emu:
        yield emu


@pytest.fixture
def aws_isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    return isolate_aws(monkeypatch, tmp_path)
