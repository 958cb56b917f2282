"""Hostile and malformed input: fuzzed ``check`` (in-process and over gRPC), injection-shaped ids, and malformed
HTTP requests to the emulator."""

from __future__ import annotations

import contextlib
import http.client
import http.server
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pulumi.automation import CommandError
from pulumi.output import Unknown

from pulumi_workmail import client as client_module
from pulumi_workmail.aliases_provider import EntityAliasesProvider
from pulumi_workmail.errors import WorkMailProviderError
from pulumi_workmail.provider import EntityPrimaryEmailProvider
from pulumi_workmail.testing import UNKNOWN, ProviderServer, serialize_provider
from pulumi_workmail.validation import (
    ALIAS_INPUT_PROPERTIES,
    EMAIL_RE,
    ENTITY_ID_RE,
    INPUT_PROPERTIES,
    MAX_ALIASES,
    MAX_WAIT_TIMEOUT_SECONDS,
    ON_DELETE_VALUES,
    ORGANIZATION_ID_RE,
    REGION_RE,
)
from workmail_emulator import Emulator, running

from ..aws_env import isolate_aws
from .conftest import Admin, AliasFleet, Figures, Fleet, stack_env

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


# -- EntityAliases: hostile inputs at check ---------------------------------------------------------------

ALIASES_URN = "urn:pulumi:fuzz::reliability::pulumi-python:dynamic/workmail:EntityAliases::fuzzed"
ALIAS_REQUIRED = ("organization_id", "entity_id", "aliases")
PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


def _valid_alias_value(prop: str, value: Any) -> bool:
    """What a valid ``EntityAliases`` input is (README's input table), stated independently of the provider."""
    if value == UNKNOWN or isinstance(value, Unknown):
        return True
    if prop == "aliases":
        if not isinstance(value, list | tuple) or len(value) > MAX_ALIASES:
            return False
        known = [a for a in value if not (a == UNKNOWN or isinstance(a, Unknown))]
        if not all(_valid("email", a) and not PERCENT_ESCAPE.search(a) for a in known):
            return False
        return len({a.lower() for a in known}) == len(known)
    if prop == "exclusive":
        return isinstance(value, bool)
    if prop == "email":
        return False  # EntityPrimaryEmail's, unknown here
    return _valid(prop, value)


def assert_alias_check_answer(news: Any, inputs: dict[str, Any], failures: list[tuple[str, str]]) -> None:
    """As ``assert_check_answer``, for ``EntityAliases``: every failure names a property in one printable
    line, no invalid input slips through, and the aliases that pass come back sorted."""
    keys = {k for k in news if isinstance(k, str)} if isinstance(news, dict) else set()
    for prop, reason in failures:
        assert isinstance(prop, str) and isinstance(reason, str) and reason, (prop, reason)
        assert reason.isprintable() and len(reason) < 2000, f"reason is not one short printable line: {reason!r:.200}"
        if isinstance(news, dict) and all(isinstance(k, str) for k in news):
            assert prop in keys or prop in ALIAS_REQUIRED, (prop, sorted(keys))
        if prop in ALIAS_INPUT_PROPERTIES:
            assert prop in reason, (prop, reason)
    failed = {prop for prop, _ in failures}
    mapping = news if isinstance(news, dict) else {}
    for prop in ALIAS_REQUIRED:
        if mapping.get(prop) is None:
            assert prop in failed, f"missing {prop} was not reported"
    for key, value in mapping.items():
        checked = isinstance(key, str) and not key.startswith("__") and value is not None
        if checked and not _valid_alias_value(key, value):
            assert key in failed, f"invalid {key}={value!r:.80} was not reported"
    if not failures:
        aliases = inputs["aliases"]
        if isinstance(aliases, list) and not any(a == UNKNOWN or isinstance(a, Unknown) for a in aliases):
            assert list(aliases) == sorted(aliases, key=str.lower), aliases
        assert all(key.startswith("__") or key in ALIAS_INPUT_PROPERTIES for key in inputs), sorted(inputs)


