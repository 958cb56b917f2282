"""Settings: the annotations decide what each switch accepts; a bad update changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from workmail_emulator import Settings


def test_choice_settings_accept_exactly_their_listed_values() -> None:
    settings = Settings()
    for value in ("noop", "InvalidParameterException", "EmailAddressInUseException"):
        settings.update({"same_primary_update": value})
        assert settings.same_primary_update == value
    with pytest.raises(ValueError, match="same_primary_update must be one of noop, InvalidParameterException"):
        settings.update({"same_primary_update": "LimitExceededException"})


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("page_size", 0, "page_size must be from 1 to 1000"),
        ("page_size", "1001", "page_size must be from 1 to 1000"),
        ("alias_limit", 10_001, "alias_limit must be from 0 to 10000"),
        ("activation_describes", 1001, "activation_describes must be from 0 to 1000"),
        ("page_size", -1, "page_size has the wrong type"),
        ("page_size", True, "page_size has the wrong type"),
        ("alias_limit_on_update", 1, "alias_limit_on_update has the wrong type"),
        ("list_aliases_includes_primary", "yes", "list_aliases_includes_primary has the wrong type"),
        ("reserved_names", [1], "reserved_names has the wrong type"),
        ("nope", 1, "unknown setting 'nope'"),
    ],
)
def test_bad_values_are_refused_naming_the_setting(key: str, value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings().update({key: value})


def test_command_line_strings_become_typed_values() -> None:
    settings = Settings()
    settings.update(
        {"page_size": "7", "list_aliases_includes_primary": "TRUE", "reserved_names": " a, b ,,", "alias_limit": "0"}
    )
    assert settings.page_size == 7
    assert settings.list_aliases_includes_primary is True
    assert settings.reserved_names == ["a", "b"]
    assert settings.alias_limit == 0


def test_an_update_with_one_bad_value_applies_none() -> None:
    settings = Settings()
    with pytest.raises(ValueError):
        settings.update({"page_size": 5, "alias_limit_on_update": "sometimes"})
    assert settings == Settings()
