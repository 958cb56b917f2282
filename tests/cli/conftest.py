"""A Pulumi project in a temporary directory, driven with the real `pulumi` CLI as a user types it.

The project is the repository's quick start (Pulumi.yaml and __main__.py copied as they are) or a program a
test writes; its `.venv` is this test run's virtual environment, where pulumi-workmail is installed. The
CLI runs with a local file backend, the passphrase secrets provider and no update checks or plugin
downloads, against an emulator in strict SigV4 mode.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from workmail_emulator import Emulator, running

from ..aws_env import isolate_aws
from ..pulumi_cli import REPO, pulumi_cli
from ..seeds import acme, seed

ORG = "m-0123456789abcdef0123456789abcdef"
KEY_ID = "AKIDCLITESTS"
SECRET = "cli-tests-secret-key"
SEED: dict[str, Any] = seed(acme("demo", ORG))


@dataclass
class Project:
    """One project directory, one stack, one emulator."""

    directory: Path
    env: dict[str, str]
    emu: Emulator
    cli: str
    transcript: list[str] = field(default_factory=list)

    def pulumi(self, *args: str, ok: bool = True, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Runs `pulumi ARGS` in the project directory; ``ok``: it must exit 0 (else: must not)."""
        done = subprocess.run(
            [self.cli, *args],
            cwd=self.directory,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        self.transcript.append(f"$ pulumi {' '.join(args)}\n{done.stdout}{done.stderr}")
        if ok and done.returncode != 0:
            pytest.fail(f"pulumi {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        if not ok and done.returncode == 0:
            pytest.fail(f"pulumi {' '.join(args)} succeeded but should have failed:\n{done.stdout}")
        return done

    def config(self, **values: str) -> None:
        for key, value in values.items():
            self.pulumi("config", "set", key, value)

    def export(self) -> dict[str, Any]:
        state: dict[str, Any] = json.loads(self.pulumi("stack", "export").stdout)
        return state

    def resources(self, type_suffix: str = "EntityPrimaryEmail") -> list[dict[str, Any]]:
        deployment = self.export().get("deployment", {})
        return [r for r in deployment.get("resources") or [] if r["type"].endswith(type_suffix)]

    # WorkMail as it is, read directly
    def user_id(self, name: str) -> str:
        return str(self.emu.client().describe_user(OrganizationId=ORG, UserId=name)["UserId"])

    def primary(self, name: str) -> str:
        return str(self.emu.client().describe_user(OrganizationId=ORG, UserId=name)["Email"])

    def aliases(self, name: str) -> list[str]:
        """The entity's aliases, sorted."""
        listed = self.emu.client().list_aliases(OrganizationId=ORG, EntityId=self.user_id(name))["Aliases"]
        return sorted(listed)

    def set_by_hand(self, name: str, email: str) -> None:
        self.emu.client().update_primary_email_address(OrganizationId=ORG, EntityId=self.user_id(name), Email=email)

    def calls(self) -> dict[str, int]:
        return dict(self.emu.admin("GET", "/_emulator/stats")[1]["calls"])

    def reset_stats(self) -> None:
        self.emu.admin("POST", "/_emulator/stats/reset")


def cli_env(tmp: Path, emu: Emulator, base: Mapping[str, str]) -> dict[str, str]:
    (tmp / "state").mkdir(exist_ok=True)
    return {
        **{k: v for k, v in base.items() if not k.startswith("PULUMI_")},
        "PULUMI_BACKEND_URL": f"file://{tmp / 'state'}",
        "PULUMI_CONFIG_PASSPHRASE": "cli-tests",
        "PULUMI_HOME": str(tmp / "pulumi-home"),
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PULUMI_CREDENTIAL_STORE": "plaintext",
        "PULUMI_WORKMAIL_JOURNAL_DIR": str(tmp / "journal"),
        "PULUMI_WORKMAIL_POLL_SECONDS": "0.01",
        "AWS_ENDPOINT_URL_WORKMAIL": emu.url,
        "AWS_ACCESS_KEY_ID": KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_REGION": "us-east-1",
        "NO_COLOR": "1",
    }


PROGRAM_PROJECT = """name: cli-tests
runtime:
  name: python
  options:
    virtualenv: .venv
"""


def make_project(directory: Path, program: str | None = None) -> None:
    """The quick start as shipped, or ``program`` as __main__.py of a project named cli-tests."""
    directory.mkdir(parents=True, exist_ok=True)
    if program is None:
        shutil.copy(REPO / "Pulumi.yaml", directory / "Pulumi.yaml")
        shutil.copy(REPO / "__main__.py", directory / "__main__.py")
    else:
        (directory / "Pulumi.yaml").write_text(PROGRAM_PROJECT)
        (directory / "__main__.py").write_text(program)
    (directory / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)


@contextmanager
def cli_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: dict[str, Any]
) -> Iterator[tuple[Path, Emulator, dict[str, str]]]:
    """An emulator seeded with ``seed`` and the CLI's environment pointing at it."""
    cli = pulumi_cli()
    aws = isolate_aws(monkeypatch, tmp_path)
    with running(seed=seed, credentials={KEY_ID: SECRET}) as emu:
        env = cli_env(tmp_path, emu, {**os.environ, **aws})
        env["PULUMI_CLI_FOR_TESTS"] = cli
        yield tmp_path, emu, env


@pytest.fixture()
def cli_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Emulator, dict[str, str]]]:
    with cli_environment(tmp_path, monkeypatch, SEED) as world:
        yield world


@pytest.fixture()
def quick_start(cli_world: tuple[Path, Emulator, dict[str, str]]) -> Project:
    """The quick start, with `pulumi stack init dev` run."""
    tmp, emu, env = cli_world
    project = Project(tmp / "quick-start", env, emu, env["PULUMI_CLI_FOR_TESTS"])
    make_project(project.directory)
    project.pulumi("stack", "init", "dev")
    return project


def program_project(cli_world: tuple[Path, Emulator, dict[str, str]], program: str) -> Project:
    tmp, emu, env = cli_world
    project = Project(tmp / "program", env, emu, env["PULUMI_CLI_FOR_TESTS"])
    make_project(project.directory, program)
    project.pulumi("stack", "init", "dev")
    return project
