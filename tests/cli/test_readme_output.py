"""The CLI output the README and docs/entity-primary-email.md capture is what the CLI prints today, for the
commands they show."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..pulumi_cli import REPO
from .conftest import ORG, Project, cli_environment, make_project

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SECONDS = re.compile(r"\((\d+\.)?\d+s\)|Duration: \d+s")


def readme_block(name: str, document: str = "README.md") -> tuple[list[str], list[str]]:
    """The commands (``$ `` lines) and the output lines of the block ``<!-- real-cli: name -->`` of ``document``."""
    text = (REPO / document).read_text()
    block = text.split(f"<!-- real-cli: {name} -->", 1)[1].split("<!-- /real-cli -->", 1)[0]
    body = block.split("```", 2)[1].strip("\n").splitlines()
    commands = [line[2:] for line in body if line.startswith("$ ")]
    return commands, [line for line in body if not line.startswith("$ ")]


def normalized(lines: list[str]) -> list[str]:
    """Ids and timings vary from run to run; so do the CLI's "@ updating...." progress ticks."""
    kept = [SECONDS.sub("(time)", UUID.sub("<id>", line)).rstrip() for line in lines if not line.startswith("@ ")]
    while kept and not kept[-1]:
        kept.pop()
    return kept


def run_commands(project: Project, commands: list[str]) -> list[str]:
    out: list[str] = []
    for command in commands:
        words = shlex.split(command)
        assert words[0] == "pulumi", command
        out = project.pulumi(*words[1:]).stdout.splitlines()
    return out


@pytest.fixture()
def demo_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Project]:
    """The quick start, applied, against an emulator seeded as `make demo` seeds it (the README's
    organization and users)."""
    seed = json.loads((REPO / "examples" / "emulator-seed.json").read_text())
    with cli_environment(tmp_path, monkeypatch, seed) as (tmp, emu, env):
        project = Project(tmp / "quick-start", env, emu, env["PULUMI_CLI_FOR_TESTS"])
        make_project(project.directory)
        project.pulumi("stack", "init", "dev")
        project.config(organizationId=ORG, entityId="alice", email="alice@new.example")
        project.pulumi("up", "--yes")
        yield project


def test_readme_preview_diff_is_the_clis_output(demo_project: Project) -> None:
    commands, expected = readme_block("preview-diff")
    assert normalized(run_commands(demo_project, commands)) == normalized(expected)


def test_readme_hand_made_change_is_the_clis_output(demo_project: Project) -> None:
    demo_project.config(email="alice.liddell@new.example")
    demo_project.pulumi("up", "--yes")
    demo_project.set_by_hand("alice", "al@example.com")
    demo_project.config(email="alice@new.example")
    commands, expected = readme_block("hand-made-change", "docs/entity-primary-email.md")
    actual = normalized(run_commands(demo_project, commands))
    want = normalized(expected)
    split = want.index("Diagnostics:")
    assert actual[actual.index("Diagnostics:") :] == want[split:], "the diagnostics, outputs and summary"
    missing = [line for line in want[:split] if line not in actual]
    assert not missing, f"progress rows the CLI did not print: {missing}\n" + "\n".join(actual)
