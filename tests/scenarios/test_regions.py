"""Regions: a resource stays managed in the region it was made in, whatever the stack's region is later;
changing where it is managed is a replacement the preview shows."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.automation import CommandError

from .conftest import Scenario

# As destroy leaves alice: her primary and aliases back, and the address the resource set still an alias
# (every change of a primary is a swap).
ORIGINAL = ("alice@example.com", {"al@example.com", "alice@new.example"})


def _changes(result: Any) -> dict[str, int]:
    counts = getattr(result, "change_summary", None)
    if counts is None:
        counts = result.summary.resource_changes
    return {k: v for k, v in counts.items() if v and k != "same"}


def _declare(scenario: Scenario, **options: Any) -> None:
    scenario.declare("primary", entity_id="alice", email="alice@new.example", **options)
    scenario.declare_aliases("aliases", entity_id="alice", aliases=["al@new.example"], exclusive=True, **options)


def _workmail(scenario: Scenario) -> tuple[str, set[str]]:
    return scenario.primary("alice"), scenario.alias_set("alice")


def test_the_region_a_resource_was_made_in_is_recorded(scenario: Scenario) -> None:
    _declare(scenario)
    scenario.stack.up()
    assert scenario.resource_outputs("primary")["resolved_region"] == "us-east-1"
    assert scenario.resource_outputs("aliases")["resolved_region"] == "us-east-1"


def test_after_the_stacks_region_changed_refresh_and_destroy_still_find_and_restore_what_was_made(
    scenario: Scenario,
) -> None:
    """The organization is not in the new region: a refresh there would have dropped both resources without
    a word, and destroy would then have put nothing back."""
    _declare(scenario)
    scenario.stack.up()
    scenario.stack.set_config("aws:region", "eu-west-1")

    scenario.stack.refresh()
    assert set(scenario.resource_names()) >= {"primary", "aliases"}, "refresh kept both resources"
    scenario.stack.destroy()
    assert _workmail(scenario) == ORIGINAL


def test_a_changed_stack_region_previews_a_replacement_and_a_failed_create_there_leaves_workmail_restored(
    scenario: Scenario,
) -> None:
    _declare(scenario)
    scenario.stack.up()
    scenario.stack.set_config("aws:region", "eu-west-1")

    assert _changes(scenario.stack.preview()) == {"replace": 2}
    with pytest.raises(CommandError) as caught:
        scenario.stack.up()
    text = str(caught.value)
    assert "was not found in region eu-west-1" in text, text
    assert "Traceback" not in text
    assert _workmail(scenario) == ORIGINAL, "the replaced resources restored, none half-made"


def test_setting_region_to_the_region_in_use_changes_nothing(scenario: Scenario) -> None:
    _declare(scenario)
    scenario.stack.up()
    _declare(scenario, region="us-east-1")
    scenario.reset_stats()
    assert not _changes(scenario.stack.preview())
    assert not _changes(scenario.stack.up())
    assert scenario.writes() == 0
