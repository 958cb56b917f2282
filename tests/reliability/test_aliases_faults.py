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
