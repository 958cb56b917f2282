"""Server-side validation against botocore's own service model.

botocore validates only required members, types and minimums on the client
(docs/workmail-behaviour.md, Wire format), so max lengths, patterns, enums, ``MaxResults`` > 100 and
list lengths reach the server and must be answered with
``InvalidParameterException``. The generated cases below walk the botocore
model itself, so every constrained input member of every operation is covered.
Validation runs before the organization is looked up (an invalid request is
refused before an unknown organization is), so the baseline request of each case uses a
well-formed but unknown organization id and must get
``OrganizationNotFoundException``; the same request with one member broken must
get ``InvalidParameterException`` instead.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import botocore.session
import pytest

from .emulator_testlib import OPERATIONS, UNKNOWN_ORG, World, emulator, make_world, op, raises_code, standard_seed

if TYPE_CHECKING:
    from mypy_boto3_workmail.type_defs import DomainTypeDef

MODEL = botocore.session.Session().get_service_model("workmail")
_alias_counter = itertools.count()

VALID_BY_SHAPE: dict[str, Any] = {
    "OrganizationId": UNKNOWN_ORG,
    "EntityIdentifier": "alice",
    "WorkMailIdentifier": "000000000000-unknown",
    "EmailAddress": "someone@example.com",
    "WorkMailDomainName": "example.com",
    "DomainName": "corp.example",
    "UserName": "newuser",
    "UserAttribute": "New User",
    "GroupName": "newgroup",
    "ResourceName": "newroom",
    "ResourceType": "ROOM",
    "ResourceDescription": "a room",
    "UserRole": "USER",
    "Password": "Secret-Passw0rd!",
    "IdempotencyClientToken": "token-1",
    "DirectoryId": "d-0123456789",
    "HostedZoneId": "Z123",
    "KmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/abc",
    "NextToken": "token",
    "MaxResults": 10,
    "EntityState": "ENABLED",
    "IdentityProviderUserId": "01234567-89ab-cdef-0123-456789abcdef",
    "IdentityProviderUserIdPrefix": "0123",
    "String": "x",
    "Boolean": False,
}


def _valid_value(shape: Any) -> Any:
    if shape.name == "OrganizationName":
        return f"genorg{next(_alias_counter)}"
    if shape.type_name == "structure":
        return {n: _valid_value(s) for n, s in shape.members.items() if n in shape.required_members}
    if shape.type_name == "list":
        return [_valid_value(shape.member)]
    if shape.type_name == "boolean":
        return False
    return VALID_BY_SHAPE[shape.name]


def _fullmatch(pattern: str | None, value: str) -> bool:
    return pattern is None or re.fullmatch(pattern, value) is not None


def _too_long(shape: Any) -> str:
    """A value one over the maximum that still matches the pattern where that is possible."""
    mx = shape.metadata["max"]
    pattern = shape.metadata.get("pattern")
    candidates: list[str] = ["a" * (mx + 1), "a" * (mx - 3) + ".com"]
    if shape.name == "EmailAddress":
        candidates.insert(0, "a" * 64 + "@" + ("b" * 62 + ".") * 3 + "com")
    for c in candidates:
        if len(c) > mx and _fullmatch(pattern, c):
            return c
    return candidates[0]


def _pattern_breaker(shape: Any) -> str | None:
    pattern = shape.metadata.get("pattern")
    if pattern is None:
        return None
    n: int = max(shape.metadata.get("min", 1), 1)
    if shape.name == "OrganizationId":
        return "m-" + "g" * 32
    for ch in ("!", "\u2603", " ", "/"):
        c = ch * n
        if len(c) <= shape.metadata.get("max", 10**9) and not _fullmatch(pattern, c):
            return c
    return None


def _set_path(shape: Any, body: dict[str, Any], path: list[str], value: Any) -> None:
    """Set `value` at `path`, creating missing containers with their required members filled in."""
    cur: Any = body
    for _i, key in enumerate(path[:-1]):
        if key == "[]":
            shape = shape.member
            cur = cur[0]
            continue
        shape = shape.members[key]
        if key not in cur:
            cur[key] = _valid_value(shape)
        cur = cur[key]
    if path[-1] == "[]":
        cur[0] = value
    else:
        cur[path[-1]] = value


def _cases() -> Iterator[tuple[str, str, str, list[str], Any]]:
    for name in OPERATIONS:
        shape = MODEL.operation_model(name).input_shape

        def walk(s: Any, path: list[str]) -> Iterator[tuple[str, list[str], Any]]:
            if s.type_name == "structure":
                for n, m in s.members.items():
                    yield from walk(m, [*path, n])
                return
            if s.type_name == "list":
                if "max" in s.metadata:
                    item = _valid_value(s.member)
                    yield "list-too-long", path, [item] * (s.metadata["max"] + 1)
                yield from walk(s.member, [*path, "[]"])
                return
            md = s.metadata
            if s.type_name == "integer" and "max" in md:
                yield "above-max", path, md["max"] + 1
            if s.type_name == "string":
                enum = getattr(s, "enum", None)
                if enum:
                    yield "bad-enum", path, "BOGUS"
                    return
                if "max" in md:
                    yield "too-long", path, _too_long(s)
                breaker = _pattern_breaker(s)
                if breaker is not None:
                    yield "bad-pattern", path, breaker

        for kind, path, value in walk(shape, []):
            yield name, ".".join(p for p in path if p != "[]") + ("[]" if "[]" in path else ""), kind, path, value


CASES = list(_cases())


def _baseline(name: str) -> dict[str, Any]:
    shape = MODEL.operation_model(name).input_shape
    assert shape is not None  # every operation in OPERATIONS takes input
    return {n: _valid_value(s) for n, s in shape.members.items() if n in shape.required_members}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@pytest.fixture(scope="module")
def vworld() -> Iterator[World]:
    with emulator(seed=standard_seed()) as e:
        yield make_world(e)


def test_generated_cases_cover_every_operation() -> None:
    covered = {c[0] for c in CASES}
    assert covered == set(OPERATIONS)
    assert len(CASES) > 80


@pytest.mark.parametrize("name", OPERATIONS)
def test_baseline_request_passes_validation(vworld: World, name: str) -> None:
    body = _baseline(name)
    call = getattr(vworld.wm, _snake(name))
    if "OrganizationId" in body:
        with raises_code("OrganizationNotFoundException"):
            call(**body)
    else:
        out = call(**body)
        assert out["ResponseMetadata"]["HTTPStatusCode"] == 200


@pytest.mark.parametrize(
    ("name", "member", "kind", "path", "value"),
    CASES,
    ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES],
)
def test_model_constraint_violation_gives_invalid_parameter(
    vworld: World, name: str, member: str, kind: str, path: list[str], value: Any
) -> None:
    body = _baseline(name)
    _set_path(MODEL.operation_model(name).input_shape, body, path, value)
    call = getattr(vworld.wm, _snake(name))
    with pytest.raises(vworld.wm.exceptions.InvalidParameterException):
        call(**body)


# --- hand-written cases: limits, patterns and enums at their edges, and raw requests ---------


@pytest.mark.parametrize(
    ("method", "key"),
    [
        ("list_users", None),
        ("list_groups", None),
        ("list_resources", None),
        ("list_mail_domains", None),
        ("list_aliases", "EntityId"),
        ("list_organizations", "none"),
    ],
)
def test_max_results_101_is_invalid_parameter(world: World, method: str, key: str | None) -> None:
    args: dict[str, Any] = {"MaxResults": 101}
    if key != "none":
        args["OrganizationId"] = world.org
    if key == "EntityId":
        args["EntityId"] = world.ids["alice"]
    with raises_code("InvalidParameterException"):
        getattr(world.wm, method)(**args)


def test_max_results_100_is_accepted(world: World) -> None:
    out = world.wm.list_users(OrganizationId=world.org, MaxResults=100)
    assert len(out["Users"]) >= 4


def test_max_results_zero_sent_raw_is_invalid_parameter(world: World) -> None:
    resp = op(world.emu.url, "ListUsers", {"OrganizationId": world.org, "MaxResults": 0})
    assert resp.status == 400
    assert resp.json()["__type"].split("#")[-1] == "InvalidParameterException"


def test_300_character_email_is_invalid_parameter(world: World) -> None:
    email = "a" * 64 + "@" + "b" * 231 + ".com"
    assert len(email) == 300
    with raises_code("InvalidParameterException"):
        world.wm.update_primary_email_address(OrganizationId=world.org, EntityId="alice", Email=email)
    assert world.primary(world.ids["alice"]) == "alice@example.com"


@pytest.mark.parametrize(
    "email",
    [
        "not-an-email",
        "alice@example.c0m",
        "alice@example.123",
        "a" * 65 + "@example.com",
        "alice@@example.com",
        "alice smith@example.com",
        "alice@example.c",
    ],
)
def test_malformed_email_is_invalid_parameter_not_a_domain_error(world: World, email: str) -> None:
    with raises_code("InvalidParameterException"):
        world.wm.update_primary_email_address(OrganizationId=world.org, EntityId="alice", Email=email)
    with raises_code("InvalidParameterException"):
        world.wm.create_alias(OrganizationId=world.org, EntityId=world.ids["alice"], Alias=email)
    with raises_code("InvalidParameterException"):
        world.wm.describe_entity(OrganizationId=world.org, Email=email)


def test_email_local_part_of_64_characters_is_valid(world: World) -> None:
    email = "a" * 64 + "@example.com"
    world.wm.update_primary_email_address(OrganizationId=world.org, EntityId="alice", Email=email)
    assert world.primary(world.ids["alice"]) == email


def test_bad_resource_type_enum_is_invalid_parameter(world: World) -> None:
    with raises_code("InvalidParameterException"):
        world.wm.create_resource(OrganizationId=world.org, Name="projector", Type="BOGUS")  # type: ignore[arg-type]
    names = [r["Name"] for r in world.list_all("list_resources", "Resources")]
    assert "projector" not in names


def test_bad_user_role_enum_is_invalid_parameter(world: World) -> None:
    with raises_code("InvalidParameterException"):
        world.wm.create_user(OrganizationId=world.org, Name="dave", DisplayName="Dave", Role="BOSS")  # type: ignore[arg-type]


def test_bad_state_filter_enum_is_invalid_parameter(world: World) -> None:
    with raises_code("InvalidParameterException"):
        world.wm.list_users(OrganizationId=world.org, Filters={"State": "GONE"})  # type: ignore[typeddict-item]


@pytest.mark.parametrize(
    "org_id",
    ["m-" + "g" * 32, "m-" + "ABCDEF0123456789" * 2, "x-" + "0" * 32, "m_" + "0" * 32, "m-" + "0" * 31 + " "],
)
def test_malformed_34_character_org_id_is_invalid_parameter(world: World, org_id: str) -> None:
    assert len(org_id) == 34
    with raises_code("InvalidParameterException"):
        world.wm.describe_organization(OrganizationId=org_id)
    with raises_code("InvalidParameterException"):
        world.wm.list_users(OrganizationId=org_id)


def test_short_org_id_sent_raw_is_invalid_parameter(world: World) -> None:
    resp = op(world.emu.url, "DescribeOrganization", {"OrganizationId": "m-1"})
    assert resp.status == 400
    assert resp.json()["__type"].split("#")[-1] == "InvalidParameterException"


def test_missing_required_member_sent_raw_is_invalid_parameter(world: World) -> None:
    resp = op(world.emu.url, "DescribeUser", {"OrganizationId": world.org})
    assert resp.status == 400
    assert resp.json()["__type"].split("#")[-1] == "InvalidParameterException"


def test_validation_happens_before_organization_lookup(world: World) -> None:
    with raises_code("InvalidParameterException"):
        world.wm.list_users(OrganizationId=UNKNOWN_ORG, MaxResults=101)


@pytest.mark.parametrize("ident", ["bob smith", "bob/smith", "bob#1", "b\u00f6b"])
def test_entity_identifier_pattern_is_enforced_as_full_match(world: World, ident: str) -> None:
    with raises_code("InvalidParameterException"):
        world.wm.describe_user(OrganizationId=world.org, UserId=ident)


@pytest.mark.parametrize("alias", ["d-corp", "-corp", "corp-", "co--rp", "corp_co", "a" * 63])
def test_bad_organization_alias_is_invalid_parameter(world: World, alias: str) -> None:
    with raises_code("InvalidParameterException"):
        world.wm.create_organization(Alias=alias)


def test_valid_hyphenated_organization_alias_is_accepted(world: World) -> None:
    out = world.wm.create_organization(Alias="my-corp-2")
    desc = world.wm.describe_organization(OrganizationId=out["OrganizationId"])
    assert desc["Alias"] == "my-corp-2"


@pytest.mark.parametrize("name", ["bad name", "bad!", "a" * 65])
def test_bad_user_name_is_invalid_parameter(world: World, name: str) -> None:
    with raises_code("InvalidParameterException"):
        world.wm.create_user(OrganizationId=world.org, Name=name, DisplayName="X")


def test_user_name_in_email_form_is_accepted(world: World) -> None:
    out = world.wm.create_user(OrganizationId=world.org, Name="dave@corp.example", DisplayName="Dave")
    assert world.wm.describe_user(OrganizationId=world.org, UserId=out["UserId"])["Name"] == "dave@corp.example"


def test_group_name_with_spaces_is_valid_but_not_an_entity_identifier(world: World) -> None:
    out = world.wm.create_group(OrganizationId=world.org, Name="Sales Team")
    assert world.wm.describe_group(OrganizationId=world.org, GroupId=out["GroupId"])["Name"] == "Sales Team"
    with raises_code("InvalidParameterException"):
        world.wm.describe_group(OrganizationId=world.org, GroupId="Sales Team")


def test_group_name_outside_latin1_is_invalid_parameter(world: World) -> None:
    with raises_code("InvalidParameterException"):
        world.wm.create_group(OrganizationId=world.org, Name="sales \u2603")


def test_resource_name_over_20_characters_is_invalid_parameter(world: World) -> None:
    with raises_code("InvalidParameterException"):
        world.wm.create_resource(OrganizationId=world.org, Name="r" * 21, Type="ROOM")
    out = world.wm.create_resource(OrganizationId=world.org, Name="r" * 20, Type="EQUIPMENT")
    assert out["ResourceId"].startswith("r-")


@pytest.mark.parametrize("domain", ["exa_mple.com", "exa mple.com", "a" * 206 + ".com"])
def test_bad_mail_domain_name_is_invalid_parameter(world: World, domain: str) -> None:
    with raises_code("InvalidParameterException"):
        world.wm.register_mail_domain(OrganizationId=world.org, DomainName=domain)


def test_next_token_over_1024_characters_is_invalid_parameter(world: World) -> None:
    with raises_code("InvalidParameterException"):
        world.wm.list_users(OrganizationId=world.org, NextToken="a" * 1025)


def test_alias_entity_id_over_256_characters_is_invalid_parameter(world: World) -> None:
    with raises_code("InvalidParameterException"):
        world.wm.list_aliases(OrganizationId=world.org, EntityId="a" * 257)


def test_more_than_five_domains_on_create_organization_is_invalid_parameter(world: World) -> None:
    domains: list[DomainTypeDef] = [{"DomainName": f"d{i}.example"} for i in range(6)]
    with raises_code("InvalidParameterException"):
        world.wm.create_organization(Alias="sixdomains", Domains=domains)
    aliases = [o["Alias"] for o in world.wm.list_organizations()["OrganizationSummaries"]]
    assert "sixdomains" not in aliases


def test_more_than_one_list_filter_is_invalid_parameter(world: World) -> None:
    with raises_code("InvalidParameterException"):
        world.wm.list_users(OrganizationId=world.org, Filters={"UsernamePrefix": "a", "State": "ENABLED"})


def test_validation_failure_changes_no_state(world: World) -> None:
    alice = world.ids["alice"]
    before = (world.primary(alice), world.aliases(alice))
    with raises_code("InvalidParameterException"):
        world.wm.update_primary_email_address(OrganizationId=world.org, EntityId=alice, Email="x@example.c0m")
    assert (world.primary(alice), world.aliases(alice)) == before
