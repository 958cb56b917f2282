"""Every expected failure becomes one actionable line (the README's "Errors").

Failures are driven for real through the emulator: genuine conflicts where the emulator can produce them,
the fault-injection API (``/_emulator/faults`` with a ``count``) for the rest. The translation helpers are
also unit-tested directly for codes and SDK exceptions that are hard to produce.
"""

from __future__ import annotations

import re
import sys
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
    UnknownServiceError,
)

from pulumi_workmail import errors
from pulumi_workmail._sdk import TracebackShim
from pulumi_workmail.errors import Context, WorkMailProviderError, scrub, translate
from pulumi_workmail.terms import Code
from workmail_emulator import running

from .conftest import (
    CREDENTIAL_VALUES,
    FAKE_ACCESS_KEY,
    FAKE_SECRET_KEY,
    FAKE_SESSION_TOKEN,
    UNKNOWN_ORG,
    World,
    outs_of,
)

pytestmark = pytest.mark.timeout(60)

# Words that tell the reader what to do next.
ACTION = re.compile(
    r"\b(check|set|register|remove|try again|run again|retry|wait|grant|refresh|finish|change|point|fix|"
    r"verify|use a|pick|choose|ask)\b",
    re.IGNORECASE,
)

WRITE_CODES = (
    "DirectoryServiceAuthenticationFailedException",
    "DirectoryUnavailableException",
    "EmailAddressInUseException",
    "EntityNotFoundException",
    "EntityStateException",
    "InvalidParameterException",
    "MailDomainNotFoundException",
    "MailDomainStateException",
    "OrganizationNotFoundException",
    "OrganizationStateException",
    "UnsupportedOperationException",
)

# Per code: key words the message must contain (case-insensitive), and what it must name.
EXPECTED: dict[str, dict[str, Any]] = {
    "DirectoryServiceAuthenticationFailedException": {"words": ["authenticate", "directory", "service account"]},
    "DirectoryUnavailableException": {"words": ["directory", "unavailable", "try again"]},
    "EmailAddressInUseException": {"words": ["already used by", "remove it"], "email": True},
    "EntityNotFoundException": {"words": ["entity_id"], "entity": True},
    "EntityStateException": {"words": ["not enabled", "register"], "entity": True},
    "InvalidParameterException": {"words": ["rejected"], "entity": True, "email": True},
    "MailDomainNotFoundException": {"words": ["not registered", "register"], "domain": True},
    "MailDomainStateException": {"words": ["not verified", "verif"], "domain": True},
    "OrganizationNotFoundException": {"words": ["not found", "organization_id", "region"]},
    "OrganizationStateException": {"words": ["not active"]},
    "UnsupportedOperationException": {"words": ["directory"]},
}

# Codes whose message must name the organization (the others are about the request, the caller or the
# transport, where the entity and address named in the message are what matters).
ORG_RELEVANT = {
    "DirectoryServiceAuthenticationFailedException",
    "DirectoryUnavailableException",
    "EmailAddressInUseException",
    "EntityNotFoundException",
    "EntityStateException",
    "MailDomainNotFoundException",
    "MailDomainStateException",
    "OrganizationNotFoundException",
    "OrganizationStateException",
    "UnsupportedOperationException",
    "AccessDeniedException",
}


def org_if_relevant(code: str, org: str) -> str | None:
    return org if code in ORG_RELEVANT else None


DESCRIBE_ERRORS = (
    [
        ("DescribeUser", "alice", code)
        for code in (
            "DirectoryServiceAuthenticationFailedException",
            "DirectoryUnavailableException",
            "InvalidParameterException",
            "OrganizationNotFoundException",
            "OrganizationStateException",
        )
    ]
    + [
        ("DescribeGroup", "sales", code)
        for code in ("InvalidParameterException", "OrganizationNotFoundException", "OrganizationStateException")
    ]
    + [
        ("DescribeResource", "room-1", code)
        for code in (
            "InvalidParameterException",
            "OrganizationNotFoundException",
            "OrganizationStateException",
            "UnsupportedOperationException",
        )
    ]
)


