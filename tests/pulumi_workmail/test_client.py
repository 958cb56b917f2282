"""The boto3 adapter: batched reads for refresh/destroy, and one shared client per process."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from pulumi_workmail import client as client_module
from pulumi_workmail.client import WorkMail
from pulumi_workmail.clients import ClientPool, Connection
from pulumi_workmail.errors import WorkMailProviderError
from pulumi_workmail.terms import EntityType
from pulumi_workmail.validation import EntityRef
from workmail_emulator import Emulator, running

USER = EntityType.USER

USERS = 200


@pytest.fixture(scope="module")
def big_org() -> Iterator[Emulator]:
    users: list[dict[str, Any]] = [{"name": f"u{i:03d}", "email": f"u{i:03d}@example.com"} for i in range(USERS)]
    users[0]["aliases"] = ["first@example.com"]
    users.append({"name": "unregistered"})  # no email: DISABLED
    seed = {"organizations": [{"alias": "big", "domains": [{"name": "example.com", "verified": True}], "users": users}]}
    with running(seed=seed) as emu:
        yield emu


@pytest.fixture()
def wm(big_org: Emulator, monkeypatch: pytest.MonkeyPatch) -> WorkMail:
    monkeypatch.setenv("AWS_ENDPOINT_URL_WORKMAIL", big_org.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDCLIENT")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "client")
    big_org.admin("POST", "/_emulator/stats/reset")
    assert big_org.seed_result is not None
    return WorkMail(ClientPool().get("us-east-1", None), big_org.seed_result["organizations"]["big"]["id"])


def _ids(emu: Emulator) -> list[str]:
    """The ids of u000…u199, in order."""
    assert emu.seed_result is not None
    users = emu.seed_result["organizations"]["big"]["users"]
    return [users[f"u{i:03d}"] for i in range(USERS)]


def _calls(emu: Emulator) -> dict[str, int]:
    return dict(emu.admin("GET", "/_emulator/stats")[1]["calls"])


def test_reading_200_entities_costs_at_most_10_requests(big_org: Emulator, wm: WorkMail) -> None:
    ids = _ids(big_org)
    with ThreadPoolExecutor(4) as pool:
        seen = list(pool.map(lambda i: wm.read(USER, i), ids))
    assert [e.email for e in seen] == [f"u{i:03d}@example.com" for i in range(USERS)]
    calls = _calls(big_org)
    assert sum(calls.values()) <= 10, calls
    assert calls.get("ListUsers", 0) >= 2, "201 users need at least two pages of 100"


def test_a_few_reads_use_describe_only(big_org: Emulator, wm: WorkMail) -> None:
    for entity_id in _ids(big_org)[:2]:
        wm.read(USER, entity_id)
    assert _calls(big_org) == {"DescribeUser": 2}


def test_entity_written_by_this_process_is_never_answered_from_a_listing(big_org: Emulator, wm: WorkMail) -> None:
    ids = _ids(big_org)
    for entity_id in ids[:10]:
        wm.read(USER, entity_id)  # the listing is now warm
    target = wm.read(USER, ids[5])
    wm.set_primary(target, "u005.renamed@example.com")
    big_org.admin("POST", "/_emulator/stats/reset")
    assert wm.read(USER, ids[5]).email == "u005.renamed@example.com"
    assert _calls(big_org) == {"DescribeUser": 1}
    wm.set_primary(target, "u005@example.com")


def test_entity_missing_from_the_listing_is_described(big_org: Emulator, wm: WorkMail) -> None:
    ids = _ids(big_org)
    for entity_id in ids[:10]:
        wm.read(USER, entity_id)
    with pytest.raises(WorkMailProviderError) as caught:
        wm.read(USER, "00000000-0000-0000-0000-000000000000")
    assert caught.value.code == "EntityNotFoundException"


@pytest.mark.parametrize("how", ["name", "email", "id"])
def test_many_creates_resolve_from_a_listing(big_org: Emulator, wm: WorkMail, how: str) -> None:
    ids = _ids(big_org)
    identifiers = {
        "name": [f"u{i:03d}" for i in range(USERS)],
        "email": [f"U{i:03d}@Example.com" for i in range(USERS)],
        "id": ids,
    }[how]
    with ThreadPoolExecutor(4) as pool:
        found = list(pool.map(lambda i: wm.find(EntityRef.parse(i)), identifiers))
    assert [e.id for e in found] == ids
    assert [e.email for e in found] == [f"u{i:03d}@example.com" for i in range(USERS)]
    calls = _calls(big_org)
    assert sum(calls.values()) <= 10, calls


def test_find_of_an_alias_is_described_even_when_the_listing_is_warm(big_org: Emulator, wm: WorkMail) -> None:
    for name in ("u001", "u002", "u003", "u004", "u005"):
        wm.find(EntityRef.parse(name))
    big_org.admin("POST", "/_emulator/stats/reset")
    entity = wm.find(EntityRef.parse("first@example.com"))
    assert entity.id == _ids(big_org)[0] and entity.email == "u000@example.com"
    assert _calls(big_org) == {"DescribeUser": 1}


def test_find_of_an_entity_the_listing_shows_disabled_is_described(big_org: Emulator, wm: WorkMail) -> None:
    for name in ("u001", "u002", "u003", "u004", "u005"):
        wm.find(EntityRef.parse(name))
    big_org.admin("POST", "/_emulator/stats/reset")
    assert wm.find(EntityRef.parse("unregistered")).state == "DISABLED"
    assert _calls(big_org) == {"DescribeUser": 1}


def test_find_of_an_entity_this_process_wrote_is_described(big_org: Emulator, wm: WorkMail) -> None:
    for name in ("u001", "u002", "u003", "u004", "u005"):
        wm.find(EntityRef.parse(name))
    target = wm.find(EntityRef.parse("u003"))
    wm.set_primary(target, "u003.renamed@example.com")
    big_org.admin("POST", "/_emulator/stats/reset")
    assert wm.find(EntityRef.parse("u003")).email == "u003.renamed@example.com"
    assert _calls(big_org) == {"DescribeUser": 1}
    wm.set_primary(target, "u003@example.com")


def test_retrying_one_identifier_never_turns_into_a_listing(big_org: Emulator, wm: WorkMail) -> None:
    for _ in range(10):
        wm.find(EntityRef.parse("u007"))
        wm.read(USER, _ids(big_org)[8])
    assert _calls(big_org) == {"DescribeUser": 20}


def test_batching_can_be_turned_off(big_org: Emulator, wm: WorkMail) -> None:
    unbatched = WorkMail(Connection(wm.client), wm.organization_id, batch_reads=False)
    for entity_id in _ids(big_org)[:20]:
        unbatched.read(USER, entity_id)
    assert _calls(big_org) == {"DescribeUser": 20}


@pytest.mark.parametrize(("max_attempts", "expected"), [(None, 3), ("2", 2)])
def test_retries_follow_botocore_standard_mode_and_aws_max_attempts(
    big_org: Emulator, wm: WorkMail, monkeypatch: pytest.MonkeyPatch, max_attempts: str | None, expected: int
) -> None:
    if max_attempts is None:
        monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    else:
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", max_attempts)
    fresh = WorkMail(ClientPool().get("us-east-1", None), wm.organization_id)
    big_org.admin("POST", "/_emulator/faults", {"operation": "DescribeUser", "error": "ThrottlingException"})
    try:
        with pytest.raises(WorkMailProviderError) as caught:
            fresh.describe(USER, _ids(big_org)[0])
    finally:
        big_org.admin("DELETE", "/_emulator/faults")
    assert caught.value.code == "ThrottlingException"
    assert _calls(big_org) == {"DescribeUser": expected}
    assert f"after {expected} attempts" in caught.value.message


@pytest.fixture()
def lookalikes(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Emulator, WorkMail]]:
    """Users whose names look like another user's address: a primary (carol's) and an alias (dave's)."""
    users: list[dict[str, Any]] = [
        {"name": "carol", "email": "carol@example.com"},
        {"name": "carol@example.com", "email": "impostor1@example.com"},
        {"name": "dave", "email": "dave@example.com", "aliases": ["erin@example.com"]},
        {"name": "erin@example.com", "email": "impostor2@example.com"},
        *({"name": f"filler{i}", "email": f"filler{i}@example.com"} for i in range(6)),
    ]
    seed = {"organizations": [{"alias": "o", "domains": [{"name": "example.com", "verified": True}], "users": users}]}
    with running(seed=seed) as emu:
        monkeypatch.setenv("AWS_ENDPOINT_URL_WORKMAIL", emu.url)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDCLIENT")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "client")
        assert emu.seed_result is not None
        yield emu, WorkMail(ClientPool().get("us-east-1", None), emu.seed_result["organizations"]["o"]["id"])


@pytest.mark.parametrize("identifier", ["carol@example.com", "erin@example.com", "carol", "dave@example.com"])
def test_a_batched_resolve_picks_the_entity_a_single_describe_picks(
    lookalikes: tuple[Emulator, WorkMail], identifier: str
) -> None:
    """WorkMail resolves an identifier as an id, then an email (primary or alias), then a name."""
    emu, wm = lookalikes
    single = wm.describe(USER, identifier)
    emu.admin("POST", "/_emulator/stats/reset")
    for i in range(5):  # distinct lookups in the window: the next find is answered from a listing
        wm.find(EntityRef.parse(f"filler{i}"))
    batched = wm.find(EntityRef.parse(identifier))
    assert _calls(emu).get("ListUsers", 0) >= 1, "the finds went through a listing"
    assert (batched.id, batched.name) == (single.id, single.name)


# ------------------------------------------------------------------ a misbehaving endpoint

ORG_ID = "m-" + "0" * 32


def _stubbed(responses: list[dict[str, Any]], method: str = "list_users") -> tuple[WorkMail, Stubber]:
    client = boto3.client(
        "workmail", region_name="us-east-1", aws_access_key_id="AKIDSTUB", aws_secret_access_key="stub"
    )
    stubber = Stubber(client)
    for response in responses:
        stubber.add_response(method, response)
    stubber.activate()
    return WorkMail(Connection(client), ORG_ID), stubber


def test_a_listing_whose_next_token_repeats_fails_with_a_message() -> None:
    page = {"Users": [{"Id": "user-0000001", "Name": "a", "State": "ENABLED"}], "NextToken": "again"}
    wm, _ = _stubbed([page, page, page])
    with pytest.raises(WorkMailProviderError) as caught:
        wm._list(USER)
    assert "list the users of the organization" in caught.value.message
    assert "same next token" in caught.value.message.lower()


def test_a_listing_that_never_ends_fails_after_max_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module, "MAX_PAGES", 3)
    pages = [{"Users": [], "NextToken": f"t{i}"} for i in range(5)]
    wm, _ = _stubbed(pages)
    with pytest.raises(WorkMailProviderError) as caught:
        wm._list(USER)
    assert caught.value.code == "PaginationError" and "after 3" in caught.value.message


def test_malformed_listing_entries_answer_nothing() -> None:
    wm, _ = _stubbed([{"Users": [{"Name": "no-id"}, {"Id": "user-0000002", "Name": "b", "State": "ENABLED"}]}])
    assert list(wm._list(USER)) == ["user-0000002"]


def test_control_characters_from_an_answer_never_reach_a_message() -> None:
    error = WorkMailProviderError("user evil\n\x1b[31mname (u-1)\r\tis gone")
    assert error.message == "user evil [31mname (u-1) is gone"
