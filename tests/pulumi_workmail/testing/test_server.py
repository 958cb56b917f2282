"""Drive the real ``python -m pulumi.dynamic`` server through ``ProviderServer`` with an echo provider."""

from __future__ import annotations

import base64
import os
import pickle
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pulumi.output
import pytest

from pulumi_workmail.testing import (
    PROVIDER_KEY,
    UNKNOWN,
    CheckFailure,
    ProviderError,
    ProviderServer,
    ProviderStartError,
    serialize_provider,
    unwrap_secrets,
    wrap_secret,
    wrap_secrets,
)
from tests.pulumi_workmail.testing.echo_provider import EchoProvider

REPO = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.timeout(60)

# The server imports the echo provider as ``tests.pulumi_workmail.testing.echo_provider``; running it from
# the repository root puts that root on its sys.path (``python -m`` adds the cwd).
REPO_ROOT = Path(__file__).resolve().parents[3]
URN = "urn:pulumi:dev::myproj::pulumi-python:dynamic:Echo::thing"
CONFIG = {"aws:region": "eu-west-1", "myproj:token": "s3cr3t", "other:flag": True}


@pytest.fixture(scope="module")
def server() -> Iterator[ProviderServer]:
    with ProviderServer(project="myproj", config=CONFIG, secret_keys=["myproj:token"], cwd=REPO_ROOT) as running:
        yield running


def pickled(label: str) -> str:
    """A distinct label gives a distinct pickle, hence a fresh, freshly configured instance in the server."""
    return serialize_provider(EchoProvider(label))


def test_server_starts_reports_its_port_and_configure_passes_namespaced_stack_config(
    server: ProviderServer,
) -> None:
    assert server.port is not None and 0 < server.port < 65536
    assert server.plugin_version == "0.1.0"
    assert server.capabilities is not None and not server.capabilities.accept_secrets

    outputs = server.create(URN, {PROVIDER_KEY: pickled("config"), "name": "a"}).outputs

    assert outputs["config_region"] == "eu-west-1"
    assert outputs["project"] == "myproj"


def test_secret_config_value_reaches_configure_unwrapped(server: ProviderServer) -> None:
    outputs = server.create(URN, {PROVIDER_KEY: pickled("secret-config"), "name": "a"}).outputs

    assert outputs["config_token"] == "s3cr3t"


def test_provider_is_pickled_by_reference_and_deterministically() -> None:
    serialized = serialize_provider(EchoProvider("by-ref"))
    raw = base64.b64decode(serialized)

    assert len(serialized) < 300
    assert b"tests.pulumi_workmail.testing.echo_provider" in raw
    assert b"EchoProvider" in raw
    assert not any(marker in raw for marker in (b"_create_code", b"_create_function", b"_create_type"))
    assert serialize_provider(EchoProvider("by-ref")) == serialized
    restored = pickle.loads(raw)
    assert isinstance(restored, EchoProvider) and restored.label == "by-ref"


def test_serialized_provider_round_trips_through_every_operation(server: ProviderServer) -> None:
    provider = pickled("round-trip")
    news = {PROVIDER_KEY: provider, "name": "thing", "value": "v1"}

    checked = server.check(URN, {}, news)
    created = server.create(URN, checked.inputs)
    read = server.read(created.id, URN, created.outputs, checked.inputs)
    newer = {**checked.inputs, "value": "v2"}
    diff = server.diff(created.id, URN, read.outputs, newer, checked.inputs)
    updated = server.update(created.id, URN, read.outputs, newer, checked.inputs)
    server.delete(created.id, URN, updated, newer)

    assert checked.failures == ()
    assert created.id == "id-thing"
    assert read.id == "id-thing" and read.outputs["value"] == "v1"
    assert read.inputs == {"name": "thing", "refreshed": True, PROVIDER_KEY: provider}
    assert (diff.changes, diff.replaces, diff.delete_before_replace) == ("some", (), False)
    assert updated["value"] == "v2" and updated["previous_value"] == "v1"
    for props in (checked.inputs, created.outputs, read.outputs, updated):
        assert props[PROVIDER_KEY] == provider
    assert updated["calls"] == ["check", "create", "read", "diff", "update"]
    assert "echo-provider delete thing" in wait_for_stdout(server, "delete thing")