@pytest.fixture(autouse=True)
def single_attempt(world: World) -> Iterator[None]:
    """One HTTP attempt per call, so retryable codes fail fast (one test re-enables botocore's retries)."""
    world.monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    yield


def assert_actionable(error: WorkMailProviderError, *, org: str | None = None) -> str:
    message = error.message
    assert message, "empty message"
    assert str(error) == message
    assert "\n" not in message and "\r" not in message, f"not one line: {message!r}"
    assert "Traceback" not in message
    assert 'File "' not in message
    for value in CREDENTIAL_VALUES:
        assert value not in message, f"credential value leaked: {message!r}"
    # "to set the primary address of ..." names the operation; it is not advice.
    advice = re.sub(r"\bset the primary address\b", "", message, flags=re.IGNORECASE)
    assert ACTION.search(advice), f"says what happened but not what to do: {message!r}"
    if org is not None:
        assert org in message, f"does not name organization {org}: {message!r}"
    return message


def assert_words(message: str, words: list[str]) -> None:
    for word in words:
        assert word.lower() in message.lower(), f"{word!r} missing from {message!r}"


def fail_create(world: World, entity_id: str = "alice", email: str = "alice.new@example.com", **extra: Any) -> Any:
    props = world.props(entity_id, email, wait_timeout_seconds=0.2)
    props.update(extra)
    with pytest.raises(WorkMailProviderError) as caught:
        world.provider.create(props)
    return caught.value


# ------------------------------------------------ every modeled error of UpdatePrimaryEmailAddress


@pytest.mark.parametrize("code", WRITE_CODES)
def test_injected_write_error_becomes_one_actionable_line(world: World, code: str) -> None:
    world.fault(operation="UpdatePrimaryEmailAddress", error=code, count=50)
    started = time.monotonic()
    error = fail_create(world, "alice", "alice.new@example.com")
    assert time.monotonic() - started < 5, "a bounded wait of 0.2 s must not take long"
    assert error.code == code
    message = assert_actionable(error, org=org_if_relevant(code, world.org))
    expected = EXPECTED[code]
    assert_words(message, expected["words"])
    if expected.get("entity"):
        assert "alice" in message or world.id_of("alice") in message, message
    if expected.get("email"):
        assert "alice.new@example.com" in message, message
    if expected.get("domain"):
        assert "example.com" in message, message
    assert world.stats()["UpdatePrimaryEmailAddress"] >= 1


@pytest.mark.parametrize("code", ["EntityStateException", "MailDomainStateException", "DirectoryUnavailableException"])
def test_consistency_errors_are_retried_until_wait_timeout(world: World, code: str) -> None:
    world.fault(operation="UpdatePrimaryEmailAddress", error=code, count=1000)
    started = time.monotonic()
    fail_create(world, "alice", "alice.new@example.com", wait_timeout_seconds=0.3)
    assert time.monotonic() - started >= 0.25
    assert world.stats()["UpdatePrimaryEmailAddress"] >= 2


@pytest.mark.parametrize(
    "code",
    [
        c
        for c in WRITE_CODES
        if c not in ("EntityStateException", "MailDomainStateException", "DirectoryUnavailableException")
    ],
)
def test_non_consistency_write_errors_are_not_retried(world: World, code: str) -> None:
    world.fault(operation="UpdatePrimaryEmailAddress", error=code, count=50)
    fail_create(world, "alice", "alice.new@example.com", wait_timeout_seconds=5)
    assert world.stats()["UpdatePrimaryEmailAddress"] == 1


# ----------------------------------------------------------- the same errors, produced for real


@pytest.mark.parametrize(
    ("address", "owner_name", "owner_type"),
    [
        ("bob@example.com", "bob", "user"),
        ("sales@example.com", "sales", "group"),
        ("room-1@example.com", "room-1", "resource"),
        ("al@example.com", "alice", "user"),  # an alias of another entity
    ],
)
def test_email_in_use_names_the_owner_type_name_and_id(
    world: World, address: str, owner_name: str, owner_type: str
) -> None:
    entity = "bob" if owner_name == "alice" else "alice"
    error = fail_create(world, entity, address)
    assert error.code == "EmailAddressInUseException"
    message = assert_actionable(error, org=world.org)
    assert address in message
    assert f"{owner_type} {owner_name}" in message.lower(), message
    assert world.id_of(owner_name) in message, message


