"""What the documents tell a user to type, and a terminal to type it in.

`blocks` reads a Markdown document's fenced code blocks and `commands` the lines a user types from a shell
block. `make_emulator` starts the emulator with the command of the Makefile's `emulator` target (on a free
port instead of 4566) and reads the lines it prints to export; `Terminal` types one line at a time into bash
in a project directory, with exactly those lines exported, the real Pulumi CLI and this virtual environment
(where pulumi-workmail and the AWS CLI are installed) on PATH, as after `source .venv/bin/activate`.
"""

from __future__ import annotations

import http.client
import json
import os
import queue
import re
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import boto3
import pytest

from ..pulumi_cli import REPO

if TYPE_CHECKING:
    from mypy_boto3_workmail import WorkMailClient

FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
MARKER = re.compile(r"<!-- real-cli: ([\w-]+) -->\s*$")
EXPORT = re.compile(r"^export ([A-Z_]+)=(.*)$")
ORGANIZATION = re.compile(r"^# organization (\S+): (m-[0-9a-f]{32})$")


@dataclass(frozen=True)
class Block:
    """One fenced block: its language ("" when none), its text, and the name of its real-cli marker."""

    language: str
    text: str
    marker: str | None


def blocks(document: Path, language: str) -> list[Block]:
    """The fenced blocks of ``document`` in ``language`` ("" for the bare ones the documents use for shell)."""
    text = document.read_text()
    found = []
    for match in FENCE.finditer(text):
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        marker = MARKER.match(before)
        found.append(Block(match.group(1), match.group(2), marker.group(1) if marker else None))
    return [block for block in found if block.language == language]


def commands(block: Block) -> list[str]:
    """The lines a user types: in a real-cli output block its ``$ `` lines, elsewhere every line but blank
    and comment-only ones (a comment carried over from the line above)."""
    lines = block.text.splitlines()
    if block.marker is not None:
        return [line[2:] for line in lines if line.startswith("$ ")]
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


@dataclass
class Emulated:
    """The emulator `make emulator` starts, and what it printed to export."""

    exports: dict[str, str]
    organizations: dict[str, str]

    @property
    def url(self) -> str:
        return self.exports["AWS_ENDPOINT_URL_WORKMAIL"]

    def client(self) -> WorkMailClient:
        return boto3.session.Session().client(
            "workmail",
            endpoint_url=self.url,
            region_name=self.exports["AWS_REGION"],
            aws_access_key_id=self.exports["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.exports["AWS_SECRET_ACCESS_KEY"],
        )

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        """The emulator's admin API (not AWS): what stands in for DNS, for example."""
        where = urlsplit(self.url)
        connection = http.client.HTTPConnection(where.hostname or "127.0.0.1", where.port, timeout=30)
        connection.request(method, path, json.dumps(body) if body is not None else None)
        response = connection.getresponse()
        answer = response.read()
        assert response.status < 300, (path, response.status, answer)
        return json.loads(answer or b"null")


def make_emulator_command() -> list[str]:
    """The recipe of the Makefile's `emulator` target, with this interpreter and a free port."""
    recipe = (REPO / "Makefile").read_text().split("\nemulator:", 1)[1].split("\n")[1]
    assert recipe.startswith("\t"), recipe
    words = shlex.split(recipe.strip().replace("$(PY)", shlex.quote(sys.executable)))
    assert words[words.index("--port") + 1] == "4566" and "--print-env" in words, words
    words[words.index("--port") + 1] = "0"
    return words


@contextmanager
def make_emulator() -> Iterator[Emulated]:
    """`make emulator`, and the lines it prints up to its last (organization) comment."""
    process = subprocess.Popen(
        make_emulator_command(), cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    stdout = process.stdout

    def read() -> None:
        for line in stdout:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    try:
        exports: dict[str, str] = {}
        organizations: dict[str, str] = {}
        while not organizations:
            try:
                line = lines.get(timeout=30).rstrip("\n")
            except queue.Empty:
                pytest.fail(f"make emulator printed no organization; exports so far: {exports}")
            if found := EXPORT.match(line):
                exports[found.group(1)] = found.group(2)
            elif found := ORGANIZATION.match(line):
                organizations[found.group(1)] = found.group(2)
        yield Emulated(exports, organizations)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def user_environment(tmp: Path, emulated: Emulated, cli: str, aws_files: Mapping[str, str]) -> dict[str, str]:
    """A user's terminal after `make emulator`'s lines are exported: nothing else of AWS (``aws_files`` are
    empty config and credentials files), a local backend in place of their `pulumi login`, the CLI's
    confirmation prompts answered yes, and the virtual environment active."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PULUMI_", "VIRTUAL_ENV"))}
    venv_bin = Path(sys.executable).parent
    return {
        **base,
        **aws_files,
        **emulated.exports,
        "PATH": os.pathsep.join([str(Path(cli).parent), str(venv_bin), base.get("PATH", "")]),
        "VIRTUAL_ENV": sys.prefix,
        "PULUMI_CONFIG_PASSPHRASE": "documented-commands",
        "PULUMI_HOME": str(tmp / "pulumi-home"),
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_SKIP_CONFIRMATIONS": "true",  # what the user answers at `pulumi up`'s prompt
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PULUMI_CREDENTIAL_STORE": "plaintext",
        "PULUMI_WORKMAIL_JOURNAL_DIR": str(tmp / "journal"),
        "NO_COLOR": "1",
    }


def fresh_copy(source: Path | list[Path], directory: Path) -> Path:
    """``directory`` holding a copy of ``source`` (a directory, or files copied by their paths below the
    repository), with `.venv` pointing at this virtual environment (Pulumi.yaml's `virtualenv: .venv`)."""
    if isinstance(source, Path):
        shutil.copytree(source, directory)
    else:
        for path in source:
            (directory / path.relative_to(REPO)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, directory / path.relative_to(REPO))
    (directory / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    return directory


@dataclass
class Terminal:
    """bash in one project directory, with its own stack backend."""

    directory: Path
    env: dict[str, str]
    transcript: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, directory: Path, env: Mapping[str, str], state: Path) -> Terminal:
        state.mkdir(parents=True)
        return cls(directory, {**env, "PULUMI_BACKEND_URL": f"file://{state}"})

    def type(self, line: str, *, fails_with: str | None = None) -> subprocess.CompletedProcess[str]:
        """Runs ``line`` as typed; it must exit 0, or (``fails_with``) fail printing that."""
        done = subprocess.run(
            ["bash", "-o", "pipefail", "-c", line],
            cwd=self.directory,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            stdin=subprocess.DEVNULL,
        )
        self.transcript.append(f"$ {line}\n{done.stdout}{done.stderr}")
        if fails_with is None and done.returncode != 0:
            pytest.fail(f"`{line}` exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        if fails_with is not None:
            assert done.returncode != 0, f"`{line}` succeeded, but should fail with {fails_with!r}:\n{done.stdout}"
            assert fails_with in done.stdout + done.stderr, f"`{line}`:\n{done.stdout}\n{done.stderr}"
        return done