HOSTILE_ALIASES: dict[str, Any] = {
    "a_string": "al@example.com",
    "a_mapping": {"al@example.com": True},
    "a_number": 7,
    "true": True,
    "101_addresses": [f"a{i}@example.com" for i in range(101)],
    "100000_addresses": [f"a{i}@example.com" for i in range(100_000)],
    "a_number_inside": ["al@example.com", 7],
    "null_inside": [None],
    "bytes_inside": [b"al@example.com"],
    "a_list_inside": [["al@example.com"]],
    "newline": ["al\n@example.com"],
    "forged_log_line": ["al@example.com\nINFO forged log line"],
    "terminal_escape": ["al\x1b[31m@example.com"],
    "nul": ["al\x00@example.com"],
    "line_separator": ["al\u2028@example.com"],
    "percent_escape": ["al%0a@example.com"],
    "10000_characters": ["a" * 10_000],
    "10000_character_local_part": ["a" * 10_000 + "@example.com"],
    "10000_character_domain": ["al@" + "b" * 10_000 + ".com"],
    "repeated_in_another_case": ["al@example.com", "AL@EXAMPLE.COM"],
}


@pytest.mark.parametrize("case", list(HOSTILE_ALIASES))
def test_hostile_aliases_fail_check_naming_aliases_and_never_raise(case: str, figures: Figures) -> None:
    news = {"organization_id": ORG, "entity_id": "alice", "aliases": HOSTILE_ALIASES[case]}
    result = EntityAliasesProvider().check({}, news)
    failures = [(f.property, f.reason) for f in result.failures or []]
    assert [prop for prop, _ in failures] == ["aliases"], failures
    assert_alias_check_answer(news, dict(result.inputs or {}), failures)
    figures.add("hostile_input.aliases_check", inputs_fuzzed=1)


@pytest.mark.parametrize(
    ("extra", "prop"),
    [
        ({"email": "alice.new@example.com"}, "email"),  # EntityPrimaryEmail's property
        ({"alias": ["al@example.com"]}, "alias"),
        ({"Aliases": ["al@example.com"]}, "Aliases"),
        ({"exclusive": "yes"}, "exclusive"),
        ({"exclusive": 1}, "exclusive"),
        ({"on_delete": "forget"}, "on_delete"),
        ({"a" * 10_000: 1}, "a" * 10_000),
    ],
    ids=["email", "alias", "Aliases", "exclusive_yes", "exclusive_1", "on_delete", "10000_character_key"],
)
def test_unknown_or_invalid_properties_beside_valid_aliases_fail_check_naming_them(
    extra: dict[str, Any], prop: str, figures: Figures
) -> None:
    news = {"organization_id": ORG, "entity_id": "alice", "aliases": ["al@example.com"], **extra}
    result = EntityAliasesProvider().check({}, news)
    failures = [(f.property, f.reason) for f in result.failures or []]
    assert [p for p, _ in failures] == [prop], failures
    assert_alias_check_answer(news, dict(result.inputs or {}), failures)
    figures.add("hostile_input.aliases_check", inputs_fuzzed=1)


ALIAS_LISTS = st.lists(
    st.one_of(
        st.sampled_from(["al@example.com", "AL@example.com", "x1@new.example", "x2@new.example"]),
        NEAR_VALID,
        HUGE_EMAIL,
        st.text(max_size=40),
        st.integers() | st.none() | st.booleans(),
    ),
    max_size=6,
) | st.integers(95, 105).map(lambda n: [f"a{i}@example.com" for i in range(n)])


def _alias_news(*, wire: bool) -> st.SearchStrategy[Any]:
    values = _values(wire=wire)
    aliases = ALIAS_LISTS | values if wire else ALIAS_LISTS | ALIAS_LISTS.map(tuple) | values
    shaped = st.fixed_dictionaries(
        {},
        optional={key: values for key in ALIAS_INPUT_PROPERTIES if key != "aliases"}
        | {"aliases": aliases, "__provider": st.just("pickled")},
    )
    keys = st.sampled_from([*ALIAS_INPUT_PROPERTIES, "email", "__extra"]) | st.text(max_size=20)
    shapes = shaped | st.dictionaries(keys, values | aliases, max_size=8)
    return shapes if wire else shapes | values


_ALIASES_IN_PROCESS = Counter()
_ALIASES_OVER_GRPC = Counter()


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(news=_alias_news(wire=False))
def test_aliases_check_in_process_never_raises_and_every_failure_names_a_property(news: Any) -> None:
    _ALIASES_IN_PROCESS.bump()
    result = EntityAliasesProvider().check({}, news)
    failures = [(f.property, f.reason) for f in result.failures or []]
    assert_alias_check_answer(news, dict(result.inputs or {}), failures)


