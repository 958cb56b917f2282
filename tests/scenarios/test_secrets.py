"""Addresses given as secrets, on the offline runner and on the real CLI: the state encrypts them and what
is derived from them, and no preview, up or destroy output quotes them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pulumi.automation import CommandError

from pulumi_workmail.testing._wire import is_secret

from .conftest import Scenario, Secret

SECRET_INPUTS = "__secret_inputs"


def plain_strings(value: Any) -> Iterator[str]:
    """Every string of ``value`` (keys too) that is not inside a secret."""
    if is_secret(value):
        return
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from plain_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from plain_strings(item)
    elif isinstance(value, str):
        yield value


def leaked(sc: Scenario, addresses: set[str]) -> set[str]:
    """The ``addresses`` found in plain anywhere in the stack's exported state."""
    strings = list(plain_strings(sc.stack.export_state()))
    return {a for a in addresses if any(a.lower() in s.lower() for s in strings)}


def _declare(sc: Scenario, email: Any, aliases: Any) -> None:
    sc.declare("bob-primary", entity_id="bob", email=email)
    sc.declare_aliases("alice-aliases", entity_id="alice", aliases=aliases, exclusive=True)


def test_secret_addresses_and_what_derives_from_them_stay_secret_in_state_outputs_and_messages(
    scenario: Scenario,
) -> None:
    sc = scenario
    # bob's original primary and alice's alias the exclusive list removes derive from the secret inputs.
    hidden = {"topsecret@new.example", "bob@example.com", "asecret@new.example", "al@example.com"}
    _declare(sc, Secret("topsecret@new.example"), Secret(["asecret@new.example"]))

    preview = sc.stack.preview()
    up = sc.stack.up()

    assert sc.primary("bob") == "topsecret@new.example"
    assert sc.alias_set("alice") == {"asecret@new.example"}
    assert not leaked(sc, hidden)
    for name, keys in (
        ("bob-primary", ("email", "original_email")),
        ("alice-aliases", ("added_aliases", "removed_aliases")),
    ):
        outputs = sc.resource_outputs(name)
        assert all(is_secret(outputs[key]) for key in keys), outputs
    exported = sc.stack.outputs()
    addresses = ("email", "original_email", "aliases", "added_aliases", "removed_aliases")
    assert {key: value.secret for key, value in exported.items() if key.split(".")[1] in addresses} == {
        key: True for key in exported if key.split(".")[1] in addresses
    }
    for stdout in (preview.stdout, up.stdout):
        assert not {a for a in hidden if a in stdout}, stdout

    # Changed by hand, then changed in the program: the preview's note and the update's warning censored.
    sc.wm.update_primary_email_address(
        OrganizationId=sc.org, EntityId=sc.entity_id("users", "bob"), Email="hand@new.example"
    )
    _declare(sc, Secret("topsecret2@new.example"), Secret(["asecret@new.example", "bsecret2@new.example"]))
    hidden |= {"hand@new.example", "topsecret2@new.example", "bsecret2@new.example"}
    preview = sc.stack.preview()
    assert ": adds [secret]." in preview.stdout, preview.stdout
    up = sc.stack.up()
    assert "changed outside Pulumi to [secret] (the stack recorded [secret]); replacing it with [secret]" in up.stdout
    for stdout in (preview.stdout, up.stdout):
        assert not {a for a in hidden if a in stdout}, stdout
    assert sc.primary("bob") == "topsecret2@new.example"
    assert not leaked(sc, hidden)

    # A failure names the holder of the address, not the address.
    sc.declare("bob-primary", entity_id="bob", email=Secret("sales@example.com"))
    with pytest.raises(CommandError) as failed:
        sc.stack.up()
    assert "[secret] is already used by group sales" in str(failed.value)
    assert "sales@example.com" not in str(failed.value)

    destroy = sc.stack.destroy()
    assert not {a for a in hidden if a in destroy.stdout}, destroy.stdout
    assert sc.primary("bob") == "bob@example.com", "destroy restored bob's original primary"


def test_plain_addresses_leave_the_derived_outputs_plain(scenario: Scenario) -> None:
    sc = scenario
    _declare(sc, "topsecret@new.example", ["asecret@new.example"])
    sc.stack.up()

    bob, alice = sc.resource_outputs("bob-primary"), sc.resource_outputs("alice-aliases")
    assert (bob["email"], bob["original_email"]) == ("topsecret@new.example", "bob@example.com")
    assert (alice["added_aliases"], alice["removed_aliases"]) == (["asecret@new.example"], ["al@example.com"])
    assert SECRET_INPUTS not in bob and SECRET_INPUTS not in alice
    assert not any(value.secret for value in sc.stack.outputs().values())

    _declare(sc, "topsecret@new.example", ["asecret@new.example", "bsecret2@new.example"])
    preview = sc.stack.preview()
    assert ": adds bsecret2@new.example." in preview.stdout, preview.stdout


def test_addresses_made_secret_later_are_encrypted_by_the_next_up_without_a_workmail_call(scenario: Scenario) -> None:
    """The outputs record which inputs are secret (a delete or refresh sees only them): an update, no call."""
    sc = scenario
    _declare(sc, "topsecret@new.example", ["asecret@new.example"])
    sc.stack.up()
    _declare(sc, Secret("topsecret@new.example"), Secret(["asecret@new.example"]))
    sc.reset_stats()
    up = sc.stack.up()
    assert up.summary.resource_changes.get("update") == 2
    assert sc.calls() == {}
    assert not leaked(sc, {"topsecret@new.example", "bob@example.com", "asecret@new.example", "al@example.com"})
    assert sc.resource_outputs("bob-primary")[SECRET_INPUTS] == ["email"]
    assert sc.resource_outputs("alice-aliases")[SECRET_INPUTS] == ["aliases"]


def test_additional_secret_outputs_added_to_an_unchanged_resource_encrypt_its_old_output(scenario: Scenario) -> None:
    """A same step: the engine marks the old outputs secret all the same, and so must the offline runner."""
    sc = scenario
    sc.declare("bob-primary", entity_id="bob", email="bob@new.example")
    sc.stack.up()
    assert leaked(sc, {"bob@example.com"}), "plain to begin with"
    sc.declare(
        "bob-primary",
        entity_id="bob",
        email="bob@new.example",
        options={"additional_secret_outputs": ["original_email"]},
    )
    up = sc.stack.up()
    assert not {k: v for k, v in up.summary.resource_changes.items() if k != "same"}, "nothing to update"
    assert not leaked(sc, {"bob@example.com"}), "original_email encrypted"
