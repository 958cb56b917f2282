"""What the runner reads from a Pulumi project and stack config, without the CLI to read it.

``Pulumi.yaml`` gives the project name, where the program is and which virtualenv runs the provider;
config values are strings to the engine, so whatever a caller sets is stored the way the CLI would.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml  # type: ignore[import-untyped]
from pulumi.automation import ConfigValue

from ._state import ConfigEntry


@dataclass(frozen=True)
class Project:
    """The parts of ``Pulumi.yaml`` the runner uses; all ``None`` without one (an inline program)."""

    name: str | None
    main: Path | None
    virtualenv: Path | None


def read_project(work_dir: Path) -> Project:
    """What the runner needs from ``Pulumi.yaml``: name, program location, runtime virtualenv."""
    path = next((work_dir / name for name in ("Pulumi.yaml", "Pulumi.yml") if (work_dir / name).is_file()), None)
    if path is None:
        return Project(None, None, None)
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a Pulumi project file")
    runtime = data.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name != "python":
        raise ValueError(f"{path}: runtime is {runtime_name!r}; the offline runner runs Python programs only")
    options = runtime.get("options") if isinstance(runtime, dict) else None
    venv = options.get("virtualenv") if isinstance(options, dict) else None
    main = work_dir / str(data.get("main") or ".")
    if main.is_dir():
        main = main / "__main__.py"
    name = data.get("name")
    return Project(
        name=str(name) if name else None,
        main=main,
        virtualenv=(work_dir / str(venv)) if venv else None,
    )


def config_entry(value: str | ConfigValue, secret: bool) -> ConfigEntry:
    """Config values are strings to the engine; anything else is stored as its JSON text."""
    raw: object = value.value if isinstance(value, ConfigValue) else value
    is_secret_value = value.secret if isinstance(value, ConfigValue) else secret
    return ConfigEntry(raw if isinstance(raw, str) else json.dumps(raw), is_secret_value)