def test_diff_reports_replacements_and_no_change(server: ProviderServer) -> None:
    provider = pickled("diff")
    olds = {PROVIDER_KEY: provider, "name": "a", "value": 1}

    replace = server.diff("id-a", URN, olds, {**olds, "name": "b"})
    same = server.diff("id-a", URN, olds, dict(olds))

    assert (replace.changes, replace.replaces, replace.delete_before_replace) == ("some", ("name",), True)
    assert (same.changes, same.replaces) == ("none", ())


def test_check_failures_come_back_as_property_and_reason(server: ProviderServer) -> None:
    result = server.check(URN, {}, {PROVIDER_KEY: pickled("check"), "email": "alice"})

    assert result.failures == (CheckFailure("email", "'alice' is not an email address"),)
    assert result.failures[0] == ("email", "'alice' is not an email address")


def test_provider_exception_becomes_provider_error_with_just_the_message(server: ProviderServer) -> None:
    props = {PROVIDER_KEY: pickled("errors"), "fail": "alice@x is already used by user-1"}

    with pytest.raises(ProviderError) as caught:
        server.create(URN, props)

    err = caught.value
    assert str(err) == "alice@x is already used by user-1"
    assert "Traceback" not in str(err)
    assert err.operation == "create"
    assert err.exception_type == "Exception"
    assert err.details.startswith("Traceback (most recent call last):")
    assert "echo_provider.py" in err.details


def test_multiline_exception_message_is_kept_whole(server: ProviderServer) -> None:
    props = {PROVIDER_KEY: pickled("errors"), "fail": "first line\nsecond line", "fail_in": ["update"]}

    with pytest.raises(ProviderError) as caught:
        server.update("id-x", URN, props, props)

    assert str(caught.value) == "first line\nsecond line"
    assert caught.value.operation == "update"


def test_unknowns_sent_in_check_arrive_as_pulumi_unknown(server: ProviderServer) -> None:
    news = {PROVIDER_KEY: pickled("unknowns"), "name": UNKNOWN, "value": pulumi.output.UNKNOWN, "count": 3}

    result = server.check(URN, {}, news)

    assert result.inputs["types"] == {"name": "Unknown", "value": "Unknown", "count": "float"}
    assert result.inputs["name"] == UNKNOWN and result.inputs["value"] == UNKNOWN


def test_secret_inputs_are_stripped_before_they_reach_the_provider(server: ProviderServer) -> None:
    news = {PROVIDER_KEY: wrap_secret(pickled("secrets")), "password": wrap_secret({"pw": "hunter2"})}

    result = server.check(URN, {}, news)

    assert result.inputs["types"]["password"] == "dict"
    assert result.inputs["password"] == {"pw": "hunter2"}


def test_read_returning_an_empty_id_is_reported_as_gone(server: ProviderServer) -> None:
    provider = pickled("gone")

    gone = server.read("id-a", URN, {PROVIDER_KEY: provider, "gone": True})
    present = server.read("id-a", URN, {PROVIDER_KEY: provider})

    assert gone.gone and gone.id == "" and gone.inputs is None
    assert not present.gone and present.id == "id-a"


def test_eight_concurrent_creates_all_succeed(server: ProviderServer) -> None:
    provider = pickled("concurrent")
    delay = 0.4

    def create(index: int) -> str:
        return server.create(URN, {PROVIDER_KEY: provider, "name": f"r{index}", "sleep": delay}).id

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(create, range(8)))

    # That the four workers overlap calls is shown by the runner's journal test (no timing here).
    assert ids == [f"id-r{index}" for index in range(8)]


def test_provider_output_is_captured_in_logs(server: ProviderServer) -> None:
    server.create(URN, {PROVIDER_KEY: pickled("logs"), "name": "logged"})

    assert "echo-provider create logged" in wait_for_stdout(server, "create logged")
    assert "echo-provider stderr create" in server.logs().stderr


def test_calls_after_kill_raise_provider_error_promptly() -> None:
    with ProviderServer(cwd=REPO_ROOT) as server:
        server.kill()
        with pytest.raises(ProviderError, match="exited with code") as caught:
            server.check(URN, {}, {PROVIDER_KEY: pickled("killed")})

    assert caught.value.operation == "check"
    assert server.returncode is not None and server.returncode < 0


