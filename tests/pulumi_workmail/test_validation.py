"""Tests for the pure input checks of EntityPrimaryEmail."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pulumi.output import Unknown

from pulumi_workmail.validation import (
    EMAIL_RE,
    ENTITY_ID_RE,
    INPUT_PROPERTIES,
    ORGANIZATION_ID_RE,
    check_inputs,
    identifier_kind,
    is_unknown,
)

ORG = "m-0123456789abcdef0123456789abcdef"
KNOWN_PROPERTIES = set(INPUT_PROPERTIES)


def valid(**overrides: Any) -> dict[str, Any]:
    props: dict[str, Any] = {"organization_id": ORG, "entity_id": "alice", "email": "alice@example.com"}
    props.update(overrides)
    return props


def failed_properties(news: Any) -> list[str]:
    return [prop for prop, _ in check_inputs(news)[1]]


def reasons_for(news: Any, prop: str) -> list[str]:
    return [reason for p, reason in check_inputs(news)[1] if p == prop]


# --- normalization ---------------------------------------------------------------------------------


def test_minimal_valid_inputs_pass_and_get_defaults() -> None:
    inputs, failures = check_inputs(valid())
    assert failures == []
    assert inputs == {**valid(), "on_delete": "restore", "wait_timeout_seconds": 120}


def test_none_optionals_are_replaced_by_defaults_and_none_region_is_dropped() -> None:
    inputs, failures = check_inputs(valid(on_delete=None, wait_timeout_seconds=None, region=None))
    assert failures == []
    assert inputs["on_delete"] == "restore"
    assert inputs["wait_timeout_seconds"] == 120
    assert "region" not in inputs


def test_explicit_optionals_are_kept() -> None:
    inputs, failures = check_inputs(valid(on_delete="retain", wait_timeout_seconds=0, region="eu-west-1"))
    assert failures == []
    assert (inputs["on_delete"], inputs["wait_timeout_seconds"], inputs["region"]) == (
        "retain",
        0,
        "eu-west-1",
    )


def test_provider_key_is_copied_untouched_and_never_checked() -> None:
    blob = object()
    inputs, failures = check_inputs(valid(__provider=blob, __other="x\ny"))
    assert failures == []
    assert inputs["__provider"] is blob
    assert inputs["__other"] == "x\ny"


def test_check_does_not_mutate_its_argument() -> None:
    news = valid(region=None)
    check_inputs(news)
    assert news == valid(region=None)


# --- unknowns --------------------------------------------------------------------------------------


def test_unknown_values_are_valid_and_kept_as_is() -> None:
    unknowns = {name: Unknown() for name in INPUT_PROPERTIES}
    inputs, failures = check_inputs(unknowns)
    assert failures == []
    for name, value in unknowns.items():
        assert inputs[name] is value


def test_is_unknown_only_for_unknown_instances() -> None:
    assert is_unknown(Unknown())
    assert not is_unknown("04da6b54-80e4-46f7-96ec-b56ff0331ba9")
    assert not is_unknown(None)


# --- required properties ---------------------------------------------------------------------------


@pytest.mark.parametrize("prop", ["organization_id", "entity_id", "email"])
def test_missing_required_property_is_reported(prop: str) -> None:
    news = valid()
    del news[prop]
    reasons = reasons_for(news, prop)
    assert len(reasons) == 1
    assert "required" in reasons[0]


@pytest.mark.parametrize("prop", ["organization_id", "entity_id", "email"])
def test_none_required_property_is_reported_once(prop: str) -> None:
    assert failed_properties(valid(**{prop: None})) == [prop]


@pytest.mark.parametrize("news", [None, [], "organization_id", b"x", 42, object()])
def test_non_mapping_inputs_report_required_properties_instead_of_raising(news: Any) -> None:
    inputs, failures = check_inputs(news)
    assert [p for p, _ in failures] == ["organization_id", "entity_id", "email"]
    assert inputs["on_delete"] == "restore"


# --- organization_id -------------------------------------------------------------------------------


def test_short_organization_id_reason_shows_expected_shape_and_value() -> None:
    [reason] = reasons_for(valid(organization_id="m-1"), "organization_id")
    assert reason == (
        'organization_id must look like m-0123456789abcdef0123456789abcdef ("m-" and 32 lowercase hex '
        "digits); got 'm-1'"
    )


@pytest.mark.parametrize(
    "value",
    [
        "M-0123456789abcdef0123456789abcdef",
        "m-0123456789ABCDEF0123456789ABCDEF",
        "m-0123456789abcdef0123456789abcde",
        "m-0123456789abcdef0123456789abcdef0",
        ORG + "\n",
        " " + ORG,
        "d-0123456789",
        "",
        12,
        ["m-0123456789abcdef0123456789abcdef"],
    ],
)
def test_malformed_organization_id_is_rejected(value: object) -> None:
    assert failed_properties(valid(organization_id=value)) == ["organization_id"]


# --- entity_id -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "alice",
        "Alice.Smith",
        "alice@example.com",
        "12345678-1234-1234-1234-123456789012",
        "S-1-1-12-1234567890-123456789-123456789-1234",
        "r-0123456789abcdef0123456789abcdef",
        "a",
        "x" * 256,
        "a+b%c_d-e",
    ],
)
def test_valid_entity_identifiers_are_accepted(value: str) -> None:
    assert failed_properties(valid(entity_id=value)) == []


@pytest.mark.parametrize(
    "value",
    ["", ".", "..", "...", "a/b", "../etc", "alice\n", "al ice", "x" * 257, "ålice", 7, b"alice"],
)
def test_invalid_entity_identifiers_are_rejected(value: object) -> None:
    assert failed_properties(valid(entity_id=value)) == ["entity_id"]


def test_group_name_with_space_reason_says_to_use_id_or_email() -> None:
    [reason] = reasons_for(valid(entity_id="Sales Team"), "entity_id")
    assert "by id or email" in reason
    assert reason.endswith("got 'Sales Team'")


# --- email -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["alice@example.com", "Alice.Smith+tag@Mail.Example.co-op", "a_b%c@x-y.example.museum", "a@b.cd"],
)
def test_valid_emails_are_accepted(value: str) -> None:
    assert failed_properties(valid(email=value)) == []


@pytest.mark.parametrize(
    "value",
    [
        "",
        "alice",
        "alice@example",
        "alice@example.c",
        "alice@example.c0m",  # the TLD may not contain digits
        "alice@@example.com",
        "al ice@example.com",
        "alice@example.com\n",
        "x" * 65 + "@example.com",  # local part > 64
        "a@" + "b" * 250 + ".com",  # > 254 total
        "élise@example.com",
        None,
        3.5,
    ],
)
def test_invalid_emails_are_rejected(value: object) -> None:
    assert failed_properties(valid(email=value)) == ["email"]


def test_email_reason_mentions_tld_without_digits() -> None:
    [reason] = reasons_for(valid(email="a@b.c0m"), "email")
    assert "the top-level domain 'c0m' must be two or more letters (no digits)" in reason
    assert "'a@b.c0m'" in reason


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("bob@@x.com", "it has 2 @ signs, one is needed"),
        ("bob", "it has no @"),
        ("", "it is empty"),
        ("@example.com", "nothing comes before the @"),
        ("bob@", "nothing comes after the @"),
        ("bob@example", "the domain 'example' has no dot"),
        ("al ice@example.com", "the part before the @ contains ' '"),
        ("élise@example.com", "the part before the @ contains 'é'"),
        ("bob@exa_mple.com", "the domain contains '_'"),
        ("bob%0a@example.com", "it contains a %XX escape"),
        ("x" * 65 + "@example.com", "the part before the @ has 65 characters, more than 64"),
        (3.5, "it is a float, not a string"),
    ],
)
def test_email_reason_says_what_is_wrong_with_the_value(value: object, problem: str) -> None:
    [reason] = reasons_for(valid(email=value), "email")
    assert problem in reason, reason
    assert "local part of 1-64" not in reason, "not every rule, only what is wrong"


def test_a_region_of_any_length_is_refused() -> None:
    assert failed_properties(valid(region="us-" + "a" * 5000 + "-1")) == ["region"]


# --- on_delete, region, wait_timeout_seconds -------------------------------------------------------


@pytest.mark.parametrize("value", ["Restore", "RETAIN", "delete", "", 1, True])
def test_on_delete_must_be_restore_or_retain_exactly(value: object) -> None:
    [reason] = reasons_for(valid(on_delete=value), "on_delete")
    assert '"restore"' in reason and '"retain"' in reason


@pytest.mark.parametrize("value", ["us-east-1", "eu-west-1", "us-gov-west-1", "ap-southeast-2", "eu-central-12"])
def test_valid_regions_are_accepted(value: str) -> None:
    assert failed_properties(valid(region=value)) == []


@pytest.mark.parametrize(
    "value",
    [
        "US-EAST-1",
        "us-east",
        "useast1",
        "us-east-123",
        "us-east-1\n",
        "us_east_1",
        "us-east-\u0661",  # an Arabic-Indic digit, which a unicode \d would accept
        1,
    ],
)
def test_invalid_regions_are_rejected(value: object) -> None:
    assert failed_properties(valid(region=value)) == ["region"]


@pytest.mark.parametrize("value", [0, 0.0, 1, 120, 59.5, 3600, 3600.0])
def test_wait_timeout_within_bounds_is_accepted(value: float) -> None:
    inputs, failures = check_inputs(valid(wait_timeout_seconds=value))
    assert failures == []
    assert inputs["wait_timeout_seconds"] == value


@pytest.mark.parametrize(
    "value",
    [
        -1,
        -0.001,
        3600.5,
        3601,
        float("nan"),
        float("inf"),
        True,
        False,
        "120",
        [120],
        pytest.param(10**5000, id="huge-int"),
    ],
)
def test_wait_timeout_out_of_bounds_or_wrong_type_is_rejected(value: object) -> None:
    [reason] = reasons_for(valid(wait_timeout_seconds=value), "wait_timeout_seconds")
    assert "0 to 3600" in reason


# --- unknown keys and hostile values ---------------------------------------------------------------


def test_unknown_property_is_reported_by_name_with_valid_names() -> None:
    [(prop, reason)] = check_inputs(valid(emial="x@example.com"))[1]
    assert prop == "emial"
    assert "unknown property" in reason
    assert all(name in reason for name in INPUT_PROPERTIES)


def test_output_only_keys_are_not_accepted_as_inputs() -> None:
    assert failed_properties(valid(resolved_entity_id="x")) == ["resolved_entity_id"]


def test_non_string_key_is_reported_without_raising() -> None:
    news: dict[Any, Any] = {**valid(), 5: "x"}
    [(prop, reason)] = check_inputs(news)[1]
    assert prop.startswith("5")
    assert "must be strings" in reason


def test_offending_value_is_truncated_and_escaped() -> None:
    value = "evil\nINFO: injected\r\x1b[31m" + "z" * 500
    [reason] = reasons_for(valid(entity_id=value), "entity_id")
    assert reason.isprintable()
    assert "\\n" in reason
    assert "z" * 50 not in reason  # cut at ~60 characters of the value
    assert len(reason) < 600


def test_hostile_repr_cannot_inject_newlines_or_crash() -> None:
    class Hostile:
        def __repr__(self) -> str:
            return "line1\nline2"

    class Exploding:
        def __repr__(self) -> str:
            raise RuntimeError("boom")

    for value in (Hostile(), Exploding(), [[[[["deep"]]]]], b"\n" * 10_000, {"k": "\n"}):
        [reason] = reasons_for(valid(email=value), "email")
        assert reason.isprintable(), reason


# --- helpers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("r-0123456789abcdef0123456789abcdef", "resource_id"),
        ("12345678-1234-1234-1234-123456789012", "uuid"),
        ("ABCDEF01-ABCD-ABCD-ABCD-ABCDEF012345", "uuid"),
        ("S-1-1-12-1234567890-123456789-123456789-1234", "sid"),
        ("alice@example.com", "email"),
        ("alice", "name"),
        ("alice@example", "name"),
        ("r-0123", "name"),
        ("S-1-", "name"),
    ],
)
def test_identifier_kind_classifies_ids_emails_and_names(value: str, kind: str) -> None:
    assert identifier_kind(value) == kind


def test_exported_patterns_reject_trailing_newline_even_with_match() -> None:
    assert ORGANIZATION_ID_RE.match(ORG)
    assert not ORGANIZATION_ID_RE.match(ORG + "\n")
    assert not ENTITY_ID_RE.match("alice\n")
    assert not EMAIL_RE.match("alice@example.com\n")


# --- properties ------------------------------------------------------------------------------------

scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=300),
    st.binary(),
    st.builds(Unknown),
    st.just("x" * 100_000),
    st.just("a\r\n\x00\u2028\u202e"),
    st.sampled_from([ORG, "alice", "alice@example.com", "restore", "retain", "us-east-1", 120]),
)
any_value = st.recursive(
    scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=5,
)
any_key = st.one_of(st.sampled_from([*INPUT_PROPERTIES, "__provider", "resolved_entity_id"]), st.text())
fast = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fast
@given(st.dictionaries(any_key, any_value, max_size=8))
def test_check_never_raises_and_failures_are_well_formed(news: dict[str, Any]) -> None:
    inputs, failures = check_inputs(news)
    assert isinstance(inputs, dict)
    for prop, reason in failures:
        assert prop in news or prop in KNOWN_PROPERTIES
        assert not prop.startswith("__")
        assert reason and "\n" not in reason and "\r" not in reason
        assert reason.isprintable()
        assert len(reason) < 1000
    for key, value in news.items():
        if key.startswith("__"):
            assert inputs[key] is value


@fast
@given(st.one_of(any_value, st.builds(Unknown)))
def test_check_never_raises_on_non_mapping_or_odd_inputs(news: Any) -> None:
    _, failures = check_inputs(news)
    assert all(prop in KNOWN_PROPERTIES or isinstance(news, dict) for prop, _ in failures)


PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")  # rejected on purpose: only ever smuggles newlines/paths
valid_inputs = st.fixed_dictionaries(
    {
        "organization_id": st.from_regex(ORGANIZATION_ID_RE, fullmatch=True),
        "entity_id": st.from_regex(ENTITY_ID_RE, fullmatch=True).filter(
            lambda s: len(s) <= 256 and s.strip(".") and not PERCENT_ESCAPE.search(s)
        ),
        "email": st.from_regex(EMAIL_RE, fullmatch=True).filter(
            lambda s: len(s) <= 254 and not PERCENT_ESCAPE.search(s)
        ),
    },
    optional={
        "on_delete": st.sampled_from(["restore", "retain"]),
        "region": st.sampled_from(["us-east-1", "eu-west-1", "us-gov-west-1", "ap-southeast-2"]),
        "wait_timeout_seconds": st.integers(0, 3600) | st.floats(0, 3600),
    },
)


@fast
@given(valid_inputs)
def test_valid_inputs_pass_and_check_is_idempotent(news: dict[str, Any]) -> None:
    inputs, failures = check_inputs(news)
    assert failures == []
    assert check_inputs(inputs) == (inputs, [])
    assert {k: inputs[k] for k in news} == news


@fast
@given(valid_inputs, st.sampled_from(INPUT_PROPERTIES), any_value)
def test_a_bad_value_fails_only_its_own_property(news: dict[str, Any], prop: str, value: object) -> None:
    news = {**news, prop: value}
    failed = failed_properties(news)
    assert set(failed) <= {prop}


@pytest.mark.parametrize("value", ["alice%0aINFO-forged", "%2e%2e%2falice", "x%0D%0Ay"])
def test_percent_escapes_are_rejected_in_entity_id_and_email(value: str) -> None:
    org = "m-0123456789abcdef0123456789abcdef"
    _, failures = check_inputs({"organization_id": org, "entity_id": value, "email": f"{value}@example.com"})
    assert {prop for prop, _ in failures} == {"entity_id", "email"}


def test_a_plain_percent_sign_stays_valid() -> None:
    org = "m-0123456789abcdef0123456789abcdef"
    _, failures = check_inputs({"organization_id": org, "entity_id": "a%b", "email": "a%b@example.com"})
    assert failures == []