def test_aliases_in_process_fuzzing_figures(figures: Figures) -> None:
    assert _ALIASES_IN_PROCESS.n >= 800, "the property test above ran"
    figures.add("hostile_input.aliases_check_in_process", inputs_fuzzed=_ALIASES_IN_PROCESS.n)


_ALIASES_PICKLED: list[str] = []


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(news=_alias_news(wire=True))
def test_aliases_check_over_grpc_never_fails_the_call_and_every_failure_names_a_property(
    news: dict[str, Any], fuzz_server: ProviderServer
) -> None:
    _ALIASES_OVER_GRPC.bump()
    if not _ALIASES_PICKLED:
        _ALIASES_PICKLED.append(serialize_provider(EntityAliasesProvider()))
    answer = fuzz_server.check(ALIASES_URN, {}, {**news, "__provider": _ALIASES_PICKLED[0]})
    assert_alias_check_answer(news, answer.inputs, [(f.property, f.reason) for f in answer.failures])


def test_aliases_fuzzed_checks_over_grpc_sent_no_request_to_workmail(
    quiet_emulator: Emulator, fuzz_server: ProviderServer, figures: Figures
) -> None:
    assert _ALIASES_OVER_GRPC.n >= 200, "the property test above ran"
    assert Admin(quiet_emulator).total_requests() == 0
    assert fuzz_server.returncode is None, "the provider server survived the fuzzing"
    figures.add("hostile_input.aliases_check_over_grpc", inputs_fuzzed=_ALIASES_OVER_GRPC.n)


def test_hostile_aliases_fail_preview_and_up_before_any_request(
    emulator: Emulator, tmp_path: Path, aws_isolated: dict[str, str]
) -> None:
    """Through the offline runner: the step fails naming the property, and WorkMail hears nothing."""
    fleet = AliasFleet(emulator, tmp_path, 1)
    (name,) = fleet.names
    fleet.declare(name, [f"{name}.a@new.example", f"{name}@new.example\nINFO forged log line"])
    fleet.admin.reset_stats()
    for verb in (fleet.stack.preview, fleet.stack.up):
        with pytest.raises(CommandError) as caught:
            verb()
        message = str(caught.value)
        assert "property aliases" in message, message
        reason = message.split("has a problem: ", 1)[-1]  # the engine quotes the value itself before this
        assert reason.startswith(f"aliases[1] '{name}@new.example\\nINFO forged log line'"), reason
        assert reason.isprintable(), reason
    assert fleet.admin.total_requests() == 0, fleet.admin.stats()
    assert fleet.live()[name] == fleet.originals[name]


# -- EntityAliases: malformed ListAliases answers ------------------------------------------------------------

FAKE_ID = "12345678-1234-1234-1234-123456789012"
FAKE_USER = {"UserId": FAKE_ID, "Name": "alice", "State": "ENABLED", "Email": "alice@example.com"}


class _FakeWorkMail(http.server.BaseHTTPRequestHandler):
    """Answers DescribeUser with a user, ListAliases with the server's hostile ``pages`` (a function of the
    page number), the alias writes with ``{}``; counts every call."""

    server: _FakeServer

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        target = str(self.headers.get("X-Amz-Target") or "").rsplit(".", 1)[-1]
        with self.server.lock:
            self.server.calls[target] = self.server.calls.get(target, 0) + 1
            number = self.server.calls[target]
        if target == "DescribeUser":
            body = json.dumps(FAKE_USER).encode()
        elif target == "ListAliases":
            body = self.server.pages(number)
        else:
            body = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", JSON_TYPE)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _FakeServer(http.server.ThreadingHTTPServer):
    pages: Any
    calls: dict[str, int]
    lock: threading.Lock


