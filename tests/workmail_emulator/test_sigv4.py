"""Strict mode: ``Emulator(credentials={akid: secret})`` / ``--credentials AKID:SECRET`` verifies SigV4 signatures.

Requests come from real boto3 clients, or are signed by hand with botocore's ``SigV4Auth`` and sent over
http.client when the test needs a request boto3 would never send (a wrong scope, a tampered header).
Expected errors are AWS JSON services' (DynamoDB, Kinesis): InvalidSignatureException with HTTP 400.
"""

from __future__ import annotations

import datetime
import hashlib
import http.client
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import boto3
import botocore.auth
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSPreparedRequest, AWSRequest
from botocore.compat import HTTPHeaders
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from pulumi_workmail.errors import WorkMailProviderError
from pulumi_workmail.provider import EntityPrimaryEmailProvider
from workmail_emulator import Emulator
from workmail_emulator.__main__ import main

from .emulator_testlib import RawResponse, emulator, raises_code, standard_seed

if TYPE_CHECKING:
    from mypy_boto3_workmail import WorkMailClient

KEY = "AKIDSTRICT1"
SECRET = "strict-secret-Qw3rTy/+9"
OTHER_KEY = "AKIDSTRICT2"
OTHER_SECRET = "another-secret-Zx8"
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
    "Access Key and signing method. Consult the service documentation for details."
)


@pytest.fixture
def strict() -> Iterator[Emulator]:
    with emulator(seed=standard_seed(), credentials={KEY: SECRET, OTHER_KEY: OTHER_SECRET}) as emu:
        yield emu


@pytest.fixture
def org(strict: Emulator) -> str:
    assert strict.seed_result is not None
    return str(strict.seed_result["organizations"]["acme"]["id"])


def _client(url: str, key: str = KEY, secret: str = SECRET, region: str = "us-east-1", **kwargs: Any) -> WorkMailClient:
    return boto3.session.Session().client(
        "workmail",
        region_name=region,
        endpoint_url=url,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(retries={"total_max_attempts": 1}),
        **kwargs,
    )


def _status(error: pytest.ExceptionInfo[ClientError]) -> int:
    return int(error.value.response["ResponseMetadata"]["HTTPStatusCode"])


