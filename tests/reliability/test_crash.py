"""A provider process killed in the middle of an ``up``: the up fails cleanly, the next ``up`` converges, and
destroy still restores every true original (the creates that died after their write left a journal note).

The provider server is found the way an operator would: among this process's children, the one running
``python -m pulumi.dynamic`` (scanning ``/proc``). A watcher thread kills it with SIGKILL once WorkMail has
seen a few writes, while other creates are still in flight (every DescribeUser is slowed down, so a create
spends most of its time resolving its entity or reading its write back).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pulumi.automation import CommandError

from workmail_emulator import Emulator

from .conftest import REPO, AliasWorld, Figures, Fleet, output

FLEET_SIZE = 24


def provider_server_pids() -> list[int]:
    """Children of this process whose command line runs ``pulumi.dynamic``."""
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read().decode(errors="replace")
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            if parent != me:
                continue
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                argv = handle.read().split(b"\0")
        except (OSError, ValueError, IndexError):
            continue
        if any(b"pulumi.dynamic" in arg for arg in argv):  # -m pulumi.dynamic, or the runner's launcher
            found.append(int(entry))
    return found


class Killer(threading.Thread):
    """Kills the provider server once WorkMail has counted ``after_writes`` UpdatePrimaryEmailAddress calls."""

    def __init__(self, fleet: Fleet, after_writes: int) -> None:
        super().__init__(daemon=True)
        self.fleet = fleet
        self.after_writes = after_writes
        self.killed: list[int] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            if self.fleet.admin.stats().get("UpdatePrimaryEmailAddress", 0) >= self.after_writes:
                for pid in provider_server_pids():
                    os.kill(pid, signal.SIGKILL)
                    self.killed.append(pid)
                if self.killed:
                    return
            time.sleep(0.01)


def _kill_mid_up(fleet: Fleet) -> CommandError:
    fleet.declare_all("new.example")
    fleet.admin.fault(operation="DescribeUser", latency_ms=300)
    killer = Killer(fleet, after_writes=3)
    killer.start()
    try:
        with pytest.raises(CommandError) as caught:
            fleet.stack.up()
    finally:
        killer.stop.set()
        killer.join()
        fleet.admin.clear_faults()
    assert killer.killed, "the provider server was never found to kill"
    for pid in killer.killed:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # really gone (reaped by the runner)
    return caught.value


def test_provider_killed_mid_up_fails_cleanly_and_the_next_up_converges(
    emulator: Emulator, tmp_path: Path, aws_isolated: dict[str, str], figures: Figures
) -> None:
    fleet = Fleet(emulator, tmp_path, FLEET_SIZE)
    error = _kill_mid_up(fleet)
    message = getattr(error, "message", str(error))
    assert "Traceback" not in str(error) and "\n" not in message.strip(), str(error)
    assert "provider" in message.lower() and ("exited" in message or "-9" in message), message
    created_before_kill = len(fleet.state())
    assert created_before_kill < FLEET_SIZE, "the kill came too late to interrupt anything"

    fleet.stack.up()
    live = fleet.live()
    assert all(live[name] == f"{name}@new.example" for name in fleet.names), live
    state = fleet.state()
    assert set(state) == set(fleet.declared)
    again = fleet.stack.up()
    assert {op for op, n in again.summary.resource_changes.items() if n} == {"same"}
    # Creates that died after their write are adopted, with the true original from the provider's journal.
    originals = {output(resource, "entity_id"): output(resource, "original_email") for resource in state.values()}
    assert originals == fleet.originals, originals
    fleet.stack.destroy()
    fleet.assert_restored()
    figures.add(
        "crash.provider_killed_mid_up",
        operations_attempted=FLEET_SIZE,
        operations_converged=FLEET_SIZE,
        recorded_before_kill=created_before_kill,
        originals_restored=len(fleet.originals),
    )


RUNNER_SCRIPT = """
import json, sys
from pulumi_workmail import EntityPrimaryEmail
from pulumi_workmail.testing import OfflineStack
spec = json.load(open(sys.argv[1]))
def program():
    for name in spec["names"]:
        EntityPrimaryEmail(f"{name}-primary", organization_id=spec["org"], entity_id=name,
                           email=f"{name}@new.example", wait_timeout_seconds=5)
