"""The provider's settings: read once from the stack config and the environment, every value checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulumi_workmail.errors import WorkMailProviderError
from pulumi_workmail.settings import BATCH_ENV, CHECK_BEFORE_UPDATE_KEY, POLL_ENV, Settings
from pulumi_workmail.terms import Code


def test_stack_config_wins_over_the_environment_for_region_and_profile() -> None:
    environ = {"AWS_REGION": "eu-west-1", "AWS_PROFILE": "env-profile"}
    settings = Settings.load({"aws:region": "us-west-2", "aws:profile": "stack"}, environ)
    assert (settings.region, settings.profile) == ("us-west-2", "stack")
    assert (Settings.load({}, environ).region, Settings.load({}, environ).profile) == ("eu-west-1", "env-profile")


def test_defaults_without_config_or_environment() -> None:
    settings = Settings.load({}, {"HOME": "/home/someone"})
    assert (settings.region, settings.profile, settings.check_before_update) == (None, None, True)
    assert (settings.poll_seconds, settings.batch_reads) == (0.5, True)
    assert settings.journal.directory == Path.home() / ".pulumi-workmail" / "journal"


def test_the_environment_knobs_are_read_into_the_settings(tmp_path: Path) -> None:
    environ = {POLL_ENV: "0.25", BATCH_ENV: "0", "PULUMI_WORKMAIL_JOURNAL_DIR": str(tmp_path)}
    settings = Settings.load({CHECK_BEFORE_UPDATE_KEY: "false"}, environ)
    assert (settings.poll_seconds, settings.batch_reads, settings.check_before_update) == (0.25, False, False)
    assert settings.journal.directory == tmp_path


@pytest.mark.parametrize(("variable", "value"), [(POLL_ENV, "-1"), (POLL_ENV, "nan"), (BATCH_ENV, "yes")])
def test_a_bad_knob_is_refused_naming_the_variable(variable: str, value: str) -> None:
    with pytest.raises(WorkMailProviderError) as caught:
        Settings.load({}, {variable: value})
    assert caught.value.code == Code.INVALID_CONFIGURATION
    assert caught.value.message.startswith(f"{variable} is {value!r}; set it to")


def test_an_unreadable_flag_keeps_the_safe_default_and_says_so() -> None:
    said: list[str] = []
    assert Settings.load({CHECK_BEFORE_UPDATE_KEY: "sometimes"}, {}, warn=said.append).check_before_update
    assert said == [f"stack config {CHECK_BEFORE_UPDATE_KEY} is 'sometimes'; expected true or false, so using true."]