def _signed_call(
    url: str,
    body: dict[str, Any] | bytes,
    *,
    target: str = "WorkMailService.DescribeOrganization",
    key: str = KEY,
    secret: str = SECRET,
    token: str | None = None,
    service: str = "workmail",
    region: str = "us-east-1",
    path: str = "/",
    headers: list[tuple[str, str]] | None = None,
    after_signing: dict[str, str] | None = None,
    sent_body: bytes | None = None,
    sent_path: str | None = None,
    signer: type[SigV4Auth] = SigV4Auth,
) -> RawResponse:
    """Sign a request with botocore's SigV4Auth, then send it as signed (or altered) over http.client."""
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = AWSRequest(method="POST", url=url + path, data=payload)
    for name, value in [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", target), *(headers or [])]:
        request.headers[name] = value  # appends, so a name may repeat
    signer(Credentials(key, secret, token), service, region).add_auth(request)
    sent = list(request.headers.items())
    for name, value in (after_signing or {}).items():
        sent = [(n, v) for n, v in sent if n.lower() != name.lower()] + [(name, value)]
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        data = payload if sent_body is None else sent_body
        conn.putrequest("POST", sent_path or path)
        for name, value in [*sent, ("Content-Length", str(len(data)))]:
            conn.putheader(name, value)
        conn.endheaders(data)
        resp = conn.getresponse()
        return RawResponse(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    finally:
        conn.close()


def _code(resp: RawResponse) -> str:
    return str(resp.json()["__type"])


# ------------------------------------------------------------------------------- correct signatures


def test_correct_secret_passes_several_operations(strict: Emulator, org: str) -> None:
    wm = _client(strict.url)
    assert wm.describe_organization(OrganizationId=org)["Alias"] == "acme"
    assert wm.describe_user(OrganizationId=org, UserId="alice")["Email"] == "alice@example.com"
    assert [o["Alias"] for o in wm.list_organizations()["OrganizationSummaries"]] == ["acme"]
    user = wm.create_user(OrganizationId=org, Name="dora", DisplayName="Dora")["UserId"]
    wm.register_to_work_mail(OrganizationId=org, EntityId=user, Email="dora@example.com")
    wm.update_primary_email_address(OrganizationId=org, EntityId=user, Email="d@example.com")
    assert wm.describe_user(OrganizationId=org, UserId=user)["Email"] == "d@example.com"


def test_unicode_body_of_maximum_length_passes(strict: Emulator, org: str) -> None:
    """boto3 sends non-ASCII as JSON escapes; the raw UTF-8 variant is signed by hand."""
    display = ("Zoë 日本語 " * 40)[:256]
    wm = _client(strict.url)
    user = wm.create_user(OrganizationId=org, Name="zoe", DisplayName=display)["UserId"]
    assert wm.describe_user(OrganizationId=org, UserId=user)["DisplayName"] == display
    raw = json.dumps({"OrganizationId": org, "Name": "yuki", "DisplayName": display}, ensure_ascii=False).encode()
    assert len(raw) > len(display) + 100  # multi-byte on the wire
    resp = _signed_call(strict.url, raw, target="WorkMailService.CreateUser")
    assert resp.status == 200, resp.body
    assert wm.describe_user(OrganizationId=org, UserId=resp.json()["UserId"])["DisplayName"] == display


def test_long_body_is_verified_before_it_is_validated(strict: Emulator, org: str) -> None:
    """A 300 KB body: correctly signed it reaches validation (too long a name); altered, it does not."""
    raw = json.dumps({"OrganizationId": org, "Name": "long", "DisplayName": "é" * 150_000}, ensure_ascii=False).encode()
    signed = _signed_call(strict.url, raw, target="WorkMailService.CreateUser")
    assert (signed.status, _code(signed)) == (400, "InvalidParameterException")
    altered = _signed_call(
        strict.url, raw, target="WorkMailService.CreateUser", sent_body=raw.replace("é".encode(), b"ee", 1)
    )
    assert (altered.status, _code(altered)) == (400, "InvalidSignatureException")


def test_paginated_call_passes_on_every_page(strict: Emulator, org: str) -> None:
    pages = list(
        _client(strict.url).get_paginator("list_users").paginate(OrganizationId=org, PaginationConfig={"PageSize": 1})
    )
    assert len(pages) >= 4  # alice, bob, carol and the system user, one per page, tokens in the body
    names = {user["Name"] for page in pages for user in page["Users"]}
    assert {"alice", "bob", "carol"} <= names


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "ap-southeast-2"])
def test_any_region_in_the_scope_is_accepted(strict: Emulator, org: str, region: str) -> None:
    """The signature holds whatever the region; what the request finds is that region's (test_regions)."""
    listed = _client(strict.url, region=region).list_organizations()["OrganizationSummaries"]
    assert [o["Alias"] for o in listed] == (["acme"] if region == "us-east-1" else [])


def test_second_configured_key_signs_with_its_own_secret(strict: Emulator, org: str) -> None:
    assert _client(strict.url, OTHER_KEY, OTHER_SECRET).describe_organization(OrganizationId=org)["Alias"] == "acme"
    with raises_code("InvalidSignatureException"):
        _client(strict.url, OTHER_KEY, SECRET).describe_organization(OrganizationId=org)


def test_emulator_client_signs_with_the_first_credentials(strict: Emulator, org: str) -> None:
    assert strict.client().describe_organization(OrganizationId=org)["Alias"] == "acme"


def test_session_token_is_signed_and_passes(strict: Emulator, org: str) -> None:
    seen: list[str] = []

    def capture(request: AWSPreparedRequest, **_: Any) -> None:
        seen.append(str(request.headers["Authorization"]))

    wm = _client(strict.url, aws_session_token="FwoGZXIvYXdzEJr//////////wEaDHx+session/token==")
    wm.meta.events.register("before-send.workmail.*", capture)
    assert wm.describe_organization(OrganizationId=org)["Alias"] == "acme"
    assert "x-amz-security-token" in seen[0]


def test_hand_signed_request_with_repeated_and_spaced_headers_passes(strict: Emulator, org: str) -> None:
    """Repeated headers are joined with "," and runs of spaces collapsed, on both sides."""
    resp = _signed_call(
        strict.url,
        {"OrganizationId": org},
        headers=[("X-Custom", "one  two"), ("X-Custom", " three ")],
    )
    assert resp.status == 200, resp.body
    assert resp.json()["Alias"] == "acme"


def test_date_header_instead_of_x_amz_date_passes(strict: Emulator, org: str) -> None:
    """SigV4 allows the HTTP Date header as the signing time; botocore signs with it (rewritten to now) when
    the request has one, and then sends no X-Amz-Date."""
    resp = _signed_call(strict.url, {"OrganizationId": org}, headers=[("Date", "Thu, 01 Jan 2026 00:00:00 GMT")])
    assert resp.status == 200, resp.body


