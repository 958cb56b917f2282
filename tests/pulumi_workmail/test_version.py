"""The version has one source, pyproject.toml, and every request and answer carries it."""

from __future__ import annotations

import re
from pathlib import Path

import pulumi_workmail
import workmail_emulator
from pulumi_workmail.clients import USER_AGENT
from workmail_emulator.server import _Handler


def test_the_packages_the_user_agent_and_the_emulators_header_carry_pyprojects_version() -> None:
    pyproject = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    match = re.search(r'^version = "([^"]+)"$', pyproject, re.MULTILINE)
    assert match is not None
    version = match.group(1)
    assert pulumi_workmail.__version__ == workmail_emulator.__version__ == version
    assert f"pulumi-workmail/{version}" == USER_AGENT
    assert _Handler.server_version == f"WorkMailEmulator/{version}"
