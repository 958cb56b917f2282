"""What only the real engine can show: provider warnings in `pulumi up` output, a `pulumi up` killed with
SIGKILL, `--parallel`, and `pulumi import`."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from workmail_emulator import Emulator

from ..pulumi_cli import REPO
from .conftest import ORG, Project, program_project

# A program whose resources come from stack config `resources`: {name: EntityPrimaryEmail arguments, or
# EntityAliases arguments for those that declare `aliases`; `options`: pulumi.ResourceOptions arguments}.
PROGRAM = """
import json

import pulumi

from pulumi_workmail import EntityAliases, EntityPrimaryEmail

for name, props in json.loads(pulumi.Config().require("resources")).items():
    kind = EntityAliases if "aliases" in props else EntityPrimaryEmail
    opts = pulumi.ResourceOptions(**props.pop("options", {}))
    kind(name, organization_id=props.pop("organization_id", "ORG"), opts=opts, **props)
""".replace("ORG", ORG)


World = tuple[Path, Emulator, dict[str, str]]


@pytest.fixture()
def program(cli_world: World) -> Project:
    return program_project(cli_world, PROGRAM)


def declare(project: Project, **resources: dict[str, Any]) -> None:
    project.config(resources=json.dumps(resources))


def resource_diagnostics(output: str, name: str) -> str:
    """What the CLI's Diagnostics section says under the resource ``name``."""
    header = f"pulumi-python:dynamic/workmail:EntityPrimaryEmail ({name}):\n"
    assert header in output, output
    return output.split(header, 1)[1].split("\n\n", 1)[0].strip()


def test_a_hand_made_change_is_named_in_up_output(program: Project) -> None:
    declare(program, primary={"entity_id": "alice", "email": "alice@new.example"})
    program.pulumi("up", "--yes")
    program.set_by_hand("alice", "al@example.com")
    declare(program, primary={"entity_id": "alice", "email": "alice.liddell@new.example"})
    up = program.pulumi("up", "--yes").stdout
    warning = resource_diagnostics(up, "primary")
    assert warning.startswith("warning: user alice ("), up
    assert "the primary address was changed outside Pulumi to al@example.com" in warning
    row = next(line for line in up.splitlines() if "EntityPrimaryEmail primary updated" in line)
    assert "; warning: user alice" in row, "shown on the resource's row as a warning, not as a stack message"
    assert program.primary("alice") == "alice.liddell@new.example"


def test_an_unconfirmed_read_back_is_named_in_up_output(program: Project) -> None:
    declare(program, primary={"entity_id": "alice", "email": "alice@new.example", "wait_timeout_seconds": 1})
    program.emu.admin("POST", "/_emulator/consistency", {"lag_reads": 1000})
    up = program.pulumi("up", "--yes").stdout
    warning = resource_diagnostics(up, "primary")
    assert "but WorkMail still shows alice@example.com after 1 s" in warning, up
    assert "run `pulumi refresh` later to confirm" in warning


def test_a_disabled_entity_is_named_in_refresh_output(program: Project) -> None:
    declare(program, primary={"entity_id": "bob", "email": "bob@new.example"})
    program.pulumi("up", "--yes")
    program.emu.client().deregister_from_work_mail(OrganizationId=ORG, EntityId=program.user_id("bob"))
    refresh = program.pulumi("refresh", "--yes").stdout
    warning = resource_diagnostics(refresh, "primary")
    assert "is DISABLED: it has no primary address until it is registered to WorkMail again" in warning, refresh


def urn_of(project: Project, name: str) -> str:
    return next(str(r["urn"]) for r in project.export()["deployment"]["resources"] if r["urn"].endswith(f"::{name}"))


