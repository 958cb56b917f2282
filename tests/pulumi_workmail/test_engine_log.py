"""Warnings through the engine's Log service: where they go, and the URN they name."""

from __future__ import annotations

import sys
from types import SimpleNamespace
from typing import Any

import pytest

from pulumi_workmail import engine_log

URN = "urn:pulumi:dev::proj::pulumi-python:dynamic/workmail:EntityPrimaryEmail::alice-primary"


def server_handler() -> Any:
    """A ``Create(self, request, context)`` defined in the provider server's module, calling us."""
    namespace: dict[str, Any] = {"__name__": "pulumi.dynamic.__main__", "current_urn": engine_log.current_urn}
    exec("def Create(self, request, context):\n    return current_urn()\n", namespace)
    return namespace["Create"]


def test_current_urn_is_that_of_the_request_being_served() -> None:
    assert server_handler()(None, SimpleNamespace(urn=URN), None) == URN


def test_current_urn_is_empty_outside_a_request() -> None:
    assert engine_log.current_urn() == ""


def test_no_engine_outside_the_provider_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["pytest", "127.0.0.1:4000"])
    assert engine_log.engine_address() is None, "only the dynamic provider server the engine started logs"


@pytest.mark.parametrize(
    ("argv", "address"),
    [
        (["__main__.py", "127.0.0.1:42021"], "127.0.0.1:42021"),
        (["__main__.py", "--logtostderr", "-v=9", "localhost:5000"], "localhost:5000"),
        (["__main__.py", "[::1]:5000"], "[::1]:5000"),
        (["__main__.py"], None),
        (["__main__.py", "not an address"], None),
    ],
)
def test_engine_address_is_the_servers_argument(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], address: str | None
) -> None:
    monkeypatch.setitem(
        sys.modules, "__main__", SimpleNamespace(__spec__=SimpleNamespace(name="pulumi.dynamic.__main__"))
    )
    monkeypatch.setattr(sys, "argv", argv)
    assert engine_log.engine_address() == address
