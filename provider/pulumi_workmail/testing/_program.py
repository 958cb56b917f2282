"""Run a Pulumi program in this process against a mock resource monitor, isolated from every other run.

This mirrors what ``pulumi.automation``'s inline-program language server does for each ``Run`` (fresh
settings, ``set_all_config``, a new event loop, ``run_in_stack``), with ``pulumi.runtime.mocks`` standing
in for the engine. Repeated runs in one process (a test session) must not see each other, so each run:

- happens on its own thread in an empty ``contextvars.Context`` (the SDK keeps its settings, config and
  root resource in context variables);
- restores the defaults the SDK's ``ContextProperty`` silently rewrites when a property is first set in a
  fresh context (otherwise the last run's monitor and stack would leak into code that runs later);
- waits for the program's outstanding RPCs and outputs itself, in one wait per wave, before the SDK's
  ``wait_for_rpcs`` checks them: that function re-waits on every pending output each time one finishes,
  which makes a program of N resources cost O(N²) (28-44 ms per resource at N=1000 instead of ~7);
- waits for every registration still in flight before it tears the event loop down;
- for a program directory, executes ``__main__.py`` afresh with ``runpy`` (its directory first on
  ``sys.path``, cwd = the project directory, as the language host does), then forgets the modules it
  imported from that directory so the next run imports them again.

Runs are serialized by a process-wide lock: the SDK's settings and the process's cwd are shared.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import inspect
import logging
import os
import runpy
import sys
import threading
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, cast

from google.protobuf import empty_pb2
from pulumi.runtime import settings as sdk_settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.mocks import MockEngine, MockMonitor, MockSettings
from pulumi.runtime.stack import run_in_stack

from .. import _sdk

Program = Callable[[], object]
"""A Pulumi program: an inline function, or one built by :func:`directory_program`."""

_RUN_LOCK = threading.Lock()


def directory_program(main: Path) -> Program:
    """A program that executes ``main`` (a ``__main__.py``) as the Python language host does."""

    def run() -> None:
        runpy.run_path(str(main), run_name="__main__")

    return run


def run_program(
    program: Program,
    *,
    monitor: MockMonitor,
    project: str,
    stack: str,
    dry_run: bool,
    config: Mapping[str, str],
    secret_keys: Iterable[str],
    root_directory: Path,
    engine: MockEngine,
    cwd: Path | None = None,
    sys_path_entry: Path | None = None,
    workers: int = 32,
) -> None:
    """Run ``program`` to completion under ``monitor``; re-raises whatever the program (or an RPC) raised.

    ``workers`` bounds concurrent registrations (the SDK calls the monitor from its default executor),
    like the engine's ``--parallel``; the provider server's own four workers are the real limit.
    """
    outcome: list[BaseException] = []

    def main() -> None:
        try:
            _run_on_fresh_loop(
                program,
                monitor=monitor,
                project=project,
                stack=stack,
                dry_run=dry_run,
                config=config,
                secret_keys=list(secret_keys),
                root_directory=root_directory,
                engine=engine,
                workers=workers,
            )
        except BaseException as exc:  # re-raised on the caller's thread
            outcome.append(exc)

    with _RUN_LOCK, _sdk.preserved_settings_defaults(), _process_state(cwd, sys_path_entry):
        thread = threading.Thread(target=contextvars.Context().run, args=(main,), name="offline-program", daemon=True)
        thread.start()
        thread.join()
    if outcome:
        raise outcome[0]


def _run_on_fresh_loop(
    program: Program,
    *,
    monitor: MockMonitor,
    project: str,
    stack: str,
    dry_run: bool,
    config: Mapping[str, str],
    secret_keys: list[str],
    root_directory: Path,
    engine: MockEngine,
    workers: int,
) -> None:
    sdk_settings.ROOT.set(None)
    features = set(cast(Any, monitor).GetDeploymentInfo(empty_pb2.Empty()).supportedFeatures)
    sdk_settings.configure(
        cast(Any, MockSettings)(
            monitor=monitor,
            monitor_features=features,
            engine=engine,
            project=project,
            stack=stack,
            dry_run=dry_run,
            organization="organization",
            root_directory=str(root_directory),
            parallel=workers,
            callbacks=None,
            outputs=set(),
            lock=threading.Lock(),
            package_refs={},
            base_providers_by_ref={},
        )
    )
    set_all_config(dict(config), secret_keys)
    loop = asyncio.new_event_loop()
    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="offline-register")
    loop.set_default_executor(executor)
    # Failed registrations leave futures nobody awaits; the run's error is reported once, by the caller.
    loop.set_exception_handler(_quiet_exception_handler)
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(run_in_stack(_settled(program)))
    finally:
        # In-flight monitor calls (provider calls) must finish and be recorded before anything is torn down.
        executor.shutdown(wait=True)
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        asyncio.set_event_loop(None)
        loop.close()


def _settled(program: Program) -> Callable[[], Awaitable[None]]:
    """``program``, followed by a wait until nothing it started is still pending.

    Errors are left on the tasks: the SDK's ``wait_for_rpcs`` (which then finds everything done, so its
    per-completion re-wait costs O(N) once) raises them exactly as it would have.
    """

    async def run() -> None:
        result = program()
        if inspect.isawaitable(result):
            await result
        while True:
            pending = _sdk.pending_program_work()
            if not pending:
                return
            await asyncio.wait(pending)

    return run


def _quiet_exception_handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    logging.getLogger(__name__).debug("unobserved program error: %s", context.get("message"))


@contextlib.contextmanager
def _process_state(cwd: Path | None, sys_path_entry: Path | None) -> Iterator[None]:
    """Enter the project directory for the run, then put cwd, ``sys.path`` and ``sys.modules`` back."""
    previous_cwd = os.getcwd()
    entry = str(sys_path_entry) if sys_path_entry is not None else None
    modules_before = set(sys.modules)
    if cwd is not None:
        os.chdir(cwd)
    if entry is not None:
        sys.path.insert(0, entry)
    try:
        yield
    finally:
        os.chdir(previous_cwd)
        if entry is not None:
            with contextlib.suppress(ValueError):
                sys.path.remove(entry)
            _forget_modules_under(Path(entry), set(sys.modules) - modules_before)


def _forget_modules_under(directory: Path, names: set[str]) -> None:
    """Drop the modules this run imported from the program directory, so the next run loads them afresh.

    Only modules importable *because* the directory is on ``sys.path`` (``<dir>/<top>.py`` or
    ``<dir>/<top>/``) count: a project directory may also hold a virtualenv or an installed package's
    source, and re-importing those would split their classes and global state.
    """
    root = directory.resolve()
    for name in names:
        top = name.partition(".")[0]
        own = root / top
        module = sys.modules.get(name)
        location = getattr(module, "__file__", None)
        if not location:
            continue
        with contextlib.suppress(OSError, ValueError):
            path = Path(location).resolve()
            if path == own.with_suffix(".py") or (own.is_dir() and path.is_relative_to(own)):
                del sys.modules[name]