def test_email_in_use_on_update_names_the_owner(world: World) -> None:
    created = world.provider.create(world.props("alice", "alice.new@example.com"))
    news = world.props("alice", "sales@example.com")
    with pytest.raises(WorkMailProviderError) as caught:
        world.provider.update(created.id, dict(outs_of(created)), news)
    message = assert_actionable(caught.value, org=world.org)
    assert "group sales" in message.lower()
    assert world.id_of("sales") in message


def test_email_in_use_when_owner_lookup_fails_still_one_line(world: World) -> None:
    world.fault(operation="DescribeEntity", error="InternalFailure", status=500, count=10)
    error = fail_create(world, "alice", "bob@example.com")
    assert error.code == "EmailAddressInUseException"
    message = assert_actionable(error, org=world.org)
    assert "bob@example.com" in message


@pytest.mark.parametrize(
    "code", ["EntityNotFoundException", "InvalidParameterException", "OrganizationNotFoundException"]
)
def test_email_in_use_with_describe_entity_error_falls_back_to_generic_owner(world: World, code: str) -> None:
    world.fault(operation="DescribeEntity", error=code, count=10)
    error = fail_create(world, "alice", "bob@example.com")
    assert error.code == "EmailAddressInUseException"
    message = assert_actionable(error, org=world.org)
    assert "already used by" in message


def test_unregistered_domain_is_reported_with_domain_and_org(world: World) -> None:
    error = fail_create(world, "alice", "alice@unregistered.example")
    assert error.code == "MailDomainNotFoundException"
    message = assert_actionable(error, org=world.org)
    assert "unregistered.example" in message
    assert_words(message, EXPECTED["MailDomainNotFoundException"]["words"])


def test_domain_of_another_organization_is_not_registered_here(world: World) -> None:
    error = fail_create(world, "alice", "alice@globex.example")
    assert error.code == "MailDomainNotFoundException"
    assert "globex.example" in assert_actionable(error, org=world.org)


def test_unverified_domain_is_reported_after_bounded_wait(world: World) -> None:
    started = time.monotonic()
    error = fail_create(world, "alice", "alice@pending.example")
    assert time.monotonic() - started < 5
    assert error.code == "MailDomainStateException"
    message = assert_actionable(error, org=world.org)
    assert "pending.example" in message
    assert_words(message, EXPECTED["MailDomainStateException"]["words"])


def test_disabled_entity_is_reported_with_its_name_and_registration_hint(world: World) -> None:
    error = fail_create(world, "carol", "carol@example.com")
    assert error.code == "EntityStateException"
    message = assert_actionable(error, org=world.org)
    assert "carol" in message
    assert world.id_of("carol") in message
    assert "regist" in message.lower()


def test_deleted_entity_is_reported(world: World) -> None:
    wm = world.wm()
    wm.deregister_from_work_mail(OrganizationId=world.org, EntityId=world.id_of("bob"))
    wm.delete_user(OrganizationId=world.org, UserId=world.id_of("bob"))
    error = fail_create(world, world.id_of("bob"), "bob.new@example.com")
    message = assert_actionable(error, org=world.org)
    assert "bob" in message and "deleted" in message.lower()


def test_unknown_name_is_reported_naming_the_identifier(world: World) -> None:
    error = fail_create(world, "nobody", "nobody@example.com")
    assert error.code == "EntityNotFoundException"
    message = assert_actionable(error, org=world.org)
    assert "nobody" in message
    assert "entity_id" in message


