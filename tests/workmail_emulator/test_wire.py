"""Wire protocol: AWS JSON 1.1 request/response/error format (docs/workmail-behaviour.md, Wire format)."""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import pytest

from workmail_emulator import running

from .emulator_testlib import UNKNOWN_ORG, World, op, raw_call, sigv4_header

MIB = 1024 * 1024


def test_error_response_is_400_with_type_message_and_request_id(world: World) -> None:
    resp = op(world.emu.url, "DescribeOrganization", {"OrganizationId": UNKNOWN_ORG})
    assert resp.status == 400
    body = resp.json()
    assert body["__type"].split("#")[-1] == "OrganizationNotFoundException"
    assert isinstance(body["Message"], str) and body["Message"]
    assert resp.headers.get("x-amzn-requestid")


def test_error_message_uses_capital_m_message_key(world: World) -> None:
    resp = op(world.emu.url, "DescribeUser", {"OrganizationId": world.org, "UserId": "nobody"})
    assert resp.status == 400
    body = resp.json()
    assert "Message" in body
    assert body["__type"].split("#")[-1] == "EntityNotFoundException"


def test_success_response_is_200_json_with_request_id(world: World) -> None:
    resp = op(world.emu.url, "DescribeOrganization", {"OrganizationId": world.org})
    assert resp.status == 200
    assert resp.headers.get("content-type", "").startswith("application/x-amz-json-1.1")
    assert resp.headers.get("x-amzn-requestid")
    assert resp.json()["OrganizationId"] == world.org


def test_error_response_has_json_content_type(world: World) -> None:
    resp = op(world.emu.url, "DescribeOrganization", {"OrganizationId": UNKNOWN_ORG})
    assert resp.headers.get("content-type", "").startswith("application/x-amz-json-1.1")


def test_request_ids_differ_between_requests(world: World) -> None:
    seen = {
        op(world.emu.url, "DescribeOrganization", {"OrganizationId": world.org}).headers["x-amzn-requestid"]
        for _ in range(5)
    }
    assert len(seen) == 5


def test_boto3_sees_request_id_in_response_metadata(world: World) -> None:
    out = world.wm.describe_organization(OrganizationId=world.org)
    assert out["ResponseMetadata"]["RequestId"]
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_boto3_raises_modeled_exception_class_with_message(world: World) -> None:
    with pytest.raises(world.wm.exceptions.OrganizationNotFoundException) as excinfo:
        world.wm.describe_organization(OrganizationId=UNKNOWN_ORG)
    err = excinfo.value.response
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert err["Error"]["Message"]
    # Only a capital-M "Message" body member makes botocore fill the top-level key as well.
    assert err.get("Message") == err["Error"]["Message"]
    assert err["ResponseMetadata"]["RequestId"]


@pytest.mark.parametrize(
    "target",
    ["WorkMailService.Bogus", "WorkMailService.ResetPassword", "WorkMailService.", "OtherService.ListUsers"],
)
def test_unknown_target_gives_unknown_operation_exception(world: World, target: str) -> None:
    resp = raw_call(world.emu.url, target, {"OrganizationId": world.org})
    assert resp.status == 400
    assert resp.json()["__type"].split("#")[-1] == "UnknownOperationException"
    assert resp.headers.get("x-amzn-requestid")


def test_missing_target_header_is_rejected_with_aws_style_400(world: World) -> None:
    resp = raw_call(world.emu.url, None, {})
    assert resp.status == 400
    assert resp.json()["__type"]


@pytest.mark.parametrize("payload", [b"{not json", b'{"OrganizationId": ', b"\xff\xfe{}"])
def test_invalid_json_body_gives_serialization_exception(world: World, payload: bytes) -> None:
    resp = raw_call(world.emu.url, "WorkMailService.DescribeOrganization", payload)
    assert resp.status == 400
    assert resp.json()["__type"].split("#")[-1] == "SerializationException"
    assert "Message" in resp.json()


def test_json_that_is_not_an_object_is_rejected(world: World) -> None:
    resp = raw_call(world.emu.url, "WorkMailService.ListOrganizations", b"[1, 2]")
    assert resp.status == 400
    assert resp.json()["__type"].split("#")[-1] in {"SerializationException", "InvalidParameterException"}


def test_member_of_wrong_json_type_is_rejected(world: World) -> None:
    resp = op(world.emu.url, "ListOrganizations", {"MaxResults": "ten"})
    assert resp.status == 400
    assert resp.json()["__type"].split("#")[-1] in {"SerializationException", "InvalidParameterException"}


def test_body_just_at_one_mib_is_accepted(world: World) -> None:
    payload = b"{}" + b" " * (MIB - 2)
    assert len(payload) == MIB
    resp = raw_call(world.emu.url, "WorkMailService.ListOrganizations", payload)
    assert resp.status == 200
    assert "OrganizationSummaries" in resp.json()


def _send_oversized(url: str, size: int) -> tuple[int, dict[str, Any]]:
    """Send a body of `size` bytes with a raw socket, tolerate the server closing early."""
    parts = urlsplit(url)
    assert parts.port is not None
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    head = (
        "POST / HTTP/1.1\r\n"
        f"Host: {parts.hostname}:{parts.port}\r\n"
        "Content-Type: application/x-amz-json-1.1\r\n"
        "X-Amz-Target: WorkMailService.ListOrganizations\r\n"
        f"Authorization: {sigv4_header()}\r\n"
        f"Content-Length: {size}\r\n\r\n"
    ).encode()
    received = bytearray()

    def reader() -> None:
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    return
                received.extend(chunk)
        except OSError:
            return

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    try:
        sock.sendall(head)
        sock.sendall(b"{" + b" " * (size - 2) + b"}")
    except OSError:
        pass
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_WR)
    t.join(10)
    sock.close()
    text = bytes(received)
    status_line, _, rest = text.partition(b"\r\n")
    status = int(status_line.split()[1])
    _, _, body = rest.partition(b"\r\n\r\n")
    return status, json.loads(body.decode()) if body.strip() else {}