def test_server_killed_mid_call_fails_the_call_instead_of_hanging() -> None:
    with ProviderServer(cwd=REPO_ROOT) as server:
        threading.Timer(0.5, server.kill).start()
        with pytest.raises(ProviderError, match="exited with code"):
            server.create(URN, {PROVIDER_KEY: pickled("mid-call"), "sleep": 30})


def test_calls_after_stop_raise_provider_error() -> None:
    with ProviderServer(cwd=REPO_ROOT) as server:
        pass

    with pytest.raises(ProviderError, match="not running"):
        server.delete("id", URN, {PROVIDER_KEY: pickled("stopped")})


def test_server_dying_at_startup_reports_exit_code_and_stderr(tmp_path: Path) -> None:
    # ``python -m`` puts the cwd first on sys.path, so this shadows grpc inside the server.
    (tmp_path / "grpc.py").write_text('raise ImportError("grpc broken on purpose")\n')

    with pytest.raises(ProviderStartError, match="exited with code 1") as caught:
        ProviderServer(cwd=tmp_path).start()

    assert "grpc broken on purpose" in str(caught.value)


def test_unwrap_secrets_recurses_and_reports_top_level_keys() -> None:
    props = {
        "plain": "a",
        "top": wrap_secret("b"),
        "nested": {"inner": [1, wrap_secret("c")]},
    }

    plain, secret_keys = unwrap_secrets(props)

    assert plain == {"plain": "a", "top": "b", "nested": {"inner": [1, "c"]}}
    assert secret_keys == {"top", "nested"}
    assert wrap_secrets(plain, secret_keys)["top"] == wrap_secret("b")
    assert wrap_secrets(plain, secret_keys)["plain"] == "a"


def wait_for_stdout(server: ProviderServer, text: str, timeout: float = 5.0) -> str:
    """Server output is drained by a background thread, so give it a moment to land."""
    deadline = time.monotonic() + timeout
    while text not in server.logs().stdout and time.monotonic() < deadline:
        time.sleep(0.02)
    return server.logs().stdout


def test_the_server_does_not_outlive_a_parent_killed_with_sigkill(tmp_path: Path) -> None:
    """A runner killed mid-up cannot stop its provider process; the process notices and ends itself."""
    pid_file = tmp_path / "server.pid"
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from pulumi_workmail.testing import ProviderServer\n"
            "server = ProviderServer(project='p', config={}).start()\n"
            "open(sys.argv[1], 'w').write(str(server.pid))\n"
            "time.sleep(600)\n",
            str(pid_file),
        ],
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "provider"), os.environ.get("PYTHONPATH", "")])},
    )
    try:
        deadline = time.monotonic() + 60
        while not pid_file.exists() or not pid_file.read_text():
            assert parent.poll() is None and time.monotonic() < deadline, "the parent did not start its server"
            time.sleep(0.05)
        server_pid = int(pid_file.read_text())
        assert _alive(server_pid)
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 30
    while _alive(server_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(server_pid), "the provider server outlived its killed parent"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except FileNotFoundError:
        return False


def test_the_engine_log_server_hands_on_each_message_with_its_resource_severity_and_ephemerality() -> None:
    """What the runner gives its provider process as the engine's address: a provider logging there (as
    ``pulumi_workmail.engine_log`` does) has each message attributed to the resource it names."""
    import grpc
    from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

    from pulumi_workmail.testing._engine import EngineLogServer, LogMessage

    received: list[LogMessage] = []
    server = EngineLogServer(received.append)
    try:
        with grpc.insecure_channel(server.address) as channel:
            stub = engine_pb2_grpc.EngineStub(channel)
            stub.Log(engine_pb2.LogRequest(severity=engine_pb2.WARNING, message="slow", urn=URN), timeout=5)
            stub.Log(engine_pb2.LogRequest(severity=engine_pb2.INFO, message="waiting", urn=URN, ephemeral=True))
    finally:
        server.stop()

    assert received == [LogMessage("warning", "slow", URN), LogMessage("info", "waiting", URN, ephemeral=True)]
