"""A dynamic provider over a fake "cloud" directory, for running whole programs through ``OfflineStack``.

It lives in an importable module (not a test file) so dill pickles it by reference and the provider
process can import it. Importing it has no side effects. Everything it does is visible from the test:

- the world directory (env ``JOURNAL_WORLD``) holds one JSON file per live resource, ``live/<id>.json``,
  so tests can change (drift) or delete (gone) a resource out of band; a key other than ``value`` written
  there is read back as an output that no input has and ``diff`` does not compare;
- ``journal`` gets one line per provider call, ``<op> <name>`` (``check`` lines add ``unknown:<keys>``
  when inputs were unknown, creates add ``create-start``/``create-end`` lines with timestamps), so tests
  can assert which calls were made and in what order, across provider processes.

Inputs: ``name`` (physical name), ``value`` (updatable), ``kind`` (immutable: changing it replaces),
``dbr`` (ask for delete-before-replace), ``sleep`` (seconds per create), ``diff_unknown`` (answer
DIFF_UNKNOWN, the default ``diff()``), ``fail`` + ``fail_in`` (raise that message in those operations).
``value == "invalid"`` is a check failure on ``value``; ``kind == ""`` one without a property.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown

INPUTS = ("name", "value", "kind", "dbr", "sleep", "diff_unknown", "fail", "fail_in", "password")
_LOCK = threading.Lock()


def world() -> Path:
    return Path(os.environ["JOURNAL_WORLD"])


def log(line: str) -> None:
    with _LOCK, (world() / "journal").open("a", encoding="utf-8") as journal:
        journal.write(line + "\n")


def read_journal(directory: Path) -> list[str]:
    """The journal lines without timestamps (test side)."""
    path = directory / "journal"
    if not path.exists():
        return []
    return [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("create-")]


class JournalProvider(ResourceProvider):
    """See the module docstring."""

    serialize_as_secret_always = True

    def __init__(self, label: str = "journal") -> None:
        super().__init__()
        self.label = label  # pickled by value: a new label is a new __provider

    def configure(self, req: ConfigureRequest) -> None:
        self.region = req.config.get("aws:region")
        self.token = req.config.get("token")

    def _enter(self, operation: str, props: dict[str, Any]) -> None:
        log(f"{operation} {props.get('name', '')}")
        failure = props.get("fail")
        if isinstance(failure, str) and operation in (props.get("fail_in") or [operation]):
            raise Exception(failure)

    @staticmethod
    def _live(id_: str) -> Path:
        return world() / "live" / f"{id_}.json"

    def _outputs(self, props: dict[str, Any]) -> dict[str, Any]:
        return {
            **props,
            "computed": f"computed-{props.get('value')}",
            "region": self.region,
            "token_seen": self.token is not None,
        }

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        unknown = sorted(key for key, value in news.items() if isinstance(value, Unknown))
        log(f"check {news.get('name', '')}" + (f" unknown:{','.join(unknown)}" if unknown else ""))
        failures = []
        if news.get("value") == "invalid":
            failures.append(CheckFailure("value", "must not be 'invalid'"))
        if news.get("kind") == "":
            failures.append(CheckFailure("", "kind must not be empty"))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        self._enter("diff", news)
        if news.get("diff_unknown"):
            return DiffResult()
        replaces = [key for key in ("kind", "name") if olds.get(key) != news.get(key)]
        changed = replaces or [key for key in ("value", "password") if olds.get(key) != news.get(key)]
        return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=bool(news.get("dbr")))

    def create(self, props: dict[str, Any]) -> CreateResult:
        self._enter("create", props)
        log(f"create-start {props.get('name')} {time.monotonic()}")
        time.sleep(float(props.get("sleep") or 0))
        id_ = f"{props.get('name')}-{uuid.uuid4().hex[:8]}"
        self._live(id_).parent.mkdir(parents=True, exist_ok=True)
        self._live(id_).write_text(json.dumps({"value": props.get("value")}), encoding="utf-8")
        log(f"create-end {props.get('name')} {time.monotonic()}")
        return CreateResult(id_, self._outputs(props))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        self._enter("read", props)
        if not self._live(id_).exists():
            return ReadResult("", {})  # outs must not be None: the server dereferences it
        live = json.loads(self._live(id_).read_text(encoding="utf-8"))
        outputs = self._outputs({**props, **live})
        inputs = {key: outputs[key] for key in INPUTS if key in outputs}
        return ReadResult(id_, outputs, inputs=inputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self._enter("update", news)
        self._live(id_).write_text(json.dumps({"value": news.get("value")}), encoding="utf-8")
        return UpdateResult({**self._outputs(news), "previous_value": olds.get("value")})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self._enter("delete", props)
        self._live(id_).unlink(missing_ok=True)


class Journal(Resource, module="test", name="Journal"):
    """A resource managed by ``JournalProvider``; ``computed`` is output-only (unknown in a first preview)."""

    computed: pulumi.Output[str]
    value: pulumi.Output[Any]
    region: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        value: pulumi.Input[Any] = "v1",
        *,
        kind: str = "a",
        label: str = "journal",
        opts: pulumi.ResourceOptions | None = None,
        **extra: Any,
    ) -> None:
        props = {"name": name, "value": value, "kind": kind, "computed": None, "region": None, **extra}
        super().__init__(JournalProvider(label), name, props, opts)