stack = OfflineStack(spec["stack"], project_name="reliability", program=program, state_dir=spec["state_dir"],
                     env=spec["env"])
stack.up(on_output=lambda line: print(line, flush=True))
"""


def test_runner_killed_mid_up_then_up_and_destroy_restore_every_true_original(
    emulator: Emulator, tmp_path: Path, aws_isolated: dict[str, str], figures: Figures
) -> None:
    """The runner writes each step to disk as it completes, as the engine checkpoints, so a SIGKILL keeps
    every create it reported; the provider's journal notes cover the writes it had not reported yet."""
    fleet = Fleet(emulator, tmp_path / "state", 12)
    fleet.declare_all("new.example")
    spec = tmp_path / "spec.json"
    spec.write_text(
        json.dumps(
            {
                "names": fleet.names,
                "org": fleet.org,
                "stack": "reliability",
                "state_dir": str(tmp_path / "state"),
                "env": fleet.env,
            }
        )
    )
    fleet.admin.fault(operation="DescribeUser", latency_ms=300)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "provider"), str(REPO)])}
    runner = subprocess.Popen(
        [sys.executable, "-c", RUNNER_SCRIPT, str(spec)], env=env, stdout=subprocess.PIPE, text=True
    )
    printed: list[str] = []

    def read() -> None:
        assert runner.stdout is not None
        printed.extend(runner.stdout)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()

    def reported() -> set[str]:
        return {line.split()[2] for line in list(printed) if line.rstrip().endswith(" create") and ":dynamic" in line}

    try:
        deadline = time.monotonic() + 120
        while len(reported()) < 2:
            assert runner.poll() is None and time.monotonic() < deadline, "the up ended before 2 creates"
            time.sleep(0.01)
    finally:
        runner.kill()
        runner.wait()
        reader.join(timeout=10)
    fleet.admin.clear_faults()
    written = fleet.admin.stats().get("UpdatePrimaryEmailAddress", 0)
    assert written < len(fleet.names), "killed mid-way"
    created = reported()
    recorded = fleet.state()
    assert created <= set(recorded), f"reported as created but not on disk: {sorted(created - set(recorded))}"
    for name in created:
        entity = output(recorded[name], "entity_id")
        assert output(recorded[name], "original_email") == fleet.originals[entity]
    time.sleep(1.0)  # the provider server notices its runner is gone and ends

    fleet.stack.up()
    originals = {output(r, "entity_id"): output(r, "original_email") for r in fleet.state().values()}
    assert originals == fleet.originals, originals
    fleet.stack.destroy()
    fleet.assert_restored()
    figures.add(
        "crash.runner_killed_mid_up",
        operations_attempted=len(fleet.names),
        operations_converged=len(fleet.names),
        originals_restored=len(fleet.originals),
        recorded_before_kill=len(created),
    )


def test_entity_aliases_create_whose_result_the_engine_lost_is_still_undone_by_destroy(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, aws_isolated: dict[str, str]
) -> None:
    """The engine dies after an exclusive create's writes, before it saves the state; the next up creates
    again and finds the entity as the lost create left it. The journal note the lost create wrote lets
    destroy still put back the alias it removed and remove the one it added."""
    world = AliasWorld(emulator, monkeypatch)
    world.create(["x1@new.example"], exclusive=True)  # al@example.com removed, x1 added: never recorded
    id_, outs = world.create(["x1@new.example"], exclusive=True)
    assert (outs["added_aliases"], outs["removed_aliases"]) == (["x1@new.example"], ["al@example.com"])
    world.delete(id_, outs)
    assert world.live() == {"al@example.com"}
