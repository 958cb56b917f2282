"""Hostile and malformed input: fuzzed ``check`` (in-process and over gRPC), injection-shaped ids, and malformed
HTTP requests to the emulator."""

from __future__ import annotations

import contextlib
import http.client
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pulumi.automation import CommandError
from pulumi.output import Unknown

from pulumi_workmail.provider import EntityPrimaryEmailProvider
from pulumi_workmail.testing import UNKNOWN, ProviderServer, serialize_provider
from pulumi_workmail.validation import (
    EMAIL_RE,
    ENTITY_ID_RE,
    INPUT_PROPERTIES,
    MAX_WAIT_TIMEOUT_SECONDS,
    ON_DELETE_VALUES,
    ORGANIZATION_ID_RE,
    REGION_RE,
)
from workmail_emulator import Emulator, running

from ..aws_env import isolate_aws
from .conftest import Admin, Figures, Fleet, stack_env

ORG = "m-0123456789abcdef0123456789abcdef"
REQUIRED = ("organization_id", "entity_id", "email")
URN = "urn:pulumi:fuzz::reliability::pulumi-python:dynamic/workmail:EntityPrimaryEmail::fuzzed"

# -- strategies --------------------------------------------------------------------------------------

NEAR_VALID = st.sampled_from(
    [
        ORG,
        ORG.upper(),
        ORG + "\n",
        "alice",
        "alice@example.com",
        "ALICE@EXAMPLE.COM",
        "12345678-1234-1234-1234-123456789012",
        "r-0123456789abcdef0123456789abcdef",
        "S-1-5-21-1",
        "restore",
        "retain",
        "us-east-1",
        "eu-west-1\n",
        "",
        " ",
        "..",
        "../alice",
        "alice\nINFO forged log line",
        "alice\u2028x",
        "a\x00b",
        "\u202eevil",
        "ålice@exämple.com",
        "💥@example.com",
        "a" * 64 + "@example.com",
        "a" * 65 + "@example.com",
    ]
)
HUGE_TEXT = st.integers(min_value=257, max_value=400_000).map(lambda n: "a" * n)
HUGE_EMAIL = st.integers(min_value=250, max_value=200_000).map(lambda n: "a" * n + "@example.com")
HUGE_ORG = st.integers(min_value=33, max_value=100_000).map(lambda n: "m-" + "0" * n)


def _values(*, wire: bool) -> st.SearchStrategy[Any]:
    """Anything a program could pass (``wire``: only what survives Pulumi's property serialization)."""
    numbers = (
        st.integers(min_value=-(2**53), max_value=2**53) | st.floats(allow_nan=False)
        if wire
        else st.integers() | st.floats() | st.decimals(allow_nan=True) | st.complex_numbers()
    )
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        numbers,
        st.text(),
        st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=300),
        NEAR_VALID,
        HUGE_TEXT,
        HUGE_EMAIL,
        HUGE_ORG,
        st.just(UNKNOWN) if wire else st.builds(Unknown),
    )
    if not wire:
        scalars = (
            scalars
            | st.binary()
            | st.just(object())
            | st.just(float("nan"))
            | st.builds(pow, st.just(10), st.integers(4000, 6000))
        )
    return st.recursive(
        scalars,
        lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
        max_leaves=6,
    )


KEYS = st.sampled_from([*INPUT_PROPERTIES, "__provider", "__extra"]) | st.text(max_size=20)


def _news(*, wire: bool) -> st.SearchStrategy[Any]:
    values = _values(wire=wire)
    mostly_right_keys = st.fixed_dictionaries(
        {},
        optional={key: values for key in INPUT_PROPERTIES} | {"__provider": st.just("pickled")},
    )
    shapes = st.dictionaries(KEYS, values, max_size=8) | mostly_right_keys
    if wire:
        return shapes
    odd_keys = st.dictionaries(st.integers() | st.none() | st.tuples(st.integers()), values, max_size=3)
    return shapes | odd_keys | values  # and not a mapping at all