@pytest.fixture
def fake_workmail(monkeypatch: pytest.MonkeyPatch, aws_isolated: dict[str, str]) -> Iterator[_FakeServer]:
    server = _FakeServer(("127.0.0.1", 0), _FakeWorkMail)
    server.pages, server.calls, server.lock = (lambda n: b'{"Aliases": []}'), {}, threading.Lock()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {
        "AWS_ENDPOINT_URL_WORKMAIL": f"http://127.0.0.1:{server.server_address[1]}",
        "AWS_ACCESS_KEY_ID": "AKIDRELIABILITY",
        "AWS_SECRET_ACCESS_KEY": "reliability-secret",
        "AWS_REGION": "us-east-1",
        "AWS_MAX_ATTEMPTS": "1",
        "PULUMI_WORKMAIL_POLL_SECONDS": "0.01",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    yield server
    server.shutdown()
    server.server_close()


def _page(aliases: Any, token: str | None = None) -> bytes:
    return json.dumps({"Aliases": aliases, **({"NextToken": token} if token else {})}).encode()


MALFORMED_LISTS: dict[str, tuple[Any, str, str]] = {
    # name: (pages, code, words of the message)
    "aliases_a_string": (lambda n: _page("al@example.com"), "MalformedAnswer", "is not a list of addresses"),
    "aliases_a_mapping": (lambda n: _page({"x": 1}), "MalformedAnswer", "is not a list of addresses"),
    "aliases_a_number": (lambda n: _page(7), "MalformedAnswer", "ListAliases"),
    "a_number_in_the_list": (lambda n: _page(["al@example.com", 7]), "MalformedAnswer", "is not a list of addresses"),
    "null_in_the_list": (lambda n: _page([None]), "MalformedAnswer", "is not a list of addresses"),
    "an_object_in_the_list": (lambda n: _page([{"Alias": "al@example.com"}]), "MalformedAnswer", "not a list of"),
    "not_an_address": (lambda n: _page(["al-at-example.com"]), "MalformedAnswer", "is not a list of addresses"),
    "newline_in_an_address": (lambda n: _page(["al@example.com\nINFO x"]), "MalformedAnswer", "not a list of"),
    "10000_character_address": (lambda n: _page(["a" * 10_000 + "@example.com"]), "MalformedAnswer", "not a list"),
    "bad_address_on_page_2": (
        lambda n: _page(["al@example.com"], "t1") if n == 1 else _page(["\x1b[31m@x"]),
        "MalformedAnswer",
        "is not a list of addresses",
    ),
    "answer_a_json_array": (lambda n: b"[1, 2]", "MalformedAnswer", "ListAliases"),
    "next_token_repeats": (lambda n: _page([], "again" * 1000), "PaginationError", "same next token"),
    "pages_never_end": (lambda n: _page([], f"t{n}"), "PaginationError", "more pages after 50"),
}


@pytest.mark.timeout(60)  # an answer taken for "not yet" would wait out the hour below
@pytest.mark.parametrize("step", ["create", "refresh"])
@pytest.mark.parametrize("case", list(MALFORMED_LISTS))
def test_malformed_list_aliases_answer_fails_at_once_naming_it_and_writes_nothing(
    case: str, step: str, fake_workmail: _FakeServer, monkeypatch: pytest.MonkeyPatch, figures: Figures
) -> None:
    """A refresh must not take nonsense for "no aliases" (the next up would then add them all again)."""
    pages, code, words = MALFORMED_LISTS[case]
    fake_workmail.pages = pages
    monkeypatch.setattr(client_module, "MAX_PAGES", 50)  # of 1000: endless is endless either way, only faster
    provider = EntityAliasesProvider()
    props = {
        "organization_id": ORG,
        "entity_id": "alice",
        "aliases": ["al@example.com"],
        "exclusive": True,
        "on_delete": "restore",
        "wait_timeout_seconds": 3600,
    }
    recorded = {
        **props,
        "resolved_entity_id": FAKE_ID,
        "entity_type": "USER",
        "entity_name": "alice",
        "added_aliases": [],
        "removed_aliases": [],
    }
    with pytest.raises(WorkMailProviderError) as caught:
        if step == "create":
            provider.create(props)
        else:
            provider.read(f"{ORG}/{FAKE_ID}", recorded)
    error = caught.value
    assert (error.code, error.retryable) == (code, False), (error.code, error.message)
    assert words in error.message, error.message
    assert error.message.isprintable() and len(error.message) < 1000, error.message
    if case != "next_token_repeats":  # botocore's own words for that one
        assert "AWS_ENDPOINT_URL_WORKMAIL" in error.message, error.message
    assert not {"CreateAlias", "DeleteAlias"} & set(fake_workmail.calls), fake_workmail.calls
    figures.add("hostile_input.malformed_list_aliases", inputs_fuzzed=1)
