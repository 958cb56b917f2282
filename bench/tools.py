"""The five tools, each doing the six scenarios with the same data and the same meaning.

| scenario     | pulumi (runner, provider)              | scripts (boto3, AWS CLI), per entity                      |
|--------------|----------------------------------------|------------------------------------------------------------|
| create       | up: N new EntityPrimaryEmail           | describe (remember the original), set <name>@new.example   |
| preview-noop | preview                                | describe, compare (never writes)                           |
| up-noop      | up, nothing changed                    | describe, set only if different (it never is)              |
| refresh      | refresh                                | describe                                                   |
| update       | up with <name>@newer.example           | describe, set <name>@newer.example if different            |
| destroy      | destroy (on_delete="restore")          | describe, set the remembered original back if different    |

Every tool builds its own clients/processes inside the timed region of each scenario, as a separate run of
that tool would (the Python interpreter of the worker and its imports are not timed).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .common import NEW_DOMAIN, NEWER_DOMAIN, REGION, Entity, Workload, aws_env

if TYPE_CHECKING:
    from mypy_boto3_workmail import WorkMailClient

PROJECT = "bench"
STACK = "bench"
RESOURCE_TYPE = "pulumi-python:dynamic/workmail:EntityPrimaryEmail"
ENGINE_THREADS = 4  # the engine may send more, but the Python provider server runs 4 calls at once


class Tool(Protocol):
    def run(self, scenario: str) -> dict[str, Any]:
        """Perform one scenario; returns extra facts for the record (e.g. the change summary)."""
        ...

    def close(self) -> None: ...


def _map(workers: int, items: Iterable[Entity], action: Callable[[Entity], str]) -> dict[str, int]:
    """Run ``action`` per entity, ``workers`` at a time (1: in order, in this thread); count its verdicts."""
    items = list(items)
    if workers == 1:
        return dict(Counter(action(item) for item in items))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(Counter(pool.map(action, items)))


# --------------------------------------------------------------------------------------------------
# Scripts: what each scenario means for a script that converges one entity at a time


class _Script:
    """Describe + conditional update per entity; subclasses say how one describe / one update is done."""

    workers = 1

    def __init__(self, workload: Workload) -> None:
        self.workload = workload
        self.originals: dict[str, str] = {}

    def describe(self, entity: Entity) -> str | None:
        raise NotImplementedError

    def set_primary(self, entity: Entity, email: str) -> None:
        raise NotImplementedError

    def begin(self) -> None:
        """Called inside the timed region before the entities are processed (build a client, ...)."""

    def desired(self, scenario: str, entity: Entity) -> str:
        if scenario == "update":
            return entity.address(NEWER_DOMAIN)
        if scenario == "destroy":
            return self.originals[entity.id]
        return entity.address(NEW_DOMAIN)

    def run(self, scenario: str) -> dict[str, Any]:
        self.begin()
        writes = scenario in ("create", "up-noop", "update", "destroy")
        lock = threading.Lock()

        def one(entity: Entity) -> str:
            live = self.describe(entity)
            if scenario == "create" and live:
                with lock:
                    self.originals[entity.id] = live
            want = self.desired(scenario, entity)
            if (live or "").lower() == want.lower():
                return "same"
            if not writes:
                return "would-update" if scenario == "preview-noop" else "drift"
            self.set_primary(entity, want)
            return "update"

        return {"changes": _map(self.workers, self.workload.entities, one)}

    def close(self) -> None:
        pass


class Boto3Script(_Script):
    """A plain sequential boto3 script: one client per run, DescribeUser + UpdatePrimaryEmailAddress."""

    def __init__(self, workload: Workload) -> None:
        super().__init__(workload)
        os.environ.update(aws_env(workload.url))
        self.client: WorkMailClient | None = None  # built by begin(), inside the timed region

    def begin(self) -> None:
        import boto3

        self.client = boto3.session.Session().client("workmail", region_name=REGION)

    def describe(self, entity: Entity) -> str | None:
        assert self.client is not None
        answer = self.client.describe_user(OrganizationId=self.workload.organization_id, UserId=entity.id)
        email: str | None = answer.get("Email")
        return email

    def set_primary(self, entity: Entity, email: str) -> None:
        assert self.client is not None
        self.client.update_primary_email_address(
            OrganizationId=self.workload.organization_id, EntityId=entity.id, Email=email
        )


class AwsCli(_Script):
    """``aws workmail describe-user`` / ``update-primary-email-address`` per entity (a pulumi-command program)."""

    def __init__(self, workload: Workload, workers: int) -> None:
        super().__init__(workload)
        self.workers = workers
        self.aws = str(Path(sys.executable).parent / "aws")
        if not os.access(self.aws, os.X_OK):
            found = shutil.which("aws")
            if found is None:
                raise RuntimeError("the AWS CLI (pip package awscli) is not installed in this environment")
            self.aws = found
        self.env = {**os.environ, **aws_env(workload.url)}

    def _aws(self, *args: str) -> str:
        done = subprocess.run(
            [self.aws, "workmail", *args, "--organization-id", self.workload.organization_id],
            env=self.env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"aws workmail {args[0]} failed ({done.returncode}): {done.stderr.strip()}")
        return done.stdout.strip()

    def describe(self, entity: Entity) -> str | None:
        email = self._aws("describe-user", "--user-id", entity.id, "--query", "Email", "--output", "text")
        return None if email in ("", "None") else email

    def set_primary(self, entity: Entity, email: str) -> None:
        self._aws("update-primary-email-address", "--entity-id", entity.id, "--email", email)


# --------------------------------------------------------------------------------------------------
# pulumi-workmail through the offline runner: the whole program path


def run_on_stack(stack: Any, scenario: str) -> dict[str, Any]:
    """A scenario as a stack verb (``OfflineStack`` and ``AutomationStack`` have the same ones)."""
    if scenario == "preview-noop":
        changes = stack.preview().change_summary
    elif scenario == "refresh":
        changes = stack.refresh().summary.resource_changes
    elif scenario == "destroy":
        changes = stack.destroy().summary.resource_changes
    else:
        changes = stack.up().summary.resource_changes
    return {"changes": dict(changes)}


class RunnerTool:
    """``OfflineStack`` with an inline program declaring N ``EntityPrimaryEmail`` resources."""

    def __init__(self, workload: Workload, work_dir: Path) -> None:
        from pulumi_workmail.testing import OfflineStack

        self.workload = workload
        self.domain = NEW_DOMAIN
        self.stack = OfflineStack(
            STACK,
            project_name=PROJECT,
            program=self._program,
            state_dir=work_dir / "state",
            env=aws_env(workload.url),
        )
        self.stack.set_config("aws:region", REGION)

    def _program(self) -> None:
        from pulumi_workmail import EntityPrimaryEmail

        for entity in self.workload.entities:
            EntityPrimaryEmail(
                entity.name,
                organization_id=self.workload.organization_id,
                entity_id=entity.id,
                email=entity.address(self.domain),
                on_delete="restore",
            )

    def run(self, scenario: str) -> dict[str, Any]:
        if scenario == "update":
            self.domain = NEWER_DOMAIN
        return run_on_stack(self.stack, scenario)

    def close(self) -> None:
        pass


# --------------------------------------------------------------------------------------------------
# pulumi-workmail's provider server alone, called as the engine calls it


class ProviderTool:
    """One ``python -m pulumi.dynamic`` per operation (as the engine starts one), 4 calls in flight.

    The engine's calls per resource: create = Check + Create; preview / no-op up = Check + Diff (Same);
    refresh = Read; update = Check + Diff + Update; destroy = Delete. State (id, inputs, outputs) is kept
    here between scenarios, as the engine keeps its checkpoint.
    """

    def __init__(self, workload: Workload, work_dir: Path, extra_env: dict[str, str] | None = None) -> None:
        from pulumi_workmail.provider import EntityPrimaryEmailProvider
        from pulumi_workmail.testing import serialize_provider

        self.workload = workload
        self.work_dir = work_dir
        self.env = {**aws_env(workload.url), **(extra_env or {})}
        # The program serializes the provider once per resource; that is program cost, not measured here.
        self.serialized = serialize_provider(EntityPrimaryEmailProvider())
        self.state: dict[str, dict[str, Any]] = {}  # urn -> {"id", "inputs", "outputs"}

    def urn(self, entity: Entity) -> str:
        return f"urn:pulumi:{STACK}::{PROJECT}::{RESOURCE_TYPE}::{entity.name}"

    def news(self, entity: Entity, domain: str) -> dict[str, Any]:
        return {
            "__provider": self.serialized,
            "organization_id": self.workload.organization_id,
            "entity_id": entity.id,
            "email": entity.address(domain),
            "on_delete": "restore",
        }

    def run(self, scenario: str) -> dict[str, Any]:
        from pulumi_workmail.testing import ProviderServer

        started = time.perf_counter()
        server = ProviderServer(project=PROJECT, config={"aws:region": REGION}, env=self.env, cwd=self.work_dir)
        server.start()
        start_s = time.perf_counter() - started
        lock = threading.Lock()
        domain = NEWER_DOMAIN if scenario == "update" else NEW_DOMAIN

        def one(entity: Entity) -> str:
            urn = self.urn(entity)
            with lock:
                old = self.state.get(urn)
            if scenario == "create":
                checked = server.check(urn, {}, self.news(entity, domain))
                if checked.failures:
                    raise RuntimeError(f"check failed: {checked.failures}")
                created = server.create(urn, checked.inputs)
                new = {"id": created.id, "inputs": checked.inputs, "outputs": created.outputs}
                verdict = "create"
            elif old is None:
                raise RuntimeError(f"{urn} is not in state")
            elif scenario in ("preview-noop", "up-noop", "update"):
                checked = server.check(urn, old["inputs"], self.news(entity, domain))
                if checked.failures:
                    raise RuntimeError(f"check failed: {checked.failures}")
                diff = server.diff(old["id"], urn, old["outputs"], checked.inputs, old["inputs"])
                changed = diff.changes == "some" or (diff.changes == "unknown" and old["inputs"] != checked.inputs)
                if diff.replaces:
                    raise RuntimeError(f"unexpected replacement of {urn}: {diff.replaces}")
                if not changed:
                    new, verdict = {**old, "inputs": checked.inputs}, "same"
                elif scenario != "update":  # a preview plans; a no-op up would have to update: report it
                    new, verdict = old, "update"
                else:
                    outputs = server.update(old["id"], urn, old["outputs"], checked.inputs, old["inputs"])
                    new, verdict = {"id": old["id"], "inputs": checked.inputs, "outputs": outputs}, "update"
            elif scenario == "refresh":
                read = server.read(old["id"], urn, old["outputs"], old["inputs"])
                if read.gone:
                    raise RuntimeError(f"{urn} is gone")
                drift = read.outputs != old["outputs"]
                new = {"id": read.id, "inputs": read.inputs or old["inputs"], "outputs": read.outputs}
                verdict = "update" if drift else "same"
            elif scenario == "destroy":
                server.delete(old["id"], urn, old["outputs"], old["inputs"])
                new, verdict = {}, "delete"
            else:
                raise ValueError(scenario)
            with lock:
                if new:
                    self.state[urn] = new
                else:
                    self.state.pop(urn, None)
            return verdict

        try:
            changes = _map(ENGINE_THREADS, self.workload.entities, one)
        finally:
            server.stop()
        return {"changes": changes, "provider_start_s": round(start_s, 4)}

    def close(self) -> None:
        pass


# --------------------------------------------------------------------------------------------------
# pulumi-workmail on the real Pulumi CLI: a project directory, as a user runs it


CLI_PROGRAM = """
import json

