"""`make demo` end to end: the script exits 0 only when every step did what it claims."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from ..pulumi_cli import pulumi_cli

REPO = Path(__file__).resolve().parents[2]


def test_demo_runs_every_step_and_restores_the_original() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PULUMI_"))}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if not Path(p, "pulumi").exists())
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "demo.py")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "offline runner" in out, "without the CLI the demo says it uses the offline runner"
    for step in ("pulumi preview", "pulumi up", "out of band", "pulumi refresh", "pulumi destroy"):
        assert step in out
    assert out.count("✔") >= 10
    assert "demo passed" in out
    assert 'email: "alice@new.example" => "al@example.com"' in out, "refresh shows the drift as old → new"
    assert out.rstrip().endswith("README.md for everything else") and "What to try next:" in out


def test_demo_with_the_real_cli() -> None:
    pulumi_cli()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PULUMI_"))}
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "demo.py")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "the real pulumi CLI" in done.stdout
    assert "demo passed" in done.stdout


def test_make_demo_on_a_fresh_clone_installs_the_package_and_the_runner_only(tmp_path: Path) -> None:
    """Not the test extra (linters, stubs, pytest, pulumi-aws: hundreds of MB a newcomer does not need)."""
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(REPO / name, tmp_path / name)
    planned = subprocess.run(["make", "-n", "demo"], cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    installs = [line for line in planned.splitlines() if "pip install" in line and "--upgrade pip" not in line]
    assert installs == [".venv/bin/python -m pip install --quiet -e '.[testing]'"], planned