def test_a_replacement_the_engine_makes_on_its_own_keeps_the_address_it_sets(program: Project) -> None:
    """``--replace`` (like ``replacement_trigger``) never asks the provider, so the engine creates the
    replacement before it deletes the old resource: that delete must not undo the replacement."""
    declare(
        program,
        primary={"entity_id": "alice", "email": "alice@new.example"},
        aliases={"entity_id": "bob", "aliases": ["bob@new.example"]},
    )
    program.pulumi("up", "--yes")
    program.pulumi("refresh", "--yes")  # the stack has the creates: their journal notes are gone
    replace = [arg for name in ("primary", "aliases") for arg in ("--replace", urn_of(program, name))]
    up = program.pulumi("up", "--yes", *replace).stdout
    assert program.primary("alice") == "alice@new.example", up
    assert "bob@new.example" in program.aliases("bob"), up
    warning = resource_diagnostics(up, "primary")
    assert "alice@example.com, its primary address before this resource, is not put back" in warning, up
    assert "its replacement, created before the old one is deleted, manages it now" in warning
    assert "bob@new.example, which it added, stays: its replacement" in up


def test_a_replacement_with_delete_before_replace_restores_first_and_keeps_the_original(program: Project) -> None:
    """What the warning above advises: the old resource undoes its change, then the new one records it."""
    options = {"delete_before_replace": True}
    declare(program, primary={"entity_id": "alice", "email": "alice@new.example", "options": options})
    program.pulumi("up", "--yes")
    program.pulumi("refresh", "--yes")
    up = program.pulumi("up", "--yes", "--replace", urn_of(program, "primary")).stdout
    assert program.primary("alice") == "alice@new.example"
    assert "manages it now" not in up, up
    [record] = program.resources()
    assert record["outputs"]["original_email"] == "alice@example.com"
    program.pulumi("destroy", "--yes")
    assert program.primary("alice") == "alice@example.com"


FLEET = 20


def add_fleet(emu: Emulator, size: int = FLEET, *, with_alias: bool = False) -> list[str]:
    """``size`` users staffNN whose primary is NAME@old.example; ``with_alias``: whose primary is
    NAME@example.com and whose one alias is NAME@old.example."""
    wm = emu.client()
    names = [f"staff{i:02d}" for i in range(size)]
    for name in names:
        uid = wm.create_user(OrganizationId=ORG, Name=name, DisplayName=name)["UserId"]
        primary_domain = "example.com" if with_alias else "old.example"
        wm.register_to_work_mail(OrganizationId=ORG, EntityId=uid, Email=f"{name}@{primary_domain}")
        if with_alias:
            wm.create_alias(OrganizationId=ORG, EntityId=uid, Alias=f"{name}@old.example")
    return names


def fleet_resources(names: list[str]) -> dict[str, dict[str, Any]]:
    return {name: {"entity_id": name, "email": f"{name}@new.example"} for name in names}


def primaries(project: Project, names: list[str]) -> dict[str, str]:
    return {name: project.primary(name) for name in names}


