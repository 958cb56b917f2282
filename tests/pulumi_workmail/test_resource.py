"""``EntityPrimaryEmail`` as a Pulumi program declares it, under ``pulumi.runtime.set_mocks``.

Checks what reaches the engine: the type token, the inputs (both constructor forms), the serialized
provider (a secret, pickled by reference, free of credentials) and the typed output attributes.
"""

from __future__ import annotations

import base64
import pickle
import pickletools
import threading
from typing import Any

import pulumi
import pytest

from pulumi_workmail import EntityPrimaryEmail, EntityPrimaryEmailArgs, EntityPrimaryEmailProvider

from .conftest import CREDENTIAL_VALUES, FAKE_ACCESS_KEY, FAKE_SECRET_KEY, FAKE_SESSION_TOKEN

pytestmark = pytest.mark.timeout(60)

TYPE = "pulumi-python:dynamic/workmail:EntityPrimaryEmail"
SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
ORG = "m-0123456789abcdef0123456789abcdef"
ALICE_ID = "12345678-1234-1234-1234-123456789012"

MOCK_OUTPUTS = {
    "resolved_entity_id": ALICE_ID,
    "entity_type": "USER",
    "entity_name": "alice",
    "original_email": "alice@example.com",
    "email": "alice.live@example.com",
}


class RecordingMocks(pulumi.runtime.Mocks):
    """Records every registration and answers like the provider's create would."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.registered: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        with self.lock:
            self.registered.append(args)
        if args.typ != TYPE:
            return f"{args.name}-id", dict(args.inputs)
        outs = {k: v for k, v in args.inputs.items() if k != "__provider"}
        outs.update(MOCK_OUTPUTS)
        return f"{outs['organization_id']}/{ALICE_ID}", outs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None

    def by_name(self, name: str) -> pulumi.runtime.MockResourceArgs:
        with self.lock:
            found = [r for r in self.registered if r.name == name]
        assert len(found) == 1, [r.name for r in self.registered]
        return found[0]


@pytest.fixture
def mocks(monkeypatch: pytest.MonkeyPatch) -> RecordingMocks:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", FAKE_SESSION_TOKEN)
    recording = RecordingMocks()
    pulumi.runtime.set_mocks(recording, project="workmail-test", stack="test", preview=False)
    return recording


def without_provider(inputs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in inputs.items() if k != "__provider"}


def provider_bytes(inputs: dict[str, Any]) -> bytes:
    """The pickled provider from a registration's ``__provider`` input (a wrapped secret)."""
    wrapped = inputs["__provider"]
    assert isinstance(wrapped, dict), f"__provider is not a secret: {type(wrapped)}"
    assert wrapped.get(SIG_KEY) == SECRET_SIG, "__provider must be a secret"
    encoded = wrapped["value"]
    assert isinstance(encoded, str)
    return base64.b64decode(encoded)


def globals_referenced(data: bytes) -> list[str]:
    """Every global a pickle imports, as module.name."""
    names: list[str] = []
    strings: list[str] = []
    for opcode, arg, _pos in pickletools.genops(data):
        if opcode.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE", "BINUNICODE8"):
            strings.append(str(arg))
        elif opcode.name == "STACK_GLOBAL":
            names.append(".".join(strings[-2:]))
        elif opcode.name in ("GLOBAL", "INST"):
            names.append(str(arg).replace(" ", "."))
    return names


# ------------------------------------------------------------------------------ registration


@pulumi.runtime.test
def test_keyword_form_registers_dynamic_type_with_inputs_and_secret_provider(mocks: RecordingMocks) -> Any:
    res = EntityPrimaryEmail("alice-primary", organization_id=ORG, entity_id="alice", email="alice.new@example.com")

    def check(_: Any) -> None:
        registered = mocks.by_name("alice-primary")
        assert registered.typ == TYPE
        assert registered.custom is True
        assert without_provider(registered.inputs) == {
            "organization_id": ORG,
            "entity_id": "alice",
            "email": "alice.new@example.com",
        }
        provider_bytes(registered.inputs)

    return res.urn.apply(check)


