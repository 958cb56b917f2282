"""The engine's Log service, which the runner serves to its provider process as the CLI's engine does.

The engine starts a plugin with the engine's gRPC address as its argument; a provider that logs
through it (``pulumirpc.Engine/Log``) names the resource each message is about, and the CLI shows the
message under that resource. The runner does the same: it serves ``Log`` on a local port, gives that
address to the provider server it starts, and hands every message, with its resource, severity and
whether it is ephemeral, to a callback. So a warning is attributed to the resource whose call raised
it however many calls run at once (the provider takes the URN from the request its thread serves).
What the provider prints instead of logging still goes to its stdout.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass
from typing import Any, Final, Literal

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

Severity = Literal["debug", "info", "warning", "error"]
SEVERITIES: Final[dict[int, Severity]] = {
    engine_pb2.DEBUG: "debug",
    engine_pb2.INFO: "info",
    engine_pb2.WARNING: "warning",
    engine_pb2.ERROR: "error",
}


@dataclass(frozen=True)
class LogMessage:
    """One ``Log`` request: what a provider (or the program) said, about which resource ("" for none)."""

    severity: Severity
    message: str
    urn: str
    ephemeral: bool = False


class _Servicer(engine_pb2_grpc.EngineServicer):
    def __init__(self, receive: Callable[[LogMessage], None]) -> None:
        self._receive = receive

    def Log(self, request: Any, context: Any) -> empty_pb2.Empty:
        self._receive(log_message(request))
        return empty_pb2.Empty()


def log_message(request: Any) -> LogMessage:
    """A ``LogRequest`` as a :class:`LogMessage`."""
    return LogMessage(
        severity=SEVERITIES.get(request.severity, "info"),
        message=request.message,
        urn=request.urn,
        ephemeral=bool(request.ephemeral),
    )


class EngineLogServer:
    """A gRPC server on 127.0.0.1 answering ``Engine/Log`` by calling ``receive`` (from its own threads)."""

    def __init__(self, receive: Callable[[LogMessage], None]) -> None:
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="engine-log"))
        engine_pb2_grpc.add_EngineServicer_to_server(_Servicer(receive), self._server)
        self.port = self._server.add_insecure_port("127.0.0.1:0")
        self._server.start()

    @property
    def address(self) -> str:
        """``host:port``, as the engine passes its address to a plugin."""
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Stop serving; messages still being received are finished first (a second at most)."""
        self._server.stop(grace=1.0).wait()
