"""Shared helpers for the workmail_emulator test suite (imported by conftest and tests).

The suite is written against WorkMail's behaviour as docs/workmail-behaviour.md
describes it, not against the emulator's implementation. Every behavioural test
goes through a real boto3 client (or raw HTTP, for wire-level checks that boto3
hides).
"""

from __future__ import annotations

import copy
import http.client
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import ClientError

from workmail_emulator import Emulator, running

if TYPE_CHECKING:
    from mypy_boto3_workmail import WorkMailClient
    from mypy_boto3_workmail.type_defs import (
        DescribeGroupResponseTypeDef,
        DescribeResourceResponseTypeDef,
        DescribeUserResponseTypeDef,
        ListAliasesRequestTypeDef,
    )

UNKNOWN_ORG = "m-" + "0" * 32
ORG_ID_RE = re.compile(r"^m-[0-9a-f]{32}$")
RESOURCE_ID_RE = re.compile(r"^r-[0-9a-f]{32}$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)

# A syntactically complete SigV4 Authorization header. The emulator does not
# verify signatures (documented contract), it only looks at the access key id.
FAKE_SIGNATURE = "0" * 64


def sigv4_header(access_key: str = "AKIDEMULATOR") -> str:
    return (
        f"AWS4-HMAC-SHA256 Credential={access_key}/20260101/us-east-1/workmail/aws4_request, "
        f"SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature={FAKE_SIGNATURE}"
    )


STANDARD_SEED: dict[str, Any] = {
    "organizations": [
        {
            "alias": "acme",
            "domains": [
                {"name": "example.com", "verified": True},
                {"name": "pending.example", "verified": False},
            ],
            "users": [
                {
                    "name": "alice",
                    "display_name": "Alice",
                    "email": "alice@example.com",
                    "aliases": ["al@example.com"],
                },
                {"name": "bob", "display_name": "Bob", "email": "bob@example.com"},
                {"name": "carol", "display_name": "Carol"},
            ],
            "groups": [{"name": "sales", "email": "sales@example.com", "aliases": []}],
            "resources": [{"name": "room-1", "type": "ROOM", "email": "room-1@example.com"}],
        }
    ]
}

SECOND_ORG_SEED: dict[str, Any] = {
    "organizations": [
        {
            "alias": "globex",
            "domains": [{"name": "other.example", "verified": True}],
            "users": [{"name": "gus", "display_name": "Gus", "email": "gus@other.example"}],
        }
    ]
}


def standard_seed() -> dict[str, Any]:
    return copy.deepcopy(STANDARD_SEED)


def error_code(exc: ClientError) -> str:
    return str(exc.response["Error"]["Code"])


@contextmanager
def raises_code(code: str) -> Iterator[pytest.ExceptionInfo[ClientError]]:
    """Expect a botocore ClientError whose error code is exactly `code`."""
    with pytest.raises(ClientError) as excinfo:
        yield excinfo
    got = error_code(excinfo.value)
    assert got == code, f"expected {code}, got {got}: {excinfo.value.response.get('Error')}"


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes
    version: int = 11

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8")) if self.body else None


def raw_call(
    url: str,
    target: str | None,
    body: bytes | str | dict[str, Any] | None = None,
    *,
    auth: str | None = "default",
    headers: dict[str, str] | None = None,
    method: str = "POST",
    path: str = "/",
    timeout: float = 10.0,
) -> RawResponse:
    """One HTTP request on its own connection, bypassing botocore entirely."""
    if body is None:
        payload = b"{}"
    elif isinstance(body, dict):
        payload = json.dumps(body).encode()
    elif isinstance(body, str):
        payload = body.encode()
    else:
        payload = body
    hdrs = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Date": "20260101T000000Z"}
    if target is not None:
        hdrs["X-Amz-Target"] = target
    if auth == "default":
        hdrs["Authorization"] = sigv4_header()
    elif auth is not None:
        hdrs["Authorization"] = auth
    if headers:
        hdrs.update(headers)
    parts = urlsplit(url)
    assert parts.hostname is not None
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request(method, path, body=payload, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        return RawResponse(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data, version=resp.version)
    finally:
        conn.close()


def op(url: str, name: str, body: dict[str, Any] | None = None, **kw: Any) -> RawResponse:
    return raw_call(url, f"WorkMailService.{name}", body if body is not None else {}, **kw)


@dataclass
class World:
    """The running emulator plus handles on the standard seed."""

    emu: Emulator
    wm: WorkMailClient
    org: str
    ids: dict[str, str] = field(default_factory=dict)
    seed_result: Any = None

    def admin(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        return self.emu.admin(method, path, body)

    def settings(self, **values: Any) -> None:
        status, body = self.emu.admin("POST", "/_emulator/settings", values)
        assert status == 200, (status, body)

    def verify(self, domain: str, org: str | None = None) -> None:
        status, body = self.emu.admin(
            "POST", "/_emulator/domains/verify", {"organization_id": org or self.org, "domain": domain}
        )
        assert status == 200, (status, body)

    def seed(self, seed: dict[str, Any]) -> dict[str, Any]:
        status, body = self.emu.admin("POST", "/_emulator/seed", seed)
        assert status == 200, (status, body)
        return body  # type: ignore[no-any-return]

    def aliases(self, entity_id: str) -> list[str]:
        out: list[str] = []
        kwargs: ListAliasesRequestTypeDef = {"OrganizationId": self.org, "EntityId": entity_id}
        while True:
            page = self.wm.list_aliases(**kwargs)
            out.extend(page.get("Aliases", []))
            token = page.get("NextToken")
            if not token:
                return out
            kwargs["NextToken"] = token

    def user(self, ident: str) -> DescribeUserResponseTypeDef:
        return self.wm.describe_user(OrganizationId=self.org, UserId=ident)

    def describe(
        self, entity_id: str, kind: str = "USER"
    ) -> DescribeUserResponseTypeDef | DescribeGroupResponseTypeDef | DescribeResourceResponseTypeDef:
        """DescribeUser/DescribeGroup/DescribeResource depending on `kind`."""
        if kind == "USER":
            return self.wm.describe_user(OrganizationId=self.org, UserId=entity_id)
        if kind == "GROUP":
            return self.wm.describe_group(OrganizationId=self.org, GroupId=entity_id)
        return self.wm.describe_resource(OrganizationId=self.org, ResourceId=entity_id)

    def primary(self, entity_id: str, kind: str = "USER") -> str | None:
        return self.describe(entity_id, kind).get("Email")

    def list_all(self, method: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        call = getattr(self.wm, method)
        args: dict[str, Any] = {"OrganizationId": self.org, **kwargs}
        while True:
            page = call(**args)
            out.extend(page.get(key, []))
            token = page.get("NextToken")
            if not token:
                return out
            args["NextToken"] = token


def flatten_ids(seed_result: dict[str, Any], alias: str) -> dict[str, str]:
    org = seed_result["organizations"][alias]
    ids: dict[str, str] = {}
    for kind in ("users", "groups", "resources"):
        ids.update(org.get(kind, {}))
    return ids


def make_world(emu: Emulator, alias: str = "acme", **client_kwargs: Any) -> World:
    result = emu.seed_result
    assert result is not None, "make_world needs a seeded emulator"
    org_id = result["organizations"][alias]["id"]
    return World(
        emu=emu,
        wm=emu.client(**client_kwargs),
        org=org_id,
        ids=flatten_ids(result, alias),
        seed_result=result,
    )


_closers: list[threading.Thread] = []


@contextmanager
def emulator(**kwargs: Any) -> Iterator[Emulator]:
    """`running(**kwargs)`, but shut down in the background so that tests don't wait for it.

    Shutting a server down can take up to its poll interval; with hundreds of
    short tests that would dominate the run time. `join_closers` (called once
    at session end) waits for all of them.
    """
    cm = running(**kwargs)
    emu = cm.__enter__()
    try:
        yield emu
    finally:
        t = threading.Thread(target=cm.__exit__, args=(None, None, None), daemon=True)
        t.start()
        _closers.append(t)


def join_closers(timeout: float = 10.0) -> list[threading.Thread]:
    """Wait for background shutdowns; return the ones still alive."""
    stuck = []
    for t in _closers:
        t.join(timeout)
        if t.is_alive():
            stuck.append(t)
    _closers.clear()
    return stuck


# The 28 operations the emulator serves, written out here (not read from the emulator) so tests stay independent.
OPERATIONS = [
    "UpdatePrimaryEmailAddress",
    "DescribeUser",
    "DescribeGroup",
    "DescribeResource",
    "DescribeEntity",
    "ListAliases",
    "CreateAlias",
    "DeleteAlias",
    "ListUsers",
    "ListGroups",
    "ListResources",
    "CreateOrganization",
    "DescribeOrganization",
    "ListOrganizations",
    "DeleteOrganization",
    "RegisterMailDomain",
    "GetMailDomain",
    "ListMailDomains",
    "DeregisterMailDomain",
    "UpdateDefaultMailDomain",
    "CreateUser",
    "CreateGroup",
    "CreateResource",
    "DeleteUser",
    "DeleteGroup",
    "DeleteResource",
    "RegisterToWorkMail",
    "DeregisterFromWorkMail",
]
