"""Show that a provider process builds its boto3 client and WorkMail service model once, not per call.

``python -m bench.probe <emulator-url> <n>`` prints one JSON object with two measurements:

- ``in_process``: botocore patched at class level (:mod:`bench._counters`) in this fresh process, then
  ``EntityPrimaryEmailProvider`` called directly, check → create → read → update → delete for n entities
  from 4 threads (as the provider server's workers would); counts ``client_count()``, clients created,
  WorkMail ``ServiceModel`` objects built, model files parsed and API calls made.
- ``provider_server``: the real ``python -m pulumi.dynamic`` server, launched through ``ProviderServer``
  with ``bench/_probe_site`` on its PYTHONPATH so its ``sitecustomize`` installs the same counters there and
  writes them to a file after every change; driven by the engine's calls for create, refresh, update and
  destroy (one server process per operation, as the engine does). One entry per server process.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ._counters import install
from .common import NEW_DOMAIN, NEWER_DOMAIN, REPO_ROOT, Admin, Entity, aws_env, seed_workload

PROBE_SITE = Path(__file__).resolve().parent / "_probe_site"


def in_process(url: str, n: int) -> dict[str, Any]:
    counters = install()
    admin = Admin(url)
    workload = seed_workload(admin, url, n, 0)
    os.environ.update(aws_env(url))

    from pulumi_workmail import clients as client_module
    from pulumi_workmail.provider import EntityPrimaryEmailProvider

    provider = EntityPrimaryEmailProvider()
    before = client_module.clients_built()
    calls = 0

    def lifecycle(entity: Entity) -> int:
        news = {
            "organization_id": workload.organization_id,
            "entity_id": entity.id,
            "email": entity.address(NEW_DOMAIN),
        }
        checked = provider.check({}, news)
        created = provider.create(checked.inputs)
        outs = dict(created.outs or {})
        provider.read(str(created.id), outs)
        changed = {**checked.inputs, "email": entity.address(NEWER_DOMAIN)}
        updated = provider.update(str(created.id), outs, changed)
        provider.delete(str(created.id), dict(updated.outs or {}))
        return 5  # check, create, read, update, delete

    with ThreadPoolExecutor(max_workers=4) as pool:
        calls = sum(pool.map(lifecycle, workload.entities))
    requests = admin.stats()
    admin.close()
    return {
        "provider_calls": calls,
        "emulator_requests": sum(requests.values()),
        "client_count_before": before,
        "client_count_after": client_module.clients_built(),
        **{k: v for k, v in counters.snapshot().items() if k != "pid"},
    }


def provider_server(url: str, n: int) -> list[dict[str, Any]]:
    from .tools import ProviderTool

    admin = Admin(url)
    workload = seed_workload(admin, url, n, 0)
    with tempfile.TemporaryDirectory(prefix="probe-") as directory:
        pythonpath = os.pathsep.join([str(PROBE_SITE), str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])
        tool = ProviderTool(
            workload,
            Path(directory),
            extra_env={"PYTHONPATH": pythonpath.rstrip(os.pathsep), "BENCH_PROBE_DIR": directory},
        )
        runs: list[dict[str, Any]] = []
        # The engine's calls per resource: Check + Create, Read, Check + Diff + Update, Delete.
        for scenario, per_entity in (("create", 2), ("refresh", 1), ("update", 3), ("destroy", 1)):
            before = set(Path(directory).glob("*.json"))
            admin.reset_stats()
            tool.run(scenario)
            requests = sum(admin.stats().values())
            new = sorted(set(Path(directory).glob("*.json")) - before)
            if len(new) != 1:
                raise RuntimeError(f"expected one provider process report for {scenario}, found {len(new)}")
            data = json.loads(new[0].read_text())
            data.pop("argv", None)
            runs.append(
                {"operation": scenario, "provider_calls": per_entity * n, "emulator_requests": requests, **data}
            )
    admin.close()
    return runs


def main(argv: list[str]) -> int:
    url, n = argv[0], int(argv[1])
    result = {"n": n, "in_process": in_process(url, n), "provider_server": provider_server(url, n)}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
