"""Warnings the Pulumi CLI shows as warnings of the resource they concern.

A provider's stdout reaches the CLI only as plain messages of the stack. The engine's own Log service
does better: a WARNING there is counted and shown under the resource it names. The Python dynamic
provider server is started with the engine's address as its argument, but the SDK never calls back; this
module does, for our warnings only. The resource's URN is the one of the engine call being served: it
is found in the provider server's request handler, a caller of ours on the same thread. Anywhere else
(a provider run in-process by tests, the offline runner, an engine that refuses) it reports False and
the caller prints instead.
"""

from __future__ import annotations

import re
import sys
import threading
from types import FrameType
from typing import Any

from . import _sdk

# host:port, as the engine passes its address (IPv4, a name, or [IPv6]).
_ADDRESS = re.compile(r"^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$")
_TIMEOUT_SECONDS = 5.0

_lock = threading.Lock()
_stub: Any = None
_unavailable = False


def engine_address() -> str | None:
    """The engine's address when this process is the dynamic provider server the engine started."""
    if not _sdk.in_provider_server():
        return None
    candidates = [arg for arg in sys.argv[1:] if _ADDRESS.match(arg)]
    return candidates[-1] if candidates else None


def current_urn(frame: FrameType | None = None) -> str:
    """The URN of the engine request this thread is answering, or "" outside one."""
    return _sdk.request_urn(frame or sys._getframe(1))


def _engine() -> Any:
    global _stub, _unavailable
    with _lock:
        if _stub is None and not _unavailable:
            address = engine_address()
            if address is None:
                _unavailable = True
            else:
                import grpc
                from pulumi.runtime.proto import engine_pb2_grpc

                _stub = engine_pb2_grpc.EngineStub(grpc.insecure_channel(address))
        return _stub


def warning(message: str) -> bool:
    """Send ``message`` to the engine as a warning of the current resource; False where it cannot."""
    return _log(message, warning=True, frame=sys._getframe(1))


def info(message: str, *, ephemeral: bool = True) -> bool:
    """A note on the current resource: passing (ephemeral) on its row, such as what a wait is waiting for,
    or kept and listed under the resource when ``ephemeral`` is False."""
    return _log(message, warning=False, frame=sys._getframe(1), ephemeral=ephemeral)


def _log(message: str, *, warning: bool, frame: FrameType, ephemeral: bool = True) -> bool:
    stub = _engine()
    if stub is None:
        return False
    from pulumi.runtime.proto import engine_pb2

    request = engine_pb2.LogRequest(
        severity=engine_pb2.WARNING if warning else engine_pb2.INFO,
        message=message,
        urn=current_urn(frame),
        ephemeral=ephemeral and not warning,
    )
    try:
        stub.Log(request, timeout=_TIMEOUT_SECONDS)
    except Exception:  # an engine that has gone or refuses: the caller prints instead
        return False
    return True
