"""Bounded waits with backoff, for WorkMail's eventual consistency, and which errors are worth waiting out."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from .diagnostics import progress
from .errors import WorkMailProviderError
from .terms import CONSISTENCY_CODES, Code

T = TypeVar("T")

PROGRESS_EVERY_SECONDS = 10.0


def transient(error: WorkMailProviderError, id_given: bool = False) -> bool:
    """Worth another try within the wait: WorkMail catching up, or throttling, 5xx and dropped connections
    that outlasted botocore's own retries."""
    return error.retryable or error.code in CONSISTENCY_CODES or (id_given and error.code == Code.ENTITY_NOT_FOUND)


class Deadline:
    """A bounded wait with exponential backoff, for WorkMail's eventual consistency."""

    def __init__(
        self,
        seconds: float,
        *,
        first: float,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.clock = clock
        self.end = clock() + seconds
        self.seconds = seconds
        self.first = first
        self.delay = self.first
        self.sleep = sleep

    def restart_backoff(self) -> None:
        """A new phase (e.g. the read-back after waiting for the entity) polls quickly again."""
        self.delay = self.first

    def pause(self) -> bool:
        """Sleep before the next try; False once the wait is used up."""
        left = self.end - self.clock()
        if left <= 0:
            return False
        self.sleep(min(self.delay, left))
        self.delay = min(self.delay * 2, 10.0)
        return True

    def retry(self, attempt: Callable[[], T], retry_on: Callable[[WorkMailProviderError], bool]) -> T:
        """``attempt`` until it succeeds, fails for good, or the wait is used up. A wait says what it waits
        for as it goes (about every 10 s), and one that ran out says so, naming the setting."""
        started = last_note = self.clock()
        every = min(PROGRESS_EVERY_SECONDS, max(1.0, self.seconds / 4))
        while True:
            try:
                return attempt()
            except WorkMailProviderError as error:
                if not retry_on(error):
                    raise
                if not self.pause():
                    if self.clock() - started < 1.0:
                        raise
                    raise WorkMailProviderError(
                        f"{error.message.rstrip('.')}; still so after waiting wait_timeout_seconds={self.seconds:g} s "
                        "(raise it on the resource if WorkMail needs longer).",
                        code=error.code,
                        retryable=error.retryable,
                    ) from None
                now = self.clock()
                if now - last_note >= every:
                    last_note = now
                    progress(
                        f"waiting for WorkMail ({now - started:.0f} of wait_timeout_seconds={self.seconds:g} s): "
                        f"{error.message}"
                    )
