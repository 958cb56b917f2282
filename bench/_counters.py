"""Count what botocore builds in a process: clients, WorkMail service models, model-file loads, API calls.

Patched at class level, so it sees every boto3 session and client in the process, whoever creates them.
Used in-process by :mod:`bench.probe` and, through ``bench/_probe_site/sitecustomize.py``, inside the real
provider server process.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SERVICE = "workmail"


@dataclass
class Counters:
    clients: Counter[str] = field(default_factory=Counter)
    """``botocore.session.Session.create_client`` calls, by service name."""
    service_models: int = 0
    """``botocore.model.ServiceModel`` objects built for WorkMail."""
    model_file_loads: int = 0
    """WorkMail model files read from disk and parsed (service-2, paginators, waiters...)."""
    api_calls: int = 0
    """WorkMail API operations made (``BaseClient._make_api_call``), retries not counted separately."""
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "pid": os.getpid(),
                "clients_created": dict(self.clients),
                "workmail_service_models": self.service_models,
                "workmail_model_file_loads": self.model_file_loads,
                "workmail_api_calls": self.api_calls,
            }


def install(on_change: Callable[[Counters], None] | None = None) -> Counters:
    """Patch botocore (idempotent per process is not needed: call once) and return the live counters."""
    import botocore.client
    import botocore.loaders
    import botocore.model
    import botocore.session

    counters = Counters()

    def changed() -> None:
        if on_change is not None:
            on_change(counters)

    original_create = botocore.session.Session.create_client

    def create_client(self: Any, service_name: str, *args: Any, **kwargs: Any) -> Any:
        with counters.lock:
            counters.clients[service_name] += 1
        changed()
        return original_create(self, service_name, *args, **kwargs)

    original_load = botocore.loaders.JSONFileLoader.load_file

    def load_file(self: Any, file_path: str) -> Any:
        result = original_load(self, file_path)
        if result is not None and f"{os.sep}{SERVICE}{os.sep}" in str(file_path):
            with counters.lock:
                counters.model_file_loads += 1
            changed()
        return result

    original_model_init = botocore.model.ServiceModel.__init__

    def model_init(self: Any, service_description: Any, *args: Any, **kwargs: Any) -> None:
        original_model_init(self, service_description, *args, **kwargs)
        metadata = service_description.get("metadata", {}) if isinstance(service_description, dict) else {}
        if metadata.get("endpointPrefix") == SERVICE:
            with counters.lock:
                counters.service_models += 1
            changed()

    base_client: Any = botocore.client.BaseClient  # _make_api_call is private: not in the stubs
    original_call = base_client._make_api_call

    def make_api_call(self: Any, operation_name: str, api_params: Any) -> Any:
        try:
            return original_call(self, operation_name, api_params)
        finally:
            if self.meta.service_model.endpoint_prefix == SERVICE:
                with counters.lock:
                    counters.api_calls += 1
                changed()

    botocore.session.Session.create_client = create_client  # type: ignore[method-assign]
    botocore.loaders.JSONFileLoader.load_file = load_file  # type: ignore[method-assign]
    botocore.model.ServiceModel.__init__ = model_init  # type: ignore[method-assign]
    base_client._make_api_call = make_api_call
    return counters