def test_body_over_one_mib_gives_413_request_entity_too_large(world: World) -> None:
    status, body = _send_oversized(world.emu.url, MIB + 1)
    assert status == 413
    assert body["__type"].split("#")[-1] == "RequestEntityTooLargeException"


def test_two_requests_reuse_one_keep_alive_connection(world: World) -> None:
    parts = urlsplit(world.emu.url)
    assert parts.hostname is not None
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    headers = {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "WorkMailService.DescribeOrganization",
        "Authorization": sigv4_header(),
    }
    body = json.dumps({"OrganizationId": world.org})
    try:
        conn.request("POST", "/", body=body, headers=headers)
        first = conn.getresponse()
        first.read()
        assert first.version == 11
        assert first.getheader("Connection", "").lower() != "close"
        sock_before = conn.sock
        assert sock_before is not None
        local = sock_before.getsockname()
        # An error response must not close the connection either.
        conn.request("POST", "/", body=json.dumps({"OrganizationId": UNKNOWN_ORG}), headers=headers)
        second = conn.getresponse()
        second.read()
        assert second.status == 400
        conn.request("POST", "/", body=body, headers=headers)
        third = conn.getresponse()
        third.read()
        assert third.status == 200
        assert conn.sock is sock_before
        assert conn.sock.getsockname() == local
    finally:
        conn.close()


class CountingProxy:
    """A TCP forwarder that counts the connections clients open through it."""

    def __init__(self, target_url: str) -> None:
        parts = urlsplit(target_url)
        assert parts.port is not None
        self.target = (parts.hostname, parts.port)
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.connections = 0
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def _accept(self) -> None:
        while not self._stop:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            upstream = socket.create_connection(self.target)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._stop = True
        self.listener.close()


def test_boto3_client_reuses_one_connection_for_many_calls(world: World) -> None:
    proxy = CountingProxy(world.emu.url)
    try:
        client = world.emu.client(endpoint_url=proxy.url)
        for _ in range(5):
            client.describe_organization(OrganizationId=world.org)
        with pytest.raises(client.exceptions.EntityNotFoundException):
            client.describe_user(OrganizationId=world.org, UserId="nobody")
        client.list_users(OrganizationId=world.org)
        assert proxy.connections == 1
    finally:
        proxy.close()


def test_timestamps_are_epoch_second_numbers(world: World) -> None:
    resp = op(world.emu.url, "DescribeUser", {"OrganizationId": world.org, "UserId": "alice"})
    assert resp.status == 200
    enabled = resp.json()["EnabledDate"]
    assert isinstance(enabled, (int, float)) and not isinstance(enabled, bool)
    assert enabled > 1_000_000_000
    out = world.wm.describe_user(OrganizationId=world.org, UserId="alice")
    assert out["EnabledDate"].tzinfo is not None


def test_empty_output_operation_returns_200(world: World) -> None:
    resp = op(
        world.emu.url,
        "UpdatePrimaryEmailAddress",
        {"OrganizationId": world.org, "EntityId": "alice", "Email": "alice.new@example.com"},
    )
    assert resp.status == 200
    assert resp.body.strip() in (b"", b"{}")


def test_idempotency_token_filled_by_boto3_is_accepted(world: World) -> None:
    # boto3 fills in a missing ClientToken with a UUID; the call must still succeed.
    out = world.wm.create_organization(Alias="tokenco")
    assert out["OrganizationId"].startswith("m-")
    world.wm.register_mail_domain(OrganizationId=world.org, DomainName="tokens.example")
    names = [d["DomainName"] for d in world.wm.list_mail_domains(OrganizationId=world.org)["MailDomains"]]
    assert "tokens.example" in names


def test_a_stalled_connection_is_closed_after_the_request_timeout() -> None:
    with running(request_timeout=0.5) as emu:
        host, port = emu.httpd.server_address[:2]
        with socket.create_connection((str(host), int(port)), timeout=10) as stalled:
            stalled.sendall(b"POST / HTTP/1.1\r\nHost: emulator\r\n")  # and then nothing more
            started = time.monotonic()
            assert stalled.recv(1024) == b"", "the server closed the connection"
            assert time.monotonic() - started < 5
        assert emu.admin("GET", "/_emulator/health")[0] == 200, "and serves others all along"


def test_a_null_member_with_a_default_is_read_as_absent(world: World) -> None:
    """AWS JSON 1.1 treats a null member as one not sent; a member with a default takes its default."""
    made = op(world.emu.url, "CreateOrganization", {"Alias": "nulls", "Domains": None})
    assert made.status == 200, made.body
    org = made.json()["OrganizationId"]
    user = op(world.emu.url, "CreateUser", {"OrganizationId": org, "Name": "n", "DisplayName": "N", "Role": None})
    assert user.status == 200, user.body
    described = world.wm.describe_user(OrganizationId=org, UserId=user.json()["UserId"])
    assert described["UserRole"] == "USER"
