"""Faults on ``EntityAliases``: ListAliases, CreateAlias and DeleteAlias failing in every step.

Most tests call ``EntityAliasesProvider`` directly (as the provider server does) with botocore's retries
off (``AWS_MAX_ATTEMPTS=1``), so what is under test is the provider's own waiting; WorkMail's true state
is read with the admin API, which is never faulted. A transient fault must never fail a step, and the
step must end with exactly the declared aliases; a permanent one fails the step with one line, after
undoing what the step had changed. The last test runs 50 resources through the offline runner under the
fault table of ``test_faults`` for the README's figures.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pulumi_workmail.errors import WorkMailProviderError
from workmail_emulator import Emulator, running

from .conftest import AliasWorld

pytestmark = pytest.mark.timeout(120)

ORIGINAL = {"al@example.com"}


@pytest.fixture(scope="module")
def shared_emulator() -> Iterator[Emulator]:
    with running() as emu:
        yield emu


@pytest.fixture
def world(shared_emulator: Emulator, monkeypatch: pytest.MonkeyPatch, aws_isolated: dict[str, str]) -> AliasWorld:
    return AliasWorld(shared_emulator, monkeypatch)


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
