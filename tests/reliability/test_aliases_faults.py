"""Faults on ``EntityAliases``: ListAliases, CreateAlias and DeleteAlias failing in every step.

Most tests call ``EntityAliasesProvider`` directly (as the provider server does) with botocore's retries
off (``AWS_MAX_ATTEMPTS=1``), so what is under test is the provider's own waiting; WorkMail's true state
is read with the admin API, which is never faulted. A transient fault must never fail a step, and the
step must end with exactly the declared aliases; a permanent one fails the step with one line, after
undoing what the step had changed. The last test runs 50 resources through the offline runner under the
fault table of ``test_faults`` for the README's figures.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pulumi_workmail.errors import WorkMailProviderError
from workmail_emulator import Emulator, running

from .conftest import AliasFleet, AliasWorld, Figures, lower, output
from .test_faults import FAULTS, run_under_faults

pytestmark = pytest.mark.timeout(120)

ORIGINAL = {"al@example.com"}
CREATED = ["x1@new.example", "x2@new.example"]  # exclusive: al@example.com goes
UPDATED = ["x2@new.example", "x3@old.example"]  # x1 goes, x3 comes

# Which calls each step makes (from the lifecycle table of ``aliases_provider``).
CALLS = {
    "create": {"ListAliases", "DeleteAlias", "CreateAlias"},
    "update": {"ListAliases", "DeleteAlias", "CreateAlias"},
    "refresh": {"ListAliases"},
    "delete": {"DeleteAlias", "CreateAlias"},  # puts al@example.com back, takes x2 and x3 away
}

# name -> the rule (without its operation); each fails the call a few times, then lets it through
TRANSIENT: dict[str, dict[str, Any]] = {
    "throttled": {"error": "ThrottlingException", "count": 2},
    "http_500": {"status": 500, "count": 2},
    "http_503": {"status": 503, "count": 2},
    "dropped_before_it_ran": {"drop": True, "count": 2},
    "answer_lost_after_it_ran": {"drop": True, "after": True, "count": 1},
    "http_500_after_it_ran": {"status": 500, "after": True, "count": 1},
    "entity_not_enabled_yet": {"error": "EntityStateException", "count": 2},
    "mail_domain_not_verified_yet": {"error": "MailDomainStateException", "count": 2},
}


@pytest.fixture(scope="module")
def shared_emulator() -> Iterator[Emulator]:
    with running() as emu:
        yield emu


@pytest.fixture
def world(shared_emulator: Emulator, monkeypatch: pytest.MonkeyPatch, aws_isolated: dict[str, str]) -> AliasWorld:
    return AliasWorld(shared_emulator, monkeypatch)


def _step(world: AliasWorld, rule: dict[str, Any] | None, run: Callable[[], Any]) -> tuple[Any, int]:
    """``run`` with ``rule`` in force; returns its result and how often the rule fired."""
    if rule is not None:
        world.fault(**rule)
    try:
        return run(), world.admin.faults_fired()
    finally:
        world.admin.clear_faults()


@pytest.mark.parametrize("operation", ["ListAliases", "CreateAlias", "DeleteAlias"])
@pytest.mark.parametrize("fault", list(TRANSIENT))
def test_transient_fault_on_an_alias_call_in_every_step_still_ends_with_exactly_the_declared_aliases(
    fault: str, operation: str, world: AliasWorld, figures: Figures
) -> None:
    """The fault is in force in each of create, update, refresh and delete in turn."""
    rule = {"operation": operation, **TRANSIENT[fault]}
    fired: dict[str, int] = {}

    (id_, outs), fired["create"] = _step(world, rule, lambda: world.create(CREATED, exclusive=True))
    assert world.live() == lower(CREATED)
    assert outs["aliases"] == CREATED
    assert (outs["added_aliases"], outs["removed_aliases"]) == (CREATED, sorted(ORIGINAL))

    outs, fired["update"] = _step(world, rule, lambda: world.update(id_, outs, UPDATED))
    assert world.live() == lower(UPDATED)
    assert outs["aliases"] == UPDATED
    assert (outs["added_aliases"], outs["removed_aliases"]) == (UPDATED, sorted(ORIGINAL))

    read, fired["refresh"] = _step(world, rule, lambda: world.read(id_, outs))
    assert read["aliases"] == UPDATED, "no false drift"

    _, fired["delete"] = _step(world, rule, lambda: world.delete(id_, read))
    assert world.live() == ORIGINAL

    for step, calls in CALLS.items():
        if operation in calls:
            assert fired[step] >= 1, f"the fault never fired in {step}: {fired}"
    figures.add(
        "faults.aliases_direct",
        faults_injected=sum(fired.values()),
        operations_attempted=4,
        operations_succeeded_under_faults=4,
        operations_converged=4,
    )


# ------------------------------------------------------------------ answers lost after the write landed


def test_create_alias_whose_answer_was_lost_and_whose_retry_says_in_use_is_ours(
    world: AliasWorld, figures: Figures
) -> None:
    """Some services answer a repeated CreateAlias with EmailAddressInUseException: the provider lists the
    aliases, finds the address is the entity's own, and carries on (in create and in delete's put-back)."""
    lost_then_in_use = [
        {"operation": "CreateAlias", "drop": True, "after": True, "count": 1},
        {"operation": "CreateAlias", "error": "EmailAddressInUseException", "count": 1},
    ]
    for rule in lost_then_in_use:
        world.fault(**rule)
    id_, outs = world.create(CREATED, exclusive=True)
    assert world.admin.clear_faults() == 2
    assert world.live() == lower(CREATED)
    assert outs["added_aliases"] == CREATED, "the alias that landed on the lost try is recorded as added"

    for rule in lost_then_in_use:
        world.fault(**rule)
    world.delete(id_, outs)  # puts al@example.com back: the same two faults
    assert world.admin.clear_faults() == 2
    assert world.live() == ORIGINAL
    figures.add(
        "faults.aliases_direct",
        faults_injected=4,
        operations_attempted=2,
        operations_succeeded_under_faults=2,
        operations_converged=2,
    )


def test_throttled_list_after_create_alias_says_in_use_is_retried_not_reported_as_in_use(
    world: AliasWorld,
) -> None:
    """The list that tells "ours" from "someone else's" is itself throttled once: that is a reason to try
    again, not to report the entity's own alias as held by another entity."""
    world.fault(operation="CreateAlias", drop=True, after=True, count=1)
    world.fault(operation="CreateAlias", error="EmailAddressInUseException", count=1)
    world.fault(operation="ListAliases", error="ThrottlingException", every=2, count=1)  # the one after the plan's
    _id, outs = world.create(["x1@new.example"])
    assert world.admin.clear_faults() == 3
    assert world.live() == ORIGINAL | {"x1@new.example"}
    assert outs["added_aliases"] == ["x1@new.example"]


