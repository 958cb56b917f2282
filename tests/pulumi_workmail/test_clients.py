"""The client pool: one boto3 client per region and profile, shared by every thread of the provider."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from pulumi_workmail.clients import ClientPool, Endpoint


@pytest.fixture(autouse=True)
def dummy_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDPOOL")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "pool")


def test_one_connection_per_region_and_profile_whatever_the_threads() -> None:
    pool = ClientPool()
    first = pool.get("us-east-1", None)
    assert pool.get("us-east-1", None) is first
    assert pool.get("eu-west-1", None) is not first
    with ThreadPoolExecutor(8) as threads:
        seen = set(map(id, threads.map(lambda _: pool.get("us-east-1", None), range(32))))
    assert seen == {id(first)}
    assert len(pool) == 2


def test_two_pools_share_nothing() -> None:
    assert ClientPool().get("us-east-1", None) is not ClientPool().get("us-east-1", None)


def test_the_endpoint_and_retry_mode_come_from_the_pool_not_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_WORKMAIL", "http://127.0.0.1:1")
    client = ClientPool(Endpoint(url="http://127.0.0.1:9", retry_mode="adaptive")).get("us-east-1", None).client
    assert client.meta.endpoint_url == "http://127.0.0.1:9"
    assert client.meta.config.retries["mode"] == "adaptive"  # type: ignore[attr-defined]