# -- the properties ------------------------------------------------------------------------------------


def _valid(prop: str, value: Any) -> bool:
    """An independent statement of what a valid value is (the input table of docs/entity-primary-email.md)."""
    if value == UNKNOWN or isinstance(value, Unknown):
        return True
    if prop == "organization_id":
        return isinstance(value, str) and ORGANIZATION_ID_RE.match(value) is not None
    if prop == "entity_id":
        return (
            isinstance(value, str)
            and 1 <= len(value) <= 256
            and ENTITY_ID_RE.match(value) is not None
            and value.strip(".") != ""
        )
    if prop == "email":
        return isinstance(value, str) and len(value) <= 254 and EMAIL_RE.match(value) is not None
    if prop == "on_delete":
        return value in ON_DELETE_VALUES
    if prop == "region":
        return isinstance(value, str) and REGION_RE.match(value) is not None
    if prop == "wait_timeout_seconds":
        return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= MAX_WAIT_TIMEOUT_SECONDS
    return prop.startswith("__")


def assert_check_answer(news: Any, inputs: dict[str, Any], failures: list[tuple[str, str]]) -> None:
    """Every failure names a property, in one printable line; no invalid input slips through."""
    keys = {k for k in news if isinstance(k, str)} if isinstance(news, dict) else set()
    for prop, reason in failures:
        assert isinstance(prop, str), (prop, reason)
        assert prop or "" in keys, f"a failure names no property: {reason}"
        assert isinstance(reason, str) and reason, (prop, reason)
        assert reason.isprintable(), f"reason is not one printable line: {reason!r}"
        if isinstance(news, dict) and all(isinstance(k, str) for k in news):
            assert prop in keys or prop in REQUIRED, (prop, sorted(keys))
        if prop in INPUT_PROPERTIES:
            assert prop in reason, (prop, reason)
    failed = {prop for prop, _ in failures}
    mapping = news if isinstance(news, dict) else {}
    for prop in REQUIRED:
        if mapping.get(prop) is None:
            assert prop in failed, f"missing {prop} was not reported"
    for key, value in mapping.items():
        if not isinstance(key, str):
            continue
        if value is not None and not _valid(key, value):
            assert key in failed, f"invalid {key}={value!r:.80} was not reported"
    if not failures:
        for prop in REQUIRED:
            assert _valid(prop, inputs[prop]), (prop, inputs[prop])
        assert all(key.startswith("__") or key in INPUT_PROPERTIES for key in inputs), sorted(inputs)


class Counter:
    def __init__(self) -> None:
        self.n = 0
        self.lock = threading.Lock()

    def bump(self) -> None:
        with self.lock:
            self.n += 1


_IN_PROCESS = Counter()
_OVER_GRPC = Counter()


@settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
@given(news=_news(wire=False))
def test_check_in_process_never_raises_and_every_failure_names_a_property(news: Any) -> None:
    _IN_PROCESS.bump()
    provider = EntityPrimaryEmailProvider()
    result = provider.check({}, news)
    failures = [(f.property, f.reason) for f in result.failures or []]
    assert_check_answer(news, dict(result.inputs or {}), failures)


def test_in_process_fuzzing_figures(figures: Figures) -> None:
    assert _IN_PROCESS.n >= 1500, "the property test above ran"
    figures.add("hostile_input.check_in_process", inputs_fuzzed=_IN_PROCESS.n)


@pytest.fixture(scope="module")
def quiet_emulator() -> Iterator[Emulator]:
    with running() as emu:
        yield emu


@pytest.fixture(scope="module")
def fuzz_server(quiet_emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProviderServer]:
    mp = pytest.MonkeyPatch()
    isolate_aws(mp, tmp_path_factory.mktemp("fuzz-aws"))
    try:
        with ProviderServer(
            project="reliability", config={"aws:region": "us-east-1"}, env=stack_env(quiet_emulator)
        ) as server:
            yield server
    finally:
        mp.undo()


