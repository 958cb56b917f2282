"""Pagination: tokens, last page, bogus tokens, boto3 paginators (docs/workmail-behaviour.md, Pagination)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from .emulator_testlib import World, raises_code

if TYPE_CHECKING:
    from mypy_boto3_workmail.type_defs import ListAliasesRequestTypeDef


def _bulk_seed(world: World, n: int = 7) -> dict[str, Any]:
    """A second org with n users, n groups, n resources and one user with n aliases."""
    seeded = world.seed(
        {
            "organizations": [
                {
                    "alias": "bulk",
                    "domains": [{"name": "bulk.example", "verified": True}],
                    "users": [
                        {
                            "name": f"user{i}",
                            "display_name": f"User {i}",
                            "email": f"user{i}@bulk.example",
                            "aliases": [f"u{i}-{j}@bulk.example" for j in range(n)] if i == 0 else [],
                        }
                        for i in range(n)
                    ],
                    "groups": [{"name": f"group{i}", "email": f"group{i}@bulk.example"} for i in range(n)],
                    "resources": [
                        {"name": f"room{i}", "type": "ROOM", "email": f"room{i}@bulk.example"} for i in range(n)
                    ],
                }
            ]
        }
    )
    return seeded["organizations"]["bulk"]  # type: ignore[no-any-return]


LISTS = [
    ("list_users", "Users", 8),  # 7 users + the system user
    ("list_groups", "Groups", 7),
    ("list_resources", "Resources", 7),
]


@pytest.mark.parametrize(("method", "key", "total"), LISTS)
def test_manual_paging_tokens_change_and_last_page_has_no_token(
    world: World, method: str, key: str, total: int
) -> None:
    bulk = _bulk_seed(world)
    args: dict[str, Any] = {"OrganizationId": bulk["id"], "MaxResults": 2}
    ids: list[str] = []
    tokens: list[str] = []
    pages = 0
    while True:
        page = getattr(world.wm, method)(**args)
        pages += 1
        assert 1 <= len(page[key]) <= 2
        ids.extend(item["Id"] for item in page[key])
        token = page.get("NextToken")
        if not token:
            break
        assert token not in tokens
        assert len(token) <= 1024
        tokens.append(token)
        args["NextToken"] = token
    assert len(ids) == total == len(set(ids))
    assert pages == -(-total // 2)


def test_list_aliases_manual_paging(world: World) -> None:
    bulk = _bulk_seed(world)
    uid = bulk["users"]["user0"]
    args: ListAliasesRequestTypeDef = {"OrganizationId": bulk["id"], "EntityId": uid, "MaxResults": 3}
    got: list[str] = []
    tokens: list[str] = []
    while True:
        page = world.wm.list_aliases(**args)
        got.extend(page["Aliases"])
        if not page.get("NextToken"):
            break
        assert page["NextToken"] not in tokens
        tokens.append(page["NextToken"])
        args["NextToken"] = page["NextToken"]
    assert got == [f"u0-{j}@bulk.example" for j in range(7)]
    assert len(tokens) == 2


def test_exact_multiple_of_page_size_ends_without_token(world: World) -> None:
    bulk = _bulk_seed(world, n=4)  # 4 groups
    first = world.wm.list_groups(OrganizationId=bulk["id"], MaxResults=2)
    second = world.wm.list_groups(OrganizationId=bulk["id"], MaxResults=2, NextToken=first["NextToken"])
    assert len(second["Groups"]) == 2
    assert not second.get("NextToken")


def test_single_page_has_no_token(world: World) -> None:
    out = world.wm.list_users(OrganizationId=world.org)
    assert len(out["Users"]) == 4
    assert not out.get("NextToken")


def test_default_page_size_setting_applies_without_max_results(world: World) -> None:
    world.settings(page_size=2)
    bulk = _bulk_seed(world)
    page = world.wm.list_users(OrganizationId=bulk["id"])
    assert len(page["Users"]) == 2
    assert page["NextToken"]
    # An explicit MaxResults wins over the default.
    assert len(world.wm.list_users(OrganizationId=bulk["id"], MaxResults=5)["Users"]) == 5


def test_default_page_size_is_100(world: World) -> None:
    world.seed(
        {
            "organizations": [
                {
                    "alias": "big",
                    "users": [{"name": f"p{i}", "display_name": "P"} for i in range(120)],
                }
            ]
        }
    )
    big = next(o for o in world.wm.list_organizations()["OrganizationSummaries"] if o["Alias"] == "big")
    page = world.wm.list_users(OrganizationId=big["OrganizationId"])
    assert len(page["Users"]) == 100
    rest = world.wm.list_users(OrganizationId=big["OrganizationId"], NextToken=page["NextToken"])
    assert len(rest["Users"]) == 21
    assert not rest.get("NextToken")


@pytest.mark.parametrize(
    ("method", "extra"),
    [
        ("list_users", {}),
        ("list_groups", {}),
        ("list_resources", {}),
        ("list_mail_domains", {}),
        ("list_aliases", {"EntityId": "<alice>"}),
        ("list_organizations", None),
    ],
)
@pytest.mark.parametrize("token", ["bogus", "AAAA", "x" * 1024, "eyJvZmZzZXQiOiA5OTk5fQ=="])
def test_bogus_token_gives_invalid_parameter(
    world: World, method: str, extra: dict[str, str] | None, token: str
) -> None:
    args: dict[str, Any] = {"NextToken": token}
    if extra is not None:
        args["OrganizationId"] = world.org
        args.update({k: world.ids["alice"] if v == "<alice>" else v for k, v in extra.items()})
    with raises_code("InvalidParameterException"):
        getattr(world.wm, method)(**args)


def test_token_of_one_operation_is_not_valid_for_another_org(world: World) -> None:
    bulk = _bulk_seed(world)
    token = world.wm.list_users(OrganizationId=bulk["id"], MaxResults=2)["NextToken"]
    with raises_code("InvalidParameterException"):
        world.wm.list_users(OrganizationId=world.org, NextToken=token)


@pytest.mark.parametrize(("method", "key", "total"), LISTS)
def test_boto3_paginators_with_page_size_2(world: World, method: str, key: str, total: int) -> None:
    bulk = _bulk_seed(world)
    # `method` is one of LISTS' names, a str; each get_paginator overload takes one Literal name.
    paginator = world.wm.get_paginator(method)  # type: ignore[call-overload]
    pages = list(paginator.paginate(OrganizationId=bulk["id"], PaginationConfig={"PageSize": 2}))
    items = [i["Id"] for p in pages for i in p[key]]
    assert len(items) == total == len(set(items))
    assert len(pages) == -(-total // 2)
    assert all(len(p[key]) <= 2 for p in pages)


def test_boto3_paginator_for_list_aliases(world: World) -> None:
    bulk = _bulk_seed(world)
    pages = list(
        world.wm.get_paginator("list_aliases").paginate(
            OrganizationId=bulk["id"], EntityId=bulk["users"]["user0"], PaginationConfig={"PageSize": 2}
        )
    )
    assert [a for p in pages for a in p["Aliases"]] == [f"u0-{j}@bulk.example" for j in range(7)]
    assert len(pages) == 4


def test_boto3_paginator_for_list_organizations(world: World) -> None:
    for i in range(4):
        world.wm.create_organization(Alias=f"pageorg{i}")
    pages = list(world.wm.get_paginator("list_organizations").paginate(PaginationConfig={"PageSize": 2}))
    aliases = [o["Alias"] for p in pages for o in p["OrganizationSummaries"]]
    assert sorted(aliases) == sorted(["acme", *[f"pageorg{i}" for i in range(4)]])
    assert len(pages) == 3


def test_boto3_paginator_build_full_result_with_max_items(world: World) -> None:
    bulk = _bulk_seed(world)
    paginator = world.wm.get_paginator("list_groups")
    first = paginator.paginate(
        OrganizationId=bulk["id"], PaginationConfig={"PageSize": 2, "MaxItems": 3}
    ).build_full_result()
    assert len(first["Groups"]) == 3
    rest = paginator.paginate(
        OrganizationId=bulk["id"], PaginationConfig={"PageSize": 2, "StartingToken": first["NextToken"]}
    ).build_full_result()
    names = [g["Name"] for g in first["Groups"] + rest["Groups"]]
    assert sorted(names) == sorted(f"group{i}" for i in range(7))


def test_paginating_with_a_filter_keeps_the_filter(world: World) -> None:
    bulk = _bulk_seed(world)
    pages = world.wm.get_paginator("list_users").paginate(
        OrganizationId=bulk["id"], Filters={"State": "ENABLED"}, PaginationConfig={"PageSize": 2}
    )
    names = sorted(u["Name"] for p in pages for u in p["Users"])
    assert names == sorted(f"user{i}" for i in range(7))
