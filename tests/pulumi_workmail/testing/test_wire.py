"""The wire form: URNs read and built one way everywhere, and the two readings of a Struct kept apart."""

from __future__ import annotations

from google.protobuf import struct_pb2

from pulumi_workmail.testing._wire import (
    RESOURCE_REF_SIG,
    SIG_KEY,
    UNKNOWN,
    from_struct,
    make_urn,
    parse_urn,
    to_struct,
    urn_type_name,
    wire_props,
    wrap_secret,
)

NESTED = "urn:pulumi:dev::proj::my:Component$pulumi-python:dynamic:Resource::alice"


def test_a_urn_splits_into_stack_project_qualified_type_and_name() -> None:
    parsed = parse_urn(NESTED)

    assert parsed is not None
    assert (parsed.stack, parsed.project, parsed.qualified_type, parsed.name) == (
        "dev",
        "proj",
        "my:Component$pulumi-python:dynamic:Resource",
        "alice",
    )
    assert parsed.type == "pulumi-python:dynamic:Resource"


def test_a_name_keeps_any_double_colons_it_has() -> None:
    assert urn_type_name("urn:pulumi:dev::proj::t:m:R::a::b") == ("t:m:R", "a::b")


def test_a_string_that_is_no_urn_is_all_name() -> None:
    assert parse_urn("alice") is None
    assert urn_type_name("not::a urn") == ("", "not::a urn")


def test_a_built_urn_parses_back_to_its_parts() -> None:
    urn = make_urn("dev", "proj", "my:Component$t:m:R", "bob")

    assert urn == "urn:pulumi:dev::proj::my:Component$t:m:R::bob"
    assert parse_urn(urn) == ("dev", "proj", "my:Component$t:m:R", "bob")


def test_a_registration_is_read_as_sent_with_nulls_and_nested_secrets_in_place() -> None:
    sent = to_struct({"outer": {"inner": wrap_secret("s"), "empty": None}, "pending": UNKNOWN})

    assert wire_props(sent) == {"outer": {"inner": wrap_secret("s"), "empty": None}, "pending": UNKNOWN}
    # The SDK's own reading, used for provider answers, drops the null and hoists the secret.
    assert from_struct(sent) == {"outer": wrap_secret({"inner": "s"}), "pending": UNKNOWN}


def test_a_resource_reference_is_downgraded_to_its_id_or_urn() -> None:
    struct = struct_pb2.Struct()
    struct.update(
        {
            "custom": {SIG_KEY: RESOURCE_REF_SIG, "urn": NESTED, "id": "id-1"},
            "pending": {SIG_KEY: RESOURCE_REF_SIG, "urn": NESTED, "id": ""},
            "component": {SIG_KEY: RESOURCE_REF_SIG, "urn": NESTED},
        }
    )

    assert wire_props(struct) == {"custom": "id-1", "pending": UNKNOWN, "component": NESTED}
