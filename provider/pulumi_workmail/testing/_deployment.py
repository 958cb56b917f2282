"""The engine's steps, decided and made: registrations and reads, then deletes, or a refresh's reads.

Each RegisterResource becomes a create, update, replace or same step, each ReadResource (a ``get``) a
read step of a resource the stack does not own, and the provider is called as the
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
from ._results import ResultOp, StepOp
from ._scheduler import run_in_dependency_order
from ._server import CheckFailure, DiffResponse, ProviderServer
from ._state import STACK_TYPE, ResourceOptions, ResourceState, is_dynamic_type
from ._wire import UNKNOWN, unwrap_secrets, urn_type_name, wire_props, wrap_secrets

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
    if record.external:  # the engine never deletes what it read, it only drops it from the stack
        return "discard-replaced" if record.delete else "discard"
    return "delete-replaced" if record.delete else "delete"


def _gone_op(record: ResourceState) -> ResultOp:
    return "discard" if record.external else "delete"


def _deletes_by_provider(record: ResourceState) -> bool:
    return record.dynamic and not record.retain_on_delete and not record.external


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
        old = self._claim(urn, options)
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

    def _claim(self, urn: str, options: RegisterOptions | None = None) -> ResourceState | None:
        """Note the program's claim to ``urn`` (a second one fails, as in the engine); its old record, under
        ``urn`` or else under one of its aliases (see :mod:`._aliases`)."""
        old: ResourceState | None = None
        with self._lock:
            error = self.renames.conflict(urn)
            if urn in self._registered_set:
                error = f"Duplicate resource URN '{urn}'; try giving it a unique name"
            if error is None:
                self._registered_set.add(urn)
                self.registered.append(urn)
                old = self.old.get(urn)
            if error is None and old is None and options is not None:  # its aliases, or its renamed parent's
                old_urn, error = self.renames.find(urn, options.parent, options.aliases, self.old, self._registered_set)
                old = self.old.get(old_urn) if old_urn is not None else None
        if error is not None:
            raise self.fail(error, urn=urn, operation=None)
        return old

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
        read = old if old is not None and old.external else None
        if read is not None:  # the engine owns nothing of a resource it read: it checks and creates anew
            old = None
        plain_news, secret_keys = unwrap_secrets(news)
        old_inputs = _plain(old.inputs) if old is not None else {}
        if old is not None and options.ignore_changes:
            plain_news = apply_ignore_changes(plain_news, old_inputs, options.ignore_changes)
        server = self._call(urn, "check", self.provider)
        checked = self._call(urn, "check", lambda: server.check(urn, old_inputs, plain_news))
        self._raise_check_failures(urn, type_, checked.failures, news)
        output_secrets = secret_keys | set(options.additional_secret_outputs)

        if read is not None:  # a replacement whose old resource, read, is discarded
            diffs = _changed_keys(read.inputs, wrap_secrets(checked.inputs, secret_keys))
            discard = None if self.dry_run else replace(read, delete=True)
            return self._create(
                urn,
                type_,
                options,
                checked.inputs,
                secret_keys,
                output_secrets,
                server,
                op="replace",
                old=read,
                diffs=diffs,
                pending_delete=discard,
            )
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
        changes, changed = diff.changes, diff.diffs
        if changes == "unknown":  # the engine diffs the inputs itself, __provider included
            changes = "some" if old_inputs != checked.inputs else "none"
            changed = tuple(_changed_keys(old_inputs, checked.inputs))
        new_inputs = wrap_secrets(checked.inputs, secret_keys)
        if changes == "none":  # Same step: new inputs, but the old id and outputs (old __provider too)
            # The engine marks secret, on every step, the outputs of secret inputs and additional_secret_outputs:
            # an input made secret, or one named there, encrypts the old output though nothing else changed.
            outputs = wrap_secrets(_plain(old.outputs), _secret_keys(old.outputs) | output_secrets)
            record = options.record(urn, type_, True, id=old.id, inputs=new_inputs, outputs=outputs)
            self._step("same", urn, type_, old, record, apply=self._setter(urn, record))
            return old.id, outputs

        diffs = _changed_keys(old.inputs, new_inputs)
        # replace_on_changes matches the keys the diff named (the engine's ChangedKeys), not the inputs.
        replaces = set(diff.replaces)
        if "*" in options.replace_on_changes:
            replaces.update(changed)
        replaces.update(key for key in changed if any(path.split(".")[0] == key for path in options.replace_on_changes))
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
            with self._lock:
                self.deletions.add(urn)
            if not old.retain_on_delete and not self._deleted_with_another(old):
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
                if self.current.get(old.urn) is old:
                    del self.current[old.urn]
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

    # -- reads (``get``, or ``id=`` in the options) ---------------------------------------------

    def read(self, urn: str, request: Any) -> tuple[str, dict[str, Any], bool]:
        """Handle one ReadResource as the engine's read step; returns the id and the outputs (wire form)
        the program sees, and whether they are unknown.

        What the engine does (v3.274: ``ReadStep``, ``GenerateReadSteps``, ``shouldRecordReadStep``; and
        what the CLI was seen to print and store for ``EntityPrimaryEmail.get``):

        - it calls the provider's Read, in a preview too, with the id and the program's properties (only
          ``__provider`` for a ``get``) as both inputs and state; it skips the call, answering unknown
          outputs, when the id is unknown or, in a preview, when a dependency is being created or replaced;
        - the state keeps the program's properties as inputs, the Read's outputs and id (the given id when
          the Read answers none: a Python dynamic provider's "gone" is no error to the engine, which
          stores outputs holding only ``__provider``), ``external: true``, the parent and dependencies;
        - the CLI shows a read as a passing ``read <type> <name>`` on the Stack's row, no row of its own;
          the summary counts it only when it finds other outputs than the stack recorded;
        - a read resource is never deleted: when it leaves the program, or on destroy, it is discarded
          (dropped from the state, no provider call, not shown); a refresh reads it again like any other
          resource, drift judged by its outputs;
        - a resource the stack owns that the program now reads under the same id is let go of (a plain
          read); under another id it is replaced: deleted after the read, when the operation ends;
        - a read resource the program now declares is a replacement (Check without olds, Create), the read
          record discarded afterwards (see :meth:`_register_dynamic`).
        """
        type_: str = request.type
        id_: str = request.id
        inputs = wire_props(request.properties)
        old = self._claim(urn)
        options = ResourceOptions(
            parent=request.parent,
            dependencies=tuple(request.dependencies),
            additional_secret_outputs=tuple(request.additionalSecretOutputs),
        )
        if not id_:
            raise self.fail(f"Expected an ID for {urn}", urn=urn, operation="read")
        owned = old if old is not None and not old.external else None
        replacing = owned is not None and owned.id != id_
        op: StepOp = "replace" if replacing else "read"
        diffs = _changed_keys(old.inputs, inputs) if old is not None else ()
        record = ResourceState(
            urn=urn, type=type_, custom=True, id=id_, inputs=inputs, external=True, **options.option_values()
        )
        if id_ == UNKNOWN or (self.dry_run and self._created_here(options.dependencies)):
            self._step(op, urn, type_, old, replace(record, id=""), diffs=diffs)
            return "", {}, True
        server = self._call(urn, "read", self.provider)
        plain, secret_keys = unwrap_secrets(inputs)
        found = self._call(urn, "read", lambda: server.read(id_, urn, plain, plain))
        outputs = wrap_secrets(found.outputs, secret_keys | set(options.additional_secret_outputs))
        record = replace(record, id=found.id or id_, outputs=outputs)

        def apply() -> None:
            self.current[urn] = record
            if replacing and owned is not None:
                self.pending.append(replace(owned, delete=True))

        self._step(op, urn, type_, old, record, diffs=diffs, apply=None if self.dry_run else apply)
        return record.id, record.outputs, False

    def _created_here(self, urns: Sequence[str]) -> bool:
        """Whether this operation creates or replaces any of ``urns`` (so, in a preview, none exists yet)."""
        wanted = set(urns)
        with self._lock:
            return any(step.urn in wanted and step.op in ("create", "replace") for step in self.steps)

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
            kept = self._registered_set | self.renames.taken.keys()
            removed = [self.current[urn] for urn in self._old_order if urn in self.current and urn not in kept]
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
        with self._lock:  # all of them, before any is deleted
            self.deletions.update(record.urn for record in records)
        if self.dry_run:
            for record in reversed(records):
                self._step(_delete_op(record), record.urn, record.type, record, None, result_op=_gone_op(record))
            return
        if any(_deletes_by_provider(record) for record in records):
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

    def _deleted_with_another(self, record: ResourceState) -> bool:
        """Whether the resource ``record`` is deleted with is deleted by this operation too, so that the
        engine skips ``record``'s Delete (v3.274, ``DeleteStep.Apply``: ``isDeletedWith``), its step still
        shown and counted. The engine asks its step generator's set of deleted URNs when the step runs:
        every delete the operation makes (a destroy's, those of resources the program no longer declares,
        replaced resources' old ones) is in it by then, a delete-before-replace's from the moment it is
        decided. It goes by URN, so a resource retained or discarded counts as deleted."""
        with self._lock:
            return bool(record.deleted_with) and record.deleted_with in self.deletions

    def _delete_one(self, record: ResourceState) -> None:
        if _deletes_by_provider(record) and not self._deleted_with_another(record):
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

        self._step(_delete_op(record), record.urn, record.type, record, None, result_op=_gone_op(record), apply=apply)

    # -- refresh ------------------------------------------------------------------------------

    def refresh_all(self) -> None:
        """Read (and Diff) every dynamic resource, four at a time; others have nothing to read and stay the same."""
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
        changed = bool(drift) if record.external else self._refresh_diff(server, record, new)

        def apply() -> None:
            if self.current.get(record.urn) is record:
                self.current[record.urn] = new

        self._step(
            "refresh",
            record.urn,
            record.type,
            record,
            new,
            result_op="update" if changed else "same",
            diffs=drift if changed else (),
            apply=apply,
        )

    def _refresh_diff(self, server: ProviderServer, old: ResourceState, new: ResourceState) -> bool:
        """Whether a refresh that read ``new`` is an update, judged as the engine judges it (v3.274,
        ``RefreshStep.Apply``): it asks the provider's Diff what an ``up`` of the unchanged program would now
        do, the read outputs and inputs as the olds and the recorded inputs as the news, and inverts the
        answer. So the refresh is an update only when that Diff finds changes (DIFF_UNKNOWN: when the read
        inputs differ from the recorded ones, ``ignore_changes`` applied), whatever else the read outputs
        changed, and the notes the Diff makes are listed under the resource. A resource the program read
        (``external``) is judged by its outputs alone, without a Diff, as there."""
        recorded, read = _plain(old.inputs), _plain(new.inputs)
        diff: DiffResponse = self._call(
            old.urn,
            "diff",
            lambda: server.diff(
                new.id, old.urn, _plain(new.outputs), recorded, read, ignore_changes=old.ignore_changes
            ),
        )
        if diff.changes == "unknown":
            return apply_ignore_changes(recorded, read, old.ignore_changes) != read
        return diff.changes == "some"