def test_unknown_organization_is_reported(world: World) -> None:
    error = fail_create(world, "alice", "alice.new@example.com", organization_id=UNKNOWN_ORG)
    assert error.code == "OrganizationNotFoundException"
    message = assert_actionable(error, org=UNKNOWN_ORG)
    assert_words(message, EXPECTED["OrganizationNotFoundException"]["words"])
    assert "us-east-1" in message


def test_deleted_organization_is_reported(world: World) -> None:
    world.wm().delete_organization(OrganizationId=world.other_org, DeleteDirectory=False, ForceDelete=True)
    error = fail_create(world, "gus", "gus.new@globex.example", organization_id=world.other_org)
    assert error.code == "OrganizationStateException"
    message = assert_actionable(error, org=world.other_org)
    assert "not active" in message


def test_invalid_address_rejected_by_workmail_is_reported(world: World) -> None:
    # check() would refuse it; create is called directly to get WorkMail's own InvalidParameterException.
    error = fail_create(world, "alice", "alice@example.c0m")
    assert error.code == "InvalidParameterException"
    message = assert_actionable(error)
    assert "alice@example.c0m" in message


# ------------------------------------------------------------------------ Describe* errors


@pytest.mark.parametrize(("operation", "entity", "code"), DESCRIBE_ERRORS)
def test_injected_describe_error_during_create_becomes_one_actionable_line(
    world: World, operation: str, entity: str, code: str
) -> None:
    world.fault(operation=operation, error=code, count=50)
    error = fail_create(world, entity, f"{entity}.new@example.com")
    assert error.code == code
    message = assert_actionable(error, org=org_if_relevant(code, world.org))
    assert_words(message, EXPECTED[code]["words"])
    assert world.stats().get("UpdatePrimaryEmailAddress", 0) == 0


@pytest.mark.parametrize("operation", ["DescribeUser", "DescribeGroup", "DescribeResource"])
def test_injected_entity_not_found_on_describe_by_name_reports_identifier(world: World, operation: str) -> None:
    entity = {"DescribeUser": "alice", "DescribeGroup": "sales", "DescribeResource": "room-1"}[operation]
    world.fault(operation=operation, error="EntityNotFoundException", count=50)
    error = fail_create(world, entity, f"{entity}.new@example.com")
    assert error.code == "EntityNotFoundException"
    message = assert_actionable(error, org=world.org)
    assert entity in message and "entity_id" in message


@pytest.mark.parametrize(
    "code",
    [
        "DirectoryServiceAuthenticationFailedException",
        "DirectoryUnavailableException",
        "InvalidParameterException",
        "UnsupportedOperationException",
        "AccessDeniedException",
        "ThrottlingException",
    ],
)
def test_describe_error_during_read_is_raised_as_one_line(world: World, code: str) -> None:
    created = world.provider.create(world.props("alice", "alice.new@example.com"))
    world.fault(operation="DescribeUser", error=code, count=50)
    with pytest.raises(WorkMailProviderError) as caught:
        world.provider.read(created.id, dict(outs_of(created)))
    assert caught.value.code == code
    assert_actionable(caught.value, org=org_if_relevant(code, world.org))


@pytest.mark.parametrize(
    ("code", "operation"),
    [
        ("DirectoryUnavailableException", "DescribeUser"),
        ("AccessDeniedException", "DescribeUser"),
        ("AccessDeniedException", "UpdatePrimaryEmailAddress"),
        ("ThrottlingException", "UpdatePrimaryEmailAddress"),
    ],
)
def test_error_during_restoring_delete_is_one_line(world: World, code: str, operation: str) -> None:
    created = world.provider.create(world.props("alice", "alice.new@example.com"))
    world.fault(operation=operation, error=code, count=50)
    with pytest.raises(WorkMailProviderError) as caught:
        world.provider.delete(created.id, dict(outs_of(created)))
    assert caught.value.code == code
    message = assert_actionable(caught.value, org=org_if_relevant(code, world.org))
    if operation == "UpdatePrimaryEmailAddress":
        assert 'on_delete="retain"' in message, message


# ---------------------------------------------------------------- common AWS errors and transport


