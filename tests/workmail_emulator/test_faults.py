"""Fault injection: POST/DELETE /_emulator/faults, and how botocore's retries meet the injected errors."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import botocore.session
import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError

from .emulator_testlib import OPERATIONS as SPEC_OPERATIONS
from .emulator_testlib import World, emulator, make_world, op, raises_code, standard_seed

if TYPE_CHECKING:
    from mypy_boto3_workmail import WorkMailClient


def _fault(world: World, **rule: Any) -> None:
    status, body = world.admin("POST", "/_emulator/faults", rule)
    assert status == 200, (status, body)


def _outcomes(world: World, n: int, client: WorkMailClient | None = None) -> list[str]:
    """Run DescribeUser n times; 'ok' or the error code for each call."""
    wm = client or world.wm
    out = []
    for _ in range(n):
        try:
            wm.describe_user(OrganizationId=world.org, UserId="alice")
            out.append("ok")
        except ClientError as e:
            out.append(e.response["Error"]["Code"])
    return out


def _stats(world: World) -> dict[str, Any]:
    status, stats = world.admin("GET", "/_emulator/stats")
    assert status == 200
    return stats  # type: ignore[no-any-return]


def test_error_rule_answers_with_code_and_status(world: World) -> None:
    _fault(world, operation="DescribeUser", error="ThrottlingException", status=400)
    with raises_code("ThrottlingException") as excinfo:
        world.wm.describe_user(OrganizationId=world.org, UserId="alice")
    resp = excinfo.value.response
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert resp["ResponseMetadata"]["RequestId"]


def test_error_rule_applies_only_to_its_operation(world: World) -> None:
    _fault(world, operation="DescribeUser", error="ThrottlingException", status=400)
    assert world.wm.describe_group(OrganizationId=world.org, GroupId="sales")["Name"] == "sales"
    assert world.wm.list_users(OrganizationId=world.org)["Users"]


def test_wildcard_rule_matches_every_operation(world: World) -> None:
    _fault(world, operation="*", error="AccessDeniedException", status=400)
    with raises_code("AccessDeniedException"):
        world.wm.list_organizations()
    with raises_code("AccessDeniedException"):
        world.wm.describe_group(OrganizationId=world.org, GroupId="sales")


def test_injected_modeled_error_maps_to_typed_exception(world: World) -> None:
    _fault(world, operation="UpdatePrimaryEmailAddress", error="DirectoryUnavailableException", status=400)
    with pytest.raises(world.wm.exceptions.DirectoryUnavailableException):
        world.wm.update_primary_email_address(OrganizationId=world.org, EntityId="alice", Email="a2@example.com")


def test_faulted_write_is_not_applied(world: World) -> None:
    _fault(world, operation="UpdatePrimaryEmailAddress", error="ThrottlingException", status=400)
    with raises_code("ThrottlingException"):
        world.wm.update_primary_email_address(OrganizationId=world.org, EntityId="alice", Email="a2@example.com")
    assert world.primary(world.ids["alice"]) == "alice@example.com"
    assert world.aliases(world.ids["alice"]) == ["al@example.com"]


@pytest.mark.parametrize(("status", "error"), [(500, "InternalFailure"), (503, "ServiceUnavailable")])
def test_server_error_status_is_sent(world: World, status: int, error: str) -> None:
    _fault(world, operation="DescribeUser", error=error, status=status)
    with raises_code(error) as excinfo:
        world.wm.describe_user(OrganizationId=world.org, UserId="alice")
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == status


def test_status_without_error_code_still_fails_with_that_status(world: World) -> None:
    _fault(world, operation="DescribeUser", status=500)
    with pytest.raises(ClientError) as excinfo:
        world.wm.describe_user(OrganizationId=world.org, UserId="alice")
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500


def test_server_errors_are_retried_by_boto3_and_counted(world: World) -> None:
    _fault(world, operation="DescribeUser", error="InternalFailure", status=500, count=2)
    world.admin("POST", "/_emulator/stats/reset")
    client = world.emu.client(max_attempts=3)
    out = client.describe_user(OrganizationId=world.org, UserId="alice")
    assert out["Email"] == "alice@example.com"
    assert out["ResponseMetadata"]["RetryAttempts"] == 2
    assert _stats(world)["calls"]["DescribeUser"] == 3


def test_every_n_fires_on_every_nth_match(world: World) -> None:
    _fault(world, operation="DescribeUser", error="ThrottlingException", status=400, every=3)
    assert _outcomes(world, 7) == ["ok", "ok", "ThrottlingException", "ok", "ok", "ThrottlingException", "ok"]


def test_every_counts_only_matching_requests(world: World) -> None:
    _fault(world, operation="DescribeUser", error="ThrottlingException", status=400, every=2)
    assert _outcomes(world, 1) == ["ok"]
    world.wm.list_users(OrganizationId=world.org)
    world.wm.describe_group(OrganizationId=world.org, GroupId="sales")
    assert _outcomes(world, 2) == ["ThrottlingException", "ok"]


def test_count_caps_how_often_a_rule_fires(world: World) -> None:
    _fault(world, operation="DescribeUser", error="ThrottlingException", status=400, count=2)
    assert _outcomes(world, 4) == ["ThrottlingException", "ThrottlingException", "ok", "ok"]


def test_count_with_every(world: World) -> None:
    _fault(world, operation="DescribeUser", error="ThrottlingException", status=400, every=2, count=1)
    assert _outcomes(world, 6) == ["ok", "ThrottlingException", "ok", "ok", "ok", "ok"]


def test_rate_one_always_fires_and_rate_zero_never(world: World) -> None:
    _fault(world, operation="DescribeUser", error="ThrottlingException", status=400, rate=1.0)
    _fault(world, operation="ListUsers", error="ThrottlingException", status=400, rate=0.0)
    assert _outcomes(world, 5) == ["ThrottlingException"] * 5
    for _ in range(5):
        world.wm.list_users(OrganizationId=world.org)


def test_rate_fires_on_a_random_share(world: World) -> None:
    _fault(world, operation="DescribeUser", error="ThrottlingException", status=400, rate=0.5)
    statuses = [
        op(world.emu.url, "DescribeUser", {"OrganizationId": world.org, "UserId": "alice"}).status for _ in range(200)
    ]
    fired = statuses.count(400)
    assert 60 <= fired <= 140, fired  # binomial(200, 0.5): mean 100, sd ~7
    assert set(statuses) == {200, 400}


def test_rate_with_count_stops_after_count(world: World) -> None:
    _fault(world, operation="DescribeUser", error="ThrottlingException", status=400, rate=1.0, count=3)
    assert _outcomes(world, 5) == ["ThrottlingException"] * 3 + ["ok"] * 2


def test_latency_only_rule_slows_without_failing(world: World) -> None:
    _fault(world, operation="DescribeUser", latency_ms=200)
    started = time.monotonic()
    out = world.wm.describe_user(OrganizationId=world.org, UserId="alice")
    elapsed = time.monotonic() - started
    assert out["Email"] == "alice@example.com"
    assert elapsed >= 0.19
    world.wm.describe_group(OrganizationId=world.org, GroupId="sales")
    (rule,) = world.admin("GET", "/_emulator/faults")[1]["rules"]
    assert (rule["matched"], rule["fired"]) == (1, 1), "the DescribeGroup call did not match the rule"


def test_latency_then_error(world: World) -> None:
    _fault(world, operation="DescribeUser", latency_ms=150, error="ThrottlingException", status=400)
    started = time.monotonic()
    with raises_code("ThrottlingException"):
        world.wm.describe_user(OrganizationId=world.org, UserId="alice")
    assert time.monotonic() - started >= 0.14


def test_latency_rule_with_count(world: World) -> None:
    _fault(world, operation="DescribeUser", latency_ms=150, count=1)
    times = []
    for _ in range(2):
        started = time.monotonic()
        world.wm.describe_user(OrganizationId=world.org, UserId="alice")
        times.append(time.monotonic() - started)
    assert times[0] >= 0.14
    (rule,) = world.admin("GET", "/_emulator/faults")[1]["rules"]
    assert rule["fired"] == 1, "count=1 caps the rule at one slowed request"


def test_drop_closes_connection_without_answer(world: World) -> None:
    _fault(world, operation="DescribeUser", drop=True)
    with pytest.raises((ConnectionClosedError, EndpointConnectionError)):
        world.wm.describe_user(OrganizationId=world.org, UserId="alice")
    # The server keeps serving other requests.
    assert world.wm.describe_group(OrganizationId=world.org, GroupId="sales")["Name"] == "sales"


def test_dropped_request_is_retried_by_boto3(world: World) -> None:
    _fault(world, operation="DescribeUser", drop=True, count=1)
    world.admin("POST", "/_emulator/stats/reset")
    client = world.emu.client(max_attempts=3)
    out = client.describe_user(OrganizationId=world.org, UserId="alice")
    assert out["Email"] == "alice@example.com"
    assert _stats(world)["calls"]["DescribeUser"] == 2


def test_rules_are_tried_in_order_and_first_that_fires_decides(world: World) -> None:
    _fault(world, operation="DescribeUser", error="ThrottlingException", status=400, every=2)
    _fault(world, operation="DescribeUser", error="AccessDeniedException", status=400)
    assert _outcomes(world, 4) == [
        "AccessDeniedException",
        "ThrottlingException",
        "AccessDeniedException",
        "ThrottlingException",
    ]


def test_exhausted_rule_lets_later_rules_decide(world: World) -> None:
    _fault(world, operation="*", error="ThrottlingException", status=400, count=1)
    _fault(world, operation="DescribeUser", error="AccessDeniedException", status=400, count=1)
    assert _outcomes(world, 3) == ["ThrottlingException", "AccessDeniedException", "ok"]


def test_delete_faults_clears_all_rules(world: World) -> None:
    _fault(world, operation="DescribeUser", error="ThrottlingException", status=400)
    _fault(world, operation="*", latency_ms=300)
    status, _ = world.admin("DELETE", "/_emulator/faults")
    assert status == 200
    assert world.admin("GET", "/_emulator/faults")[1]["rules"] == []
    assert _outcomes(world, 2) == ["ok", "ok"]


def test_faulted_calls_are_counted_in_stats(world: World) -> None:
    world.admin("POST", "/_emulator/stats/reset")
    _fault(world, operation="DescribeUser", error="ThrottlingException", status=400, count=2)
    _outcomes(world, 3)
    _fault(world, operation="ListGroups", drop=True, count=1)
    with pytest.raises((ConnectionClosedError, EndpointConnectionError)):
        world.wm.list_groups(OrganizationId=world.org)
    stats = _stats(world)
    assert stats["calls"]["DescribeUser"] == 3
    assert stats["calls"]["ListGroups"] == 1
    assert stats["total"] == 4


def test_throttling_fault_is_retried_by_boto3_standard_mode(world: World) -> None:
    _fault(world, operation="ListUsers", error="ThrottlingException", status=400, count=1)
    world.admin("POST", "/_emulator/stats/reset")
    client = world.emu.client(max_attempts=3)
    out = client.list_users(OrganizationId=world.org)
    assert out["ResponseMetadata"]["RetryAttempts"] == 1
    assert _stats(world)["calls"]["ListUsers"] == 2


@pytest.mark.parametrize(
    "rule",
    [
        {"operation": "DescribeUser", "rate": 2},
        {"operation": "DescribeUser", "status": "x"},
        {"operation": "DescribeUser", "every": 0},
        {"operation": "DescribeUser", "latency_ms": "slow"},
    ],
)
def test_invalid_fault_rule_is_rejected(world: World, rule: dict[str, Any]) -> None:
    status, _ = world.admin("POST", "/_emulator/faults", rule)
    assert 400 <= status < 500
    assert _outcomes(world, 2) == ["ok", "ok"]


MODEL = botocore.session.Session().get_service_model("workmail")
OPERATIONS = sorted(SPEC_OPERATIONS)


@pytest.fixture(scope="module")
def fault_world() -> Iterator[World]:
    with emulator(seed=standard_seed()) as e:
        yield make_world(e)


@pytest.mark.parametrize("name", OPERATIONS)
def test_every_modeled_error_can_be_injected_and_maps_to_its_exception_class(fault_world: World, name: str) -> None:
    world = fault_world
    op_model = MODEL.operation_model(name)
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
    args: dict[str, Any] = {
        "OrganizationId": world.org,
        "EntityId": world.ids["alice"],
        "UserId": "alice",
        "GroupId": "sales",
        "ResourceId": "room-1",
        "Email": "alice@example.com",
        "Alias": "al@example.com",
        "DomainName": "example.com",
        "Name": "faultname",
        "DisplayName": "F",
        "Type": "ROOM",
        "DeleteDirectory": False,
    }
    assert op_model.input_shape is not None
    required = set(op_model.input_shape.required_members)
    call_args = {k: v for k, v in args.items() if k in required}
    codes = sorted({e.name for e in op_model.error_shapes})
    assert codes
    for code in codes:
        _fault(world, operation=name, error=code, status=400, count=1)
        with pytest.raises(getattr(world.wm.exceptions, code)):
            getattr(world.wm, snake)(**call_args)
    world.admin("DELETE", "/_emulator/faults")


def test_after_rule_applies_the_write_then_loses_the_answer(world: World) -> None:
    _fault(world, operation="UpdatePrimaryEmailAddress", error="InternalFailure", status=500, after=True, count=1)
    alice = world.ids["alice"]
    with raises_code("InternalFailure"):
        world.wm.update_primary_email_address(OrganizationId=world.org, EntityId=alice, Email="alice.x@example.com")
    assert world.primary(alice) == "alice.x@example.com", "the write happened; only its answer was lost"


def test_after_rule_can_drop_the_connection_after_the_write(world: World) -> None:
    _fault(world, operation="UpdatePrimaryEmailAddress", drop=True, after=True, count=1)
    alice = world.ids["alice"]
    with pytest.raises((ConnectionClosedError, EndpointConnectionError)):
        world.wm.update_primary_email_address(OrganizationId=world.org, EntityId=alice, Email="alice.y@example.com")
    assert world.primary(alice) == "alice.y@example.com"
