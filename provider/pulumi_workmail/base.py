"""What both providers share: their process state (settings, clients, claims) and the parts of their
lifecycle that do not depend on what they manage (resolving the entity, reading it by id, a delete left
to a successor).

The engine's dynamic-provider server keeps one provider object per provider class for the whole
deployment, so each class's object owns its ``Process``, built from the stack config at ``configure``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pulumi.dynamic import ConfigureRequest, DiffResult, ReadResult, ResourceProvider

from . import engine_log
from .claims import Claims, Holder, owner
from .client import WorkMail
from .clients import ClientPool
from .deadline import Deadline, transient
from .diagnostics import note, warn
from .diff import DiffDecision, names_same_entity
from .errors import WorkMailProviderError, problem
from .journal import NoteKind
from .secrecy import censoring
from .settings import Settings, StackConfig
from .terms import GONE_CODES, ORGANIZATION_GONE_CODES, Code, EntityState, EntityType, LiveEntity
from .validation import DEFAULT_WAIT_TIMEOUT_SECONDS, EntityRef


def same(a: str | None, b: str | None) -> bool:
    return (a or "").lower() == (b or "").lower()


def read_by_id_alone(props: Mapping[str, Any]) -> bool:
    """Whether a read is a ``get``'s: the program gave the id alone, so the stack recorded nothing of it."""
    return not any(props.get(key) for key in ("organization_id", "resolved_entity_id", "entity_id"))


def is_declared(props: Mapping[str, Any]) -> bool:
    """Whether a record is of a resource the program declares, not one a ``get`` reads: only a declared
    resource's inputs went through check, which always sets ``on_delete``."""
    return props.get("on_delete") is not None


@dataclass(frozen=True)
class Process:
    """What one provider process keeps: its settings, its clients and the claims of this deployment."""

    settings: Settings
    pool: ClientPool
    claims: Claims

    @classmethod
    def load(cls, config: StackConfig, resource_type: str = "EntityPrimaryEmail") -> Process:
        settings = Settings.load(config, warn=warn)
        return cls(settings, ClientPool(settings.endpoint), Claims(resource_type))


FIRST_USE = threading.Lock()


