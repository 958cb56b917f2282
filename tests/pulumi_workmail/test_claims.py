"""``Claims``: which resource of one deployment holds an entity, and who succeeds a deleted one."""

from __future__ import annotations

import pytest

from pulumi_workmail import engine_log
from pulumi_workmail.claims import Claims
from pulumi_workmail.errors import WorkMailProviderError

ORG = "m-0123456789abcdef0123456789abcdef"
OLD = "urn:pulumi:dev::p::pulumi-python:dynamic/workmail:EntityPrimaryEmail::old"
NEW = "urn:pulumi:dev::p::pulumi-python:dynamic/workmail:EntityPrimaryEmail::new"


@pytest.fixture()
def as_resource(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Set ``["urn"]`` to make the next calls those of that resource's engine request."""
    current = {"urn": OLD}
    monkeypatch.setattr(engine_log, "current_urn", lambda: current["urn"])
    return current


def test_a_resource_created_under_a_new_name_succeeds_the_deleted_one(as_resource: dict[str, str]) -> None:
    claims = Claims()
    as_resource["urn"] = NEW
    claims.claim(ORG, "U-1", holds=False)
    claims.took(ORG, "u-1", "alice@example.com")
    as_resource["urn"] = OLD
    holder = claims.successor(ORG.upper(), "U-1")
    assert holder is not None and holder.name == "new" and holder.created
    assert holder.recorded == "alice@example.com"


def test_a_create_that_did_not_succeed_succeeds_nobody(as_resource: dict[str, str]) -> None:
    claims = Claims()
    as_resource["urn"] = NEW
    claims.claim(ORG, "u-1", holds=False)
    as_resource["urn"] = OLD
    assert claims.successor(ORG, "u-1") is None


def test_a_resource_that_keeps_the_entity_succeeds_one_deleted_in_the_same_up(as_resource: dict[str, str]) -> None:
    claims = Claims()
    as_resource["urn"] = NEW
    claims.claim(ORG, "u-1")  # its diff: it stays there
    as_resource["urn"] = OLD
    holder = claims.successor(ORG, "u-1")
    assert holder is not None and holder.name == "new" and not holder.created


def test_its_own_replacement_succeeds_a_resource_only_once_created(as_resource: dict[str, str]) -> None:
    claims = Claims()
    claims.claim(ORG, "u-1")  # its own diff
    assert claims.successor(ORG, "u-1") is None, "a resource does not succeed itself"
    claims.took(ORG, "u-1", None)  # the replacement, created before the old one's delete
    holder = claims.successor(ORG, "u-1")
    assert holder is not None and holder.urn == OLD and holder.created


def test_another_entity_has_no_successor_and_a_second_claimant_still_fails(as_resource: dict[str, str]) -> None:
    claims = Claims()
    claims.claim(ORG, "u-1")
    assert claims.successor(ORG, "u-2") is None
    as_resource["urn"] = NEW
    with pytest.raises(WorkMailProviderError, match="old"):
        claims.claim(ORG, "u-1")


def test_calls_outside_a_deployment_have_no_successor(as_resource: dict[str, str]) -> None:
    claims = Claims()
    as_resource["urn"] = ""
    claims.took(ORG, "u-1", None)
    assert claims.successor(ORG, "u-1") is None


def test_a_resource_the_program_does_not_declare_never_blocks_one_it_does(as_resource: dict[str, str]) -> None:
    """``up --refresh`` reads and diffs the old name of a renamed resource in the update's process."""
    claims = Claims()
    claims.claim(ORG, "u-1")  # the old name, refreshed: never checked
    as_resource["urn"] = NEW
    claims.declare()
    claims.claim(ORG, "u-1", holds=False)
    claims.took(ORG, "u-1", None)
    as_resource["urn"] = OLD
    holder = claims.successor(ORG, "u-1")
    assert holder is not None and holder.name == "new"


def test_two_declared_resources_on_one_entity_still_fail(as_resource: dict[str, str]) -> None:
    claims = Claims()
    claims.declare()
    claims.claim(ORG, "u-1")
    as_resource["urn"] = NEW
    claims.declare()
    with pytest.raises(WorkMailProviderError, match="already managed by the resource 'old'"):
        claims.claim(ORG, "u-1", holds=False)