@pytest.mark.parametrize(
    ("operation", "aliases", "exclusive"),
    [("DeleteAlias", ["x1@new.example"], True), ("CreateAlias", ["x1@new.example"], False)],
    ids=["removal_landed", "addition_landed"],
)
def test_call_that_landed_but_whose_retries_then_ran_out_is_undone_too(
    operation: str, aliases: list[str], exclusive: bool, world: AliasWorld
) -> None:
    """The write lands but its answer is lost, then WorkMail answers 503 until the wait is over. The step
    fails; the write that landed is undone like the others, so "nothing was changed" is true (otherwise a
    removed alias would be lost for good: no state records it, so no destroy would put it back)."""
    world.fault(operation=operation, drop=True, after=True, count=1)
    world.fault(operation=operation, status=503)
    with pytest.raises(WorkMailProviderError) as caught:
        world.create(aliases, exclusive=exclusive, wait_timeout_seconds=1)
    world.admin.clear_faults()
    message = caught.value.message
    assert "internal error" in message and "nothing was changed" in message, message
    assert world.live() == ORIGINAL


# ------------------------------------------------------------------ permanent faults mid-way

PERMANENT: dict[str, str] = {
    # code -> words of the message
    "AccessDeniedException": "access denied",
    "LimitExceededException": "a limit was reached",
    "InvalidParameterException": "rejected the request",
    "UnsupportedOperationException": "does not allow this change",
    "ExpiredTokenException": "credentials have expired",
}