@settings(max_examples=800, deadline=None, suppress_health_check=list(HealthCheck))
@given(news=_news(wire=True))
def test_check_over_grpc_never_fails_the_call_and_every_failure_names_a_property(
    news: dict[str, Any], fuzz_server: ProviderServer
) -> None:
    _OVER_GRPC.bump()
    pickled = _pickled()
    answer = fuzz_server.check(URN, {}, {**news, "__provider": pickled})
    assert_check_answer(news, answer.inputs, [(f.property, f.reason) for f in answer.failures])
    assert answer.inputs.get("__provider") == pickled


_PICKLED: list[str] = []


def _pickled() -> str:
    if not _PICKLED:
        _PICKLED.append(serialize_provider(EntityPrimaryEmailProvider()))
    return _PICKLED[0]


def test_fuzzed_checks_over_grpc_sent_no_request_to_workmail(
    quiet_emulator: Emulator, fuzz_server: ProviderServer, figures: Figures
) -> None:
    assert _OVER_GRPC.n >= 500, "the property test above ran"
    assert Admin(quiet_emulator).total_requests() == 0
    assert fuzz_server.returncode is None, "the provider server survived the fuzzing"
    figures.add("hostile_input.check_over_grpc", inputs_fuzzed=_OVER_GRPC.n)


# -- injection-shaped ids ------------------------------------------------------------------------------

INJECTIONS = [
    ("entity_id", "../alice"),
    ("entity_id", "alice/../../bob"),
    ("entity_id", ".."),
    ("entity_id", "alice\nINFO forged log line"),
    ("entity_id", "alice\r\nX-Injected: 1"),
    ("entity_id", "alice\x00"),
    ("entity_id", "alice%0aINFO-forged-log-line"),
    ("entity_id", "alice%0d%0aX-Injected"),
    ("entity_id", "%2e%2e%2falice"),
    ("organization_id", "../../etc/passwd"),
    ("organization_id", ORG + "/../x"),
    ("organization_id", ORG + "\n"),
    ("organization_id", ORG + "%0a"),
    ("organization_id", "\nINFO forged log line"),
]


@pytest.mark.parametrize(("prop", "value"), INJECTIONS, ids=[f"{p}={v!r}" for p, v in INJECTIONS])
def test_injection_shaped_id_is_rejected_by_check_before_any_request(
    prop: str, value: str, emulator: Emulator, tmp_path: Path, aws_isolated: dict[str, str], figures: Figures
) -> None:
    fleet = Fleet(emulator, tmp_path, 1, prefix="alice")
    org = fleet.org if prop == "entity_id" else value
    entity = value if prop == "entity_id" else "alice000"
    fleet.declare("alice000", "alice000@new.example", entity_id=entity, organization_id=org)
    result = EntityPrimaryEmailProvider().check(
        {}, {"organization_id": org, "entity_id": entity, "email": "a@b.example"}
    )
    assert [f.property for f in result.failures] == [prop]
    assert result.failures[0].reason.isprintable(), result.failures[0].reason
    fleet.admin.reset_stats()
    for verb in (fleet.stack.preview, fleet.stack.up):
        with pytest.raises(CommandError) as caught:
            verb()
        assert f"property {prop}" in str(caught.value), str(caught.value)
    assert fleet.admin.total_requests() == 0, fleet.admin.stats()
    assert fleet.live()["alice000"] == "alice000@old.example"
    figures.add("hostile_input.injection_ids", inputs_fuzzed=1)


# -- malformed HTTP requests to the emulator -----------------------------------------------------------

AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIDMALFORMED/20260101/us-east-1/workmail/aws4_request, "
    "SignedHeaders=host, Signature=0"
)
TARGET = "WorkMailService.ListOrganizations"
JSON_TYPE = "application/x-amz-json-1.1"

