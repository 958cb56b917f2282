"""The provider server's process: launched so that it dies with its parent, its output drained into
bounded buffers so that it never blocks on a full pipe."""

from __future__ import annotations

import collections
import queue
import threading
from typing import IO


class BoundedText:
    """Thread-safe text sink that keeps at most ``limit`` characters, dropping the oldest first."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._chunks: collections.deque[str] = collections.deque()
        self._size = 0
        self._dropped = 0
        self._lock = threading.Lock()

    def append(self, text: str) -> None:
        with self._lock:
            self._chunks.append(text)
            self._size += len(text)
            while self._size > self._limit and self._chunks:
                excess = self._size - self._limit
                head = self._chunks[0]
                if len(head) <= excess:
                    self._chunks.popleft()
                    self._size -= len(head)
                    self._dropped += len(head)
                else:
                    self._chunks[0] = head[excess:]
                    self._size -= excess
                    self._dropped += excess

    def text(self) -> str:
        with self._lock:
            body = "".join(self._chunks)
            return f"[... {self._dropped} characters dropped ...]\n{body}" if self._dropped else body


# ``python -m pulumi.dynamic``, plus a thread that ends the process once its parent (the runner or test
# that started it) is gone, even when that parent was killed with SIGKILL and could not stop it.
SERVER_THAT_DIES_WITH_ITS_PARENT = """
import os, runpy, threading, time
parent = os.getppid()
def _watch():
    while os.getppid() == parent:
        time.sleep(0.2)
    os._exit(1)
threading.Thread(target=_watch, name="parent-watch", daemon=True).start()
runpy.run_module("pulumi.dynamic", run_name="__main__", alter_sys=True)
"""


def drain(stream: IO[bytes], sink: BoundedText, first_line: queue.Queue[str | None] | None) -> None:
    """Copy a pipe into ``sink`` until EOF so the server never blocks on a full pipe.

    With ``first_line`` set, the first line (the port) goes there instead; ``None`` signals EOF before it.
    """
    try:
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", errors="replace")
            if first_line is not None:
                first_line.put(line)
                first_line = None
            else:
                sink.append(line)
    except (OSError, ValueError):  # pipe closed under us during shutdown
        pass
    finally:
        if first_line is not None:
            first_line.put(None)
        stream.close()