def processes_of(root: int) -> list[int]:
    """``root`` and every process descended from it (read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as handle:
                    parent = int(handle.read().decode(errors="replace").rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


@pytest.fixture()
def reaper() -> Iterator[list[int]]:
    """Processes a test leaves orphaned (a killed CLI's plugins), killed at the end."""
    orphans: list[int] = []
    yield orphans
    for pid in orphans:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def kill_up_mid_way(program: Project, reaper: list[int], writes: Callable[[], int], at: int, of: int) -> None:
    """``pulumi up`` on a slowed emulator, killed with SIGKILL once ``writes()`` reaches ``at`` (of ``of`` in
    all); then the emulator's pace is restored and the orphaned provider process finishes the creates it
    had started."""
    program.emu.admin("POST", "/_emulator/faults", {"operation": "DescribeUser", "latency_ms": 300})
    program.reset_stats()
    up = subprocess.Popen(
        [program.cli, "up", "--yes", "--skip-preview"],
        cwd=program.directory,
        env=program.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while writes() < at:
        assert up.poll() is None and time.monotonic() < deadline, f"the up ended before {at} writes"
        time.sleep(0.01)
    family = processes_of(up.pid)
    up.send_signal(signal.SIGKILL)
    up.wait()
    reaper.extend(family[1:])
    written = writes()
    assert at <= written < of, f"killed mid-way: {written} writes"
    program.emu.admin("DELETE", "/_emulator/faults")
    settle(program)


def settle(program: Project, quiet: float = 2.0, within: float = 120.0) -> None:
    """Wait until the orphaned provider has made its last WorkMail call: no call for ``quiet`` seconds. A
    fixed pause was too short on a loaded machine, where the orphan's creates were still writing when the
    test counted what they had changed."""
    deadline = time.monotonic() + within
    seen, since = -1, time.monotonic()
    while True:
        made = sum(program.calls().values())
        if made != seen:
            seen, since = made, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        assert time.monotonic() < deadline, f"the orphaned provider was still calling WorkMail after {within} s"
        time.sleep(0.05)


def recover_after_the_kill(program: Project) -> str:
    """What a user does after a killed ``up``: the stack is locked, so cancel, refresh and ``up`` again,
    which names the killed up's pending operations; its output."""
    locked = program.pulumi("refresh", "--yes", ok=False)
    assert "the stack is currently locked" in locked.stdout + locked.stderr
    program.pulumi("cancel", "--yes")
    program.pulumi("refresh", "--yes")
    up_again = program.pulumi("up", "--yes").stdout
    assert "pending operations from previous deployment" in up_again, up_again
    return up_again


def test_up_killed_with_sigkill_mid_creates_then_refresh_up_destroy_restores_every_original(
    program: Project, reaper: list[int]
) -> None:
    names = add_fleet(program.emu)
    declare(program, **fleet_resources(names))
    kill_up_mid_way(program, reaper, lambda: program.calls().get("UpdatePrimaryEmailAddress", 0), 5, FLEET)
    recover_after_the_kill(program)
    assert primaries(program, names) == {n: f"{n}@new.example" for n in names}
    originals = {r["outputs"]["entity_id"]: r["outputs"]["original_email"] for r in program.resources()}
    assert originals == {n: f"{n}@old.example" for n in names}, "every true original recorded"

    program.pulumi("destroy", "--yes")
    assert primaries(program, names) == {n: f"{n}@old.example" for n in names}


ALIASED_FLEET = 12


def aliases_of(project: Project, names: list[str]) -> dict[str, list[str]]:
    return {name: project.aliases(name) for name in names}


def alias_writes(project: Project) -> int:
    calls = project.calls()
    return calls.get("CreateAlias", 0) + calls.get("DeleteAlias", 0)


def test_aliases_up_killed_with_sigkill_mid_creates_then_refresh_up_destroy_restores_every_original(
    program: Project, reaper: list[int]
) -> None:
    """Creates whose writes the killed `up` never saved in the state are adopted by the next `up`, which
    takes from their journal notes what they changed: without the notes they would record nothing, and
    destroy would leave those users without their old aliases."""
    names = add_fleet(program.emu, ALIASED_FLEET, with_alias=True)
    declare(program, **{n: {"entity_id": n, "aliases": [f"{n}@new.example"], "exclusive": True} for n in names})
    kill_up_mid_way(program, reaper, lambda: alias_writes(program), 6, 2 * ALIASED_FLEET)
    recorded = {r["outputs"]["entity_id"] for r in program.resources("EntityAliases")}
    changed = {n for n, aliases in aliases_of(program, names).items() if aliases != [f"{n}@old.example"]}
    lost = changed - recorded
    assert lost, f"no create lost: the state the killed up left records every user it changed ({sorted(changed)})"
    up_again = recover_after_the_kill(program)
    adopted = set(
        re.findall(
            r"warning: user (staff\d+) \([^)]*\): an earlier create on this machine that this resource.s record "
            "does not show",
            up_again,
        )
    )
    assert adopted == lost, up_again
    assert aliases_of(program, names) == {n: [f"{n}@new.example"] for n in names}
    records = {
        r["outputs"]["entity_id"]: (r["outputs"]["added_aliases"], r["outputs"]["removed_aliases"])
        for r in program.resources("EntityAliases")
    }
    assert records == {n: ([f"{n}@new.example"], [f"{n}@old.example"]) for n in names}, "every change recorded"

    program.pulumi("destroy", "--yes")
    assert aliases_of(program, names) == {n: [f"{n}@old.example"] for n in names}


@pytest.mark.parametrize("parallel", [["--parallel", "1"], []], ids=["parallel-1", "default"])
def test_up_and_destroy_converge_serially_and_in_parallel(program: Project, parallel: list[str]) -> None:
    names = add_fleet(program.emu)
    declare(program, **fleet_resources(names))
    up = program.pulumi("up", "--yes", *parallel).stdout
    assert f"+ {FLEET + 1} created" in up, up
    assert primaries(program, names) == {n: f"{n}@new.example" for n in names}
    program.reset_stats()
    assert "unchanged" in program.pulumi("up", "--yes", *parallel).stdout
    assert program.calls() == {}
    program.pulumi("destroy", "--yes", *parallel)
    assert primaries(program, names) == {n: f"{n}@old.example" for n in names}


def installed_as_from_the_wheel(project: Project) -> None:
    """Give the project a virtualenv of its own that sees this one's packages (the editable pulumi-workmail
    too) and the interpreter-start hook the wheel installs, which an editable install cannot place."""
    venv = project.directory / ".venv"
    venv.unlink()
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site_packages = Path(sysconfig.get_path("purelib", vars={"base": str(venv)}))
    ours = sysconfig.get_path("purelib")
    (site_packages / "_this_test_run.pth").write_text(f"import site; site.addsitedir({ours!r})\n")
    shutil.copy(REPO / "provider" / "pulumi_workmail_import_hint.pth", site_packages)


def test_pulumi_import_points_at_adopt_on_create_and_changes_nothing(program: Project) -> None:
    """The CLI's import reaches the Python dynamic provider with no properties; the SDK would answer with
    a KeyError traceback. It must fail with advice and write nothing."""
    installed_as_from_the_wheel(program)
    declare(program, primary={"entity_id": "alice", "email": "alice@example.com"})
    program.reset_stats()
    alice = f"{ORG}/{program.user_id('alice')}"
    done = program.pulumi(
        "import", "pulumi-python:dynamic/workmail:EntityPrimaryEmail", "primary", alice, "--yes", ok=False
    )
    text = done.stdout + done.stderr
    assert "pulumi import cannot import resources of Python dynamic providers" in text, text
    assert "declare the resource in the program instead" in text
    assert "Traceback" not in text and "KeyError" not in text, text
    assert program.resources() == []
    assert program.calls().get("UpdatePrimaryEmailAddress", 0) == 0


def test_import_option_fails_with_one_line_pointing_at_adopt_on_create(cli_world: World) -> None:
    project = program_project(
        cli_world,
        "import pulumi\n"
        "from pulumi_workmail import EntityPrimaryEmail\n"
        f"EntityPrimaryEmail('primary', organization_id='{ORG}', entity_id='alice', email='alice@example.com',\n"
        f"    opts=pulumi.ResourceOptions(import_='{ORG}/alice'))\n",
    )
    done = project.pulumi("preview", ok=False)
    text = done.stdout + done.stderr
    assert "EntityPrimaryEmail 'primary': import is not supported" in text, text
    assert "its first `pulumi up` adopts the entity as it is" in text
    assert "Traceback" not in text, text
    assert project.calls() == {}


def test_a_wait_shows_what_it_waits_for_and_fails_naming_wait_timeout_seconds(program: Project) -> None:
    typo = "12345678-1234-1234-1234-123456789012"
    declare(program, primary={"entity_id": typo, "email": "someone@new.example", "wait_timeout_seconds": 3})
    done = program.pulumi("up", "--yes", ok=False)
    text = done.stdout + done.stderr
    rows = [
        line for line in text.splitlines() if "EntityPrimaryEmail primary" in line and "waiting for WorkMail" in line
    ]
    assert rows, text
    error = resource_diagnostics(text, "primary")
    assert error.startswith("error: ") and "still so after waiting wait_timeout_seconds=3 s" in error, error
