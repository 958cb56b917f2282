"""A client for the real Pulumi Python dynamic-provider server, driven the way the engine drives it.

Unit tests that call a ``ResourceProvider`` directly skip everything that goes wrong in practice: the
pickle round trip of ``__provider``, Configure with the namespaced stack config, secrets being stripped,
unknowns arriving as ``pulumi.output.Unknown``, numbers arriving as floats, and error reporting. This
module launches ``python -m pulumi.dynamic`` (the same server the ``pulumi-resource-pulumi-python`` shim
runs) and speaks Pulumi's provider gRPC protocol to it, so tests and the offline program runner exercise
the exact code path the Pulumi CLI uses.

Property maps go in and come out as plain Python dicts, in the wire form of :mod:`._wire`: unknowns are
its ``UNKNOWN`` sentinel, secrets the shape its ``wrap_secret`` produces.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, Final, cast

import grpc
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from .. import _sdk
from ._process import SERVER_THAT_DIES_WITH_ITS_PARENT, BoundedText, drain
from ._replies import (
    CheckFailure,
    CheckResponse,
    CreateResponse,
    DiffChanges,
    DiffResponse,
    ProviderCapabilities,
    ProviderError,
    ProviderLogs,
    ProviderStartError,
    ReadResponse,
    provider_message,
)
from ._wire import from_struct, is_secret, parse_urn, to_struct, unwrap_secrets, wrap_secret

__all__ = [
    "CheckFailure",
    "CheckResponse",
    "CreateResponse",
    "DiffChanges",
    "DiffResponse",
    "ProviderCapabilities",
    "ProviderError",
    "ProviderLogs",
    "ProviderServer",
    "ProviderStartError",
    "ReadResponse",
    "serialize_provider",
]

_MAX_MESSAGE_BYTES: Final = 400 * 1024 * 1024  # what the server and the engine allow


# --------------------------------------------------------------------------------------------------
# Serialization helpers


serialize_provider = _sdk.serialize_provider


def _config_string(value: Any) -> str:
    """Stack config values are always strings on the wire; structured values travel as JSON text."""
    return value if isinstance(value, str) else json.dumps(value)


def _urn_name_type(urn: str) -> tuple[str, str]:
    """(name, type) as the engine fills them in provider requests; empty for a string that is no URN."""
    parsed = parse_urn(urn)
    return (parsed.name, parsed.type) if parsed is not None else ("", "")


# --------------------------------------------------------------------------------------------------
# The server client


class ProviderServer:
    """Run ``python -m pulumi.dynamic`` and call it as the Pulumi engine does.

    Launch, port line, GetPluginInfo and Configure(stack config) follow the engine's sequence. Every
    call method is thread-safe (gRPC channels are), so tests can mimic the engine's parallel steps; the
    server itself runs four worker threads.

    ``config`` is the stack config with namespaced keys (``"aws:region"``, ``"<project>:key"``). Like the
    engine, values are sent as strings (non-strings JSON-encoded) and the keys in ``secret_keys`` (or
    values already wrapped with :func:`wrap_secret`) are sent as secrets. ``engine_address`` is what the
    server is started with as the engine's address (``host:port`` of an ``Engine`` service such as
    :class:`~._engine.EngineLogServer`, where a provider may log).
    """

    def __init__(
        self,
        *,
        project: str = "project",
        config: Mapping[str, Any] | None = None,
        secret_keys: Iterable[str] = (),
        cwd: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        python: str = sys.executable,
        call_timeout: float = 600.0,
        startup_timeout: float = 60.0,
        stop_timeout: float = 5.0,
        log_limit: int = 1_000_000,
        engine_address: str | None = None,
    ) -> None:
        self.project = project
        # The engine passes its address as the plugin's argument; without one, a placeholder no engine
        # answers at (so a provider that logs through the engine falls back to printing).
        self.engine_address = engine_address or "127.0.0.1:0"
        self.cwd = cwd
        self.python = python
        self.call_timeout = call_timeout
        """gRPC deadline in seconds applied to every call; may be changed at any time."""
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self._config, self._secret_config_keys = self._normalize_config(config or {}, secret_keys)
        self._env_overrides = dict(env or {})
        self._stdout = BoundedText(log_limit)
        self._stderr = BoundedText(log_limit)
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._threads: list[threading.Thread] = []
        self._channel: grpc.Channel | None = None
        self._stub: provider_pb2_grpc.ResourceProviderStub | None = None
        self.port: int | None = None
        self.plugin_version: str | None = None
        self.capabilities: ProviderCapabilities | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    @staticmethod
    def _normalize_config(
        config: Mapping[str, Any], secret_keys: Iterable[str]
    ) -> tuple[dict[str, str], frozenset[str]]:
        secrets = set(secret_keys)
        plain: dict[str, str] = {}
        for key, value in config.items():
            if is_secret(value):
                secrets.add(key)
                value = value.get("value")
            plain[key] = _config_string(value)
        unknown = secrets - plain.keys()
        if unknown:
            raise ValueError(f"secret_keys not present in config: {sorted(unknown)}")
        return plain, frozenset(secrets)

    def _build_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PULUMI_PROJECT"] = self.project
        # Always set, so a PULUMI_CONFIG inherited from an outer Pulumi process cannot leak in.
        env["PULUMI_CONFIG"] = json.dumps(self._config)
        env.update(self._env_overrides)
        return env

    def start(self) -> ProviderServer:
        """Launch the server, read its port, then GetPluginInfo and Configure as the engine does.

        Raises :class:`ProviderStartError` (with the captured stderr) if any of that fails.
        """
        with self._lock:
            if self._process is not None:
                raise RuntimeError("ProviderServer.start() may only be called once; create a new one")
            process = subprocess.Popen(
                [self.python, "-u", "-c", SERVER_THAT_DIES_WITH_ITS_PARENT, self.engine_address],
                cwd=self.cwd,
                env=self._build_env(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            self._process = process
            port_line: queue.Queue[str | None] = queue.Queue(maxsize=1)
            assert process.stdout is not None and process.stderr is not None
            self._threads = [
                threading.Thread(target=drain, args=(process.stdout, self._stdout, port_line), daemon=True),
                threading.Thread(target=drain, args=(process.stderr, self._stderr, None), daemon=True),
            ]
            for thread in self._threads:
                thread.start()
            try:
                self.port = self._await_port(process, port_line)
                self._connect(self.port)
            except BaseException:
                self._shutdown(kill=True)
                raise
        return self

    def _await_port(self, process: subprocess.Popen[bytes], port_line: queue.Queue[str | None]) -> int:
        try:
            line = port_line.get(timeout=self.startup_timeout)
        except queue.Empty:
            raise ProviderStartError(
                f"provider server printed no port within {self.startup_timeout:g} s; stderr:\n{self._stderr.text()}"
            ) from None
        if line is None:
            try:
                code: int | None = process.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                code = None
            self._threads[1].join(timeout=self.stop_timeout)  # let stderr finish draining
            raise ProviderStartError(
                f"provider server exited with code {code} before reporting its port; stderr:\n{self._stderr.text()}"
            )
        text = line.strip()
        if not text.isdigit() or not 0 < int(text) < 65536:
            raise ProviderStartError(
                f"provider server's first stdout line is not a port: {text!r}; stderr:\n{self._stderr.text()}"
            )
        return int(text)

    def _connect(self, port: int) -> None:
        channel = grpc.insecure_channel(
            f"127.0.0.1:{port}",
            options=[
                ("grpc.max_receive_message_length", _MAX_MESSAGE_BYTES),
                ("grpc.max_send_message_length", _MAX_MESSAGE_BYTES),
            ],
        )
        self._channel = channel
        stub = provider_pb2_grpc.ResourceProviderStub(channel)
        timeout = self.startup_timeout
        try:
            grpc.channel_ready_future(channel).result(timeout=timeout)
            info = stub.GetPluginInfo(empty_pb2.Empty(), timeout=timeout)
            args = {
                key: wrap_secret(value) if key in self._secret_config_keys else value
                for key, value in self._config.items()
            }
            response = stub.Configure(
                provider_pb2.ConfigureRequest(
                    args=to_struct(args),
                    acceptSecrets=True,
                    acceptResources=True,
                    sends_old_inputs=True,
                    sends_old_inputs_to_delete=True,
                ),
                timeout=timeout,
            )
        except grpc.FutureTimeoutError:
            raise ProviderStartError(
                f"could not connect to the provider server on port {port}; stderr:\n{self._stderr.text()}"
            ) from None
        except grpc.RpcError as err:
            message, _ = provider_message(_rpc_details(err))
            raise ProviderStartError(
                f"provider server failed its handshake: {message}; stderr:\n{self._stderr.text()}"
            ) from err
        self.plugin_version = info.version
        self.capabilities = ProviderCapabilities(
            accept_secrets=response.acceptSecrets,
            accept_resources=response.acceptResources,
            supports_preview=response.supportsPreview,
            accept_outputs=response.acceptOutputs,
        )
        self._stub = stub

    def stop(self) -> None:
        """Close the channel and terminate the server (SIGKILL after ``stop_timeout``). Idempotent."""
        with self._lock:
            self._shutdown(kill=False)

    def kill(self) -> None:
        """SIGKILL the server, as if it crashed; later calls raise :class:`ProviderError` promptly."""
        process = self._process
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()

    def _shutdown(self, *, kill: bool) -> None:
        channel, self._channel, self._stub = self._channel, None, None
        if channel is not None:
            channel.close()
        process = self._process
        if process is not None and process.poll() is None:
            if kill:
                process.kill()
            else:
                process.terminate()
            try:
                process.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for thread in self._threads:
            thread.join(timeout=self.stop_timeout)

    def __enter__(self) -> ProviderServer:
        if self._process is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def pid(self) -> int | None:
        """The server's process id, once started."""
        return None if self._process is None else self._process.pid

    @property
    def returncode(self) -> int | None:
        """The exit code once the server has exited (negative: killed by that signal), else ``None``."""
        return None if self._process is None else self._process.poll()

    def logs(self) -> ProviderLogs:
        """What the server (and provider code in it) has printed so far; drained asynchronously."""
        return ProviderLogs(stdout=self._stdout.text(), stderr=self._stderr.text())

    # -- calls ---------------------------------------------------------------------------------

    def _request_props(self, props: Mapping[str, Any] | None) -> struct_pb2.Struct:
        """Serialize request properties; secrets are stripped unless Configure accepted them (never)."""
        plain: Mapping[str, Any] = props or {}
        if self.capabilities is None or not self.capabilities.accept_secrets:
            plain, _ = unwrap_secrets(plain)
        return to_struct(plain)

    def _request(self, message: Any, urn: str, props: Mapping[str, Mapping[str, Any] | None], **fields: Any) -> Any:
        """A request as the engine builds one: the URN with its name and type, property maps as Structs."""
        name, type_ = _urn_name_type(urn)
        structs = {key: self._request_props(value) for key, value in props.items()}
        return message(urn=urn, name=name, type=type_, **structs, **fields)

    def _invoke(self, operation: str, method: str, request: Any) -> Any:
        with self._lock:
            stub, process = self._stub, self._process
        if stub is None or process is None:
            raise ProviderError(operation, "provider server is not running (start() it first)")
        code = process.poll()
        if code is not None:
            raise ProviderError(operation, f"provider server process exited with code {code}")
        try:
            return getattr(stub, method)(request, timeout=self.call_timeout)
        except grpc.RpcError as err:
            raise self._error(operation, err, process) from err

    def _error(self, operation: str, err: grpc.RpcError, process: subprocess.Popen[bytes]) -> ProviderError:
        code = cast("grpc.StatusCode | None", err.code()) if hasattr(err, "code") else None
        details = _rpc_details(err)
        if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED, grpc.StatusCode.INTERNAL):
            try:  # a dying process can take a moment to be reaped
                exit_code: int | None = process.wait(timeout=1.0)
            except subprocess.TimeoutExpired:
                exit_code = None
            if exit_code is not None:
                return ProviderError(
                    operation,
                    f"provider server process exited with code {exit_code}",
                    details=details,
                    code=code,
                )
        if code == grpc.StatusCode.DEADLINE_EXCEEDED:
            return ProviderError(
                operation,
                f"provider did not answer {operation} within {self.call_timeout:g} s",
                details=details,
                code=code,
            )
        message, exception_type = provider_message(details)
        return ProviderError(operation, message, details=details, code=code, exception_type=exception_type)

    def check(self, urn: str, olds: Mapping[str, Any] | None, news: Mapping[str, Any]) -> CheckResponse:
        """Check(olds, news). olds are the old *inputs*, or ``{}`` for a create or a replacement."""
        request = self._request(provider_pb2.CheckRequest, urn, {"olds": olds, "news": news})
        response = self._invoke("check", "Check", request)
        return CheckResponse(
            inputs=from_struct(response.inputs),
            failures=tuple(CheckFailure(f.property, f.reason) for f in response.failures),
        )

    def diff(
        self,
        id_: str,
        urn: str,
        olds: Mapping[str, Any],
        news: Mapping[str, Any],
        old_inputs: Mapping[str, Any] | None = None,
        *,
        ignore_changes: Sequence[str] = (),
    ) -> DiffResponse:
        """Diff: olds are the old *outputs*, news the checked inputs (the server ignores ``old_inputs``)."""
        maps = {"olds": olds, "news": news, "old_inputs": old_inputs}
        request = self._request(provider_pb2.DiffRequest, urn, maps, id=id_, ignoreChanges=list(ignore_changes))
        response = self._invoke("diff", "Diff", request)
        changes: DiffChanges = "unknown"
        if response.changes == provider_pb2.DiffResponse.DIFF_NONE:
            changes = "none"
        elif response.changes == provider_pb2.DiffResponse.DIFF_SOME:
            changes = "some"
        return DiffResponse(
            changes=changes,
            replaces=tuple(response.replaces),
            delete_before_replace=response.deleteBeforeReplace,
            diffs=tuple(response.diffs),
        )

    def create(
        self, urn: str, props: Mapping[str, Any], *, preview: bool = False, custom_timeout: float = 0
    ) -> CreateResponse:
        """Create from checked inputs.

        The engine never sends ``preview=True`` here (the server does not claim ``supportsPreview``);
        it is exposed only to probe the server. ``custom_timeout`` is the request's ``timeout`` field.
        """
        request = self._request(
            provider_pb2.CreateRequest, urn, {"properties": props}, preview=preview, timeout=custom_timeout
        )
        response = self._invoke("create", "Create", request)
        return CreateResponse(id=response.id, outputs=from_struct(response.properties))

    def update(
        self,
        id_: str,
        urn: str,
        olds: Mapping[str, Any],
        news: Mapping[str, Any],
        old_inputs: Mapping[str, Any] | None = None,
        *,
        ignore_changes: Sequence[str] = (),
        preview: bool = False,
        custom_timeout: float = 0,
    ) -> dict[str, Any]:
        """Update: olds are the old *outputs*; returns new outputs (the default ``update()`` wipes them)."""
        request = self._request(
            provider_pb2.UpdateRequest,
            urn,
            {"olds": olds, "news": news, "old_inputs": old_inputs},
            id=id_,
            ignoreChanges=list(ignore_changes),
            preview=preview,
            timeout=custom_timeout,
        )
        response = self._invoke("update", "Update", request)
        return from_struct(response.properties)

    def read(
        self,
        id_: str,
        urn: str,
        props: Mapping[str, Any] | None,
        inputs: Mapping[str, Any] | None = None,
        *,
        custom_timeout: float = 0,
    ) -> ReadResponse:
        """Read (refresh): props are the old outputs, inputs the old inputs. Check ``.gone`` for deletion."""
        maps = {"properties": props, "inputs": inputs}
        request = self._request(provider_pb2.ReadRequest, urn, maps, id=id_, timeout=custom_timeout)
        response = self._invoke("read", "Read", request)
        new_inputs = from_struct(response.inputs) if response.HasField("inputs") else None
        return ReadResponse(id=response.id, outputs=from_struct(response.properties), inputs=new_inputs)

    def delete(
        self,
        id_: str,
        urn: str,
        props: Mapping[str, Any],
        old_inputs: Mapping[str, Any] | None = None,
        *,
        custom_timeout: float = 0,
    ) -> None:
        """Delete: props are the old *outputs* (their ``__provider`` is the one used)."""
        maps = {"properties": props, "old_inputs": old_inputs}
        request = self._request(provider_pb2.DeleteRequest, urn, maps, id=id_, timeout=custom_timeout)
        self._invoke("delete", "Delete", request)


def _rpc_details(err: grpc.RpcError) -> str:
    details = err.details() if hasattr(err, "details") else None
    return details if isinstance(details, str) else str(err)
