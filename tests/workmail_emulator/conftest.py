"""Fixtures for the workmail_emulator test suite (helpers live in emulator_testlib)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from workmail_emulator import Emulator

from .emulator_testlib import World, emulator, join_closers, make_world, standard_seed

if TYPE_CHECKING:
    from mypy_boto3_workmail import WorkMailClient


@pytest.fixture(scope="session", autouse=True)
def _wait_for_background_shutdowns() -> Iterator[None]:
    yield
    stuck = join_closers()
    assert not stuck, f"{len(stuck)} emulator(s) did not shut down within 10 s"


@pytest.fixture
def emu() -> Iterator[Emulator]:
    """A fresh emulator seeded with the standard seed."""
    with emulator(seed=standard_seed()) as e:
        yield e


@pytest.fixture
def world(emu: Emulator) -> World:
    return make_world(emu)


@pytest.fixture
def wm(world: World) -> WorkMailClient:
    return world.wm


@pytest.fixture
def org(world: World) -> str:
    return world.org


@pytest.fixture
def ids(world: World) -> dict[str, str]:
    return world.ids


@pytest.fixture
def bare_emu() -> Iterator[Emulator]:
    """A fresh emulator without any seed."""
    with emulator() as e:
        yield e