@pulumi.runtime.test
def test_optional_inputs_are_registered_when_given(mocks: RecordingMocks) -> Any:
    res = EntityPrimaryEmail(
        "room",
        organization_id=ORG,
        entity_id="room-1",
        email="room.big@example.com",
        on_delete="retain",
        region="eu-west-1",
        wait_timeout_seconds=30,
    )

    def check(_: Any) -> None:
        inputs = without_provider(mocks.by_name("room").inputs)
        assert inputs == {
            "organization_id": ORG,
            "entity_id": "room-1",
            "email": "room.big@example.com",
            "on_delete": "retain",
            "region": "eu-west-1",
            "wait_timeout_seconds": 30,
        }

    return res.urn.apply(check)


@pulumi.runtime.test
def test_args_class_form_registers_the_same_inputs(mocks: RecordingMocks) -> Any:
    kw = EntityPrimaryEmail(
        "kw", organization_id=ORG, entity_id="alice", email="alice.new@example.com", on_delete="retain"
    )
    args = EntityPrimaryEmailArgs(
        organization_id=ORG, entity_id="alice", email="alice.new@example.com", on_delete="retain"
    )
    positional = EntityPrimaryEmail("args", args, pulumi.ResourceOptions(protect=True))

    def check(_: Any) -> None:
        a, b = mocks.by_name("kw"), mocks.by_name("args")
        assert a.typ == b.typ == TYPE
        assert without_provider(a.inputs) == without_provider(b.inputs)
        assert without_provider(b.inputs)["on_delete"] == "retain"
        provider_bytes(b.inputs)

    return pulumi.Output.all(kw.urn, positional.urn).apply(check)


@pulumi.runtime.test
def test_args_class_form_without_opts_and_opts_as_second_argument(mocks: RecordingMocks) -> Any:
    only_args = EntityPrimaryEmail("only-args", EntityPrimaryEmailArgs(ORG, "bob", "bob.new@example.com"))
    opts_second = EntityPrimaryEmail(
        "opts-second",
        pulumi.ResourceOptions(),
        organization_id=ORG,
        entity_id="bob",
        email="bob.new@example.com",
    )

    def check(_: Any) -> None:
        expected = {"organization_id": ORG, "entity_id": "bob", "email": "bob.new@example.com"}
        assert without_provider(mocks.by_name("only-args").inputs) == expected
        assert without_provider(mocks.by_name("opts-second").inputs) == expected

    return pulumi.Output.all(only_args.urn, opts_second.urn).apply(check)


@pulumi.runtime.test
def test_output_inputs_are_resolved_before_registration(mocks: RecordingMocks) -> Any:
    upstream = pulumi.Output.from_input(ALICE_ID)
    res = EntityPrimaryEmail("from-output", organization_id=ORG, entity_id=upstream, email="alice.new@example.com")

    def check(_: Any) -> None:
        assert mocks.by_name("from-output").inputs["entity_id"] == ALICE_ID

    return res.urn.apply(check)


# ----------------------------------------------------------------------------------- outputs


@pulumi.runtime.test
def test_output_attributes_resolve_from_provider_outputs(mocks: RecordingMocks) -> Any:
    res = EntityPrimaryEmail("alice-outs", organization_id=ORG, entity_id="alice", email="alice.new@example.com")
    for name in (
        "organization_id",
        "entity_id",
        "email",
        "on_delete",
        "region",
        "resolved_entity_id",
        "entity_type",
        "entity_name",
        "original_email",
    ):
        assert isinstance(getattr(res, name), pulumi.Output), name

    def check(values: list[Any]) -> None:
        rid, resolved, etype, ename, original, email, org, entity_id = values
        assert rid == f"{ORG}/{ALICE_ID}"
        assert resolved == ALICE_ID
        assert etype == "USER"
        assert ename == "alice"
        assert original == "alice@example.com"
        assert email == "alice.live@example.com", "email is the live primary the provider returned"
        assert org == ORG
        assert entity_id == "alice"

    return pulumi.Output.all(
        res.id,
        res.resolved_entity_id,
        res.entity_type,
        res.entity_name,
        res.original_email,
        res.email,
        res.organization_id,
        res.entity_id,
    ).apply(check)


