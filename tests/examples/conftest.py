"""What the example tests share: a stack on either backend, and the environment that points it at an emulator."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pulumi_workmail.testing import AutomationStack, OfflineStack
from workmail_emulator import Emulator

from ..pulumi_cli import pulumi_cli

REPO = Path(__file__).resolve().parents[2]
Stack = Callable[..., Any]


@pytest.fixture(params=["offline", "automation"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Stack:
    """A stack of an example: on the offline runner, or on the real CLI (a copy of the example directory,
    since the CLI writes the stack's config file beside Pulumi.yaml)."""
    if request.param == "offline":
        return OfflineStack
    pulumi_cli()

    def on_cli(name: str, *, work_dir: Path, **kwargs: Any) -> AutomationStack:
        copy = tmp_path / "cli-project"
        shutil.copytree(work_dir, copy)
        return AutomationStack(name, work_dir=str(copy), **kwargs)

    return on_cli


def example_env(emu: Emulator) -> dict[str, str]:
    """The environment of a stack run against ``emu``."""
    return {
        "AWS_ENDPOINT_URL_WORKMAIL": emu.url,
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLES",
        "AWS_SECRET_ACCESS_KEY": "examples",
        "AWS_REGION": "us-east-1",
        "PULUMI_WORKMAIL_POLL_SECONDS": "0.01",
        "PYTHONPATH": os.pathsep.join([str(REPO / "provider"), os.environ.get("PYTHONPATH", "")]),
    }