def test_query_string_is_part_of_the_signature(strict: Emulator, org: str) -> None:
    assert _signed_call(strict.url, {"OrganizationId": org}, path="/?b=2&a=1").status == 200
    resp = _signed_call(strict.url, {"OrganizationId": org}, path="/?b=2&a=1", sent_path="/?b=2&a=3")
    assert (resp.status, _code(resp)) == (400, "InvalidSignatureException")


class _SignsEveryHeader(SigV4Auth):
    """Signs User-Agent too, which botocore never does but other SigV4 clients may."""

    def headers_to_sign(self, request: AWSRequest) -> Any:
        headers = HTTPHeaders()
        for name, value in request.headers.items():
            headers[name.lower()] = value
        if "host" not in headers:
            headers["host"] = urlsplit(str(request.url)).netloc
        return headers


def test_signed_header_botocore_would_skip_is_still_verified(strict: Emulator, org: str) -> None:
    """The emulator uses the client's SignedHeaders list, not botocore's idea of what to sign."""
    ok = _signed_call(
        strict.url, {"OrganizationId": org}, headers=[("User-Agent", "other-sdk/1")], signer=_SignsEveryHeader
    )
    assert ok.status == 200, ok.body
    changed = _signed_call(
        strict.url,
        {"OrganizationId": org},
        headers=[("User-Agent", "other-sdk/1")],
        signer=_SignsEveryHeader,
        after_signing={"User-Agent": "other-sdk/2"},
    )
    assert (changed.status, _code(changed)) == (400, "InvalidSignatureException")


def test_unsigned_headers_added_after_signing_are_ignored(strict: Emulator, org: str) -> None:
    """Only SignedHeaders count: proxies and clients add headers (User-Agent, tracing) after signing."""
    resp = _signed_call(
        strict.url, {"OrganizationId": org}, after_signing={"User-Agent": "changed", "X-Forwarded-For": "10.0.0.1"}
    )
    assert resp.status == 200, resp.body


# ------------------------------------------------------------------------------- refused requests


def test_wrong_secret_gives_400_invalid_signature(strict: Emulator, org: str) -> None:
    with raises_code("InvalidSignatureException") as caught:
        _client(strict.url, secret="not-the-secret").describe_organization(OrganizationId=org)
    assert _status(caught) == 400
    assert caught.value.response["Error"]["Message"] == MISMATCH
    assert caught.value.response["ResponseMetadata"]["RequestId"]


def test_wrong_secret_changes_nothing(strict: Emulator, org: str) -> None:
    with raises_code("InvalidSignatureException"):
        _client(strict.url, secret="not-the-secret").update_primary_email_address(
            OrganizationId=org, EntityId="alice", Email="al@example.com"
        )
    assert strict.client().describe_user(OrganizationId=org, UserId="alice")["Email"] == "alice@example.com"


@pytest.mark.parametrize("key", ["AKIDEMULATOR", "AKIDSTRICT3", KEY.lower()])
def test_unknown_key_id_gives_400_unrecognized_client(strict: Emulator, org: str, key: str) -> None:
    with raises_code("UnrecognizedClientException") as caught:
        _client(strict.url, key, SECRET).describe_organization(OrganizationId=org)
    assert _status(caught) == 400
    assert caught.value.response["Error"]["Message"] == "The security token included in the request is invalid."


def test_body_altered_after_signing_is_refused(strict: Emulator, org: str) -> None:
    def tamper(request: AWSPreparedRequest, **_: Any) -> None:
        body = request.body if isinstance(request.body, bytes) else str(request.body).encode()
        request.body = body.replace(b"x1@example.com", b"x2@example.com")  # same length

    wm = _client(strict.url)
    user = wm.create_user(OrganizationId=org, Name="xavier", DisplayName="X")["UserId"]
    wm.register_to_work_mail(OrganizationId=org, EntityId=user, Email="xavier@example.com")
    wm.meta.events.register("before-send.workmail.UpdatePrimaryEmailAddress", tamper)
    with raises_code("InvalidSignatureException") as caught:
        wm.update_primary_email_address(OrganizationId=org, EntityId=user, Email="x1@example.com")
    assert _status(caught) == 400
    assert strict.client().describe_user(OrganizationId=org, UserId=user)["Email"] == "xavier@example.com"


def test_signed_header_altered_after_signing_is_refused(strict: Emulator, org: str) -> None:
    resp = _signed_call(
        strict.url, {"OrganizationId": org}, after_signing={"X-Amz-Target": "WorkMailService.ListUsers"}
    )
    assert (resp.status, _code(resp)) == (400, "InvalidSignatureException")


