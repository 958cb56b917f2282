"""Shared pieces: scenario and tool names, the emulator process, its admin API, the seed, the AWS env."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
OUT_DIR: Final = REPO_ROOT / ".bench"

SCENARIOS: Final = ("create", "preview-noop", "up-noop", "refresh", "update", "destroy")
TOOLS: Final = (
    "pulumi-workmail-runner",
    "pulumi-workmail-provider",
    "pulumi-cli",
    "pulumi-cli-skip-checkpoints",
    "aws-cli-sequential",
    "aws-cli-parallel4",
    "boto3-script",
)
BASELINE_TOOL: Final = "boto3-script"

REGION: Final = "us-east-1"
ORG_ALIAS: Final = "bench"
OLD_DOMAIN: Final = "old.example"
NEW_DOMAIN: Final = "new.example"
NEWER_DOMAIN: Final = "newer.example"

# What every entity's primary must be after each scenario, as a domain (None: its original address).
EXPECTED_DOMAIN: Final[dict[str, str]] = {
    "create": NEW_DOMAIN,
    "preview-noop": NEW_DOMAIN,
    "up-noop": NEW_DOMAIN,
    "refresh": NEW_DOMAIN,
    "update": NEWER_DOMAIN,
    "destroy": OLD_DOMAIN,
}


@dataclass(frozen=True)
class Entity:
    """One seeded user: its name, WorkMail id and original primary address."""

    name: str
    id: str
    original: str

    def address(self, domain: str) -> str:
        return f"{self.name}@{domain}"


@dataclass(frozen=True)
class Workload:
    """What a worker operates on: the organization and its N users."""

    url: str
    organization_id: str
    entities: tuple[Entity, ...]


def aws_env(url: str) -> dict[str, str]:
    """The environment every tool gets: the emulator endpoint, dummy keys, the region, no user config."""
    missing = str(OUT_DIR / "no-such-aws-file")
    return {
        "AWS_ENDPOINT_URL_WORKMAIL": url,
        "AWS_ACCESS_KEY_ID": "AKIDBENCHMARK",
        "AWS_SECRET_ACCESS_KEY": "bench-secret",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,  # the AWS CLI v1 reads only this one
        "AWS_CONFIG_FILE": missing,
        "AWS_SHARED_CREDENTIALS_FILE": missing,
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def isolated_environ(url: str) -> dict[str, str]:
    """``os.environ`` without anything AWS- or Pulumi-related from the caller, plus :func:`aws_env`."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PULUMI_"))}
    keep.update(aws_env(url))
    keep["PULUMI_WORKMAIL_JOURNAL_DIR"] = str(OUT_DIR / "journal")  # the provider's create journal, not ~
    return keep


class Admin:
    """The emulator's admin API (``/_emulator/...``) over one keep-alive connection."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self._conn: http.client.HTTPConnection | None = None

    def call(self, method: str, path: str, body: Any = None) -> Any:
        payload = None if body is None else json.dumps(body).encode()
        for attempt in (1, 2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
            try:
                self._conn.request(
                    method, f"/_emulator/{path}", body=payload, headers={"Content-Type": "application/json"}
                )
                response = self._conn.getresponse()
                raw = response.read()
            except (OSError, http.client.HTTPException):
                self.close()
                if attempt == 2:
                    raise
                continue
            if response.status != 200:
                raise RuntimeError(f"emulator admin {method} {path}: HTTP {response.status}: {raw[:500]!r}")
            return json.loads(raw) if raw else None
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def stats(self) -> dict[str, int]:
        answer = self.call("GET", "stats")
        return {str(k): int(v) for k, v in sorted(answer["calls"].items())}

    def reset_stats(self) -> None:
        self.call("POST", "stats/reset")

    def primaries(self, organization_id: str) -> dict[str, str | None]:
        """Entity id → current primary address, read from the emulator's state (not counted in stats)."""
        state = self.call("GET", "state")
        for org in state["organizations"]:
            if org["id"] == organization_id:
                return {eid: entity.get("email") for eid, entity in org["entities"].items()}
        raise KeyError(organization_id)


def seed_workload(admin: Admin, url: str, n: int, latency_ms: int) -> Workload:
    """Reset the emulator, seed N users on old.example (new/newer.example verified too), add the latency rule."""
    admin.call("POST", "reset")
    names = [f"user{i:04d}" for i in range(n)]
    seed = {
        "organizations": [
            {
                "alias": ORG_ALIAS,
                "domains": [
                    {"name": OLD_DOMAIN, "verified": True, "default": True},
                    {"name": NEW_DOMAIN, "verified": True},
                    {"name": NEWER_DOMAIN, "verified": True},
                ],
                "users": [
                    {"name": name, "display_name": name.title(), "email": f"{name}@{OLD_DOMAIN}"} for name in names
                ],
            }
        ]
    }
    result = admin.call("POST", "seed", seed)["organizations"][ORG_ALIAS]
    ids: Mapping[str, str] = result["users"]
    if latency_ms:
        admin.call("POST", "faults", {"operation": "*", "latency_ms": latency_ms})
    admin.reset_stats()
    entities = tuple(Entity(name, ids[name], f"{name}@{OLD_DOMAIN}") for name in names)
    return Workload(url=url, organization_id=str(result["id"]), entities=entities)


class EmulatorProcess:
    """``python -m workmail_emulator --port 0`` in its own process (its own GIL); the URL is its first line."""

    def __init__(self) -> None:
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the process)
        started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "workmail_emulator", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=self._log,
            stdin=subprocess.DEVNULL,
            cwd=REPO_ROOT,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().decode().strip()
        if not line.startswith("http"):
            self.stop()
            self._log.seek(0)
            raise RuntimeError(f"emulator did not start: {line!r}\n{self._log.read().decode(errors='replace')}")
        self.url = line
        # The emulator should start in under 2 s: measured here, not asserted in tests.
        self.startup_s = time.monotonic() - started

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._log.close()
