"""Finding the real Pulumi CLI for the tests that run on it.

`make pulumi-cli` builds one into .tools/pulumi/bin where none is installed, and the Makefile puts that
directory on PATH; so does importing this module, for a bare `pytest`. A test that needs the CLI fails
(it does not skip) where Go could build one, so the real-engine tests cannot silently stop running.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BUILT = REPO / ".tools" / "pulumi" / "bin"

if (BUILT / "pulumi").exists() and str(BUILT) not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = os.pathsep.join([str(BUILT), os.environ.get("PATH", "")])


def pulumi_cli() -> str:
    """The CLI's path; fails where Go could build it, skips only where neither exists."""
    found = shutil.which("pulumi")
    if found:
        return found
    if shutil.which("go"):
        pytest.fail("the Pulumi CLI is not built: run `make pulumi-cli` (Go is here, so it can be)")
    pytest.skip("neither the Pulumi CLI nor Go is on this machine; the offline runner's twin of this test ran")
