"""Faults: every lifecycle operation on 50 resources under throttling, 5xx bursts, latency and dropped connections.

Each operation (create, update, refresh, delete) runs through ``OfflineStack`` and the real provider server
while the emulator injects faults. It must either succeed (botocore's bounded retries, ``AWS_MAX_ATTEMPTS=3``)
or fail with one clear line that names what happened. Right after it, whatever the outcome, the state must
agree with WorkMail (see ``Fleet.assert_state_matches_workmail``), and one fault-free run must converge to the
declared addresses with the true originals still recorded; the final fault-free destroy must restore them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pulumi.automation import CommandError

from workmail_emulator import Emulator

from .conftest import Figures, Fleet, output

FLEET_SIZE = 50

# name -> (fault rules posted before each operation, words one of which a failure message must contain)
FAULTS: dict[str, tuple[list[dict[str, Any]], tuple[str, ...]]] = {
    "throttling_on_30_percent": (
        [{"operation": "*", "error": "ThrottlingException", "rate": 0.3}],
        ("throttled",),
    ),
    "http_500_and_503_bursts": (
        [{"operation": "*", "status": 503, "count": 6}, {"operation": "*", "status": 500, "every": 7}],
        ("internal error",),
    ),
    "latency_spikes_of_2_seconds": (
        [{"operation": "*", "latency_ms": 2000, "count": 2}],
        (),  # slow is not broken: these operations must succeed
    ),
    "dropped_connections": (
        [{"operation": "*", "drop": True, "rate": 0.15}],
        ("could not reach workmail",),
    ),
}

STEP_OPS = {"create": "create", "update": "update", "refresh": "refresh", "delete": "delete"}


def assert_clean_failure(error: CommandError, words: tuple[str, ...]) -> None:
    """One line, no traceback, and it says what happened."""
    message: str = getattr(error, "message", str(error))
    text = f"{error}\n{getattr(error, 'stdout', '')}"
    assert "Traceback" not in text, text
    assert "\n" not in message.strip(), f"expected one line, got:\n{message}"
    assert words, f"this fault must not fail the operation, but it did: {message}"
    assert any(word in message.lower() for word in words), f"the message does not say what happened: {message}"


def run_under_faults(
    admin: Any,
    rules: list[dict[str, Any]],
    words: tuple[str, ...],
    operation: str,
    run: Callable[[], Any],
    section: str,
    figures: Figures,
) -> bool:
    """One stack operation of a fleet with ``rules`` injected: it succeeds, or fails cleanly with one of
    ``words`` (True); what it did is added to the figures of ``section``."""
    for rule in rules:
        admin.fault(**rule)
    steps: list[Any]
    try:
        result = run()
        steps, failed = list(result.steps), False
    except CommandError as error:
        steps, failed = list(getattr(error, "steps", [])), True
        assert_clean_failure(error, words)
        figures.note(section, **{f"sample_{operation}_failure": str(error)})
    finally:
        fired = admin.clear_faults()
    done = sum(1 for step in steps if step.custom and step.op == STEP_OPS[operation])
    figures.add(
        section,
        faults_injected=fired,
        operations_attempted=FLEET_SIZE,
        operations_succeeded_under_faults=done,
        stack_runs_under_faults=1,
        stack_runs_failed_cleanly=int(failed),
    )
    return failed


@pytest.mark.parametrize("fault", list(FAULTS))
def test_every_lifecycle_operation_under_faults_succeeds_or_fails_cleanly_and_then_converges(
    fault: str, emulator: Emulator, tmp_path: Path, aws_isolated: dict[str, str], figures: Figures
) -> None:
    rules, words = FAULTS[fault]
    fleet = Fleet(emulator, tmp_path, FLEET_SIZE)
    section = f"faults.{fault}"

    def drift_a_few() -> None:
        """Out-of-band changes for the refresh to find: five entities back on their alias."""
        client = emulator.client()
        for name in fleet.names[:5]:
            client.update_primary_email_address(
                OrganizationId=fleet.org, EntityId=fleet.ids[name], Email=f"{name}.alias@old.example"
            )

    operations: list[tuple[str, Callable[[], None], Callable[[], Any]]] = [
        ("create", lambda: fleet.declare_all("new.example"), fleet.stack.up),
        ("update", lambda: fleet.declare_all("next.example"), fleet.stack.up),
        ("refresh", drift_a_few, fleet.stack.refresh),
        ("delete", lambda: None, fleet.stack.destroy),
    ]
    for operation, prepare, run in operations:
        prepare()
        failed = run_under_faults(fleet.admin, rules, words, operation, run, section, figures)

        # Whatever happened, the state must not disagree with WorkMail.
        if operation != "refresh":
            fleet.assert_state_matches_workmail()
        else:
            # A refresh changes no address; what it recorded must be what WorkMail held.
            live = fleet.live()
            for resource_name, resource in fleet.state().items():
                entity = fleet.entity_name(resource_name)
                stored = output(resource, "email")
                declared = fleet.declared[resource_name][1]
                assert stored in (live[entity], declared), (resource_name, stored, live[entity])

        # One fault-free run converges (a refresh first, so the drift made above is seen everywhere).
        if operation == "delete":
            if failed:
                fleet.stack.destroy()
            fleet.assert_restored()
        else:
            if operation == "refresh":
                fleet.stack.refresh()
            repair = fleet.stack.up()
            if not failed and operation != "refresh":
                changed = {op: n for op, n in repair.summary.resource_changes.items() if op != "same"}
                assert not changed, f"{operation} reported success under faults, yet the next up changed {changed}"
            fleet.assert_converged()
        figures.add(section, operations_converged=FLEET_SIZE)


ONE_AT_A_TIME = {"AWS_MAX_ATTEMPTS": "1", "PULUMI_WORKMAIL_BATCH_READS": "0"}


def _fail_every_read_back(fleet: Fleet, **fault: Any) -> tuple[Any, int]:
    """An up in which every second DescribeUser fails: with chained resources, no botocore retries and no
    batched reads, those are exactly the read-backs. Returns the up's result and the faults fired."""
    fleet.admin.fault(operation="DescribeUser", every=2, **fault)
    try:
        up = fleet.stack.up()
    finally:
        fired = fleet.admin.clear_faults()
    assert up.stdout.count("reading it back failed") == fired, up.stdout
    return up, fired