@pulumi.runtime.test
def test_outputs_usable_as_inputs_of_another_resource(mocks: RecordingMocks) -> Any:
    first = EntityPrimaryEmail("first", organization_id=ORG, entity_id="alice", email="alice.new@example.com")
    second = EntityPrimaryEmail(
        "second", organization_id=first.organization_id, entity_id=first.resolved_entity_id, email="x@example.com"
    )

    def check(_: Any) -> None:
        assert mocks.by_name("second").inputs["entity_id"] == ALICE_ID

    return second.urn.apply(check)


# ---------------------------------------------------------------------- serialized provider


@pulumi.runtime.test
def test_serialized_provider_is_pickled_by_reference(mocks: RecordingMocks) -> Any:
    res = EntityPrimaryEmail("by-ref", organization_id=ORG, entity_id="alice", email="alice.new@example.com")

    def check(_: Any) -> None:
        data = provider_bytes(mocks.by_name("by-ref").inputs)
        assert len(data) < 300, f"{len(data)} bytes: the class must be pickled by reference, not by value"
        assert b"pulumi_workmail.provider" in data
        assert b"EntityPrimaryEmailProvider" in data
        referenced = globals_referenced(data)
        assert referenced == ["pulumi_workmail.provider.EntityPrimaryEmailProvider"], referenced
        for marker in (b"_create_code", b"CodeType", b"_create_function", b"co_code", b"boto", b"__main__"):
            assert marker not in data, marker
        provider = pickle.loads(data)
        assert type(provider) is EntityPrimaryEmailProvider
        assert vars(provider) == {}, "the pickled provider carries no state"

    return res.urn.apply(check)


@pulumi.runtime.test
def test_serialized_provider_contains_no_credentials(mocks: RecordingMocks) -> Any:
    res = EntityPrimaryEmail("creds", organization_id=ORG, entity_id="alice", email="alice.new@example.com")

    def check(_: Any) -> None:
        registered = mocks.by_name("creds")
        data = provider_bytes(registered.inputs)
        encoded = registered.inputs["__provider"]["value"]
        for value in CREDENTIAL_VALUES:
            assert value.encode() not in data, value
            assert value not in encoded, value
            assert value not in repr(registered.inputs), value

    return res.urn.apply(check)


@pulumi.runtime.test
def test_registered_inputs_and_outputs_contain_no_credentials(mocks: RecordingMocks) -> Any:
    assert EntityPrimaryEmailProvider.serialize_as_secret_always is True
    res = EntityPrimaryEmail("after-use", organization_id=ORG, entity_id="alice", email="alice.new@example.com")

    def check(outs: list[Any]) -> None:
        registered = mocks.by_name("after-use")
        blob = repr(registered.inputs) + repr(outs)
        for value in CREDENTIAL_VALUES:
            assert value not in blob

    return pulumi.Output.all(res.email, res.original_email, res.resolved_entity_id).apply(check)


def test_declaring_provider_key_is_rejected() -> None:
    with pytest.raises(Exception, match="__provider"):
        pulumi.dynamic.Resource(EntityPrimaryEmailProvider(), "bad", {"__provider": "x"})


def test_import_option_is_refused_before_anything_is_registered(mocks: RecordingMocks) -> None:
    with pytest.raises(pulumi.RunError, match=r"import is not supported.*adopts the entity as it is"):
        EntityPrimaryEmail(
            "alice-primary",
            organization_id=ORG,
            entity_id="alice",
            email="alice@example.com",
            opts=pulumi.ResourceOptions(import_=f"{ORG}/{ALICE_ID}"),
        )
    assert mocks.registered == []
