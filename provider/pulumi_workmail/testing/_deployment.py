"""The engine's steps, decided and made: registrations, then deletes, or a refresh's reads.

Each RegisterResource becomes a create, update, replace or same step, and the provider is called as the
engine calls it: Check before Diff, a fresh Check for a replacement, old outputs as olds, the Same-step
rule, create-before-delete. That claim to behave like the engine is what the runner rests on, so it is
kept apart from the bookkeeping in :mod:`._operation` and the scheduling in :mod:`._scheduler`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, Final

from . import _display
from ._monitor import NoMocksError
from ._operation import Operation, StepFailed
from ._options import RegisterOptions, apply_ignore_changes, custom_timeout
from ._results import StepOp
from ._scheduler import run_in_dependency_order
from ._server import CheckFailure, ProviderServer
from ._state import STACK_TYPE, ResourceState, is_dynamic_type
from ._wire import unwrap_secrets, urn_type_name, wire_props, wrap_secrets

_MISSING: Final = object()


def _plain(props: Mapping[str, Any]) -> dict[str, Any]:
    return unwrap_secrets(props)[0]


def _secret_keys(props: Mapping[str, Any]) -> frozenset[str]:
    return unwrap_secrets(props)[1]


def _changed_keys(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[str, ...]:
    """Top-level keys whose (unwrapped) values differ, internal ``__`` keys left out as the CLI does."""
    old_plain, new_plain = _plain(old), _plain(new)
    keys = {key for key in old_plain.keys() | new_plain.keys() if not key.startswith("__")}
    return tuple(sorted(key for key in keys if old_plain.get(key, _MISSING) != new_plain.get(key, _MISSING)))


def _delete_op(record: ResourceState) -> StepOp:
    return "delete-replaced" if record.delete else "delete"


class Deployment(Operation):
    """One operation's steps; the state they change and the provider they call come from :class:`Operation`."""

    # -- registration (preview and up) --------------------------------------------------------

    def register(
        self,
        urn: str,
        request: Any,
        new_mock_resource: Callable[[], tuple[str | None, dict[str, Any]]],
    ) -> tuple[str, dict[str, Any]]:
        """Handle one RegisterResource; returns the (id, outputs) the program sees, outputs in wire form."""
        type_: str = request.type
        options = RegisterOptions.from_request(request)
        news = wire_props(request.object)
        with self._lock:
            duplicate = urn in self._registered_set
            if not duplicate:
                self._registered_set.add(urn)
                self.registered.append(urn)
            old = self.old.get(urn)
        if duplicate:
            raise self.fail(f"Duplicate resource URN '{urn}'; try giving it a unique name", urn=urn, operation=None)
        if type_ == STACK_TYPE:
            self.stack_urn = urn
            self._register_without_provider(urn, type_, options, {}, old, custom=False)
            return "", {}
        if not request.custom:
            self._register_without_provider(urn, type_, options, news, old, custom=False)
            return "", {}
        if not is_dynamic_type(type_):
            return self._register_mocked(urn, type_, options, news, old, new_mock_resource)
        return self._register_dynamic(urn, type_, options, news, old)

    def _register_without_provider(
        self,
        urn: str,
        type_: str,
        options: RegisterOptions,
        inputs: dict[str, Any],
        old: ResourceState | None,
        *,
        custom: bool,
        id_: str = "",
        outputs: dict[str, Any] | None = None,
    ) -> None:
        """The Stack, components and mocked resources: no provider; create/update/same by input comparison."""
        kept_outputs = outputs if outputs is not None else (old.outputs if old is not None else {})
        record = options.record(urn, type_, custom, id=id_, inputs=inputs, outputs=kept_outputs)
        diffs = _changed_keys(old.inputs, inputs) if old is not None else ()
        op: StepOp = "create" if old is None else ("update" if diffs else "same")
        self._step(op, urn, type_, old, record, diffs=diffs, apply=self._setter(urn, record))

    def _register_mocked(
        self,
        urn: str,
        type_: str,
        options: RegisterOptions,
        news: dict[str, Any],
        old: ResourceState | None,
        new_mock_resource: Callable[[], tuple[str | None, dict[str, Any]]],
    ) -> tuple[str, dict[str, Any]]:
        try:
            id_, outputs = new_mock_resource()
        except NoMocksError as err:
            raise self.fail(str(err), urn=urn, operation="create") from None
        except Exception as err:
            raise self.fail(
                f"mocks.new_resource failed: {_display.exception_message(err)}", urn=urn, operation="create"
            ) from None
        resolved_id = id_ or ("" if self.dry_run else urn_type_name(urn)[1])
        wire_outputs = json.loads(json.dumps(outputs, default=str))
        self._register_without_provider(
            urn, type_, options, news, old, custom=True, id_=resolved_id, outputs=wire_outputs
        )
        return resolved_id, wire_outputs

    def _setter(self, urn: str, record: ResourceState) -> Callable[[], None] | None:
        if self.dry_run:
            return None

        def apply() -> None:
            self.current[urn] = record

        return apply

    def _raise_check_failures(
        self, urn: str, type_: str, failures: Sequence[CheckFailure], news: Mapping[str, Any]
    ) -> None:
        if failures:
            name = urn_type_name(urn)[1]
            message = "\n".join(_display.check_failure_message(type_, name, failure, news) for failure in failures)
            raise self.fail(message, urn=urn, operation="check")

    def _register_dynamic(
        self, urn: str, type_: str, options: RegisterOptions, news: dict[str, Any], old: ResourceState | None
    ) -> tuple[str, dict[str, Any]]:
        plain_news, secret_keys = unwrap_secrets(news)
        old_inputs = _plain(old.inputs) if old is not None else {}
        if old is not None and options.ignore_changes:
            plain_news = apply_ignore_changes(plain_news, old_inputs, options.ignore_changes)
        server = self._call(urn, "check", self.provider)
        checked = self._call(urn, "check", lambda: server.check(urn, old_inputs, plain_news))
        self._raise_check_failures(urn, type_, checked.failures, news)
        output_secrets = secret_keys | set(options.additional_secret_outputs)

        if old is None:
            return self._create(urn, type_, options, checked.inputs, secret_keys, output_secrets, server)

        old_outputs = _plain(old.outputs)
        diff = self._call(
            urn,
            "diff",
            lambda: server.diff(
                old.id, urn, old_outputs, checked.inputs, old_inputs, ignore_changes=options.ignore_changes
            ),
        )
        changes = diff.changes
        if changes == "unknown":  # the engine diffs the inputs itself, __provider included
            changes = "some" if old_inputs != checked.inputs else "none"
        new_inputs = wrap_secrets(checked.inputs, secret_keys)
        if changes == "none":  # Same step: new inputs, but the old id and outputs (old __provider too)
            record = options.record(urn, type_, True, id=old.id, inputs=new_inputs, outputs=old.outputs)
            self._step("same", urn, type_, old, record, apply=self._setter(urn, record))
            return old.id, old.outputs

        diffs = _changed_keys(old.inputs, new_inputs)
        replaces = set(diff.replaces)
        if "*" in options.replace_on_changes:
            replaces.update(diffs)
        replaces.update(key for key in diffs if any(path.split(".")[0] == key for path in options.replace_on_changes))
        if not replaces:
            return self._update(urn, type_, options, old, checked.inputs, new_inputs, diffs, output_secrets, server)
        delete_first = (
            options.delete_before_replace if options.delete_before_replace is not None else diff.delete_before_replace
        )
        return self._replace(
            urn,
            type_,
            options,
            old,
            plain_news,
            news,
            secret_keys,
            output_secrets,
            diffs,
            sorted(replaces),
            delete_first,
            server,
        )

    def _create(
        self,
        urn: str,
        type_: str,
        options: RegisterOptions,
        checked: dict[str, Any],
        secret_keys: frozenset[str],
        output_secrets: set[str] | frozenset[str],
        server: ProviderServer,
        *,
        op: StepOp = "create",
        old: ResourceState | None = None,
        diffs: Sequence[str] = (),
        replaces: Sequence[str] = (),
        pending_delete: ResourceState | None = None,
    ) -> tuple[str, dict[str, Any]]:
        inputs = wrap_secrets(checked, secret_keys)
        if self.dry_run:  # the engine answers a preview Create itself: outputs = checked inputs, id unknown
            planned = options.record(urn, type_, True, inputs=inputs, outputs=inputs)
            self._step(op, urn, type_, old, planned, diffs=diffs, replaces=replaces)
            return "", inputs
        created = self._call(
            urn,
            "create",
            lambda: server.create(urn, checked, custom_timeout=custom_timeout(options, "create")),
            mutating=True,
        )
        if not created.id:
            raise self.fail("provider returned an empty ID from Create", urn=urn, operation="create")
        record = options.record(
            urn, type_, True, id=created.id, inputs=inputs, outputs=wrap_secrets(created.outputs, output_secrets)
        )

        def apply() -> None:
            self.current[urn] = record
            if pending_delete is not None:
                self.pending.append(pending_delete)

        self._step(op, urn, type_, old, record, diffs=diffs, replaces=replaces, apply=apply)
        return record.id, record.outputs

    def _update(
        self,
        urn: str,
        type_: str,
        options: RegisterOptions,
        old: ResourceState,
        checked: dict[str, Any],
        new_inputs: dict[str, Any],
        diffs: Sequence[str],
        output_secrets: set[str] | frozenset[str],
        server: ProviderServer,
    ) -> tuple[str, dict[str, Any]]:
        if self.dry_run:  # preview: the engine returns the new inputs as outputs
            planned = options.record(urn, type_, True, id=old.id, inputs=new_inputs, outputs=new_inputs)
            self._step("update", urn, type_, old, planned, diffs=diffs)
            return old.id, new_inputs
        outputs = self._call(
            urn,
            "update",
            lambda: server.update(
                old.id,
                urn,
                _plain(old.outputs),
                checked,
                _plain(old.inputs),
                ignore_changes=options.ignore_changes,
                custom_timeout=custom_timeout(options, "update"),
            ),
            mutating=True,
        )
        record = options.record(
            urn, type_, True, id=old.id, inputs=new_inputs, outputs=wrap_secrets(outputs, output_secrets)
        )
        self._step("update", urn, type_, old, record, diffs=diffs, apply=self._setter(urn, record))
        return record.id, record.outputs

    def _replace(
        self,
        urn: str,
        type_: str,
        options: RegisterOptions,
        old: ResourceState,
        plain_news: dict[str, Any],
        news: Mapping[str, Any],
        secret_keys: frozenset[str],
        output_secrets: set[str] | frozenset[str],
        diffs: Sequence[str],
        replaces: Sequence[str],
        delete_first: bool,
        server: ProviderServer,
    ) -> tuple[str, dict[str, Any]]:
        if options.protect or old.protect:
            raise self.fail(_display.protected_message("replace", urn), urn=urn, operation="replace")
        fresh = self._call(urn, "check", lambda: server.check(urn, {}, plain_news))  # a replacement checks as a create
        self._raise_check_failures(urn, type_, fresh.failures, news)
        if delete_first and not self.dry_run:
            if not old.retain_on_delete:
                self._call(
                    urn,
                    "delete",
                    lambda: server.delete(
                        old.id,
                        urn,
                        _plain(old.outputs),
                        _plain(old.inputs),
                        custom_timeout=custom_timeout(old, "delete"),
                    ),
                    mutating=True,
                )
            with self._lock:  # the old resource is gone even if the create below fails
                if self.current.get(urn) is old:
                    del self.current[urn]
        pending = None if delete_first or self.dry_run else replace(old, delete=True)
        return self._create(
            urn,
            type_,
            options,
            fresh.inputs,
            secret_keys,
            output_secrets,
            server,
            op="replace",
            old=old,
            diffs=diffs,
            replaces=replaces,
            pending_delete=pending,
        )

    def register_outputs(self, urn: str, outputs: dict[str, Any]) -> None:
        """RegisterResourceOutputs: the Stack's are the stack outputs (``pulumi.export``)."""
        with self._lock:
            if urn == self.stack_urn:
                self.stack_outputs = outputs
            record = self.current.get(urn)
            if record is not None and not record.custom and not self.dry_run and urn in self._registered_set:
                self.current[urn] = replace(record, outputs=outputs)
                self._log_step(urn)

    # -- deletes ------------------------------------------------------------------------------

    def delete_unregistered(self) -> None:
        """After a successful program: delete what it no longer declares, and replaced resources."""
        with self._lock:
            removed = [
                self.current[urn] for urn in self._old_order if urn in self.current and urn not in self._registered_set
            ]
            targets = removed + list(self.pending)
        protected = [record for record in removed if record.protect]
        if protected:
            self.fail(_display.protected_message("delete", protected[0].urn), urn=protected[0].urn, operation="delete")
            return
        self.delete_in_order(targets)

    def delete_all(self) -> None:
        """Destroy: everything in state, in reverse dependency order; protected resources refuse."""
        targets = self.snapshot()
        protected = [record for record in targets if record.protect and not record.delete]
        if protected:
            self.fail(_display.protected_message("delete", protected[0].urn), urn=protected[0].urn, operation="delete")
            return
        self.delete_in_order(targets)

    def delete_in_order(self, records: list[ResourceState]) -> None:
        if self.dry_run:
            for record in reversed(records):
                self._step(_delete_op(record), record.urn, record.type, record, None, result_op="delete")
            return
        if any(record.dynamic and not record.retain_on_delete for record in records):
            with contextlib.suppress(StepFailed):
                self._call(self._provider_urn(), "configure", self.provider)
            if self.failure is not None:
                return
        run_in_dependency_order(
            records, self._guarded(self._delete_one, "delete"), stop=lambda: self.failure is not None
        )

    def _guarded(self, action: Callable[[ResourceState], None], operation: str) -> Callable[[ResourceState], None]:
        """Any unexpected error in a worker becomes the operation's failure instead of vanishing in a future."""

        def run(record: ResourceState) -> None:
            try:
                action(record)
            except StepFailed:
                raise
            except Exception as exc:
                raise self.fail(_display.exception_message(exc), urn=record.urn, operation=operation) from exc

        return run

    def _delete_one(self, record: ResourceState) -> None:
        if record.dynamic and not record.retain_on_delete:
            server = self.provider()
            self._call(
                record.urn,
                "delete",
                lambda: server.delete(
                    record.id,
                    record.urn,
                    _plain(record.outputs),
                    _plain(record.inputs),
                    custom_timeout=custom_timeout(record, "delete"),
                ),
                mutating=True,
            )

        def apply() -> None:
            if self.current.get(record.urn) is record:
                del self.current[record.urn]
            self.pending = [item for item in self.pending if item is not record]

        self._step(_delete_op(record), record.urn, record.type, record, None, result_op="delete", apply=apply)

    # -- refresh ------------------------------------------------------------------------------

    def refresh_all(self) -> None:
        """Read every dynamic resource (four at a time); others have nothing to read and stay the same."""
        records = [self.current[urn] for urn in self._old_order if urn in self.current]
        dynamic = [record for record in records if record.dynamic]
        for record in records:
            if not record.dynamic:
                self._step("refresh", record.urn, record.type, record, record, result_op="same")
        if not dynamic:
            return
        with contextlib.suppress(StepFailed):
            self._call(self._provider_urn(), "configure", self.provider)
        if self.failure is None:
            run_in_dependency_order(
                dynamic, self._guarded(self._refresh_one, "read"), stop=lambda: self.failure is not None, ordered=False
            )

    def _refresh_one(self, record: ResourceState) -> None:
        server = self.provider()
        read = self._call(
            record.urn,
            "read",
            lambda: server.read(
                record.id,
                record.urn,
                _plain(record.outputs),
                _plain(record.inputs),
                custom_timeout=custom_timeout(record, "read"),
            ),
        )
        if read.gone:  # deleted out of band: dropped from state, shown as a delete

            def drop() -> None:
                if self.current.get(record.urn) is record:
                    del self.current[record.urn]

            self._step("refresh", record.urn, record.type, record, None, result_op="delete", apply=drop)
            return
        input_secrets = _secret_keys(record.inputs)
        output_secrets = input_secrets | _secret_keys(record.outputs) | set(record.additional_secret_outputs)
        new = replace(
            record,
            id=read.id,
            outputs=wrap_secrets(read.outputs, output_secrets),
            inputs=record.inputs if read.inputs is None else wrap_secrets(read.inputs, input_secrets),
        )
        drift = _changed_keys(record.outputs, new.outputs)

        def apply() -> None:
            if self.current.get(record.urn) is record:
                self.current[record.urn] = new

        self._step(
            "refresh",
            record.urn,
            record.type,
            record,
            new,
            result_op="update" if drift else "same",
            diffs=drift,
            apply=apply,
        )