def _next_up_is_a_noop_and_destroy_restores(fleet: Fleet) -> None:
    fleet.assert_converged()
    again = fleet.stack.up()
    assert {op for op, n in again.summary.resource_changes.items() if n} == {"same"}
    fleet.stack.destroy()
    fleet.assert_restored()


@pytest.mark.parametrize(
    "read_back_fault",
    [
        {"status": 500},
        {"error": "ThrottlingException"},
        {"drop": True},
    ],
    ids=["http_500", "throttling", "dropped_connection"],
)
def test_failed_read_back_after_create_does_not_fail_the_step_and_destroy_restores_true_originals(
    read_back_fault: dict[str, Any], emulator: Emulator, tmp_path: Path, aws_isolated: dict[str, str], figures: Figures
) -> None:
    """Create = DescribeUser (resolve), UpdatePrimaryEmailAddress, DescribeUser (read-back).

    The resources are chained (``depends_on``) so creates run one at a time, and with no botocore retries
    and no batched reads every second DescribeUser is exactly a read-back: the rule fails all of them and
    nothing else.
    """
    count = 6
    fleet = Fleet(emulator, tmp_path, count, env_extra=ONE_AT_A_TIME)
    for name in fleet.names:
        fleet.declare(name, f"{name}@new.example", chain=True)
    up, fired = _fail_every_read_back(fleet, **read_back_fault)
    assert fired == count, "every read-back (and only the read-backs) failed"
    assert up.summary.resource_changes.get("create") == count + 1
    _next_up_is_a_noop_and_destroy_restores(fleet)
    figures.add(
        "transactional.create_read_back_fails",
        faults_injected=fired,
        operations_attempted=count,
        operations_succeeded_under_faults=count,
        operations_converged=count,
    )


def test_failed_read_back_after_update_does_not_fail_the_step_and_destroy_restores_true_originals(
    emulator: Emulator, tmp_path: Path, aws_isolated: dict[str, str], figures: Figures
) -> None:
    """Update = DescribeUser (is it still what the stack recorded?), UpdatePrimaryEmailAddress, DescribeUser
    (read-back). Chained, with no botocore retries and no batched reads, every second DescribeUser is
    exactly a read-back: the rule fails all of them and nothing else."""
    count = 10
    fleet = Fleet(emulator, tmp_path, count, env_extra=ONE_AT_A_TIME)
    for name in fleet.names:
        fleet.declare(name, f"{name}@new.example", chain=True)
    fleet.stack.up()
    for name in fleet.names:
        fleet.declare(name, f"{name}@next.example", chain=True)
    up, fired = _fail_every_read_back(fleet, status=503)
    assert fired == count, "every read-back (and only the read-backs) failed"
    assert up.summary.resource_changes.get("update") == count
    assert fleet.admin.stats().get("UpdatePrimaryEmailAddress", 0) >= count
    _next_up_is_a_noop_and_destroy_restores(fleet)
    figures.add(
        "transactional.update_read_back_fails",
        faults_injected=fired,
        operations_attempted=count,
        operations_succeeded_under_faults=count,
        operations_converged=count,
    )


def test_read_back_that_never_confirms_does_not_fail_create_and_destroy_restores_true_originals(
    emulator: Emulator, tmp_path: Path, aws_isolated: dict[str, str], figures: Figures
) -> None:
    """With reads lagging far longer than ``wait_timeout_seconds``, the write has happened: create succeeds."""
    count = 20
    fleet = Fleet(emulator, tmp_path, count, wait_timeout_seconds=0.3)
    fleet.declare_all("new.example")
    fleet.admin.lag(10_000)
    up = fleet.stack.up()
    fleet.admin.lag(0)
    assert up.summary.resource_changes.get("create") == count + 1
    assert up.stdout.count("WorkMail still shows") == count, up.stdout
    fleet.assert_converged()
    fleet.stack.destroy()
    fleet.assert_restored()
    figures.add(
        "transactional.read_back_never_confirms",
        operations_attempted=count,
        operations_succeeded_under_faults=count,
        operations_converged=count,
    )