@pytest.mark.parametrize("operation", ["DescribeUser", "UpdatePrimaryEmailAddress"])
def test_access_denied_names_the_iam_action(world: World, operation: str) -> None:
    world.fault(operation=operation, error="AccessDeniedException", count=50)
    error = fail_create(world)
    assert error.code == "AccessDeniedException"
    message = assert_actionable(error, org=world.org)
    assert f"workmail:{operation}" in message
    assert "grant" in message.lower() or "iam" in message.lower()


def test_throttling_is_retried_by_botocore_then_reported(world: World) -> None:
    world.monkeypatch.delenv("AWS_MAX_ATTEMPTS")
    world.fault(operation="UpdatePrimaryEmailAddress", error="ThrottlingException", count=3)
    error = fail_create(world)
    assert world.stats()["UpdatePrimaryEmailAddress"] == 3, "standard mode: 3 attempts"
    assert error.code == "ThrottlingException"
    message = assert_actionable(error)
    assert "throttl" in message.lower()
    assert "3 attempts" in message
    assert "AWS_MAX_ATTEMPTS" in message


def test_throttling_recovered_by_botocore_retries_succeeds(world: World) -> None:
    world.monkeypatch.delenv("AWS_MAX_ATTEMPTS")
    world.fault(operation="UpdatePrimaryEmailAddress", error="ThrottlingException", count=1)
    result = world.provider.create(world.props())
    assert outs_of(result)["email"] == "alice.new@example.com"


@pytest.mark.parametrize("operation", ["DescribeUser", "UpdatePrimaryEmailAddress"])
def test_throttling_single_attempt_is_reported(world: World, operation: str) -> None:
    world.fault(operation=operation, error="ThrottlingException", count=50)
    error = fail_create(world)
    message = assert_actionable(error)
    assert "throttl" in message.lower() and "again" in message.lower()


def test_expired_token_says_to_refresh_credentials(world: World) -> None:
    world.fault(operation="DescribeUser", error="ExpiredTokenException", count=50)
    error = fail_create(world)
    assert error.code == "ExpiredTokenException"
    message = assert_actionable(error)
    assert "expired" in message.lower()
    assert "credential" in message.lower()


def test_unrecognized_client_injected_says_to_check_credentials(world: World) -> None:
    world.fault(operation="DescribeUser", error="UnrecognizedClientException", count=50)
    error = fail_create(world)
    assert error.code == "UnrecognizedClientException"
    message = assert_actionable(error)
    assert "credentials" in message.lower()


