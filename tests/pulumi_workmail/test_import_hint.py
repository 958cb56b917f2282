"""The interpreter-start hook that turns `pulumi import`'s KeyError traceback into advice, and the wheel
that ships it (an editable install has no place for a .pth file, so the wheel is what users get)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from _pulumi_workmail_import_hint import MESSAGE, is_dynamic_provider

REPO = Path(__file__).resolve().parents[2]

# What the SDK's server does with any failed call: answer with traceback.format_exc().
SERVER = """
import sys, traceback
sys.orig_argv = {argv!r}
import _pulumi_workmail_import_hint
try:
    raise KeyError({key!r})
except KeyError:
    print(traceback.format_exc())
"""


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["/venv/bin/python", "-u", "-m", "pulumi.dynamic", "127.0.0.1:4000"], True),
        (["python3", "-mpulumi.dynamic"], True),
        (["python3", "-m", "pytest"], False),
        (["python3", "-c", "print('pulumi.dynamic')"], False),
        (["python3", "__main__.py", "-m", "pulumi.dynamics"], False),
    ],
)
def test_only_the_dynamic_provider_server_is_touched(argv: list[str], expected: bool) -> None:
    assert is_dynamic_provider(argv) is expected


def run(argv: list[str], key: str) -> str:
    code = SERVER.format(argv=argv, key=key)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_the_missing_provider_of_an_import_answers_with_advice() -> None:
    answer = run(["python", "-u", "-m", "pulumi.dynamic"], "__provider")
    assert answer == MESSAGE
    assert "Traceback" not in answer and "declare the resource in the program" in answer


def test_every_other_failure_keeps_its_traceback() -> None:
    assert "KeyError: 'email'" in run(["python", "-u", "-m", "pulumi.dynamic"], "email")
    assert "KeyError: '__provider'" in run(["python", "-c", "..."], "__provider")  # not the provider server


def test_the_wheel_puts_the_hook_and_its_pth_at_the_top_of_site_packages(tmp_path: Path) -> None:
    source = tmp_path / "source"  # pip builds in the tree it is given: not in the checkout
    skip = shutil.ignore_patterns(".*", "build", "*.egg-info", "__pycache__", "tests", "bench", "examples", "docs")
    shutil.copytree(REPO, source, ignore=skip)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("pulumi_workmail-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        pth = archive.read("pulumi_workmail_import_hint.pth").decode()
    assert {"_pulumi_workmail_import_hint.py", "pulumi_workmail/pulumi-plugin.json"} <= names
    assert pth.strip() == "import _pulumi_workmail_import_hint"
