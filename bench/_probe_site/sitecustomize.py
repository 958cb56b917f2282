"""Loaded by Python at startup when this directory is on PYTHONPATH (only :mod:`bench.probe` puts it there).

With ``BENCH_PROBE_DIR`` set, it counts botocore's clients, WorkMail service models and API calls in this
process and rewrites ``<BENCH_PROBE_DIR>/<pid>.json`` after every change, together with
``pulumi_workmail.clients.clients_built()``, so the counts survive the process being terminated.
"""

from __future__ import annotations

import json
import os
import sys
import threading


def _install() -> None:
    directory = os.environ.get("BENCH_PROBE_DIR")
    if not directory:
        return
    from bench._counters import Counters, install

    path = os.path.join(directory, f"{os.getpid()}.json")
    lock = threading.Lock()

    def write(counters: Counters) -> None:
        with lock:
            data = counters.snapshot()
            clients = sys.modules.get("pulumi_workmail.clients")
            data["pulumi_workmail_client_count"] = clients.clients_built() if clients is not None else None
            data["argv"] = sys.argv
            tmp = f"{path}.tmp"
            with open(tmp, "w") as handle:
                json.dump(data, handle)
            os.replace(tmp, path)

    install(write)


_install()