def test_unrecognized_access_key_is_reported_without_leaking_it(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    with running(
        seed={"organizations": [{"alias": "locked", "users": [{"name": "lee", "email": "lee@locked.awsapps.com"}]}]},
        access_keys=["AKIAONLYTHISKEYWORKS"],
    ) as locked:
        assert locked.seed_result is not None
        org = locked.seed_result["organizations"]["locked"]["id"]
        monkeypatch.setenv("AWS_ENDPOINT_URL_WORKMAIL", locked.url)
        with pytest.raises(WorkMailProviderError) as caught:
            world.provider.create(
                {
                    "organization_id": org,
                    "entity_id": "lee",
                    "email": "lee2@locked.awsapps.com",
                    "wait_timeout_seconds": 0.2,
                }
            )
    assert caught.value.code == "UnrecognizedClientException"
    message = assert_actionable(caught.value)
    assert "credentials" in message.lower()


@pytest.mark.parametrize(("status", "code"), [(500, "InternalFailure"), (503, "ServiceUnavailable")])
@pytest.mark.parametrize("operation", ["DescribeUser", "UpdatePrimaryEmailAddress"])
def test_server_errors_are_reported(world: World, status: int, code: str, operation: str) -> None:
    world.fault(operation=operation, status=status, count=50)
    error = fail_create(world)
    message = assert_actionable(error)
    assert error.code == code
    assert "again" in message.lower()
    assert code in message or str(status) in message


def test_server_error_retried_by_botocore_then_succeeds(world: World) -> None:
    world.monkeypatch.delenv("AWS_MAX_ATTEMPTS")
    world.fault(operation="UpdatePrimaryEmailAddress", status=500, count=1)
    result = world.provider.create(world.props())
    assert outs_of(result)["email"] == "alice.new@example.com"


@pytest.mark.parametrize("operation", ["DescribeUser", "UpdatePrimaryEmailAddress"])
def test_dropped_connection_is_reported(world: World, operation: str) -> None:
    world.fault(operation=operation, drop=True, count=50)
    error = fail_create(world)
    message = assert_actionable(error)
    assert "reach" in message.lower() or "connect" in message.lower()
    assert "AWS_ENDPOINT_URL_WORKMAIL" in message or "network" in message.lower()


def test_unreachable_endpoint_is_reported(world: World) -> None:
    world.monkeypatch.setenv("AWS_ENDPOINT_URL_WORKMAIL", "http://127.0.0.1:9")
    error = fail_create(world)
    message = assert_actionable(error)
    assert "reach" in message.lower() or "connect" in message.lower()


def test_no_credentials_is_reported(world: World) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        world.monkeypatch.delenv(name)
    error = fail_create(world)
    assert error.code == "NoCredentials"
    message = assert_actionable(error)
    assert "credentials" in message.lower()
    assert "AWS_PROFILE" in message or "AWS_ACCESS_KEY_ID" in message
    assert world.total() == 0, "nothing can be sent without credentials"


def test_no_region_is_reported(world: World) -> None:
    world.monkeypatch.delenv("AWS_REGION")
    error = fail_create(world)
    assert error.code == "NoRegion"
    message = assert_actionable(error)
    assert "region" in message.lower()
    assert "aws:region" in message and "AWS_REGION" in message


def test_unknown_profile_is_reported(world: World) -> None:
    world.monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    error = fail_create(world)
    message = assert_actionable(error)
    assert "no-such-profile" in message
    assert "profile" in message.lower()


def test_credentials_never_appear_in_any_error_message(world: World) -> None:
    """Drive a handful of failures and grep every message for the credential values."""
    messages = []
    for rule in (
        {"operation": "DescribeUser", "error": "AccessDeniedException", "count": 1},
        {"operation": "UpdatePrimaryEmailAddress", "error": "UnrecognizedClientException", "count": 1},
        {"operation": "UpdatePrimaryEmailAddress", "status": 500, "count": 1000},
        {"operation": "DescribeUser", "drop": True, "count": 1000},
    ):
        world.fault(**rule)
        messages.append(fail_create(world).message)
        world.clear_faults()
    messages.append(fail_create(world, "alice", "bob@example.com").message)
    blob = "\n".join(messages)
    for value in (FAKE_ACCESS_KEY, FAKE_SECRET_KEY, FAKE_SESSION_TOKEN):
        assert value not in blob


# ------------------------------------------------------------------ errors.translate / scrub


CTX = Context(
    "set the primary address of user alice (11111111-2222-3333-4444-555555555555) to alice.new@example.com",
    "m-0123456789abcdef0123456789abcdef",
    "eu-west-1",
    entity="user alice (11111111-2222-3333-4444-555555555555)",
    email="alice.new@example.com",
    owner="group sales (99999999-2222-3333-4444-555555555555)",
)


def client_error(
    code: str, message: str = "Something went wrong.", status: int = 400, attempts: int = 0
) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": message},
            # botocore-stubs require every ResponseMetadata key; botocore fills only the ones it has (HostId: S3 only).
            "ResponseMetadata": {"HTTPStatusCode": status, "RetryAttempts": attempts},  # type: ignore[typeddict-item]
        },
        "UpdatePrimaryEmailAddress",
    )


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", FAKE_SESSION_TOKEN)