class WorkMailResourceProvider(ResourceProvider):
    """The parts of a provider that do not depend on what it manages."""

    serialize_as_secret_always = True
    # How messages name the resource type, e.g. in a claim refused for a second resource on one entity.
    resource_type = "EntityPrimaryEmail"
    # The kind of the notes its creates keep in the journal.
    note_kind = NoteKind.PRIMARY

    def configure(self, req: ConfigureRequest) -> None:
        # Set after unpickling in the provider process, so never persisted in state.
        self._process = Process.load(req.config, self.resource_type)

    def _state(self) -> Process:
        """From ``configure``; where nothing configured the provider (it is used directly), from the
        environment at its first call, once even when worker threads make their first calls together."""
        process: Process | None = getattr(self, "_process", None)
        if process is None:
            with FIRST_USE:
                process = getattr(self, "_process", None)
                if process is None:
                    process = self._process = Process.load({}, self.resource_type)
        return process

    @property
    def settings(self) -> Settings:
        return self._state().settings

    @property
    def pool(self) -> ClientPool:
        """This process's clients (the engine unpickles one provider per process)."""
        return self._state().pool

    @property
    def claims(self) -> Claims:
        """Which resource of this deployment manages which entity."""
        return self._state().claims

    # ----------------------------------------------------------- helpers

    def _workmail(self, props: Mapping[str, Any]) -> WorkMail:
        # pulumi-aws's order: the resource, the stack's aws:region, AWS_REGION, then boto3's own chain
        # (AWS_DEFAULT_REGION, the profile's region).
        settings = self.settings
        region = props.get("resolved_region") or props.get("region") or settings.region  # recorded first
        return WorkMail.connect(
            self.pool, props["organization_id"], region, settings.profile, batch_reads=settings.batch_reads
        )

    def _region_now(self) -> str | None:
        """The region a resource without ``region`` is managed in now: the stack's ``aws:region``,
        ``AWS_REGION``, else boto3's chain (a profile's region); None where none is set."""
        settings = self.settings
        try:
            region: str | None = self.pool.get(settings.region, settings.profile).client.meta.region_name
        except Exception:  # no region anywhere, or no such profile: the create fails saying which
            return settings.region
        return region

    def _managed_region(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> str | None:
        """For an update: the region the resource was made in (the diff replaces it elsewhere), for a record
        from before regions were recorded the one it names or the stack's now."""
        return olds.get("resolved_region") or news.get("region") or olds.get("region") or self._region_now()

    def _entity_now(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> str | None:
        """For a diff: the id a changed ``entity_id`` names, looked up only where the record cannot tell (one
        of the entity's aliases, say), so that another name of the same entity is an update and not a
        replacement that restores and sets the address again. None when not looked up or not found."""
        new, organization = news.get("entity_id"), olds.get("organization_id")
        if not isinstance(new, str) or not organization or news.get("organization_id") != organization:
            return None
        if names_same_entity(olds, new):
            return None
        try:
            return self._workmail(olds).find(EntityRef.parse(new)).id
        except (WorkMailProviderError, ValueError):  # not found (the create will say so), or not an identifier
            return None

    def _deadline(self, props: Mapping[str, Any]) -> Deadline:
        given = props.get("wait_timeout_seconds")
        seconds = float(DEFAULT_WAIT_TIMEOUT_SECONDS if given is None else given)
        return Deadline(seconds, first=self.settings.poll_seconds)

    def _found(self, props: Mapping[str, Any]) -> tuple[WorkMail, Deadline, EntityRef, LiveEntity]:
        """What a create starts from: the entity ``entity_id`` names, resolved (waiting while it is not
        enabled yet) and claimed for this resource."""
        wm = self._workmail(props)
        deadline = self._deadline(props)
        ref = EntityRef.parse(props["entity_id"])
        entity = self._resolve(wm, ref, deadline)
        self.claims.claim(wm.organization_id, entity, holds=False)
        return wm, deadline, ref, entity

    def _successor(self, props: Mapping[str, Any]) -> Holder | None:
        """For a delete: the resource of this deployment that holds the recorded entity now (``Claims``)."""
        return self.claims.successor(props["organization_id"], props["resolved_entity_id"])

    def _left_to(self, successor: Holder, what: str, *, lost: bool) -> None:
        """Tell that a delete leaves ``what`` (a clause naming the entity) to ``successor``; a warning when
        something this resource would have undone is ``lost`` (the successor will not undo it either)."""
        name = owner()
        if successor.urn == engine_log.current_urn():
            who = "its replacement, created before the old one is deleted, manages it now"
            hint = "set the resource option `delete_before_replace=True` for a replacement to undo its changes first"
        else:
            who = f"the {self.resource_type} '{successor.name}' of this stack manages it now"
            hint = (
                "a resource renamed in the program is created under its new name before the old name is deleted; "
                f'`aliases=[pulumi.Alias(name="{name}")]` on it renames it in place'
            )
        if lost:
            warn(f"{what}: {who} ({hint}).")
        else:
            note(f"{what}: {who}, and undoes this resource's change when it is deleted.")

    @staticmethod
    def _diff_result(decision: DiffDecision) -> DiffResult:
        return DiffResult(
            changes=decision.changes,
            replaces=list(decision.replaces),
            delete_before_replace=decision.delete_before_replace,
        )

    def _resolve(self, wm: WorkMail, ref: EntityRef, deadline: Deadline) -> LiveEntity:
        """Find the entity and wait (bounded) until it is enabled, as one created moments ago may not be."""

        def attempt() -> LiveEntity:
            entity = wm.find(ref)
            if entity.state is EntityState.DELETED:
                raise problem(Code.ENTITY_DELETED, entity=entity.label(), org=wm.organization_id)
            if not entity.enabled:
                state = f" (it is {entity.state})" if entity.state else ""
                raise problem(Code.ENTITY_STATE, entity=entity.label(), org=wm.organization_id, state=state)
            return entity

        return deadline.retry(attempt, lambda e: transient(e, ref.id_shaped))

    def _recorded(self, props: Mapping[str, Any]) -> None:
        """An engine call with the resource's outputs: the stack holds what its create changed, so the
        create's journal note can go."""
        if props.get("organization_id") and props.get("resolved_entity_id"):
            self.settings.journal.forget(props["organization_id"], props["resolved_entity_id"], self.note_kind)

    @censoring
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The record completed from the id where it lacks fields (a ``get`` gives the id alone), its create's
        journal note forgotten, and its entity claimed unless a ``get`` only reads it; then ``_read_live``."""
        by_id = read_by_id_alone(props)
        try:
            props = self._complete(id_, props)
        except WorkMailProviderError as error:
            if error.code in GONE_CODES:
                return self._gone(id_, by_id, error)
            raise
        self._recorded(props)
        if is_declared(props):
            self.claims.claim(props["organization_id"], props["resolved_entity_id"], self._label(props))
        return self._read_live(id_, props, self._workmail(props), self._deadline(props), by_id)

    def _read_live(self, id_: str, props: dict[str, Any], wm: WorkMail, deadline: Deadline, by_id: bool) -> ReadResult:
        """The resource's read of WorkMail from its completed record (``_gone`` when the entity is gone)."""
        raise NotImplementedError

    def _gone(self, id_: str, by_id: bool, cause: WorkMailProviderError | LiveEntity) -> ReadResult:
        """What a read answers when the entity, or its organization, is gone (``cause``: the error, or the
        entity in state DELETED). A refresh drops the resource: an empty id. A ``get`` (``by_id``) has
        nothing to drop, and the engine would hand the program a read without outputs and no word of why,
        so it fails saying what it looked for."""
        if not by_id:
            if isinstance(cause, WorkMailProviderError):
                self._organization_gone(cause, "the stack forgets this resource, so destroy cannot undo its change")
            return ReadResult("", {})
        organization = id_.partition("/")[0]
        if isinstance(cause, LiveEntity):
            why = f"{cause.label()} in organization {organization} is deleted."
        elif cause.code == Code.ENTITY_NOT_FOUND:
            why = f"WorkMail has no entity of that id in organization {organization}."
        else:
            why = cause.message
        raise problem(Code.NOTHING_TO_GET, resource=self.resource_type, id=id_, why=why)

    def _organization_gone(self, error: WorkMailProviderError, outcome: str) -> None:
        """Warn, for a refresh or delete that finds the organization gone and lets the resource go
        (``outcome``): an entity deleted is ordinary drift, but an organization not found is also what the
        credentials of another account see, and quietly forgetting would lose what destroy puts back."""
        if error.code in ORGANIZATION_GONE_CODES:
            found = error.message.split(";")[0].rstrip(".")  # what WorkMail found, without the error's advice
            warn(
                f"{found}: {outcome}. If the organization still exists, these credentials are "
                f"not the ones this {self.resource_type} was made with; use those before the next `pulumi up`."
            )

    @staticmethod
    def _label(props: Mapping[str, Any]) -> str:
        """How messages name the recorded entity, whose type the state may lack."""
        kind = str(props.get("entity_type") or "entity").lower()
        return f"{kind} {props.get('entity_name') or ''} ({props['resolved_entity_id']})"

    def _complete(self, id_: str, props: Mapping[str, Any]) -> dict[str, Any]:
        """A resource's recorded outputs with what an older version or a hand edit of the state left out
        filled in: the organization and entity from the id ``<organization_id>/<entity id>``, the type and
        name from WorkMail. What cannot be filled fails with one line naming the field."""
        filled = dict(props)
        organization, _, entity_id = (id_ or "").partition("/")
        if not organization.startswith("m-") or not entity_id:
            organization = entity_id = ""  # not an id this provider made
            if read_by_id_alone(filled):
                raise problem(Code.INVALID_ID, resource=self.resource_type, id=id_)  # a get() with a bad id
        for field_name, value in (("organization_id", organization), ("resolved_entity_id", entity_id)):
            if not filled.get(field_name):
                if not value:
                    raise problem(Code.INCOMPLETE_STATE, field=field_name, id=id_)
                filled[field_name] = value
        if filled.get("entity_type") not in EntityType.__members__:  # missing, or edited into nonsense
            wm = self._workmail(filled)
            ref = EntityRef.parse(filled["resolved_entity_id"])
            live = self._deadline(filled).retry(lambda: wm.find(ref), transient)
            filled["entity_type"] = live.type.value
            filled["entity_name"] = filled.get("entity_name") or live.name
        if not filled.get("entity_id"):  # read by id alone (``get``): the entity is named by its id
            filled["entity_id"] = filled["resolved_entity_id"]
        return filled
