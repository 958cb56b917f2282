"""The dynamic provider behind ``EntityAliases``: one method per engine call.

| engine call | what happens here                                                       | WorkMail requests         |
|-------------|-------------------------------------------------------------------------|---------------------------|
| check       | validate, default and sort the inputs (pure)                            | 0                         |
| diff        | aliases (as a set), exclusive, on_delete → update; organization,        | 0; a new entity_id looked |
|             | region, other entity → replace; a note names what changes (pure)        | up                        |
| create      | resolve, list, refuse the primary or the limit, remove and add the rest | resolve + 1 + 1 per alias |
|             | (+ journal: noted first; what a lost create did, taken from its note)   |                           |
| update      | read, list, as create; the record of what it changed follows (also for  | 2 + 1 per alias, or 0     |
|             | an exclusive list whose primary this up moves; never the primary)       |                           |
| read        | list; gone → dropped; exclusive or get: every alias, else the declared  | 1 (+1 per 100 past 100)   |
| delete      | restore: put back what it removed, remove what it added, except what a  | 1 per alias to undo       |
|             | renamed or replacing resource holding the entity declares; retain: none |                           |

A create or update that fails part-way undoes the calls it made before failing, so a failed step leaves
WorkMail as it found it. The state records the aliases the resource added and removed (``added_aliases``,
``removed_aliases``), and only those are undone on delete. Before its first write a create notes that
record in the journal (``journal.py``), so a create whose result the engine lost is still undone: the next
create takes from the note what the live aliases bear out (``alias_plan.recovered``); a later refresh,
update or delete of the resource removes the note.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from . import _sdk, alias_plan, engine_log
from .alias_plan import Addresses, AliasPlan, Record, addresses, among, contains, minus
from .base import WorkMailResourceProvider, is_declared, same
from .claims import DECLARED, Declaration, Holder, Move, owner
from .client import WorkMail
from .deadline import Deadline, transient
from .diagnostics import note, warn
from .diff import diff_alias_props
from .errors import WorkMailProviderError, problem, undo_failed
from .journal import NoteKind
from .secrecy import SECRET_INPUTS, censoring
from .terms import GONE_CODES, Code, EntityState, EntityType, LiveEntity
from .validation import ALIAS_INPUT_PROPERTIES, DEFAULT_ON_DELETE, MAX_ALIASES, check_alias_inputs

RetryOn = Callable[[WorkMailProviderError], bool]


def _recorded_entity(props: Mapping[str, Any]) -> LiveEntity:
    """The entity as the stack recorded it (its primary is not recorded: None)."""
    kind = props.get("entity_type")
    return LiveEntity(
        props["resolved_entity_id"],
        EntityType(kind) if kind in EntityType.__members__ else EntityType.USER,
        props.get("entity_name") or "",
        EntityState.ENABLED,
        None,
    )


def _passing(error: WorkMailProviderError) -> bool:
    """Worth another try for an entity that existed long ago: throttling, 5xx, dropped connections. Not
    EntityStateException, which there means deleted or deregistered, not "created moments ago"."""
    return error.retryable and error.code != Code.ENTITY_STATE


class _WhileEnabled:
    """``transient``, but EntityStateException only while Describe shows the entity enabled (WorkMail
    catching up): waiting does not bring back one deleted or deregistered since the stack recorded it. The
    entity it last read is kept, so the caller need not describe it again."""

    def __init__(self, wm: WorkMail, entity: LiveEntity) -> None:
        self.wm = wm
        self.entity = entity
        self.seen: LiveEntity | None = None

    def __call__(self, error: WorkMailProviderError) -> bool:
        if error.code != Code.ENTITY_STATE:
            return transient(error)
        try:
            self.seen = self.wm.read(self.entity.type, self.entity.id)
        except WorkMailProviderError:
            return True  # cannot tell: keep waiting
        return self.seen.enabled

    def entity_now(self, deadline: Deadline) -> LiveEntity:
        return self.seen or deadline.retry(lambda: self.wm.read(self.entity.type, self.entity.id), _passing)


def _undeclared_old_primary(move: Move | None, news: Mapping[str, Any]) -> str | None:
    """The address an ``EntityPrimaryEmail`` of this deployment turns from primary into an alias, when this
    list is exclusive and does not declare it: the list must then be updated though its inputs may not
    have changed."""
    declared = news.get("aliases")
    if move is None or not news.get("exclusive") or not isinstance(declared, list):
        return None
    if not all(isinstance(a, str) for a in declared) or contains(declared, move.old):
        return None
    return move.old


def _record(props: Mapping[str, Any]) -> Record:
    return Record(addresses(props.get("added_aliases") or ()), addresses(props.get("removed_aliases") or ()))


class EntityAliasesProvider(WorkMailResourceProvider):
    """Adds and removes an entity's aliases with CreateAlias and DeleteAlias."""

    resource_type = "EntityAliases"
    note_kind = NoteKind.ALIASES

    # ----------------------------------------------------------- helpers

    @staticmethod
    def _outputs(
        props: Mapping[str, Any], entity: LiveEntity, live: Addresses, record: Record, region: str | None
    ) -> dict[str, Any]:
        """The inputs, with ``aliases`` what counts of the live ones: all of them when exclusive, else the
        declared ones the entity has (so a declared alias removed by hand shows as drift), and
        ``resolved_region`` where the resource was made (``diff``)."""
        outs = {k: props[k] for k in ALIAS_INPUT_PROPERTIES if props.get(k) is not None}
        if props.get(SECRET_INPUTS):
            outs[SECRET_INPUTS] = props[SECRET_INPUTS]
        if region:
            outs["resolved_region"] = region
        outs.update(
            aliases=list(live if props.get("exclusive") else among(props.get("aliases") or (), live)),
            resolved_entity_id=entity.id,
            entity_type=entity.type.value,
            entity_name=entity.name,
            added_aliases=list(record.added),
            removed_aliases=list(record.removed),
        )
        return outs

    def _declare(self, organization_id: str, entity_id: str, props: Mapping[str, Any]) -> None:
        aliases = props.get("aliases")
        if isinstance(aliases, list) and all(isinstance(a, str) for a in aliases):
            DECLARED.declare_aliases(
                organization_id, entity_id, Declaration(owner(), tuple(aliases), bool(props.get("exclusive")))
            )

    def _list(self, wm: WorkMail, entity: LiveEntity, deadline: Deadline, retry_on: RetryOn = transient) -> Addresses:
        return addresses(deadline.retry(lambda: wm.list_aliases(entity), retry_on))

    def _check_before_writes(
        self, wm: WorkMail, entity: LiveEntity, declared: Addresses, step: AliasPlan, live: Addresses
    ) -> None:
        if contains(declared, entity.email):
            raise problem(Code.ALIAS_IS_PRIMARY, alias=entity.email, entity=entity.label(), org=wm.organization_id)
        count = alias_plan.over_limit(step, live)
        if count:
            raise problem(
                Code.ALIAS_LIMIT,
                entity=entity.label(),
                org=wm.organization_id,
                count=count,
                live=len(live),
                add=len(step.add),
                remove=len(step.remove),
                limit=MAX_ALIASES,
            )

    def _apply(self, wm: WorkMail, entity: LiveEntity, step: AliasPlan, deadline: Deadline) -> None:
        """Remove, then add (so a full list has room); on a failure, undo what this step did, then fail.

        A call that failed only once the wait was over (throttling, 5xx, lost connections) may have landed
        all the same, on a try whose answer was lost: a list tells, and one that landed is undone too."""
        done: list[tuple[bool, str]] = []  # (added, alias)
        pending: tuple[bool, str] | None = None
        try:
            for alias in step.remove:
                pending = (False, alias)
                self._remove(wm, entity, alias, deadline)
                done.append(pending)
            for alias in step.add:
                pending = (True, alias)
                self._add(wm, entity, alias, deadline)
                done.append(pending)
        except WorkMailProviderError as error:
            if pending is not None and transient(error) and self._landed(wm, entity, *pending):
                done.append(pending)
            left = self._undo(wm, entity, done, deadline)
            if not done:
                raise
            if left:
                raise WorkMailProviderError(
                    f"{error.message} Undoing the aliases already changed failed for {', '.join(left)}; run "
                    "`pulumi refresh` to see where the entity stands.",
                    code=error.code,
                ) from None
            raise WorkMailProviderError(
                f"{error.message} The aliases changed before it were changed back, so nothing was changed.",
                code=error.code,
            ) from None

    @staticmethod
    def _landed(wm: WorkMail, entity: LiveEntity, added: bool, alias: str) -> bool:
        """Whether a call that ran out of tries took effect all the same; when the list cannot tell, it may
        have (and undoing it is harmless if it did not)."""
        try:
            return (alias.lower() in wm.aliases(entity)) == added
        except WorkMailProviderError:
            return True

    def _undo(self, wm: WorkMail, entity: LiveEntity, done: list[tuple[bool, str]], deadline: Deadline) -> list[str]:
        left = []
        for added, alias in reversed(done):
            try:
                if added:
                    self._remove(wm, entity, alias, deadline)
                else:
                    self._add(wm, entity, alias, deadline)
            except WorkMailProviderError:
                left.append(alias)
        return left

    def _add(
        self, wm: WorkMail, entity: LiveEntity, alias: str, deadline: Deadline, retry_on: RetryOn = transient
    ) -> None:
        def attempt() -> None:
            try:
                wm.create_alias(entity, alias)
            except WorkMailProviderError as error:
                if error.code != Code.EMAIL_IN_USE:
                    raise
                # An earlier try whose answer was lost may have added it: then it is ours.
                try:
                    ours = wm.aliases(entity)
                except WorkMailProviderError as listing:
                    if transient(listing):
                        raise listing from None  # try again: the add, then this list
                    raise error from None
                if alias.lower() in ours:
                    return
                raise wm.in_use_error(entity, alias, f"add the alias {alias}") from None

        deadline.retry(attempt, retry_on)

    def _remove(
        self, wm: WorkMail, entity: LiveEntity, alias: str, deadline: Deadline, retry_on: RetryOn = transient
    ) -> None:
        deadline.retry(lambda: wm.delete_alias(entity, alias), retry_on)

    # ------------------------------------------------------------ engine calls

    @censoring
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        self.claims.declare()
        inputs, failures = check_alias_inputs(news)
        organization, entity_id, aliases = (inputs.get(key) for key in ("organization_id", "entity_id", "aliases"))
        if not failures and isinstance(organization, str) and isinstance(entity_id, str):
            self._declare(organization, entity_id, inputs)
            primary = DECLARED.primary_of(organization, entity_id)
            known = isinstance(aliases, list) and all(isinstance(a, str) for a in aliases)
            if primary is not None and known and contains(aliases or (), primary.aliases[0]):
                failures.append(("aliases", alias_plan.listed_primary(primary.aliases[0], primary.owner)))
        return CheckResult(inputs, [CheckFailure(prop, reason) for prop, reason in failures])

    @censoring
    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        entity_now = self._entity_now(olds, news)
        decision = diff_alias_props(olds, news, region=self._region_now(), entity_now=entity_now)
        organization, entity_id = olds.get("organization_id"), olds.get("resolved_entity_id")
        if not decision.replaces and organization and entity_id:
            self.claims.claim(organization, entity_id, self._label(olds))  # it stays there
            self._declare(organization, entity_id, news)
            declared = news.get("aliases")
            known = isinstance(declared, list) and all(isinstance(a, str) for a in declared)
            move = DECLARED.moved_primary(organization, entity_id)
            changes = []
            listed = known and bool({"aliases", "exclusive"} & set(decision.changed))
            if listed and engine_log.current_urn() and not self.claims.declares():  # a refresh's diff
                changes.append(alias_plan.drifted(declared or (), olds.get("aliases") or ()))
            elif listed:
                recorded = minus(olds.get("aliases") or (), [move.new] if move else [])  # a primary stays
                changes.append(
                    alias_plan.previewed(
                        declared or (),
                        recorded,
                        exclusive=bool(news.get("exclusive")),
                        was_exclusive=bool(olds.get("exclusive")),
                    )
                )
            old_primary = _undeclared_old_primary(move, news)
            if old_primary is not None and move is not None:
                changes.append(
                    f"removes {old_primary}, which the EntityPrimaryEmail '{move.owner}' turns into an alias"
                )
                if not decision.changes:
                    decision = dataclasses.replace(decision, changes=True, changed=("aliases",))
            if changes:
                note(f"{self._label(olds)}: {'; '.join(changes)}.")
        return self._diff_result(decision)

    @censoring
    def create(self, props: dict[str, Any]) -> CreateResult:
        wm, deadline, _, entity = self._found(props)
        self._declare(wm.organization_id, entity.id, props)
        declared = addresses(props["aliases"])
        live = self._list(wm, entity, deadline)
        exclusive = bool(props.get("exclusive"))
        move = DECLARED.moved_primary(wm.organization_id, entity.id)
        old_primary = _undeclared_old_primary(move, props)
        step = alias_plan.plan(
            declared,
            live,
            exclusive=exclusive,
            own=[old_primary] if old_primary else [],
            primary=move.new if move else entity.email,  # a read may lag behind this up's swap
        )
        self._check_before_writes(wm, entity, declared, step, live)
        record = self._earlier(wm, entity, declared, live, exclusive).after(step)
        if not step.empty:
            self.settings.journal.remember_aliases(wm.organization_id, entity.id, record)
        deadline.restart_backoff()
        self._apply(wm, entity, step, deadline)
        # The note stays: the engine may yet die before it saves the state that records this create (or a
        # killed CLI's orphaned provider finishes it). A later step on this resource shows the state has it.
        now = addresses(minus(live, step.remove) + step.add)
        restores = props.get("on_delete", DEFAULT_ON_DELETE) != "retain"
        self.claims.took(wm.organization_id, entity.id, record if restores else Record())
        outputs = self._outputs(props, entity, now, record, wm.region_name)
        return CreateResult(f"{wm.organization_id}/{entity.id}", outputs)

    def _earlier(
        self, wm: WorkMail, entity: LiveEntity, declared: Addresses, live: Addresses, exclusive: bool
    ) -> Record:
        """What a create of this resource whose result the engine lost had changed, as far as its journal
        note and the live aliases agree (``alias_plan.recovered``); nothing when there is no note."""
        noted = self.settings.journal.recall_aliases(wm.organization_id, entity.id)
        if noted is None:
            return Record()
        earlier = alias_plan.recovered(noted, live, declared=declared, exclusive=exclusive, primary=entity.email)
        if not earlier.empty:
            warn(
                f"{entity.label()}: an earlier create on this machine that this resource's record does not show "
                f"(an interrupted `pulumi up`, or a resource since renamed or replaced) had {earlier.describe()}; "
                "recording that in added_aliases and removed_aliases, so destroy undoes it."
            )
        return earlier

    @censoring
    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        olds = self._complete(_id, olds)
        self._recorded(olds)
        record = _record(olds)
        recorded = _recorded_entity(olds)
        declared = addresses(news["aliases"])
        exclusive = bool(news.get("exclusive"))
        move = DECLARED.moved_primary(olds["organization_id"], olds["resolved_entity_id"])
        old_primary = _undeclared_old_primary(move, news)
        changed = {"aliases", "exclusive"} & set(diff_alias_props(olds, news).changed)
        region = self._managed_region(olds, news)
        if not changed and old_primary is None:  # nothing to call WorkMail for
            outputs = self._outputs(news, recorded, addresses(olds.get("aliases") or ()), record, region)
            return UpdateResult(outputs)
        wm = self._workmail({**news, "resolved_region": region})  # where it was made (``diff``)
        deadline = self._deadline(news)
        entity = deadline.retry(lambda: wm.read(recorded.type, recorded.id), transient)
        if not entity.enabled:
            state = f" (it is {entity.state})" if entity.state else ""
            raise problem(Code.ENTITY_STATE, entity=entity.label(), org=wm.organization_id, state=state)
        self._declare(wm.organization_id, entity.id, news)
        live = self._list(wm, entity, deadline)
        dropped = minus(olds.get("aliases") or (), declared)
        # The old primary, an alias since this deployment's swap, goes even if the list does not show it yet.
        own = (*record.added, *([old_primary] if old_primary else []))
        primary = move.new if move else entity.email  # a read may lag behind this up's swap
        step = alias_plan.plan(declared, live, exclusive=exclusive, dropped=dropped, own=own, primary=primary)
        self._check_before_writes(wm, entity, declared, step, live)
        deadline.restart_backoff()
        self._apply(wm, entity, step, deadline)
        now = addresses(minus(live, step.remove) + step.add)
        return UpdateResult(self._outputs(news, entity, now, record.after(step), region))

    def _read_live(self, id_: str, props: dict[str, Any], wm: WorkMail, deadline: Deadline, by_id: bool) -> ReadResult:
        recorded = _recorded_entity(props)
        try:
            enabled = _WhileEnabled(wm, recorded)
            live = self._list(wm, recorded, deadline, enabled)
        except WorkMailProviderError as error:
            if error.code in GONE_CODES:
                return self._gone(id_, by_id, error)
            if error.code != Code.ENTITY_STATE:
                raise
            entity = enabled.entity_now(deadline)
            if entity.state is EntityState.DELETED:
                return self._gone(id_, by_id, entity)
            warn(f"{entity.label()} in organization {wm.organization_id} is {entity.state}: it has no aliases.")
            live = ()
        outs = {k: v for k, v in props.items() if (not k.startswith("__") or k == SECRET_INPUTS) and v is not None}
        # A get's record declares nothing: every alias counts.
        every = props.get("exclusive") or not is_declared(props)
        counted = live if every else among(props.get("aliases") or (), live)
        outs["aliases"] = list(counted)
        outs["resolved_region"] = props.get("resolved_region") or wm.region_name  # for a record made before it
        inputs = {k: outs[k] for k in (*ALIAS_INPUT_PROPERTIES, SECRET_INPUTS) if outs.get(k) is not None}
        return ReadResult(id_, outs, inputs)

    @censoring
    def delete(self, _id: str, props: dict[str, Any]) -> None:
        self._recorded(props)
        if props.get("on_delete", DEFAULT_ON_DELETE) == "retain":
            return
        undo = _record(props).undo()
        if undo.empty:
            return
        try:
            props = self._complete(_id, props)
        except WorkMailProviderError as error:
            if error.code in GONE_CODES:
                self._organization_gone(error, "nothing is put back")
                return  # nothing left to restore
            raise
        successor = self._successor(props)
        if successor is not None:
            undo = self._left_undone(props, undo, successor)
            if undo.empty:
                return
        wm = self._workmail(props)
        entity = _recorded_entity(props)
        deadline = self._deadline(props)
        enabled = _WhileEnabled(wm, entity)
        try:
            for alias in undo.add:
                self._put_back(wm, entity, alias, deadline, enabled)
            for alias in undo.remove:
                self._take_back(wm, entity, alias, deadline, enabled)
        except WorkMailProviderError as error:
            if error.code in GONE_CODES:
                self._organization_gone(error, "nothing is put back")
                return  # nothing left to restore
            if error.code == Code.ENTITY_STATE:
                try:
                    live = enabled.entity_now(deadline)
                except WorkMailProviderError as reading:
                    if reading.code in GONE_CODES:
                        self._organization_gone(reading, "nothing is put back")
                        return  # nothing left to restore
                    raise undo_failed(self._label(props), error) from None
                if live.state is EntityState.DELETED:
                    return  # nothing left to restore
                if not live.enabled:
                    if undo.add:
                        warn(
                            f"{live.label()} in organization {wm.organization_id} is {live.state}, so the aliases "
                            f"it had before this resource ({', '.join(undo.add)}) are not put back."
                        )
                    return
            raise undo_failed(self._label(props), error) from None

    def _left_undone(self, props: Mapping[str, Any], undo: AliasPlan, successor: Holder) -> AliasPlan:
        """The part of a delete's ``undo`` that does not undo what ``successor``, now holding the entity,
        declares: an alias it declares stays, and under ``exclusive`` nothing it leaves out is put back.
        Which it declares is known from its check, diff or create (else nothing is undone)."""
        declared = DECLARED.aliases_of(props["organization_id"], props["resolved_entity_id"])
        if declared is not None and declared.owner == successor.name:
            keep, exclusive = declared.aliases, declared.exclusive
        else:
            keep, exclusive = undo.remove, True
        left = AliasPlan(add=() if exclusive else undo.add, remove=minus(undo.remove, keep))
        kept, unrestored = among(undo.remove, keep), minus(undo.add, left.add)
        theirs = successor.recorded if successor.created and isinstance(successor.recorded, Record) else None
        # What this resource added and the successor removed, recording it as there before it: its delete
        # would put back an address the entity never had.
        readded = among(undo.remove, theirs.removed) if theirs is not None else ()
        if kept or unrestored or readded:
            undone = theirs or Record()
            lost = theirs is None or minus(kept, undone.added) or minus(unrestored, undone.removed) or readded
            what = alias_plan.kept_for_successor(kept, unrestored, readded, successor.name)
            self._left_to(successor, f"{self._label(props)}: {what}", lost=bool(lost))
        return left

    def _put_back(
        self, wm: WorkMail, entity: LiveEntity, alias: str, deadline: Deadline, enabled: _WhileEnabled
    ) -> None:
        """Add an alias this resource removed, unless the address is now used elsewhere (warned) or has
        become the entity's primary."""
        try:
            self._add(wm, entity, alias, deadline, enabled)
        except WorkMailProviderError as error:
            if error.code != Code.EMAIL_IN_USE:
                raise
            live = deadline.retry(lambda: wm.read(entity.type, entity.id), _passing)
            if not same(live.email, alias):
                warn(f"{entity.label()}: the alias {alias} it had is not put back: {error.message}")

    def _take_back(
        self, wm: WorkMail, entity: LiveEntity, alias: str, deadline: Deadline, enabled: _WhileEnabled
    ) -> None:
        """Remove an alias this resource added, unless it has become the entity's primary since."""
        try:
            self._remove(wm, entity, alias, deadline, enabled)
        except WorkMailProviderError as error:
            if error.code != Code.INVALID_PARAMETER:
                raise
            live = deadline.retry(lambda: wm.read(entity.type, entity.id), _passing)
            if not same(live.email, alias):
                raise
            note(f"{entity.label()}: {alias}, an alias it added, is now the primary address, so it stays.")


_sdk.install_error_formatter(WorkMailProviderError)