MALFORMED: dict[str, tuple[dict[str, str], bytes, int, str]] = {
    # name: (headers, body, expected status, expected __type)
    "invalid_json": ({"Content-Type": JSON_TYPE}, b'{"MaxResults": ', 400, "SerializationException"),
    "json_array": ({"Content-Type": JSON_TYPE}, b"[1, 2]", 400, "SerializationException"),
    "json_string": ({"Content-Type": JSON_TYPE}, b'"hello"', 400, "SerializationException"),
    "not_utf8": ({"Content-Type": JSON_TYPE}, b"\xff\xfe\x00{", 400, "SerializationException"),
    "wrong_member_type": ({"Content-Type": JSON_TYPE}, b'{"MaxResults": "ten"}', 400, "InvalidParameterException"),
    "content_type_text": ({"Content-Type": "text/plain"}, b"{}", 400, "SerializationException"),
    "content_type_form": ({"Content-Type": "application/x-www-form-urlencoded"}, b"a=b", 400, "SerializationException"),
    "content_type_missing": ({}, b"{}", 400, "SerializationException"),
    "oversize_body": (
        {"Content-Type": JSON_TYPE},
        b'{"NextToken": "' + b"a" * (1024 * 1024) + b'"}',
        413,
        "RequestEntityTooLargeException",
    ),
    "oversize_declared_length": (
        {"Content-Type": JSON_TYPE, "Content-Length": str(64 * 1024 * 1024)},
        b"{}",
        413,
        "RequestEntityTooLargeException",
    ),
    "content_length_not_a_number": (
        {"Content-Type": JSON_TYPE, "Content-Length": "twelve"},
        b"{}",
        400,
        "SerializationException",
    ),
    "content_length_negative": (
        {"Content-Type": JSON_TYPE, "Content-Length": "-5"},
        b"{}",
        400,
        "SerializationException",
    ),
}


def _raw_post(emu: Emulator, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
    host, port = emu.httpd.server_address[:2]
    connection = http.client.HTTPConnection(str(host), int(port), timeout=30)
    try:
        connection.putrequest("POST", "/")
        sent = {"X-Amz-Target": TARGET, "Authorization": AUTH, "Content-Length": str(len(body)), **headers}
        for key, value in sent.items():
            connection.putheader(key, value)
        connection.endheaders()
        # The server may answer and close before reading a body it refuses.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.send(body)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("case", list(MALFORMED))
def test_emulator_rejects_malformed_requests_with_aws_shaped_errors_and_keeps_serving(
    case: str, emulator: Emulator, figures: Figures
) -> None:
    headers, body, status, code = MALFORMED[case]
    try:
        got_status, got_headers, raw = _raw_post(emulator, headers, body)
    except (http.client.HTTPException, ConnectionError) as error:
        pytest.fail(f"{case}: the emulator closed the connection without an answer ({error!r})")
    assert got_status == status, (got_status, raw[:200])
    answer = json.loads(raw)
    assert answer.get("__type") == code, answer
    assert isinstance(answer.get("Message"), str) and answer["Message"], answer
    assert got_headers.get("content-type") == JSON_TYPE
    assert got_headers.get("x-amzn-requestid")
    # and it keeps serving, over a fresh connection, through a real client
    assert "OrganizationSummaries" in emulator.client().list_organizations()
    figures.add("hostile_input.malformed_http", inputs_fuzzed=1)


def test_emulator_keeps_serving_while_malformed_requests_arrive_concurrently(emulator: Emulator) -> None:
    errors: list[BaseException] = []

    def hammer() -> None:
        try:
            for case in ("invalid_json", "content_type_text", "oversize_body"):
                headers, body, status, _code = MALFORMED[case]
                assert _raw_post(emulator, headers, body)[0] == status
        except BaseException as error:  # collected and re-raised below
            errors.append(error)

    threads = [threading.Thread(target=hammer) for _ in range(6)]
    for thread in threads:
        thread.start()
    client = emulator.client()
    for _ in range(20):
        client.list_organizations()
    for thread in threads:
        thread.join()
    assert not errors, errors
