"""Settings every test shares."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulumi_workmail.journal import JOURNAL_ENV

from . import pulumi_cli  # noqa: F401  (puts a CLI built by `make pulumi-cli` on PATH)


@pytest.fixture(autouse=True)
def private_journal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Each test's provider (in-process or a server it starts, which inherits the environment) keeps its
    create journal under the test's tmp_path, never in the home directory."""
    directory = tmp_path / "journal"
    monkeypatch.setenv(JOURNAL_ENV, str(directory))
    return directory
