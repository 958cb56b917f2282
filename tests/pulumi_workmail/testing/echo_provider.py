"""A tiny dynamic provider for exercising the real provider server through ``ProviderServer``.

It lives in an importable module (not a test file) so dill pickles it by reference, as it would our real
provider, and the server process can import it from the repository root. Importing it has no side
effects. Every answer echoes what the provider received, so tests can assert on the server's behaviour
from the outside:

- ``types``: the Python type name of each property as the provider saw it (``Unknown``, ``float`` ...);
- ``config_region`` / ``config_token`` / ``project``: what ``configure()`` and the environment provided;
- ``calls``: the operations this provider instance has handled so far in the server process.

Requests opt into failures: ``fail: "<message>"`` raises ``Exception(message)`` (only in the operations
listed in ``fail_in`` when given); an ``email`` without ``@`` is a check failure; ``gone: True`` makes
``read`` report the resource as deleted; ``sleep: <seconds>`` delays ``create``.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

_LOCK = threading.Lock()


class EchoProvider(ResourceProvider):
    """Echoes its inputs; fails, rejects or reports deletion on request (see the module docstring)."""

    serialize_as_secret_always = True

    def __init__(self, label: str = "echo") -> None:
        super().__init__()
        self.label = label  # pickled: shows instance state travels by value while the class goes by reference

    def configure(self, req: ConfigureRequest) -> None:
        # Set after unpickling, so never persisted: the right place for config and credentials.
        self.region = req.config.get("aws:region")
        self.token = req.config.get("token")  # no namespace: resolved as "<PULUMI_PROJECT>:token"
        self.calls: list[str] = []

    def _record(self, operation: str, props: dict[str, Any]) -> dict[str, Any]:
        with _LOCK:
            self.calls.append(operation)
            calls = list(self.calls)
        print(f"echo-provider {operation} {props.get('name', '')}", flush=True)
        print(f"echo-provider stderr {operation}", file=sys.stderr, flush=True)
        failure = props.get("fail")
        if isinstance(failure, str) and operation in props.get("fail_in", [operation]):
            raise Exception(failure)
        return {
            "label": self.label,
            "config_region": self.region,
            "config_token": self.token,
            "project": os.environ.get("PULUMI_PROJECT"),
            "calls": calls,
            "types": {key: type(value).__name__ for key, value in props.items() if key != "__provider"},
        }

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        echo = self._record("check", news)
        failures = []
        email = news.get("email")
        if isinstance(email, str) and "@" not in email:
            failures.append(CheckFailure("email", f"{email!r} is not an email address"))
        return CheckResult({**news, **echo}, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        self._record("diff", news)
        if olds.get("name") != news.get("name"):
            return DiffResult(changes=True, replaces=["name"], delete_before_replace=True)
        return DiffResult(changes=olds.get("value") != news.get("value"))

    def create(self, props: dict[str, Any]) -> CreateResult:
        echo = self._record("create", props)
        time.sleep(float(props.get("sleep", 0)))
        return CreateResult(f"id-{props.get('name', 'x')}", {**props, **echo})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        echo = self._record("read", props)
        if props.get("gone"):
            return ReadResult("", {})  # outs must not be None: the server dereferences it
        return ReadResult(id_, {**props, **echo}, inputs={"name": props.get("name"), "refreshed": True})

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        echo = self._record("update", news)
        return UpdateResult({**news, **echo, "previous_value": olds.get("value")})

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        self._record("delete", props)
