"""The offline runner's state file and its step log: what a killed run leaves, and how it is read back."""

from __future__ import annotations

import json
from pathlib import Path

from pulumi_workmail.testing._state import (
    ResourceState,
    StackState,
    StepLog,
    fold_steps,
    load_state,
    save_state,
    step_log_path,
)

TYPE = "pulumi-python:dynamic/workmail:EntityPrimaryEmail"


def record(name: str, email: str = "", *, delete: bool = False, id_: str = "") -> ResourceState:
    return ResourceState(
        urn=f"urn:pulumi:dev::p::{TYPE}::{name}",
        type=TYPE,
        custom=True,
        id=id_ or f"org/{name}",
        outputs={"email": email},
        delete=delete,
    )


def names(resources: list[ResourceState]) -> list[tuple[str, str, bool]]:
    return [(r.name, r.outputs.get("email", ""), r.delete) for r in resources]


def test_logged_steps_are_on_disk_before_the_operation_saves(tmp_path: Path) -> None:
    path = tmp_path / "p" / "dev.json"
    save_state(path, StackState(project="p", stack="dev", resources=[record("a", "a@old")]))
    log = StepLog(path)
    log.record(record("b").urn, [record("b", "b@new")])
    log.record(record("a").urn, [record("a", "a@new")])
    # No close, no save: as after a SIGKILL.
    loaded = load_state(path, project="p", stack="dev")
    assert names(loaded.resources) == [("a", "a@new", False), ("b", "b@new", False)]


def test_the_next_save_folds_the_log_away(tmp_path: Path) -> None:
    path = tmp_path / "dev.json"
    log = StepLog(path)
    log.record(record("a").urn, [record("a", "a@new")])
    log.close()
    state = load_state(path, project="p", stack="dev")
    save_state(path, state)
    assert not step_log_path(path).exists()
    assert names(load_state(path, project="p", stack="dev").resources) == [("a", "a@new", False)]
    assert [r["urn"] for r in json.loads(path.read_text())["deployment"]["resources"]] == [record("a").urn]


def test_a_delete_removes_and_a_replace_keeps_its_place_with_the_old_one_pending_at_the_end() -> None:
    start = [record("a", "a@1"), record("b", "b@1"), record("c", "c@1")]
    replaced = [record("b", "b@2", id_="org/b2"), record("b", "b@1", delete=True)]
    lines = [
        json.dumps({"urn": record("a").urn, "records": []}),
        json.dumps({"urn": record("b").urn, "records": [r.to_json() for r in replaced]}),
    ]
    assert names(fold_steps(start, lines)) == [("b", "b@2", False), ("c", "c@1", False), ("b", "b@1", True)]
    # The pending delete runs later: its line carries only the new record.
    done = json.dumps({"urn": record("b").urn, "records": [replaced[0].to_json()]})
    assert names(fold_steps(start, [*lines, done])) == [("b", "b@2", False), ("c", "c@1", False)]


def test_a_line_torn_by_the_kill_ends_the_fold() -> None:
    whole = json.dumps({"urn": record("a").urn, "records": [record("a", "a@2").to_json()]})
    torn = json.dumps({"urn": record("a").urn, "records": [record("a", "a@3").to_json()]})[:40]
    assert names(fold_steps([record("a", "a@1")], [whole, torn])) == [("a", "a@2", False)]


def test_a_resource_renamed_under_an_alias_takes_the_old_entry_s_place() -> None:
    """Its line replaces the old URN's record where it stood, so a killed run's fold keeps dependency order."""
    start = [record("a", "a@1"), record("b", "b@1"), record("c", "c@1")]
    line = json.dumps({"urn": record("d").urn, "was": record("b").urn, "records": [record("d", "b@1").to_json()]})
    assert names(fold_steps(start, [line])) == [("a", "a@1", False), ("d", "b@1", False), ("c", "c@1", False)]