@pytest.mark.parametrize("code", WRITE_CODES)
def test_translate_every_modeled_code(code: str, secret_env: None) -> None:
    error = translate(client_error(code), CTX)
    assert error.code == code
    message = assert_actionable(error, org=org_if_relevant(code, CTX.organization_id))
    assert_words(message, EXPECTED[code]["words"])
    if code == "EmailAddressInUseException":
        assert "group sales (99999999-2222-3333-4444-555555555555)" in message


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("LimitExceededException", ["limit", "alias"]),
        ("TooManyRequestsException", ["throttl"]),
        ("RequestLimitExceeded", ["throttl"]),
        ("Throttling", ["throttl"]),
        ("ExpiredToken", ["expired"]),
        ("RequestExpired", ["expired"]),
        ("InvalidClientTokenId", ["credentials"]),
        ("SignatureDoesNotMatch", ["credentials"]),
        ("IncompleteSignatureException", ["credentials"]),
        ("MissingAuthenticationTokenException", ["credentials"]),
        ("AccessDenied", ["workmail:UpdatePrimaryEmailAddress"]),
        ("InternalError", ["internal"]),
    ],
)
def test_translate_hard_to_produce_codes(code: str, words: list[str], secret_env: None) -> None:
    error = translate(client_error(code), CTX)
    assert error.code == code
    message = assert_actionable(error)
    assert_words(message, words)


def test_translate_unmodeled_server_status_is_internal_error(secret_env: None) -> None:
    error = translate(client_error("BadGateway", status=502, attempts=2), CTX)
    message = assert_actionable(error)
    assert "3 attempts" in message


def test_translate_unknown_client_code_is_one_line_naming_code_and_operation(secret_env: None) -> None:
    error = translate(client_error("WeirdNewException", "Strange things."), CTX)
    assert error.code == "WeirdNewException"
    message = error.message
    assert "\n" not in message and "Traceback" not in message
    assert "WeirdNewException" in message and "UpdatePrimaryEmailAddress" in message


def test_translate_scrubs_credentials_quoted_by_aws(secret_env: None) -> None:
    aws_message = (
        f"The key {FAKE_ACCESS_KEY} with secret {FAKE_SECRET_KEY} and token {FAKE_SESSION_TOKEN} "
        "or AKIAIOSFODNN7EXAMPLE is not allowed"
    )
    for code in (
        "AccessDeniedException",
        "InvalidParameterException",
        "WeirdNewException",
        "OrganizationStateException",
    ):
        message = translate(client_error(code, aws_message), CTX).message
        for value in (*CREDENTIAL_VALUES, "AKIAIOSFODNN7EXAMPLE"):
            assert value not in message, (code, message)


def test_translate_keeps_multiline_aws_message_on_one_line(secret_env: None) -> None:
    error = translate(client_error("InvalidParameterException", "Email is invalid.\nSee the docs."), CTX)
    assert "\n" not in error.message, error.message


@pytest.mark.parametrize(
    ("exception", "code", "words"),
    [
        (NoCredentialsError(), "NoCredentials", ["credentials"]),
        (PartialCredentialsError(provider="env", cred_var="AWS_SECRET_ACCESS_KEY"), "NoCredentials", ["credentials"]),
        (ProfileNotFound(profile="ghost"), "ProfileNotFound", ["ghost", "profile"]),
        (NoRegionError(), "NoRegion", ["region"]),
        (
            EndpointConnectionError(endpoint_url="https://workmail.eu-west-1.amazonaws.com/"),
            "ConnectionError",
            ["reach"],
        ),
        (ConnectionClosedError(endpoint_url="https://workmail.eu-west-1.amazonaws.com/"), "ConnectionError", ["reach"]),
        (
            ReadTimeoutError(endpoint_url="https://workmail.eu-west-1.amazonaws.com/"),
            "ConnectionError",
            ["reach"],
        ),
    ],
)
def test_translate_sdk_exceptions(exception: Exception, code: str, words: list[str], secret_env: None) -> None:
    error = translate(exception, CTX)
    assert error.code == code
    message = assert_actionable(error)
    assert_words(message, words)


def test_translate_other_exceptions_are_one_line(secret_env: None) -> None:
    for exception in (
        UnknownServiceError(service_name="workmail", known_service_names="a, b"),
        RuntimeError(f"boom with {FAKE_SECRET_KEY}\nsecond line"),
    ):
        message = translate(exception, CTX).message
        assert "\n" not in message and "Traceback" not in message
        assert FAKE_SECRET_KEY not in message