def _assert_one_line(message: str, *words: str) -> None:
    assert "\n" not in message and "Traceback" not in message, message
    for word in words:
        assert word in message.lower(), f"{word!r} not in: {message}"


@pytest.mark.parametrize("code", list(PERMANENT))
def test_permanent_fault_on_the_second_write_of_a_create_undoes_the_first_and_says_nothing_was_changed(
    code: str, world: AliasWorld, figures: Figures
) -> None:
    """Create: DeleteAlias al@example.com, CreateAlias x1, CreateAlias x2 (fails): x1 goes, al comes back."""
    world.fault(operation="CreateAlias", error=code, every=2, count=1)
    world.admin.reset_stats()
    with pytest.raises(WorkMailProviderError) as caught:
        world.create(CREATED, exclusive=True, wait_timeout_seconds=60)
    assert world.admin.clear_faults() == 1
    _assert_one_line(caught.value.message, PERMANENT[code], "nothing was changed")
    assert caught.value.code == code
    assert world.live() == ORIGINAL
    calls = world.admin.stats()
    assert (calls.get("CreateAlias"), calls.get("DeleteAlias")) == (3, 2), "two writes, one failure, two undone"
    figures.add("faults.aliases_permanent", faults_injected=1, operations_attempted=1, operations_failed_cleanly=1)


@pytest.mark.parametrize("code", ["AccessDeniedException", "LimitExceededException"])
def test_permanent_fault_mid_update_undoes_the_writes_before_it_and_the_next_update_converges(
    code: str, world: AliasWorld, figures: Figures
) -> None:
    """Update from x1, x2 to x3, x4: DeleteAlias x1 and x2, CreateAlias x3, CreateAlias x4 (fails)."""
    id_, outs = world.create(CREATED, exclusive=True)
    world.fault(operation="CreateAlias", error=code, every=2, count=1)
    with pytest.raises(WorkMailProviderError) as caught:
        world.update(id_, outs, ["x3@new.example", "x4@new.example"])
    assert world.admin.clear_faults() == 1
    _assert_one_line(caught.value.message, PERMANENT[code], "nothing was changed")
    assert world.live() == lower(CREATED), "x1 and x2 put back, x3 taken away"
    # The engine kept the old outputs: a refresh finds no drift, and the next update converges.
    assert world.read(id_, outs)["aliases"] == CREATED
    outs = world.update(id_, outs, ["x3@new.example", "x4@new.example"])
    assert world.live() == {"x3@new.example", "x4@new.example"}
    world.delete(id_, outs)
    assert world.live() == ORIGINAL
    figures.add("faults.aliases_permanent", faults_injected=1, operations_attempted=1, operations_failed_cleanly=1)


def test_permanent_fault_on_the_first_write_fails_with_that_error_alone(world: AliasWorld) -> None:
    world.fault(operation="DeleteAlias", error="AccessDeniedException")
    world.admin.reset_stats()
    with pytest.raises(WorkMailProviderError) as caught:
        world.create(CREATED, exclusive=True)
    world.admin.clear_faults()
    message = caught.value.message
    _assert_one_line(message, "access denied", "workmail:deletealias")
    assert "changed back" not in message, "nothing had been changed to change back"
    assert world.live() == ORIGINAL
    assert "CreateAlias" not in world.admin.stats(), "no write after the failing one"


