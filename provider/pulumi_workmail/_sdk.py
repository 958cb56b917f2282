"""The Pulumi SDK internals this package leans on, in one place, with the SDK version they were read for.

The Python SDK offers no API for what the provider needs from its dynamic-provider server (``python -m
pulumi.dynamic``): knowing that it runs inside that server, which engine request a thread is answering
(for warnings on the right resource), and a way to answer an expected failure without a traceback. The
offline runner (``pulumi_workmail.testing``) needs three more: the SDK's own pickling of ``__provider``,
the program's outputs and RPCs still pending, and a way to undo the settings defaults a program run
leaves behind. Each was read from the SDK as of ``SDK_READ_FOR``; the provider's degrade to doing nothing
when the SDK looks different, and ``tests/pulumi_workmail/test_sdk.py`` fails on another SDK version, so
whoever upgrades reads these again. (``_pulumi_workmail_import_hint`` at the top of site-packages, run before any
package is imported, relies on the same server answering a failed call with ``traceback.format_exc()``.)
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.metadata
import sys
from collections.abc import Iterator
from types import FrameType
from typing import Any, cast

SDK_READ_FOR = "3.272"  # major.minor of the pulumi SDK whose server this module was checked against
SERVER_MODULE = "pulumi.dynamic.__main__"
# The server's request handlers (DynamicResourceProviderServicer), each called with ``request``.
REQUEST_HANDLERS = frozenset({"Check", "Diff", "Create", "Read", "Update", "Delete"})


def sdk_version() -> str:
    """The installed SDK's major.minor."""
    return ".".join(importlib.metadata.version("pulumi").split(".")[:2])


def in_provider_server() -> bool:
    """Whether this process is the SDK's dynamic-provider server (run as ``__main__``)."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return getattr(spec, "name", None) == SERVER_MODULE


def request_urn(frame: FrameType | None) -> str:
    """The URN of the engine request a thread is answering, found in the server's handler among the
    callers of ``frame``; "" outside one."""
    while frame is not None:
        if frame.f_code.co_name in REQUEST_HANDLERS and frame.f_globals.get("__name__") in (SERVER_MODULE, "__main__"):
            urn = getattr(frame.f_locals.get("request"), "urn", "")
            if isinstance(urn, str) and urn:
                return urn
        frame = frame.f_back
    return ""


class TracebackShim:
    """Stands in for ``traceback`` inside the server's module, which answers any failed call with
    ``traceback.format_exc()``: for an ``expected`` error the message alone is what a user needs."""

    def __init__(self, real: Any, expected: type[BaseException]) -> None:
        self._real = real
        self._expected = expected

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def format_exc(self, *args: Any, **kwargs: Any) -> str:
        error = sys.exc_info()[1]
        if isinstance(error, self._expected):
            return str(error)
        text: str = self._real.format_exc(*args, **kwargs)
        return text


def install_error_formatter(expected: type[BaseException]) -> None:
    """Patch the server's module (never a user's program), once: ``expected`` errors read as one line."""
    if not in_provider_server():
        return
    main = sys.modules["__main__"]
    current = getattr(main, "traceback", None)
    if current is not None and not isinstance(current, TracebackShim):
        main.traceback = TracebackShim(current, expected)  # type: ignore[attr-defined]


# ------------------------------------------------------------------ for the offline runner

_CONTEXT_DEFAULT = "_ContextProperty__default"  # where pulumi._utils.ContextProperty keeps its default


def serialize_provider(provider: object) -> str:
    """``provider`` pickled into the ``__provider`` string exactly as ``pulumi.dynamic.Resource`` does: the
    SDK's ``serialize_provider`` (dill) inside its serialization context, so that captured secret outputs
    behave as in a program."""
    from pulumi.dynamic.dynamic import serialize_provider as sdk_serialize_provider
    from pulumi.runtime._serialization import _serialize

    serialized, _contains_secrets = _serialize(True, sdk_serialize_provider, provider)
    return cast(str, serialized)


def pending_program_work() -> list[asyncio.Future[Any]]:
    """The outputs and RPCs of the running program that are not done yet (the SDK's own bookkeeping)."""
    from pulumi.runtime import settings

    with settings.SETTINGS.lock:
        pending: list[asyncio.Future[Any]] = [task for task in settings.SETTINGS.outputs if not task.done()]
    rpcs = settings._get_rpc_manager().rpcs
    return pending + [rpc for rpc in rpcs if isinstance(rpc, asyncio.Future) and not rpc.done()]


@contextlib.contextmanager
def preserved_settings_defaults() -> Iterator[None]:
    """Undo ``ContextProperty.fset``'s habit of turning the first value set in a context into the default,
    so one program run does not leak its settings into the next."""
    from pulumi.runtime import settings

    saved = [
        (prop, getattr(prop, _CONTEXT_DEFAULT))
        for prop in vars(settings.Settings).values()
        if hasattr(prop, _CONTEXT_DEFAULT)
    ]
    try:
        yield
    finally:
        for prop, default in saved:
            setattr(prop, _CONTEXT_DEFAULT, default)
