"""The Pulumi SDK internals the provider leans on, in one place, with the SDK version they were read for.

The Python SDK's dynamic-provider server (``python -m pulumi.dynamic``) has no API for what the provider
needs from it: knowing that it runs inside that server, which engine request a thread is answering (for
warnings on the right resource), and a way to answer an expected failure without a traceback. Each is
found by reading the server's module as of ``SDK_READ_FOR``; each degrades to doing nothing when the
SDK looks different, and ``tests/pulumi_workmail/test_sdk.py`` fails on another SDK version, so whoever
upgrades reads these again. (``_pulumi_workmail_import_hint`` at the top of site-packages, run before any
package is imported, relies on the same server answering a failed call with ``traceback.format_exc()``.)
"""

from __future__ import annotations

import importlib.metadata
import sys
from types import FrameType
from typing import Any

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