def test_undo_that_fails_too_names_the_aliases_left_changed_and_says_to_refresh(
    world: AliasWorld, figures: Figures
) -> None:
    """Create: DeleteAlias al (ok), CreateAlias x1 (ok), CreateAlias x2 (denied); the undo's DeleteAlias x1 is
    denied too, its CreateAlias al is not: x1 is left, and the message says so."""
    world.fault(operation="CreateAlias", error="AccessDeniedException", every=2, count=1)
    world.fault(operation="DeleteAlias", error="AccessDeniedException", every=2)
    with pytest.raises(WorkMailProviderError) as caught:
        world.create(CREATED, exclusive=True)
    assert world.admin.clear_faults() == 2
    message = caught.value.message
    _assert_one_line(message, "access denied", "x1@new.example", "pulumi refresh")
    assert "nothing was changed" not in message
    assert world.live() == ORIGINAL | {"x1@new.example"}, "exactly what the message names is left"
    figures.add("faults.aliases_permanent", faults_injected=2, operations_attempted=1, operations_failed_cleanly=1)


def test_delete_that_cannot_put_an_alias_back_fails_with_one_line_and_a_retry_finishes_it(
    world: AliasWorld,
) -> None:
    id_, outs = world.create(CREATED, exclusive=True)
    world.fault(operation="CreateAlias", error="AccessDeniedException")
    with pytest.raises(WorkMailProviderError) as caught:
        world.delete(id_, outs)
    world.admin.clear_faults()
    _assert_one_line(caught.value.message, "could not put the aliases of user alice", 'on_delete="retain"')
    world.delete(id_, outs)  # the engine keeps the resource; the next destroy tries again
    assert world.live() == ORIGINAL


# ------------------------------------------------------------------ eventual consistency


def test_steps_right_after_writes_under_read_lag_converge_and_destroy_restores_the_true_original(
    world: AliasWorld, figures: Figures
) -> None:
    """With ``lag_reads``, a list right after the resource's own writes may still show the aliases before
    them. Whatever a step plans from such a list, one more refresh and update end exactly as declared, and
    the record stays exact: destroy puts back precisely the original aliases."""
    world.admin.lag(3)
    id_, outs = world.create(CREATED, exclusive=True)
    outs = world.update(id_, outs, UPDATED)
    outs = world.read(id_, outs)
    world.admin.lag(0)
    outs = world.read(id_, outs)
    outs = world.update(id_, outs, UPDATED)
    assert world.live() == lower(UPDATED)
    assert world.read(id_, outs)["aliases"] == UPDATED
    world.delete(id_, outs)
    assert world.live() == ORIGINAL
    figures.add("consistency.aliases_after_own_writes", operations_attempted=3, operations_converged=3)


def test_update_right_after_create_under_read_lag_ends_exactly_as_declared(world: AliasWorld) -> None:
    """The update's list may predate the create's writes; an alias the create added and the update drops is
    removed all the same, as the record says it is the resource's."""
    world.admin.lag(3)
    id_, outs = world.create(CREATED, exclusive=True)
    world.update(id_, outs, UPDATED)
    world.admin.lag(0)
    assert world.live() == lower(UPDATED)


# ------------------------------------------------------------------ EntityStateException: not yet, or for good


def _delete_alice(world: AliasWorld, *, deregister_only: bool = False) -> None:
    client = world.emu.client()
    client.deregister_from_work_mail(OrganizationId=world.org, EntityId=world.ids["alice"])
    if not deregister_only:
        client.delete_user(OrganizationId=world.org, UserId=world.ids["alice"])


def test_refresh_of_an_entity_deleted_since_drops_the_resource_without_waiting(world: AliasWorld) -> None:
    """WorkMail refuses to list a deleted entity's aliases with EntityStateException, which also means
    "not enabled yet": Describe tells the two apart, so the refresh does not wait out the 60 s."""
    id_, outs = world.create(CREATED, exclusive=True, wait_timeout_seconds=60)
    _delete_alice(world)
    world.admin.reset_stats()
    started = time.monotonic()
    read = world.provider.read(id_, outs)
    assert (read.id, read.outs) == ("", {}), "dropped"
    assert time.monotonic() - started < 10
    assert world.admin.stats().get("ListAliases") == 1