import pulumi

from pulumi_workmail import EntityPrimaryEmail

config = pulumi.Config()
domain = config.require("domain")
organization = config.require("organizationId")
with open(config.require("entities")) as handle:
    entities = json.load(handle)
for name, entity_id in entities:
    EntityPrimaryEmail(name, organization_id=organization, entity_id=entity_id, email=f"{name}@{domain}")
"""


class CliTool:
    """The real ``pulumi`` CLI on a project directory (so the program runs under the Python language host
    that ``make pulumi-cli`` builds), driven through the Automation API: ``up``, ``refresh`` and ``destroy``
    run with ``--skip-preview`` (as the Automation API runs them, and as CI pipelines often do); ``preview``
    is ``pulumi preview``. Local file backend; ``skip_checkpoints`` sets ``PULUMI_SKIP_CHECKPOINTS``, so the
    backend writes the checkpoint once at the end instead of after every step."""

    def __init__(self, workload: Workload, work_dir: Path, *, skip_checkpoints: bool = False) -> None:
        from pulumi_workmail.testing import AutomationStack

        project = work_dir / "project"
        project.mkdir(parents=True, exist_ok=True)
        (project / "Pulumi.yaml").write_text(
            f"name: {PROJECT}\nruntime:\n  name: python\n  options:\n    virtualenv: {sys.prefix}\n"
        )
        (project / "__main__.py").write_text(CLI_PROGRAM)
        entities = work_dir / "entities.json"
        entities.write_text(json.dumps([[e.name, e.id] for e in workload.entities]))
        env = {**aws_env(workload.url), "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true"}
        env["PULUMI_WORKMAIL_JOURNAL_DIR"] = str(work_dir / "journal")
        if skip_checkpoints:
            env["PULUMI_SKIP_CHECKPOINTS"] = "true"
        self.stack = AutomationStack(STACK, work_dir=str(project), state_dir=str(work_dir / "state"), env=env)
        self.stack.set_all_config(
            {
                "aws:region": REGION,
                f"{PROJECT}:organizationId": workload.organization_id,
                f"{PROJECT}:entities": str(entities),
                f"{PROJECT}:domain": NEW_DOMAIN,
            }
        )

    def run(self, scenario: str) -> dict[str, Any]:
        if scenario == "update":
            self.stack.set_config(f"{PROJECT}:domain", NEWER_DOMAIN)
        return run_on_stack(self.stack, scenario)

    def close(self) -> None:
        pass


def make_tool(name: str, workload: Workload, work_dir: Path) -> Tool:
    if name == "boto3-script":
        return Boto3Script(workload)
    if name == "aws-cli-sequential":
        return AwsCli(workload, workers=1)
    if name == "aws-cli-parallel4":
        return AwsCli(workload, workers=4)
    if name == "pulumi-workmail-runner":
        return RunnerTool(workload, work_dir)
    if name == "pulumi-workmail-provider":
        return ProviderTool(workload, work_dir)
    if name == "pulumi-cli":
        return CliTool(workload, work_dir)
    if name == "pulumi-cli-skip-checkpoints":
        return CliTool(workload, work_dir, skip_checkpoints=True)
    raise ValueError(f"unknown tool {name!r}")


def scratch_dir(parent: Path, label: str) -> Path:
    parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{label}-", dir=parent))