def test_session_token_altered_after_signing_is_refused(strict: Emulator, org: str) -> None:
    resp = _signed_call(
        strict.url, {"OrganizationId": org}, token="token-one", after_signing={"X-Amz-Security-Token": "token-two"}
    )
    assert (resp.status, _code(resp)) == (400, "InvalidSignatureException")


def test_session_token_added_after_signing_is_refused(strict: Emulator, org: str) -> None:
    resp = _signed_call(strict.url, {"OrganizationId": org}, after_signing={"X-Amz-Security-Token": "unsigned"})
    assert (resp.status, _code(resp)) == (400, "IncompleteSignatureException")
    assert "x-amz-security-token" in resp.json()["Message"]


def test_content_sha256_header_must_match_the_body(strict: Emulator, org: str) -> None:
    """A signed X-Amz-Content-SHA256 is not taken on trust (botocore's signer would, for the body)."""
    honest = json.dumps({"OrganizationId": org}).encode()
    resp = _signed_call(
        strict.url,
        {"OrganizationId": org},
        headers=[("X-Amz-Content-SHA256", hashlib.sha256(honest).hexdigest())],
        sent_body=json.dumps({"OrganizationId": org, "x": 1}).encode(),
    )
    assert (resp.status, _code(resp)) == (400, "InvalidSignatureException")


def _botocore_clock() -> Callable[..., datetime.datetime]:
    """The clock botocore signs with (botocore-stubs do not declare it)."""
    clock: Callable[..., datetime.datetime] = getattr(botocore.auth, "get_current_datetime")  # noqa: B009
    return clock


@pytest.mark.parametrize(
    ("minutes", "prefix"), [(-10, "Signature expired: "), (10, "Signature not yet current: ")], ids=["past", "future"]
)
def test_clock_skew_over_five_minutes_is_refused(
    strict: Emulator, org: str, monkeypatch: pytest.MonkeyPatch, minutes: int, prefix: str
) -> None:
    real = _botocore_clock()
    monkeypatch.setattr(
        botocore.auth, "get_current_datetime", lambda *a, **k: real(*a, **k) + datetime.timedelta(minutes=minutes)
    )
    with raises_code("InvalidSignatureException") as caught:
        _client(strict.url).describe_organization(OrganizationId=org)
    assert _status(caught) == 400
    message = caught.value.response["Error"]["Message"]
    assert message.startswith(prefix), message
    assert ("5 min." in message) and ("earlier than" in message or "later than" in message)


def test_clock_skew_within_five_minutes_passes(strict: Emulator, org: str, monkeypatch: pytest.MonkeyPatch) -> None:
    real = _botocore_clock()
    monkeypatch.setattr(
        botocore.auth, "get_current_datetime", lambda *a, **k: real(*a, **k) - datetime.timedelta(minutes=4)
    )
    assert _client(strict.url).describe_organization(OrganizationId=org)["Alias"] == "acme"


def test_scope_for_another_service_is_refused(strict: Emulator, org: str) -> None:
    resp = _signed_call(strict.url, {"OrganizationId": org}, service="ses")
    assert (resp.status, _code(resp)) == (400, "InvalidSignatureException")
    assert "workmail" in resp.json()["Message"]


def test_unsigned_client_gets_403_missing_authentication_token(strict: Emulator, org: str) -> None:
    wm = boto3.session.Session().client(
        "workmail",
        region_name="us-east-1",
        endpoint_url=strict.url,
        config=Config(signature_version=botocore.UNSIGNED, retries={"total_max_attempts": 1}),
    )
    with raises_code("MissingAuthenticationTokenException") as caught:
        wm.describe_organization(OrganizationId=org)
    assert _status(caught) == 403


def test_authorization_without_signature_gives_incomplete_signature(strict: Emulator, org: str) -> None:
    resp = _signed_call(strict.url, {"OrganizationId": org}, after_signing={"Authorization": ""})
    assert resp.status == 403  # an empty header is no SigV4 header at all
    header = f"AWS4-HMAC-SHA256 Credential={KEY}/20260101/us-east-1/workmail/aws4_request, SignedHeaders=host"
    resp = _signed_call(strict.url, {"OrganizationId": org}, after_signing={"Authorization": header})
    assert (resp.status, _code(resp)) == (400, "IncompleteSignatureException")
    assert "'Signature'" in resp.json()["Message"]


def test_admin_api_stays_open(strict: Emulator) -> None:
    status, body = strict.admin("GET", "/_emulator/health")
    assert (status, body) == (200, {"ok": True})


