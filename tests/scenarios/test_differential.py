"""The offline runner against the real CLI: the same script on both must leave the same record.

Each script drives a stack through the verbs a user types; after every verb the record takes what a user
reads of it: the outcome (or the error's cause), the change summary, each resource's step with its
changed keys, the stack outputs and every resource's stored outputs. Ids the emulator makes up differ
between the two runs, so they are replaced by the names of what they identify before comparing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pulumi.automation import CommandError

from .conftest import Scenario, open_scenario

Script = Callable[[Scenario, Callable[[str, Callable[[], Any]], None]], None]


def _counts(result: Any) -> dict[str, int]:
    counts = getattr(result, "change_summary", None)
    if counts is None:
        counts = result.summary.resource_changes
    return {str(k): int(v) for k, v in (counts or {}).items() if v}


def _steps(result: Any) -> list[tuple[str, str, tuple[str, ...]]]:
    return sorted((s.name, s.op, tuple(sorted(s.diffs))) for s in result.steps)


def _causes(text: str) -> set[str]:
    """The provider's or engine's own words, without what each backend puts around them (the CLI's
    "error: " prefixes and progress lines, the runner's "<type> resource '<name>': create failed: ")."""
    causes = set()
    for line in text.splitlines():
        cause = line.rsplit("error: ", 1)[-1].strip()
        cause = cause.split(" failed: ", 1)[-1] if " failed: " in cause else cause
        if "already used" in cause or "has a problem" in cause:
            causes.add(cause)
    return causes


class Recorder:
    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.entries: list[dict[str, Any]] = []

    def __call__(self, verb: str, action: Callable[[], Any]) -> None:
        entry: dict[str, Any] = {"verb": verb}
        try:
            result = action()
        except CommandError as error:
            entry["error"] = sorted(_causes(str(error)))
        else:
            entry["summary"] = _counts(result)
            entry["steps"] = _steps(result)
        entry["outputs"] = {k: v.value for k, v in self.scenario.stack.outputs().items()}
        entry["state"] = {
            name: {k: v for k, v in self.scenario.resource_outputs(name).items() if not k.startswith("__")}
            for name in sorted(self.scenario.resource_names())
        }
        self.entries.append(entry)

    def normalized(self) -> list[dict[str, Any]]:
        text = json.dumps(self.entries, sort_keys=True)
        ids = self.scenario.ids
        names = {ids["id"]: "<org>", self.scenario.other_org: "<other org>"}
        for kind in ("users", "groups", "resources"):
            names.update({str(entity_id): f"<{kind} {name}>" for name, entity_id in (ids.get(kind) or {}).items()})
        for real, placeholder in names.items():
            text = text.replace(real, placeholder)
        normalized: list[dict[str, Any]] = json.loads(text)
        return normalized


def lifecycle(sc: Scenario, run: Callable[[str, Callable[[], Any]], None]) -> None:
    sc.declare("alice-primary", entity_id="alice", email="alice@new.example")
    sc.declare("sales-primary", entity_id="sales@example.com", email="sales@new.example", on_delete="retain")
    run("preview", sc.stack.preview)
    run("up", sc.stack.up)
    run("up again", sc.stack.up)
    sc.declare("alice-primary", entity_id="alice", email="alice.liddell@new.example")
    run("preview of a change", sc.stack.preview)
    run("up of a change", sc.stack.up)
    sc.wm.update_primary_email_address(
        OrganizationId=sc.org, EntityId=sc.entity_id("users", "alice"), Email="al@example.com"
    )
    run("refresh after a hand-made change", sc.stack.refresh)
    run("up restoring it", sc.stack.up)
    run("destroy", sc.stack.destroy)


def replace_and_errors(sc: Scenario, run: Callable[[str, Callable[[], Any]], None]) -> None:
    sc.declare("primary", entity_id="alice", email="alice@new.example")
    run("up", sc.stack.up)
    sc.declare("primary", entity_id="bob", email="bob@new.example")
    run("preview of another entity", sc.stack.preview)
    run("up replacing it", sc.stack.up)
    sc.declare("primary", entity_id="bob", email="alice@example.com")
    run("up to an address another entity holds", sc.stack.up)
    sc.declare("primary", entity_id="bob", email="not-an-address")
    run("preview of an invalid address", sc.stack.preview)
    sc.declare("primary", entity_id="bob", email="bob@new.example")
    run("destroy", sc.stack.destroy)


def drift_and_deletion(sc: Scenario, run: Callable[[str, Callable[[], Any]], None]) -> None:
    sc.declare("alice-primary", entity_id="alice", email="alice@new.example")
    sc.declare("bob-primary", entity_id="bob", email="bob@new.example")
    run("up", sc.stack.up)
    sc.stack.set_config("workmail:checkBeforeUpdate", "false")
    sc.wm.update_primary_email_address(
        OrganizationId=sc.org, EntityId=sc.entity_id("users", "alice"), Email="al@example.com"
    )
    sc.declare("alice-primary", entity_id="alice", email="alice.liddell@new.example")
    run("up --refresh", lambda: sc.stack.up(refresh=True))
    bob = sc.entity_id("users", "bob")
    sc.wm.deregister_from_work_mail(OrganizationId=sc.org, EntityId=bob)
    sc.wm.delete_user(OrganizationId=sc.org, UserId=bob)
    run("refresh after a deletion", sc.stack.refresh)
    run("destroy", sc.stack.destroy)


@pytest.mark.parametrize("script", [lifecycle, replace_and_errors, drift_and_deletion], ids=lambda s: s.__name__)
def test_offline_runner_and_real_cli_leave_the_same_record(script: Script, tmp_path: Path) -> None:
    records = {}
    for backend in ("offline", "automation"):
        with open_scenario(backend, tmp_path / backend) as sc:
            recorder = Recorder(sc)
            script(sc, recorder)
            records[backend] = recorder.normalized()
            failed = [entry for entry in records[backend] if "error" in entry]
            assert all(entry["error"] for entry in failed), f"{backend}: an error without the provider's words"
    for offline, cli in zip(records["offline"], records["automation"], strict=True):
        assert offline == cli, f"after {offline['verb']!r}"