def test_translate_passes_provider_errors_through() -> None:
    original = WorkMailProviderError("already translated", code="X")
    assert translate(original, CTX) is original


def test_scrub_removes_environment_credentials_and_key_shaped_words(secret_env: None) -> None:
    text = f"a {FAKE_ACCESS_KEY} b {FAKE_SECRET_KEY} c {FAKE_SESSION_TOKEN} d ASIAABCDEFGHIJKLMNOP e"
    cleaned = scrub(text)
    for value in (*CREDENTIAL_VALUES, "ASIAABCDEFGHIJKLMNOP"):
        assert value not in cleaned
    assert cleaned.startswith("a ") and cleaned.endswith(" e")
    assert " b " in cleaned and " d " in cleaned


def test_scrub_leaves_ordinary_text_alone(secret_env: None) -> None:
    text = "user alice (11111111-2222-3333-4444-555555555555) in organization m-0123456789abcdef0123456789abcdef"
    assert scrub(text) == text


def test_scrub_ignores_very_short_environment_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "a")
    assert scrub("a banana") == "a banana"


def test_email_in_use_without_known_owner_is_generic() -> None:
    ctx = Context("set the primary address", "m-0123456789abcdef0123456789abcdef", "us-east-1", email="x@example.com")
    message = errors.email_in_use(ctx).message
    assert "x@example.com" in message and "another user, group or resource" in message


# --------------------------------------------------------- no traceback in the provider server


def test_traceback_shim_shows_only_the_message_for_provider_errors() -> None:
    shim = TracebackShim(traceback, WorkMailProviderError)
    try:
        raise WorkMailProviderError("bob@example.com is already used by user bob (x); remove it there first.")
    except WorkMailProviderError:
        text = shim.format_exc()
    assert text == "bob@example.com is already used by user bob (x); remove it there first."


def test_traceback_shim_keeps_full_traceback_for_unexpected_errors() -> None:
    shim = TracebackShim(traceback, WorkMailProviderError)
    try:
        raise KeyError("bug")
    except KeyError:
        text = shim.format_exc()
    assert "Traceback" in text and "KeyError" in text
    assert shim.print_exc is traceback.print_exc


def test_traceback_shim_is_not_installed_in_the_test_process() -> None:
    main = sys.modules.get("__main__")
    assert not isinstance(getattr(main, "traceback", None), TracebackShim)


def test_translated_errors_do_not_chain_sdk_exceptions(world: World) -> None:
    world.fault(operation="UpdatePrimaryEmailAddress", error="UnsupportedOperationException", count=1)
    error = fail_create(world)
    assert error.__cause__ is None
    assert error.__suppress_context__ is True


def test_profile_without_credentials_is_reported_as_no_credentials(tmp_path: Path, world: World) -> None:
    """A profile configured in the (temporary) config file without credentials fails as 'no credentials'."""
    config = tmp_path / "cfg"
    config.write_text("[profile empty]\nregion = us-east-1\n")
    world.monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    world.monkeypatch.setenv("AWS_PROFILE", "empty")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        world.monkeypatch.delenv(name)
    error = fail_create(world)
    assert error.code == "NoCredentials"
    assert_actionable(error)


def _readme_error_codes() -> set[str]:
    """The codes the README's "Errors" table names in its first column."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = readme.split("\n## Errors\n", 1)[1].split("\n## ", 1)[0]
    codes: set[str] = set()
    for row in table.splitlines():
        if row.startswith("| `"):
            codes.update(re.findall(r"`([A-Za-z]+)`", row.split("|")[1]))
    return codes


def test_the_readme_error_table_names_every_workmail_code_the_provider_acts_on_and_no_other() -> None:
    acted_on = {code.value for code in Code if code.value.endswith("Exception")}
    assert _readme_error_codes() == acted_on
    assert acted_on <= set(errors.MESSAGES), "each has its message in the table"