def test_access_keys_and_credentials_together() -> None:
    """Keys of --access-key are only checked by id; keys of --credentials must sign correctly."""
    with emulator(seed=standard_seed(), access_keys=["AKIDLOOSE"], credentials={KEY: SECRET}) as emu:
        assert emu.seed_result is not None
        org = emu.seed_result["organizations"]["acme"]["id"]
        assert _client(emu.url, "AKIDLOOSE", "anything").describe_organization(OrganizationId=org)["Alias"] == "acme"
        assert _client(emu.url).describe_organization(OrganizationId=org)["Alias"] == "acme"
        with raises_code("InvalidSignatureException"):
            _client(emu.url, KEY, "anything").describe_organization(OrganizationId=org)
        with raises_code("UnrecognizedClientException"):
            _client(emu.url, "AKIDOTHER", SECRET).describe_organization(OrganizationId=org)


@pytest.mark.parametrize("credentials", [{"": "s"}, {"AKID/X": "s"}, {"AK ID": "s"}, {"AKID": ""}])
def test_invalid_credentials_are_refused_at_start(credentials: dict[str, str]) -> None:
    with pytest.raises(ValueError, match=r"credentials|secret"):
        Emulator(credentials=credentials)


# ------------------------------------------------------------------------------- command line


@pytest.mark.parametrize(
    ("args", "words", "hidden"),
    [
        (["--credentials", "NoColonMaybeASecret"], "AKID:SECRET", "NoColonMaybeASecret"),
        (["--credentials", "AKID:"], "AKID:SECRET", None),
        (["--credentials", ":Sec9Only"], "AKID:SECRET", "Sec9Only"),
        (["--credentials", "AKID:Sec9One", "--credentials", "AKID:Sec9Two"], "twice", "Sec9"),
    ],
)
def test_bad_credentials_argument_exits_2_with_a_message(
    capsys: pytest.CaptureFixture[str], args: list[str], words: str, hidden: str | None
) -> None:
    """The message says what form is expected and never echoes what may be a secret."""
    assert main(["--port", "0", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("workmail-emulator: --credentials") and words in err
    assert "Traceback" not in err
    assert hidden is None or hidden not in err


def test_credentials_from_command_line() -> None:
    """End to end through the CLI; a secret may itself contain ":" (split at the first one)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "workmail_emulator", "--port", "0", "--credentials", f"{KEY}:{SECRET}:with-colon"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        assert _client(url, secret=f"{SECRET}:with-colon").list_organizations()["OrganizationSummaries"] == []
        with raises_code("InvalidSignatureException"):
            _client(url, secret=SECRET).list_organizations()
        with raises_code("UnrecognizedClientException"):
            _client(url, "AKIDEMULATOR", SECRET).list_organizations()
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err


def test_help_mentions_credentials() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "workmail_emulator", "--help"], capture_output=True, text=True, timeout=30
    )
    assert out.returncode == 0 and "--credentials" in out.stdout and "AKID:SECRET" in out.stdout


# ------------------------------------------------------------------------------- the provider's view


def test_provider_reports_a_wrong_secret_as_a_credentials_problem(
    strict: Emulator, org: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """pulumi_workmail turns InvalidSignatureException into one line that names the credentials, not the secret."""
    wrong_secret = "wrong-secret-Hv7Kp2Lq9"
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_RETRY_MODE"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "empty").write_text("")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "empty"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "empty"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL_WORKMAIL", strict.url)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", wrong_secret)
    props = {"organization_id": org, "entity_id": "alice", "email": "al@example.com", "wait_timeout_seconds": 0.2}
    with pytest.raises(WorkMailProviderError) as caught:
        EntityPrimaryEmailProvider().create(props)
    message = caught.value.message
    assert caught.value.code == "InvalidSignatureException"
    assert "\n" not in message and "Traceback" not in message
    assert "credentials" in message.lower()
    assert wrong_secret not in message and SECRET not in message
    assert strict.client().describe_user(OrganizationId=org, UserId="alice")["Email"] == "alice@example.com"


class _LeavesTargetUnsigned(SigV4Auth):
    """Signs everything botocore does except X-Amz-Target: a request that could be replayed as any operation."""

    def headers_to_sign(self, request: AWSRequest) -> Any:
        headers = super().headers_to_sign(request)
        del headers["x-amz-target"]
        return headers


def test_a_request_whose_operation_is_not_signed_is_refused(strict: Emulator, org: str) -> None:
    resp = _signed_call(
        strict.url,
        {"OrganizationId": org},
        signer=_LeavesTargetUnsigned,
        after_signing={"X-Amz-Target": "WorkMailService.DeleteOrganization"},
    )
    assert (resp.status, _code(resp)) == (400, "IncompleteSignatureException")
    body = resp.json()
    assert "x-amz-target" in str(body.get("message") or body.get("Message")), body
