"""The HTTP server: WorkMail's API on ``POST /`` and the emulator's own admin API under ``/_emulator/``.

Besides serving the API it counts calls, injects faults (throttling, server errors, latency, dropped
connections), checks SigV4 credentials the way AWS refuses them (the access key id only, or the whole
signature when ``credentials`` are given; see ``sigv4``), and persists state atomically.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import socket
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__, sigv4
from . import exceptions as exc
from .backend import Backend
from .models import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, REGION
from .responses import dispatch, encode, operation_name, parse_body
from .settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_workmail import WorkMailClient

MAX_BODY = 1024 * 1024
ADMIN_PREFIX = "/_emulator/"
_ACCOUNT_ID = re.compile(r"[0-9]{12}")
_STATUS_ERRORS = {
    500: "InternalFailure",
    503: "ServiceUnavailable",
    429: "ThrottlingException",
    400: "ThrottlingException",
}


# How long a connection may send nothing before the server closes it: long enough for any client's
# keep-alive pause, short enough that a stalled client does not hold a worker thread forever.
REQUEST_TIMEOUT_SECONDS = 60.0


class StateFileError(Exception):
    """The state file cannot be used: unreadable at start (left untouched), or unwritable (change undone)."""


@dataclass
class FaultRule:
    """One ``POST /_emulator/faults`` rule; see the README for the semantics."""

    operation: str = "*"
    error: str | None = None
    status: int | None = None
    rate: float | None = None
    every: int | None = None
    latency_ms: int = 0
    count: int | None = None
    drop: bool = False
    after: bool = False  # fire after the operation ran: "write applied, answer lost"
    matched: int = 0
    fired: int = 0

    @classmethod
    def parse(cls, body: Any) -> FaultRule:
        if not isinstance(body, dict):
            raise ValueError("a fault rule is a JSON object")
        allowed = {"operation", "error", "status", "rate", "every", "latency_ms", "count", "drop", "after"}
        unknown = set(body) - allowed
        if unknown:
            raise ValueError(f"unknown fault rule keys: {', '.join(sorted(unknown))}")
        rule = cls(**body)
        if not isinstance(rule.operation, str) or not rule.operation:
            raise ValueError("operation must be an operation name or '*'")
        if rule.status is not None and rule.status not in (400, 403, 429, 500, 502, 503, 504):
            raise ValueError("status must be one of 400, 403, 429, 500, 502, 503, 504")
        if rule.rate is not None and not (isinstance(rule.rate, (int, float)) and 0 <= rule.rate <= 1):
            raise ValueError("rate must be between 0 and 1")
        for name in ("every", "count", "latency_ms"):
            value = getattr(rule, name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                raise ValueError(f"{name} must be a non-negative integer")
        if rule.every == 0:
            raise ValueError("every must be at least 1")
        return rule

    def fires(self, op: str, rng: random.Random) -> bool:
        if self.operation not in ("*", op) or (self.count is not None and self.fired >= self.count):
            return False
        self.matched += 1
        if self.every:
            hit = self.matched % self.every == 0
        elif self.rate is not None:
            hit = rng.random() < self.rate
        else:
            hit = True
        self.fired += hit
        return hit

    def error_response(self) -> exc.WorkMailError | None:
        if self.error is None and self.status is None:
            return None
        status = self.status or exc.DEFAULT_FAULT_STATUS.get(self.error or "", 400)
        code = self.error or _STATUS_ERRORS.get(status, "InternalFailure")
        return exc.WorkMailError(f"Injected fault: {code}.", code=code, status=status)


class Emulator:
    """A running (or startable) emulator; ``running()`` is the convenient way to get one."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        settings: dict[str, Any] | None = None,
        access_keys: list[str] | None = None,
        credentials: Mapping[str, str] | None = None,
        state_file: str | os.PathLike[str] | None = None,
        seed: dict[str, Any] | None = None,
        verbose: bool = False,
        request_timeout: float = REQUEST_TIMEOUT_SECONDS,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID,
    ) -> None:
        """``access_keys`` lets only those key ids in; ``credentials`` ({key id: secret}) lets only those in
        and verifies their SigV4 signatures. Given both, keys of either are let in. A connection that sends
        nothing for ``request_timeout`` seconds (a stalled request, an idle keep-alive) is closed.
        ``region`` and ``account_id`` are where the emulated service says it runs (ARNs, DNS records)."""
        if not REGION.fullmatch(region):
            raise ValueError(f"invalid region {region!r}: lowercase letters, digits and dashes, like us-east-1")
        if not _ACCOUNT_ID.fullmatch(account_id):
            raise ValueError(f"invalid account id {account_id!r}: an AWS account id is 12 digits")
        self.request_timeout = request_timeout
        self.backend = Backend(Settings(), region=region, account_id=account_id)
        self.access_keys = set(access_keys or [])
        self.credentials = _check_credentials(credentials or {})
        self.state_file = Path(state_file) if state_file else None
        self.verbose = verbose
        self.stats: Counter[str] = Counter()
        self.faults: list[FaultRule] = []
        self.rng = random.Random()
        self._meta_lock = threading.Lock()
        self._save_lock = threading.Lock()
        self._saved: str | None = None
        self.seed_result: dict[str, Any] | None = None
        fresh = True
        if self.state_file is not None and self.state_file.exists():
            try:
                self.backend.load_json(_read_state(self.state_file))
            except ValueError as error:
                raise StateFileError(
                    f"cannot use state file {self.state_file}: {error}; fix or move it (left untouched)"
                ) from None
            fresh = False
        if settings:
            self.backend.settings.update(settings)
        if seed is not None and fresh:
            self.seed_result = self.backend.seed(seed)
        if self.state_file is not None:
            self.backend.on_change = self.save
            self.save()
        self.httpd = _Server((host, port), _Handler)
        self.httpd.emulator = self
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Emulator:
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="workmail-emulator", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.save()

    def save(self) -> None:
        """Write state atomically (temp file, fsync, rename) so a crash never leaves a torn file.

        A write the disk refuses is undone in memory too, so what the emulator answers always matches
        what it would load after a restart; the caller gets a ``StateFileError`` to answer with."""
        if self.state_file is None:
            return
        # One lock order everywhere, the backend's first: admin calls save while holding it.
        with self.backend.lock, self._save_lock:
            data = json.dumps(self.backend.to_json(), indent=1, sort_keys=True)
            if data == self._saved:
                return
            try:
                self._write(data)
            except OSError as error:
                if self._saved is not None:
                    self.backend.load_json(json.loads(self._saved))
                reason = error.strerror or str(error)
                raise StateFileError(
                    f"the emulator cannot write its state file {self.state_file} ({reason}); "
                    "the change was not applied: free space or fix the permissions, then retry"
                ) from None
            self._saved = data

    def _write(self, data: str) -> None:
        assert self.state_file is not None
        directory = self.state_file.parent
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".state-", dir=directory)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.state_file)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def writing(self) -> AbstractContextManager[object]:
        """Held around a WorkMail call and its save, so a refused save undoes exactly that call."""
        return self.backend.lock if self.state_file is not None else nullcontext()

    def client(self, max_attempts: int = 1, **kwargs: Any) -> WorkMailClient:
        """A real boto3 WorkMail client for this emulator: dummy credentials, or the first configured ones
        so that it also passes strict mode."""
        import boto3
        from botocore.config import Config

        config = Config(retries={"mode": "standard", "total_max_attempts": max_attempts})
        key, secret = next(iter(self.credentials.items()), ("AKIDEMULATOR", "emulator-secret"))
        params: dict[str, Any] = {
            "endpoint_url": self.url,
            "region_name": self.backend.region,
            "aws_access_key_id": key,
            "aws_secret_access_key": secret,
            "config": config,
        }
        params.update(kwargs)
        return boto3.client("workmail", **params)

    def admin(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """Call the admin API over HTTP, as other processes do."""
        import http.client

        host, port = self.httpd.server_address[:2]
        conn = http.client.HTTPConnection(str(host), int(port), timeout=30)
        try:
            payload = None if body is None else json.dumps(body)
            conn.request(method, path, body=payload, headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            raw = response.read()
            return response.status, (json.loads(raw) if raw else None)
        finally:
            conn.close()

    # --------------------------------------------------------------- hooks

    def choose_fault(self, op: str) -> FaultRule | None:
        with self._meta_lock:
            self.stats[op] += 1
            for rule in self.faults:
                if rule.fires(op, self.rng):
                    return rule
        return None

    def check_auth(self, method: str, path: str, headers: Message, body: bytes) -> None:
        """Refuse the request as AWS would: no SigV4 header, an unknown key id, or (strict mode) a bad signature."""
        key = sigv4.access_key_id(headers.get("Authorization"))
        if key is None:
            raise exc.MissingAuthenticationTokenException("Missing Authentication Token")
        if (self.access_keys or self.credentials) and key not in self.access_keys and key not in self.credentials:
            raise exc.UnrecognizedClientException("The security token included in the request is invalid.")
        secret = self.credentials.get(key)
        if secret is not None:
            sigv4.verify(method, path, headers, body, secret)

    def handle_admin(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        """Answer an admin API call: the handler ``ADMIN_ROUTES`` names for (method, route), or 404."""
        handler = ADMIN_ROUTES.get((method, path[len(ADMIN_PREFIX) :].strip("/")))
        if handler is None:
            return 404, {"error": f"no admin endpoint {method} {path}"}
        return handler(self, body)

    # ------------------------------------------------------- admin handlers

    def _admin_reset(self, body: Any) -> tuple[int, Any]:
        self.backend.reset()
        with self._meta_lock:
            self.faults.clear()
            self.stats.clear()
        return 200, {}

    def _admin_seed(self, body: Any) -> tuple[int, Any]:
        return 200, self.backend.seed(body)

    def _admin_verify_domain(self, body: Any) -> tuple[int, Any]:
        if not isinstance(body, dict) or not {"organization_id", "domain"} <= set(body):
            raise ValueError('send {"organization_id": "m-…", "domain": "example.com"}')
        try:
            self.backend.verify_domain(body["organization_id"], body["domain"])
        except exc.WorkMailError as error:
            return 404, {"error": error.message}
        return 200, {}

    def _admin_stats(self, body: Any) -> tuple[int, Any]:
        with self._meta_lock:
            return 200, {"calls": dict(self.stats), "total": sum(self.stats.values())}

    def _admin_reset_stats(self, body: Any) -> tuple[int, Any]:
        with self._meta_lock:
            self.stats.clear()
        return 200, {}

    def _admin_add_fault(self, body: Any) -> tuple[int, Any]:
        rule = FaultRule.parse(body)
        with self._meta_lock:
            self.faults.append(rule)
            return 200, {"rules": len(self.faults)}

    def _admin_clear_faults(self, body: Any) -> tuple[int, Any]:
        with self._meta_lock:
            self.faults.clear()
        return 200, {}

    def _admin_list_faults(self, body: Any) -> tuple[int, Any]:
        with self._meta_lock:
            return 200, {"rules": [vars(r).copy() for r in self.faults]}

    def _admin_consistency(self, body: Any) -> tuple[int, Any]:
        reads = body.get("lag_reads") if isinstance(body, dict) else None
        if not isinstance(reads, int) or isinstance(reads, bool) or reads < 0:
            raise ValueError('send {"lag_reads": n} with n >= 0')
        self.backend.set_lag(reads)
        return 200, {"lag_reads": reads}

    def _admin_get_settings(self, body: Any) -> tuple[int, Any]:
        return 200, self.backend.settings.to_dict()

    def _admin_update_settings(self, body: Any) -> tuple[int, Any]:
        if not isinstance(body, dict):
            raise ValueError("send a JSON object of settings")
        with self.backend.lock:
            self.backend.settings.update(body)
        return 200, self.backend.settings.to_dict()

    def _admin_state(self, body: Any) -> tuple[int, Any]:
        return 200, self.backend.to_json()

    def _admin_health(self, body: Any) -> tuple[int, Any]:
        return 200, {"ok": True}


AdminHandler = Callable[[Emulator, Any], tuple[int, Any]]

# (HTTP method, path under /_emulator/) -> handler; the handler gets the parsed JSON body (or None).
ADMIN_ROUTES: dict[tuple[str, str], AdminHandler] = {
    ("POST", "reset"): Emulator._admin_reset,
    ("POST", "seed"): Emulator._admin_seed,
    ("POST", "domains/verify"): Emulator._admin_verify_domain,
    ("GET", "stats"): Emulator._admin_stats,
    ("POST", "stats/reset"): Emulator._admin_reset_stats,
    ("POST", "faults"): Emulator._admin_add_fault,
    ("DELETE", "faults"): Emulator._admin_clear_faults,
    ("GET", "faults"): Emulator._admin_list_faults,
    ("POST", "consistency"): Emulator._admin_consistency,
    ("GET", "settings"): Emulator._admin_get_settings,
    ("POST", "settings"): Emulator._admin_update_settings,
    ("GET", "state"): Emulator._admin_state,
    ("GET", "health"): Emulator._admin_health,
}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    emulator: Emulator


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so boto3 reuses connections
    server: _Server
    server_version = f"WorkMailEmulator/{__version__}"

    def setup(self) -> None:
        super().setup()
        # A stalled request or idle keep-alive ends here instead of holding a worker thread forever.
        self.connection.settimeout(self.server.emulator.request_timeout)
        # Headers and body go out in two writes; without this, Nagle's algorithm and delayed ACKs stall
        # every keep-alive response by ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.emulator.verbose:
            super().log_message(format, *args)

    def handle(self) -> None:
        # A client that hangs up mid-answer is routine (timeouts, dropped-connection faults), not an error.
        with contextlib.suppress(ConnectionError):
            super().handle()

    def _body(self) -> bytes | None:
        """The request body; None (after answering) when it cannot be read, and the connection closes."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
            if length < 0:
                raise ValueError(length)
        except ValueError:
            self.close_connection = True
            self._send_error(exc.SerializationException("The Content-Length header is not a valid length."))
            return None
        if length > MAX_BODY:
            self.close_connection = True
            self._send_error(exc.RequestEntityTooLargeException(f"The request body exceeds {MAX_BODY} bytes."))
            return None
        raw = self.rfile.read(length) if length else b""
        if len(raw) < length:  # the client went away mid-body: nothing to answer
            self.close_connection = True
            return None
        return raw

    def _send(self, status: int, payload: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(payload)

    def _send_error(self, error: exc.WorkMailError) -> None:
        self._send(error.status, encode(error.body()), "application/x-amz-json-1.1")

    def do_GET(self) -> None:
        self._admin("GET")

    def do_DELETE(self) -> None:
        self._admin("DELETE")

    def do_POST(self) -> None:
        if self.path.startswith(ADMIN_PREFIX):
            self._admin("POST")
            return
        raw = self._body()
        if raw is None:
            return
        emulator = self.server.emulator
        name = operation_name(self.headers.get("X-Amz-Target"))
        rule = emulator.choose_fault(name or "(none)")
        if rule is not None and not rule.after and self._inject(rule):
            return
        try:
            emulator.check_auth("POST", self.path, self.headers, raw)
            params = parse_body(self.headers.get("Content-Type"), raw)
            with emulator.writing():
                region = sigv4.signing_region(self.headers.get("Authorization"))
                result, mutating = dispatch(emulator.backend, name, params, region)
                if mutating:
                    emulator.backend.notify_changed()
        except StateFileError as error:
            self._send_error(exc.InternalFailure(str(error)))
            return
        except exc.WorkMailError as error:
            self._send_error(error)
            return
        except Exception as error:  # a bug in the emulator must still look like AWS
            self._send_error(exc.InternalFailure(f"Internal error: {error!r}"))
            return
        if rule is not None and rule.after and self._inject(rule):
            return
        self._send(200, encode(result), "application/x-amz-json-1.1")

    def _inject(self, rule: FaultRule) -> bool:
        """Apply a fired rule; True when it answered (or dropped) the request itself."""
        if rule.latency_ms:
            time.sleep(rule.latency_ms / 1000)
        if rule.drop:
            self.close_connection = True
            return True
        injected = rule.error_response()
        if injected is not None:
            self._send_error(injected)
            return True
        return False

    def _admin(self, method: str) -> None:
        if not self.path.startswith(ADMIN_PREFIX):
            self._send(404, encode({"error": "not found"}), "application/json")
            return
        raw = self._body()
        if raw is None:
            return
        try:
            body = json.loads(raw) if raw.strip() else None
            status, answer = self.server.emulator.handle_admin(method, self.path.split("?")[0], body)
        except StateFileError as error:
            status, answer = 500, {"error": str(error)}
        except (ValueError, TypeError, RecursionError) as error:
            status, answer = 400, {"error": str(error) or type(error).__name__}
        except Exception as error:  # a bug in the emulator still gets an answer
            status, answer = 500, {"error": f"internal error: {error!r}"}
        self._send(status, encode(answer), "application/json")


def _check_credentials(credentials: Mapping[str, str]) -> dict[str, str]:
    """Key ids and secrets must be non-empty strings; a key id cannot hold "/", "," or spaces (the scope's)."""
    for key, secret in credentials.items():
        if not isinstance(key, str) or not sigv4.ACCESS_KEY_ID.fullmatch(key):
            raise ValueError(f"invalid access key id in credentials: {key!r}")
        if not isinstance(secret, str) or not secret:
            raise ValueError(f"the secret of access key id {key} must be a non-empty string")
    return dict(credentials)


def _read_state(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return data
    except RecursionError:
        raise StateFileError(
            f"cannot read state file {path}: nested too deeply; fix or move it (left untouched)"
        ) from None
    except (OSError, ValueError) as error:
        raise StateFileError(
            f"cannot read state file {path}: {error}; fix or move it (it was left untouched)"
        ) from None


@contextmanager
def running(
    seed: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,
    access_keys: list[str] | None = None,
    state_file: str | os.PathLike[str] | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    credentials: Mapping[str, str] | None = None,
    request_timeout: float = REQUEST_TIMEOUT_SECONDS,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT_ID,
) -> Iterator[Emulator]:
    """Run an emulator in this process for the duration of the block."""
    emulator = Emulator(
        host,
        port,
        settings=settings,
        access_keys=access_keys,
        credentials=credentials,
        state_file=state_file,
        seed=seed,
        request_timeout=request_timeout,
        region=region,
        account_id=account_id,
    )
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()
