"""One (tool, N, latency) combination in a fresh process: seed, then the six scenarios in order.

``python -m bench.worker '{"tool": ..., "n": ..., "latency_ms": ..., "url": ..., "work_dir": ...}'``

Reports JSON lines on its original stdout (everything else the tools print goes to stderr):
``{"event": "start", "scenario"}`` right before a scenario's timed region, ``{"event": "end", "scenario",
"wall_s", "requests", "requests_total", "verified", ...}`` after it, ``{"event": "error", ...}`` on failure.
The request counters are reset before each scenario and read after it; the state check afterwards
(every entity's primary is what the scenario should leave) reads the emulator's state, which is not counted.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import IO, Any

from .common import EXPECTED_DOMAIN, OLD_DOMAIN, SCENARIOS, Admin, Workload, seed_workload
from .tools import make_tool


def _protocol_stream() -> IO[str]:
    """Keep the real stdout for reports and point fd 1 (and ``sys.stdout``) at stderr."""
    stream = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return stream


def _mismatches(admin: Admin, workload: Workload, scenario: str) -> int:
    live = admin.primaries(workload.organization_id)
    domain = EXPECTED_DOMAIN[scenario]
    wrong = 0
    for entity in workload.entities:
        want = entity.original if domain == OLD_DOMAIN else entity.address(domain)
        if (live.get(entity.id) or "").lower() != want.lower():
            wrong += 1
    return wrong


def main(argv: list[str]) -> int:
    out = _protocol_stream()
    spec: dict[str, Any] = json.loads(argv[0])
    tool_name: str = spec["tool"]
    n = int(spec["n"])
    latency = int(spec["latency_ms"])
    work_dir = Path(spec["work_dir"])

    def report(event: str, **fields: Any) -> None:
        out.write(json.dumps({"event": event, **fields}) + "\n")
        out.flush()

    admin = Admin(spec["url"])
    scenario = "setup"
    try:
        workload = seed_workload(admin, spec["url"], n, latency)
        tool = make_tool(tool_name, workload, work_dir)
        for scenario in SCENARIOS:
            admin.reset_stats()
            report("start", scenario=scenario)
            started = time.perf_counter()
            extra = tool.run(scenario)
            wall = time.perf_counter() - started
            report("stop", scenario=scenario)
            requests = admin.stats()
            wrong = _mismatches(admin, workload, scenario)
            report(
                "end",
                scenario=scenario,
                wall_s=round(wall, 4),
                requests=requests,
                requests_total=sum(requests.values()),
                verified=wrong == 0,
                wrong_entities=wrong,
                **extra,
            )
        tool.close()
    except Exception as error:
        report("error", scenario=scenario, message=f"{type(error).__name__}: {error}")
        traceback.print_exc()
        return 1
    finally:
        admin.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