@pytest.mark.parametrize("deregister_only", [False, True], ids=["deleted", "deregistered"])
def test_destroy_of_an_entity_deleted_or_deregistered_since_succeeds_without_waiting(
    deregister_only: bool, world: AliasWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing is left to put back; a deregistered entity is said to keep none of its aliases."""
    id_, outs = world.create(CREATED, exclusive=True, wait_timeout_seconds=60)
    _delete_alice(world, deregister_only=deregister_only)
    started = time.monotonic()
    world.delete(id_, outs)
    assert time.monotonic() - started < 10
    warned = [line for line in capsys.readouterr().out.splitlines() if line.startswith("warning:")]
    if deregister_only:
        assert len(warned) == 1 and "DISABLED" in warned[0] and "al@example.com" in warned[0], warned
    else:
        assert not warned, warned


def test_entity_state_exception_while_describe_shows_the_entity_enabled_is_waited_out_in_refresh_and_destroy(
    world: AliasWorld,
) -> None:
    """The other half: WorkMail catching up (EntityStateException for an enabled entity) is retried."""
    id_, outs = world.create(CREATED, exclusive=True)
    world.fault(operation="ListAliases", error="EntityStateException", count=3)
    assert world.read(id_, outs)["aliases"] == CREATED
    assert world.admin.clear_faults() == 3
    world.fault(operation="CreateAlias", error="EntityStateException", count=3)
    world.delete(id_, outs)
    assert world.admin.clear_faults() == 3
    assert world.live() == ORIGINAL


# ------------------------------------------------------------------ 50 resources through the offline runner

FLEET_SIZE = 50
ALIAS_FAULTS: dict[str, tuple[list[dict[str, Any]], tuple[str, ...]]] = {
    **FAULTS,
    "answers_lost_after_alias_writes": (
        [
            {"operation": "CreateAlias", "drop": True, "after": True, "rate": 0.3},
            {"operation": "DeleteAlias", "drop": True, "after": True, "rate": 0.3},
        ],
        ("could not reach workmail",),
    ),
}


@pytest.mark.timeout(300)
@pytest.mark.parametrize("fault", list(ALIAS_FAULTS))
def test_every_aliases_lifecycle_operation_under_faults_succeeds_or_fails_cleanly_and_then_converges(
    fault: str, emulator: Emulator, tmp_path: Path, aws_isolated: dict[str, str], figures: Figures
) -> None:
    """``test_faults``' scenario for ``EntityAliases``: 50 resources (half exclusive) through create, update,
    refresh (after five entities lost an alias by hand) and delete, each under the fault."""
    rules, words = ALIAS_FAULTS[fault]
    fleet = AliasFleet(emulator, tmp_path, FLEET_SIZE)
    section = f"faults.aliases.{fault}"
    drifted = fleet.names[:5]

    def drift_a_few() -> None:
        client = emulator.client()
        for name in drifted:
            client.delete_alias(OrganizationId=fleet.org, EntityId=fleet.ids[name], Alias=f"{name}.b@new.example")

    operations: list[tuple[str, Callable[[], None], Callable[[], Any]]] = [
        ("create", lambda: fleet.declare_all("{name}.a@new.example", "{name}.b@new.example"), fleet.stack.up),
        ("update", lambda: fleet.declare_all("{name}.b@new.example", "{name}.c@next.example"), fleet.stack.up),
        ("refresh", drift_a_few, fleet.stack.refresh),
        ("delete", lambda: None, fleet.stack.destroy),
    ]
    for operation, prepare, run in operations:
        prepare()
        failed = run_under_faults(fleet.admin, rules, words, operation, run, section, figures)

        if operation != "refresh":
            fleet.assert_state_matches_workmail()
        else:
            # A refresh changes no alias; what it recorded is what WorkMail holds, or (not reached) what it held.
            live = fleet.live()
            for resource_name, resource in fleet.state().items():
                entity = fleet.entity_name(resource_name)
                stored = lower(output(resource, "aliases"))
                declared = lower(fleet.declared[resource_name][1])
                assert stored in (fleet.counted(resource, live[entity]), declared), (resource_name, stored)
            fleet.assert_state_matches_workmail(drifted=drifted)

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
