"""EntityAliases' input checks: a CheckFailure naming the property for every bad value, never an exception."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.output import Unknown

from pulumi_workmail.validation import MAX_ALIASES, check_alias_inputs

ORG = "m-" + "0123456789abcdef" * 2


def _inputs(**extra: Any) -> dict[str, Any]:
    return {"organization_id": ORG, "entity_id": "alice", "aliases": ["b@x.com", "A@x.com"], **extra}


def test_valid_inputs_get_defaults_and_sorted_aliases_keeping_their_case() -> None:
    inputs, failures = check_alias_inputs(_inputs())
    assert failures == []
    assert inputs["aliases"] == ["A@x.com", "b@x.com"]
    assert inputs["exclusive"] is False
    assert inputs["on_delete"] == "restore"
    assert inputs["wait_timeout_seconds"] == 120


def test_an_empty_list_is_allowed_so_an_exclusive_resource_can_remove_every_alias() -> None:
    assert check_alias_inputs(_inputs(aliases=[], exclusive=True))[1] == []


def test_aliases_is_required() -> None:
    news = _inputs()
    del news["aliases"]
    assert [prop for prop, _ in check_alias_inputs(news)[1]] == ["aliases"]


def test_a_repeated_alias_is_refused_without_regard_to_case_naming_both_entries() -> None:
    failures = check_alias_inputs(_inputs(aliases=["a@x.com", "b@x.com", "A@X.com"]))[1]
    assert failures == [
        (
            "aliases",
            "aliases[2] 'A@X.com' repeats aliases[0] 'a@x.com' (addresses are compared without regard to case); "
            "list each alias once",
        )
    ]


@pytest.mark.parametrize(
    ("aliases", "words"),
    [
        ("a@x.com", "must be a list"),
        ([5], "aliases[0] 5 (int) is not an address: it is a int"),
        (["a@x.com", "no-at"], "aliases[1] 'no-at' is not an address: it has no @"),
        (["a\n@x.com"], "is not an address"),
        (["x" * 10_000 + "@x.com"], "more than 254"),
        ([f"a{i}@x.com" for i in range(MAX_ALIASES + 1)], "lists 101 addresses; WorkMail keeps at most 100"),
    ],
)
def test_a_bad_aliases_value_fails_naming_the_property_and_what_is_wrong(aliases: object, words: str) -> None:
    failures = check_alias_inputs(_inputs(aliases=aliases))[1]
    assert [prop for prop, _ in failures] == ["aliases"]
    assert words in failures[0][1]


@pytest.mark.parametrize("value", ["true", 1, [True]])
def test_exclusive_must_be_a_boolean(value: object) -> None:
    failures = check_alias_inputs(_inputs(exclusive=value))[1]
    assert [prop for prop, _ in failures] == ["exclusive"]


def test_the_primary_resources_email_property_is_unknown_here() -> None:
    failures = check_alias_inputs(_inputs(email="a@x.com"))[1]
    assert failures and failures[0][0] == "email" and "valid properties are organization_id" in failures[0][1]


def test_unknown_aliases_at_preview_pass_and_are_kept_unsorted() -> None:
    unknown = Unknown()
    inputs, failures = check_alias_inputs(_inputs(aliases=["b@x.com", unknown]))
    assert failures == []
    assert inputs["aliases"] == ["b@x.com", unknown]
