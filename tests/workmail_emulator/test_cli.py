"""The command line: python -m workmail_emulator and the workmail-emulator console script.

The entry points and --state-file: first stdout line is the URL, start
in under 2 s, clean shutdown on SIGTERM/SIGINT with state saved, atomic
state writes, corrupt state file -> clear error and the file left untouched.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.config import Config

from workmail_emulator import Emulator, running
from workmail_emulator.server import StateFileError

from ..aws_env import isolate_aws
from .emulator_testlib import raises_code, standard_seed

ISOLATION = ("AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_EC2_METADATA_DISABLED")

if TYPE_CHECKING:
    from mypy_boto3_workmail import WorkMailClient

URL_RE = re.compile(r"^http://127\.0\.0\.1:(\d+)$")
BIN = Path(sys.executable).parent


class Server:
    def __init__(self, args: list[str], cmd: list[str] | None = None) -> None:
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [*(cmd or [sys.executable, "-m", "workmail_emulator"]), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.first_line: str | None = None
        self.startup_seconds: float | None = None

    def read_url(self, timeout: float = 10.0) -> str:
        box: list[str] = []
        assert self.proc.stdout is not None
        stdout = self.proc.stdout
        t = threading.Thread(target=lambda: box.append(stdout.readline()), daemon=True)
        t.start()
        t.join(timeout)
        assert box, f"no stdout line within {timeout} s"
        self.startup_seconds = time.monotonic() - self.started
        self.first_line = box[0].rstrip("\n")
        return self.first_line

    def client(self, url: str, key: str = "AKIDEMULATOR", region: str = "us-east-1") -> WorkMailClient:
        return boto3.session.Session().client(
            "workmail",
            region_name=region,
            endpoint_url=url,
            aws_access_key_id=key,
            aws_secret_access_key="secret",
            config=Config(retries={"total_max_attempts": 1}),
        )

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> tuple[int, str]:
        self.proc.send_signal(sig)
        try:
            _, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
            pytest.fail(f"emulator did not exit within {timeout} s after signal {sig}")
        return self.proc.returncode, err

    def wait_exit(self, timeout: float = 10.0) -> tuple[int, str]:
        try:
            _, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
            pytest.fail(f"emulator still running after {timeout} s")
        return self.proc.returncode, err

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


@pytest.fixture
def spawn() -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []

    def start(*args: str, cmd: list[str] | None = None) -> Server:
        s = Server(list(args), cmd)
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.kill()


def _admin(url: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    assert parts.hostname is not None
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        data = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        raw = resp.read()
        return resp.status, json.loads(raw) if raw else None
    finally:
        conn.close()


def test_prints_url_first_within_two_seconds_and_serves(spawn: Callable[..., Server]) -> None:
    server = spawn("--port", "0")
    url = server.read_url()
    assert URL_RE.match(url), url
    assert server.startup_seconds is not None  # how fast: measured by `make bench` (emulator-startup)
    client = server.client(url)
    assert client.list_organizations()["OrganizationSummaries"] == []
    rc, err = server.stop(signal.SIGTERM)
    assert rc == 0, err
    assert "Traceback" not in err


def test_sigint_shuts_down_cleanly(spawn: Callable[..., Server]) -> None:
    server = spawn("--port", "0")
    url = server.read_url()
    server.client(url).create_organization(Alias="sigint")
    rc, err = server.stop(signal.SIGINT)
    assert rc in (0, 130), (rc, err)
    assert "Traceback" not in err


def test_explicit_host_and_port(spawn: Callable[..., Server]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = spawn("--host", "127.0.0.1", "--port", str(port))
    assert server.read_url() == f"http://127.0.0.1:{port}"
    server.stop()


def test_console_script_does_the_same(spawn: Callable[..., Server]) -> None:
    script = BIN / "workmail-emulator"
    if not script.exists():
        pytest.skip("workmail-emulator console script is not installed in this environment")
    server = spawn("--port", "0", cmd=[str(script)])
    url = server.read_url()
    assert URL_RE.match(url)
    assert server.client(url).list_organizations()["OrganizationSummaries"] == []
    rc, _ = server.stop()
    assert rc == 0


def test_state_file_persists_across_restart(spawn: Callable[..., Server], tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    first = spawn("--port", "0", "--state-file", str(state))
    url = first.read_url()
    wm = first.client(url)
    org = wm.create_organization(Alias="persist")["OrganizationId"]
    wm.register_mail_domain(OrganizationId=org, DomainName="persist.example")
    status, _ = _admin(url, "POST", "/_emulator/domains/verify", {"organization_id": org, "domain": "persist.example"})
    assert status == 200
    uid = wm.create_user(OrganizationId=org, Name="pat", DisplayName="Pat")["UserId"]
    wm.register_to_work_mail(OrganizationId=org, EntityId=uid, Email="pat@persist.example")
    wm.update_primary_email_address(OrganizationId=org, EntityId=uid, Email="p@persist.example")
    gone = wm.create_user(OrganizationId=org, Name="gone", DisplayName="Gone")["UserId"]
    wm.delete_user(OrganizationId=org, UserId=gone)
    rc, err = first.stop()
    assert rc == 0, err
    assert state.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"], "temporary files left behind"

    second = spawn("--port", "0", "--state-file", str(state))
    url2 = second.read_url()
    wm2 = second.client(url2)
    desc = wm2.describe_organization(OrganizationId=org)
    assert (desc["Alias"], desc["State"]) == ("persist", "Active")
    user = wm2.describe_user(OrganizationId=org, UserId=uid)
    assert (user["State"], user["Email"]) == ("ENABLED", "p@persist.example")
    assert wm2.list_aliases(OrganizationId=org, EntityId=uid)["Aliases"] == ["pat@persist.example"]
    dom = wm2.get_mail_domain(OrganizationId=org, DomainName="persist.example")
    assert dom["OwnershipVerificationStatus"] == "VERIFIED"
    assert wm2.describe_user(OrganizationId=org, UserId=gone)["State"] == "DELETED"
    # Uniqueness rules still hold after loading.
    with raises_code("EmailAddressInUseException"):
        other = wm2.create_user(OrganizationId=org, Name="other", DisplayName="O")["UserId"]
        wm2.register_to_work_mail(OrganizationId=org, EntityId=other, Email="pat@persist.example")
    second.stop()


def test_state_is_saved_on_sigint(spawn: Callable[..., Server], tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    first = spawn("--port", "0", "--state-file", str(state))
    url = first.read_url()
    org = first.client(url).create_organization(Alias="viasigint")["OrganizationId"]
    first.stop(signal.SIGINT)
    second = spawn("--port", "0", "--state-file", str(state))
    url2 = second.read_url()
    assert second.client(url2).describe_organization(OrganizationId=org)["Alias"] == "viasigint"
    second.stop()


def test_missing_state_file_starts_empty_and_is_created(spawn: Callable[..., Server], tmp_path: Path) -> None:
    state = tmp_path / "sub" / "state.json"
    state.parent.mkdir()
    server = spawn("--port", "0", "--state-file", str(state))
    url = server.read_url()
    assert server.client(url).list_organizations()["OrganizationSummaries"] == []
    rc, _ = server.stop()
    assert rc == 0
    assert state.exists()


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2, 3]", b"", b'{"organizations": "broken"}'])
def test_corrupt_state_file_fails_clearly_and_is_left_untouched(
    spawn: Callable[..., Server], tmp_path: Path, content: bytes
) -> None:
    state = tmp_path / "state.json"
    state.write_bytes(content)
    before = state.stat().st_mtime_ns
    server = spawn("--port", "0", "--state-file", str(state))
    rc, err = server.wait_exit(timeout=10)
    assert rc != 0
    assert err.strip(), "expected an error message on stderr"
    assert "state" in err.lower() or str(state) in err
    assert "Traceback" not in err
    assert state.read_bytes() == content
    assert state.stat().st_mtime_ns == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]


def test_seed_file_is_loaded_at_start(spawn: Callable[..., Server], tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(standard_seed()))
    server = spawn("--port", "0", "--seed", str(seed))
    url = server.read_url()
    wm = server.client(url)
    (summary,) = wm.list_organizations()["OrganizationSummaries"]
    assert summary["Alias"] == "acme"
    org = summary["OrganizationId"]
    assert wm.describe_user(OrganizationId=org, UserId="alice")["Email"] == "alice@example.com"
    assert wm.list_aliases(OrganizationId=org, EntityId=wm.describe_user(OrganizationId=org, UserId="alice")["UserId"])[
        "Aliases"
    ] == ["al@example.com"]
    server.stop()


def _env_lines(server: Server) -> list[str]:
    """The --print-env block, up to its (one seeded organization's) closing comment."""
    assert server.proc.stdout is not None
    lines: list[str] = []
    while not lines or not lines[-1].startswith("# organization"):
        line = server.proc.stdout.readline()
        assert line, f"the emulator stopped printing after {lines}"
        lines.append(line.rstrip("\n"))
    return lines


def test_print_env_gives_shell_lines_that_reach_the_emulator_and_name_the_seeded_organization(
    spawn: Callable[..., Server], tmp_path: Path
) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(standard_seed()))
    server = spawn("--port", "0", "--seed", str(seed), "--print-env")
    url = server.read_url()
    assert server.proc.stdout is not None
    seeded = json.loads(server.proc.stdout.readline())
    lines = _env_lines(server)
    exports = dict(line.removeprefix("export ").split("=", 1) for line in lines if line.startswith("export "))
    assert exports["AWS_ENDPOINT_URL_WORKMAIL"] == url
    assert set(exports) == {
        "AWS_ENDPOINT_URL_WORKMAIL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
    }
    org = seeded["organizations"]["acme"]["id"]
    assert f"# organization acme: {org}" in lines
    wm = boto3.session.Session().client(
        "workmail",
        region_name=exports["AWS_REGION"],
        endpoint_url=exports["AWS_ENDPOINT_URL_WORKMAIL"],
        aws_access_key_id=exports["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=exports["AWS_SECRET_ACCESS_KEY"],
    )
    assert wm.describe_user(OrganizationId=org, UserId="alice")["Email"] == "alice@example.com"
    server.stop()


def test_print_env_lines_point_the_aws_cli_at_the_emulator(
    spawn: Callable[..., Server], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The AWS CLI (v1) reads its region from AWS_DEFAULT_REGION only, not AWS_REGION: exporting exactly the
    printed lines must be enough for `aws workmail list-organizations`."""
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(standard_seed()))
    server = spawn("--port", "0", "--seed", str(seed), "--print-env")
    server.read_url()
    assert server.proc.stdout is not None
    server.proc.stdout.readline()
    exports = [line for line in _env_lines(server) if line.startswith("export ")]
    isolate_aws(monkeypatch, tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") or k in ISOLATION}
    script = "\n".join([*exports, "aws workmail list-organizations --query 'OrganizationSummaries[].Alias'"])
    done = subprocess.run(
        ["bash", "-c", script],
        env={**env, "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, json.loads(done.stdout or "null")) == (0, ["acme"]), done.stderr
    server.stop()


def test_print_env_names_keys_the_emulator_lets_in(spawn: Callable[..., Server]) -> None:
    server = spawn("--port", "0", "--credentials", "AKIDONLY:only-secret", "--print-env")
    server.read_url()
    assert server.proc.stdout is not None
    lines = [server.proc.stdout.readline().rstrip("\n") for _ in range(5)]
    assert "export AWS_ACCESS_KEY_ID=AKIDONLY" in lines and "export AWS_SECRET_ACCESS_KEY=only-secret" in lines
    server.stop()


def test_version_names_the_distributions_version() -> None:
    from workmail_emulator import __version__

    out = subprocess.run(
        [sys.executable, "-m", "workmail_emulator", "--version"], capture_output=True, text=True, timeout=30
    )
    assert (out.returncode, out.stdout.strip()) == (0, f"workmail-emulator {__version__}")
    assert __version__ != "0+unknown"


def test_missing_seed_file_fails_with_message(spawn: Callable[..., Server], tmp_path: Path) -> None:
    server = spawn("--port", "0", "--seed", str(tmp_path / "nope.json"))
    rc, err = server.wait_exit(timeout=10)
    assert rc != 0
    assert err.strip()


def test_access_keys_from_command_line(spawn: Callable[..., Server]) -> None:
    server = spawn("--port", "0", "--access-key", "AKIDONE", "--access-key", "AKIDTWO")
    url = server.read_url()
    for key in ("AKIDONE", "AKIDTWO"):
        assert server.client(url, key).list_organizations()["OrganizationSummaries"] == []
    with raises_code("UnrecognizedClientException"):
        server.client(url, "AKIDEMULATOR").list_organizations()
    server.stop()


def test_settings_from_command_line_are_typed(spawn: Callable[..., Server]) -> None:
    server = spawn(
        "--port",
        "0",
        "--setting",
        "page_size=2",
        "--setting",
        "list_aliases_includes_primary=true",
        "--setting",
        "same_primary_update=InvalidParameterException",
    )
    url = server.read_url()
    status, settings = _admin(url, "GET", "/_emulator/settings")
    assert status == 200
    assert settings["page_size"] == 2
    assert settings["list_aliases_includes_primary"] is True
    assert settings["same_primary_update"] == "InvalidParameterException"
    server.stop()


def test_unknown_setting_on_command_line_fails(spawn: Callable[..., Server]) -> None:
    server = spawn("--port", "0", "--setting", "no_such_setting=1")
    rc, err = server.wait_exit(timeout=10)
    assert rc != 0
    assert err.strip()


def test_region_and_account_id_from_command_line_name_the_arn(spawn: Callable[..., Server]) -> None:
    server = spawn("--port", "0", "--region", "ap-southeast-2", "--account-id", "000011112222")
    url = server.read_url()
    wm = server.client(url, region="ap-southeast-2")
    org_id = wm.create_organization(Alias="newco")["OrganizationId"]
    assert wm.describe_organization(OrganizationId=org_id)["ARN"].startswith(
        "arn:aws:workmail:ap-southeast-2:000011112222:"
    )
    server.stop()


def test_malformed_account_id_on_command_line_fails(spawn: Callable[..., Server]) -> None:
    server = spawn("--port", "0", "--account-id", "nope")
    rc, err = server.wait_exit(timeout=10)
    assert rc == 2
    assert "account id" in err


def test_help_exits_zero(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "workmail_emulator", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ},
    )
    assert out.returncode == 0
    for flag in ("--port", "--state-file", "--seed", "--access-key", "--setting"):
        assert flag in out.stdout


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (json.dumps({"version": 1, "organizations": [{"id": 5, "alias": [], "domains": {}, "entities": {}}]}), "field"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ],
)
def test_a_state_file_of_the_wrong_shape_is_refused_and_left_untouched(tmp_path: Path, text: str, why: str) -> None:
    state = tmp_path / "state.json"
    state.write_text(text)
    with pytest.raises(StateFileError, match=why):
        Emulator(state_file=state)
    assert state.read_text() == text


def _make_unwritable(state: Path) -> None:
    """A disk that refuses writes, even for root: the state file's directory becomes a plain file."""
    for path in state.parent.iterdir():
        path.unlink()
    state.parent.rmdir()
    state.parent.write_text("")


def _make_writable(state: Path) -> None:
    state.parent.unlink()
    state.parent.mkdir()


def test_a_write_the_state_file_cannot_take_is_refused_and_not_applied(tmp_path: Path) -> None:
    state = tmp_path / "data" / "state.json"
    state.parent.mkdir()
    seed = {
        "organizations": [
            {
                "alias": "disk",
                "domains": [{"name": "disk.example"}],
                "users": [{"name": "ann", "email": "ann@disk.example"}],
            }
        ]
    }
    with running(seed=seed, state_file=state) as emulator:
        assert emulator.seed_result is not None
        org = emulator.seed_result["organizations"]["disk"]["id"]
        ann = emulator.seed_result["organizations"]["disk"]["users"]["ann"]
        wm = emulator.client()
        _make_unwritable(state)
        with raises_code("InternalFailure") as refused:
            wm.create_alias(OrganizationId=org, EntityId=ann, Alias="a2@disk.example")
        assert "state file" in str(refused.value) and "not applied" in str(refused.value)
        status, answer = emulator.admin("POST", "/_emulator/seed", {"organizations": [{"alias": "more"}]})
        assert status == 500 and "state file" in answer["error"], answer
        # Memory agrees with the disk: neither the alias nor the seed is there.
        assert wm.list_aliases(OrganizationId=org, EntityId=ann)["Aliases"] == []
        assert [o["Alias"] for o in wm.list_organizations()["OrganizationSummaries"]] == ["disk"]
        _make_writable(state)
        wm.create_alias(OrganizationId=org, EntityId=ann, Alias="a2@disk.example")
        assert "a2@disk.example" in state.read_text()
    assert "a2@disk.example" in state.read_text()


def _serving_a_state_file(spawn: Callable[..., Server], tmp_path: Path) -> tuple[Server, str, Path]:
    state = tmp_path / "data" / "state.json"
    state.parent.mkdir()
    server = spawn("--port", "0", "--state-file", str(state))
    return server, server.read_url(), state


def test_sigterm_with_an_unwritable_state_file_exits_without_a_traceback(
    spawn: Callable[..., Server], tmp_path: Path
) -> None:
    server, url, state = _serving_a_state_file(spawn, tmp_path)
    wm = server.client(url)
    wm.create_organization(Alias="before")
    _make_unwritable(state)
    with raises_code("InternalFailure"):
        wm.create_organization(Alias="after")
    rc, err = server.stop()
    assert "Traceback" not in err, err
    assert rc == 0, err


def test_sigterm_that_cannot_save_the_last_change_says_so_in_one_line(
    spawn: Callable[..., Server], tmp_path: Path
) -> None:
    server, url, state = _serving_a_state_file(spawn, tmp_path)
    status, _ = _admin(url, "POST", "/_emulator/settings", {"page_size": 7})  # saved only at exit
    assert status == 200
    _make_unwritable(state)
    rc, err = server.stop()
    assert rc == 1
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("workmail-emulator: "), err
    assert "cannot write its state file" in err
