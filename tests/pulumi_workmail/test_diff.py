"""Tests for the pure diff logic of EntityPrimaryEmail."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pulumi.output import Unknown

from pulumi_workmail.diff import REPLACE_PROPERTIES, DiffDecision, diff_alias_props, diff_props

ORG = "m-0123456789abcdef0123456789abcdef"
OTHER_ORG = "m-fedcba9876543210fedcba9876543210"
ALICE_ID = "12345678-1234-1234-1234-123456789012"


def olds(**overrides: Any) -> dict[str, Any]:
    """Previous outputs: inputs (email = live address) plus output-only keys."""
    props: dict[str, Any] = {
        "organization_id": ORG,
        "entity_id": "alice",
        "email": "alice.new@example.com",
        "on_delete": "restore",
        "wait_timeout_seconds": 120,
        "resolved_entity_id": ALICE_ID,
        "entity_type": "USER",
        "entity_name": "alice",
        "original_email": "alice@example.com",
        "__provider": "pickled-old",
    }
    props.update(overrides)
    return {k: v for k, v in props.items() if v is not None}


def news(**overrides: Any) -> dict[str, Any]:
    """Checked inputs matching ``olds()``."""
    props: dict[str, Any] = {
        "organization_id": ORG,
        "entity_id": "alice",
        "email": "alice.new@example.com",
        "on_delete": "restore",
        "wait_timeout_seconds": 120,
        "__provider": "pickled-old",
    }
    props.update(overrides)
    return {k: v for k, v in props.items() if v is not None}


NO_CHANGE = DiffDecision(changes=False, replaces=(), delete_before_replace=False, changed=())


def test_identical_inputs_are_no_change() -> None:
    assert diff_props(olds(), news()) == NO_CHANGE


def test_provider_and_output_only_keys_are_ignored() -> None:
    old = olds(__provider="old-pickle", entity_type="GROUP", original_email="x@example.com")
    assert diff_props(old, news(__provider="new-pickle", __extra=1)) == NO_CHANGE


def test_email_case_change_is_not_a_diff() -> None:
    assert diff_props(olds(), news(email="Alice.New@EXAMPLE.com")) == NO_CHANGE


def test_email_change_is_an_update_not_a_replace() -> None:
    decision = diff_props(olds(), news(email="alice2@example.com"))
    assert decision == DiffDecision(changes=True, replaces=(), delete_before_replace=False, changed=("email",))


def test_missing_old_email_is_a_diff() -> None:
    assert diff_props(olds(email=None), news()).changed == ("email",)
    assert diff_props({**olds(), "email": None}, news()).changed == ("email",)


@pytest.mark.parametrize(
    ("prop", "old", "new"),
    [
        ("organization_id", ORG, OTHER_ORG),
        ("region", None, "us-east-1"),
        ("region", "us-east-1", None),
        ("region", "us-east-1", "eu-west-1"),
    ],
)
def test_organization_or_region_change_forces_delete_before_replace(prop: str, old: Any, new: Any) -> None:
    decision = diff_props(olds(**{prop: old}), news(**{prop: new}))
    assert decision == DiffDecision(changes=True, replaces=(prop,), delete_before_replace=True, changed=(prop,))


def test_absent_and_none_region_are_equal() -> None:
    assert diff_props(olds(), {**news(), "region": None}) == NO_CHANGE
    assert diff_props({**olds(), "region": None}, news()) == NO_CHANGE


def test_same_region_is_no_change() -> None:
    assert diff_props(olds(region="eu-west-1"), news(region="eu-west-1")) == NO_CHANGE


@pytest.mark.parametrize(
    ("recorded", "given", "now", "replaced"),
    [
        ("us-east-1", None, "eu-west-1", True),  # the stack's region changed: what was made is elsewhere
        ("us-east-1", None, "us-east-1", False),
        ("us-east-1", "us-east-1", "us-east-1", False),  # region set to the one in use
        (None, "us-east-1", "us-east-1", False),  # the same, for a record from before regions were recorded
        (None, "eu-west-1", "us-east-1", True),
        ("eu-west-1", None, "us-east-1", True),  # a region the resource set, taken out of the program
        ("EU-WEST-1", "eu-west-1", "us-east-1", False),
        (None, None, None, False),
    ],
)
def test_region_compares_where_the_resource_is_managed_with_the_stacks_region_for_one_not_set(
    recorded: str | None, given: str | None, now: str | None, replaced: bool
) -> None:
    for diff in (diff_props, diff_alias_props):
        decision = diff(olds(resolved_region=recorded), news(region=given), region=now)
        assert decision.replaces == (("region",) if replaced else ()), (diff.__name__, decision)
        assert ("region" in decision.changed) is replaced


@pytest.mark.parametrize(
    "identifier",
    [ALICE_ID, ALICE_ID.upper(), "alice.new@example.com", "ALICE@example.com", "Alice"],
    ids=["id", "id-upper", "live-email", "original-email", "name-case"],
)
def test_switching_name_to_id_is_not_a_replace(identifier: str) -> None:
    decision = diff_props(olds(), news(entity_id=identifier))
    assert decision == DiffDecision(changes=True, replaces=(), delete_before_replace=False, changed=("entity_id",))


def test_switching_back_from_id_to_name_is_not_a_replace() -> None:
    decision = diff_props(olds(entity_id=ALICE_ID), news(entity_id="alice"))
    assert decision.replaces == ()
    assert decision.changed == ("entity_id",)


def test_entity_id_naming_another_entity_forces_replace() -> None:
    decision = diff_props(olds(), news(entity_id="bob"))
    assert decision == DiffDecision(
        changes=True, replaces=("entity_id",), delete_before_replace=True, changed=("entity_id",)
    )


def test_entity_type_value_is_not_an_identifier() -> None:
    # "USER" is an output value but names no entity; it must not be mistaken for alice.
    assert diff_props(olds(), news(entity_id="USER")).replaces == ("entity_id",)


def test_entity_switch_together_with_email_change_updates_only() -> None:
    decision = diff_props(olds(), news(entity_id=ALICE_ID, email="alice3@example.com"))
    assert decision.replaces == ()
    assert decision.changed == ("entity_id", "email")


@pytest.mark.parametrize(("prop", "value"), [("on_delete", "retain"), ("wait_timeout_seconds", 300)])
def test_on_delete_and_wait_timeout_changes_are_updates(prop: str, value: Any) -> None:
    decision = diff_props(olds(), news(**{prop: value}))
    assert decision == DiffDecision(changes=True, replaces=(), delete_before_replace=False, changed=(prop,))


def test_int_and_float_timeout_with_same_value_are_equal() -> None:
    assert diff_props(olds(wait_timeout_seconds=120), news(wait_timeout_seconds=120.0)) == NO_CHANGE


def test_absent_optionals_in_old_state_equal_their_defaults() -> None:
    old = {k: v for k, v in olds().items() if k not in ("on_delete", "wait_timeout_seconds")}
    assert diff_props(old, news()) == NO_CHANGE
    assert diff_props(old, news(on_delete="retain")).changed == ("on_delete",)


@pytest.mark.parametrize("prop", ["organization_id", "region", "entity_id"])
def test_unknown_replace_property_forces_replace(prop: str) -> None:
    decision = diff_props(olds(region="us-east-1"), {**news(region="us-east-1"), prop: Unknown()})
    assert decision.replaces == (prop,)
    assert decision.delete_before_replace
    assert decision.changed == (prop,)


def test_unknown_entity_id_forces_replace() -> None:
    assert diff_props(olds(), news(entity_id=Unknown())).replaces == ("entity_id",)


@pytest.mark.parametrize("prop", ["email", "on_delete", "wait_timeout_seconds"])
def test_unknown_update_property_is_a_change_without_replace(prop: str) -> None:
    decision = diff_props(olds(), news(**{prop: Unknown()}))
    assert decision == DiffDecision(changes=True, replaces=(), delete_before_replace=False, changed=(prop,))


def test_multiple_changes_are_all_listed_and_only_replace_keys_replace() -> None:
    decision = diff_props(olds(), news(organization_id=OTHER_ORG, entity_id="bob", email="bob@example.com"))
    assert decision.replaces == ("organization_id", "entity_id")
    assert set(decision.changed) == {"organization_id", "entity_id", "email"}
    assert decision.delete_before_replace


def test_empty_olds_count_every_given_property_as_changed() -> None:
    decision = diff_props({}, news(on_delete="retain"))
    assert set(decision.changed) == {"organization_id", "entity_id", "email", "on_delete"}
    assert decision.replaces == ("organization_id", "entity_id")


# --- properties ------------------------------------------------------------------------------------

value = st.one_of(
    st.none(),
    st.text(max_size=8),
    st.sampled_from([ORG, OTHER_ORG, "alice", ALICE_ID, "alice@example.com", "us-east-1", "restore", 120]),
    st.integers(0, 3600),
    st.builds(Unknown),
)
INPUTS = ["organization_id", "entity_id", "email", "on_delete", "region", "wait_timeout_seconds"]
keys = st.sampled_from([*INPUTS, "resolved_entity_id", "entity_name", "original_email", "entity_type", "__provider"])
props = st.dictionaries(keys, value, max_size=11)


@settings(max_examples=300, deadline=None)
@given(props, props)
def test_decision_is_internally_consistent(old: dict[str, Any], new: dict[str, Any]) -> None:
    decision = diff_props(old, new)
    assert decision.changes == bool(decision.changed)
    assert decision.delete_before_replace == bool(decision.replaces)
    assert set(decision.replaces) <= set(decision.changed) & set(REPLACE_PROPERTIES)
    assert not any(p.startswith("__") for p in decision.changed)
    assert not set(decision.changed) & {"resolved_entity_id", "entity_name", "original_email", "entity_type"}


@settings(max_examples=200, deadline=None)
@given(props)
def test_outputs_echoing_their_inputs_are_no_change(inputs: dict[str, Any]) -> None:
    known = {k: v for k, v in inputs.items() if not isinstance(v, Unknown)}
    if not isinstance(known.get("email"), str):
        known["email"] = "a@example.com"  # email is required and always a string after check
    assert diff_props(known, known) == NO_CHANGE


# --- EntityAliases ---------------------------------------------------------------------------------------------

ALIAS_OLDS = {
    "organization_id": "m-" + "1" * 32,
    "entity_id": "alice",
    "aliases": ["a@x.com", "b@x.com"],
    "exclusive": True,
    "resolved_entity_id": "uid-1",
    "entity_name": "alice",
    "added_aliases": ["a@x.com"],
}


def test_aliases_in_another_order_or_case_are_no_change() -> None:
    news = {**ALIAS_OLDS, "aliases": ["B@X.com", "a@x.com"]}
    assert diff_alias_props(ALIAS_OLDS, news).changes is False


def test_an_added_or_removed_alias_is_an_update_not_a_replace() -> None:
    decision = diff_alias_props(ALIAS_OLDS, {**ALIAS_OLDS, "aliases": ["a@x.com"]})
    assert decision.changed == ("aliases",) and decision.replaces == ()


def test_switching_exclusive_is_an_update_and_its_default_is_false() -> None:
    assert diff_alias_props(ALIAS_OLDS, {**ALIAS_OLDS, "exclusive": False}).changed == ("exclusive",)
    olds = {k: v for k, v in ALIAS_OLDS.items() if k != "exclusive"}
    assert diff_alias_props(olds, {**olds, "exclusive": False}).changes is False


def test_another_entity_replaces_and_another_name_of_the_same_one_does_not() -> None:
    assert diff_alias_props(ALIAS_OLDS, {**ALIAS_OLDS, "entity_id": "bob"}).replaces == ("entity_id",)
    assert diff_alias_props(ALIAS_OLDS, {**ALIAS_OLDS, "entity_id": "uid-1"}).replaces == ()


def test_an_unknown_alias_at_preview_counts_as_a_change() -> None:
    assert diff_alias_props(ALIAS_OLDS, {**ALIAS_OLDS, "aliases": ["a@x.com", Unknown()]}).changed == ("aliases",)


@pytest.mark.parametrize(
    ("entity_now", "replaced"),
    [(ALICE_ID, False), (ALICE_ID.upper(), False), ("87654321-4321-4321-4321-210987654321", True), (None, True)],
    ids=["same-entity", "same-entity-any-case", "another-entity", "not-looked-up"],
)
def test_an_entity_id_the_record_does_not_know_is_the_same_entity_when_it_was_found_to_name_it(
    entity_now: str | None, replaced: bool
) -> None:
    """One of alice's aliases: only a lookup (``entity_now``) tells it names her."""
    for diff in (diff_props, diff_alias_props):
        decision = diff(olds(), news(entity_id="al@example.com"), entity_now=entity_now)
        assert "entity_id" in decision.changed
        assert ("entity_id" in decision.replaces) is replaced, diff.__name__
