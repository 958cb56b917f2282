"""The provider process's boto3 WorkMail clients: one per (region, profile, endpoint, retry mode), built
when first needed and shared by the provider server's worker threads, each with its listing cache.

boto3 clients are thread-safe and costly to build (a service model each); sessions are not thread-safe,
hence the lock around building.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from . import __version__
from .listing import ListingCache

if TYPE_CHECKING:
    from mypy_boto3_workmail import WorkMailClient

USER_AGENT = f"pulumi-workmail/{__version__}"

_built = 0  # clients built in this process, by every pool: what the benchmarks show stays at one


def clients_built() -> int:
    return _built


@dataclass(frozen=True)
class Connection:
    """A client and what its listings have seen."""

    client: WorkMailClient
    listings: ListingCache = field(default_factory=ListingCache)


@dataclass(frozen=True)
class Endpoint:
    """Where and how the clients call WorkMail (from the provider's settings)."""

    url: str | None = None  # AWS_ENDPOINT_URL_WORKMAIL or AWS_ENDPOINT_URL; None: AWS's own
    retry_mode: str | None = None  # AWS_RETRY_MODE; None: standard


class ClientPool:
    def __init__(self, endpoint: Endpoint | None = None) -> None:
        self.endpoint = endpoint or Endpoint()
        self._lock = threading.Lock()
        self._connections: dict[tuple[str | None, str | None], Connection] = {}

    def get(self, region: str | None, profile: str | None) -> Connection:
        """The shared connection for this region and profile; raises botocore's errors (no such profile)."""
        key = (region, profile)
        with self._lock:
            connection = self._connections.get(key)
            if connection is None:
                connection = self._connections[key] = Connection(self._build(region, profile))
            return connection

    def _build(self, region: str | None, profile: str | None) -> WorkMailClient:
        global _built
        session = boto3.session.Session(profile_name=profile, region_name=region)
        retries: Any = {"mode": self.endpoint.retry_mode or "standard"}
        config = Config(retries=retries, user_agent_extra=USER_AGENT)
        client = session.client("workmail", config=config, endpoint_url=self.endpoint.url)
        _built += 1
        return client

    def __len__(self) -> int:
        with self._lock:
            return len(self._connections)
