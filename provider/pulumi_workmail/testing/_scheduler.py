"""Runs one action per resource on a few threads, each resource only after those that must go first.

Deletes must run in reverse dependency order (users before what they use, children before parents) and
reads need no order at all, yet both should overlap as the engine's steps do, up to what the provider
server can serve at once. This is that scheduler, apart from what the actions do.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Final

from ._state import ResourceState

PROVIDER_WORKERS: Final = 4  # the provider server's ThreadPoolExecutor: more would only queue


def run_in_dependency_order(
    records: list[ResourceState],
    action: Callable[[ResourceState], None],
    *,
    stop: Callable[[], bool],
    ordered: bool = True,
) -> None:
    """Run ``action`` on up to four records at once; with ``ordered``, a record waits for its dependents.

    That is reverse dependency order, as deletes need: children before parents, users before what they
    use. Later records start first. Once ``stop()`` is true nothing new starts; running actions finish.
    """
    count = len(records)
    blocked_by = [0] * count
    unblocks: list[list[int]] = [[] for _ in range(count)]
    if ordered:
        by_urn: dict[str, list[int]] = defaultdict(list)
        for index, record in enumerate(records):
            by_urn[record.urn].append(index)
        for dependent, record in enumerate(records):
            for urn in record.depends_on():
                for dependency in by_urn.get(urn, ()):
                    if dependency != dependent:
                        blocked_by[dependency] += 1
                        unblocks[dependent].append(dependency)
    ready = deque(sorted((i for i in range(count) if blocked_by[i] == 0), reverse=True))
    started = [False] * count
    with ThreadPoolExecutor(max_workers=PROVIDER_WORKERS, thread_name_prefix="offline-step") as pool:
        running: dict[Future[None], int] = {}
        while True:
            while ready and not stop():
                index = ready.popleft()
                started[index] = True
                running[pool.submit(action, records[index])] = index
            if not running:
                leftover = [i for i in range(count) if not started[i]]
                if not leftover or stop():
                    break
                ready.append(max(leftover))  # a dependency cycle in a hand-edited state: break it, latest first
                continue
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                index = running.pop(future)
                if future.exception() is not None:
                    continue  # recorded by the action; dependents stay blocked
                for released in unblocks[index]:
                    blocked_by[released] -= 1
                    if blocked_by[released] == 0 and not started[released]:  # a broken cycle started it
                        ready.append(released)
