"""What both providers share: their process state (settings, clients, claims), bounded waits, and
warnings on the resource being worked on.

The engine's dynamic-provider server keeps one provider object per provider class for the whole
deployment, so each class's object owns its ``Process``, built from the stack config at ``configure``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pulumi.dynamic import ConfigureRequest, DiffResult, ReadResult, ResourceProvider

from . import engine_log
from .client import WorkMail
from .clients import ClientPool
from .diff import DiffDecision
from .errors import WorkMailProviderError, one_line, problem
from .journal import NoteKind
from .settings import Settings, StackConfig
from .terms import CONSISTENCY_CODES, GONE_CODES, Code, EntityState, EntityType, LiveEntity
from .validation import DEFAULT_WAIT_TIMEOUT_SECONDS, EntityRef

T = TypeVar("T")


def same(a: str | None, b: str | None) -> bool:
    return (a or "").lower() == (b or "").lower()


def transient(error: WorkMailProviderError, id_given: bool = False) -> bool:
    """Worth another try within the wait: WorkMail catching up, or throttling, 5xx and dropped connections
    that outlasted botocore's own retries."""
    return error.retryable or error.code in CONSISTENCY_CODES or (id_given and error.code == Code.ENTITY_NOT_FOUND)


def read_by_id_alone(props: Mapping[str, Any]) -> bool:
    """Whether a read is a ``get``'s: the program gave the id alone, so the stack recorded nothing of it."""
    return not any(props.get(key) for key in ("organization_id", "resolved_entity_id", "entity_id"))


def is_declared(props: Mapping[str, Any]) -> bool:
    """Whether a record is of a resource the program declares, not one a ``get`` reads: only a declared
    resource's inputs went through check, which always sets ``on_delete``."""
    return props.get("on_delete") is not None


PROGRESS_EVERY_SECONDS = 10.0


def progress(message: str) -> None:
    """A passing note of what the provider waits for: shown on the resource's row by the CLI (the engine's
    Log service, ephemeral), printed where no engine started the provider."""
    message = one_line(message)
    if not engine_log.info(message):
        print(f"info: {message}", flush=True)


def note(message: str) -> None:
    """A note the reader of a preview or an update should keep (the CLI lists it under the resource);
    printed where no engine started the provider."""
    message = one_line(message)
    if not engine_log.info(message, ephemeral=False):
        print(f"info: {message}", flush=True)


def warn(message: str) -> None:
    """A warning of the resource being worked on, through the engine's Log service where the engine
    started this process (the CLI counts it and shows it under that resource); printed otherwise."""
    message = one_line(message)
    if not engine_log.warning(message):
        print(f"warning: {message}", flush=True)


def _entity_key(organization_id: str, entity_id: str) -> tuple[str, str]:
    """How the registries below key an entity: ids and organizations compare without regard to case."""
    return organization_id.lower(), entity_id.lower()


@dataclass(frozen=True)
class Holder:
    """The resource seen holding an entity: kept by its diff or refresh, or ``created`` in this deployment,
    then with what its create ``recorded``."""

    urn: str
    created: bool = False
    recorded: object = None

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


class Claims:
    """Which resource manages which entity, as far as this provider process has seen (one deployment).

    Two resources on one entity (say one by name, one by email) would each set their own address and
    undo the other's on every later run. The engine sends every resource's calls to one provider
    process, so the second to claim an entity, at its create (before its write), diff or refresh, fails
    naming the first. Calls without a URN (the provider used directly) are not tracked.

    The resource that *holds* an entity is the last one seen keeping it (a diff without replacement, a
    refresh) or having taken it (a create that succeeded). A delete asks for its ``successor``: the engine
    creates a renamed resource under its new name, and makes a replacement it decided on its own
    (``--replace``, ``replacement_trigger``, ``replace_with``) before it deletes the old one, so the old
    one's delete must not undo what the new one set.
    """

    def __init__(self, resource_type: str = "EntityPrimaryEmail") -> None:
        self.resource_type = resource_type
        self._lock = threading.Lock()
        self._owners: dict[tuple[str, str], str] = {}  # by resources the program declares
        self._readers: dict[tuple[str, str], str] = {}  # by the others (refreshed): they meet only each other
        self._declared: set[str] = set()
        self._holders: dict[tuple[str, str], Holder] = {}

    def declare(self) -> None:
        """This call's resource is one the program declares (the engine checks its inputs)."""
        urn = engine_log.current_urn()
        if urn:
            with self._lock:
                self._declared.add(urn)

    def declares(self) -> bool:
        """Whether this call's resource is one the program declares (a refresh checks none)."""
        with self._lock:
            return engine_log.current_urn() in self._declared

    def claim(self, organization_id: str, entity: LiveEntity | str, label: str = "", *, holds: bool = True) -> None:
        """Claim the entity for this call's resource (``holds``: it keeps it; a create claims before its
        write with ``holds=False``, and ``took`` once it succeeded).

        The claims of resources the program does not declare (``declare``) meet only each other:
        ``pulumi up --refresh`` reads and diffs, in the update's process, a resource the program no longer
        declares, and the resource renamed from it must still be created."""
        urn = engine_log.current_urn()
        if not urn:
            return
        entity_id = entity.id if isinstance(entity, LiveEntity) else entity
        key = _entity_key(organization_id, entity_id)
        with self._lock:
            owner = (self._owners if urn in self._declared else self._readers).setdefault(key, urn)
            if owner == urn and holds:
                self._holders[key] = Holder(urn)
        if owner != urn:
            what = entity.label() if isinstance(entity, LiveEntity) else label or f"entity {entity_id}"
            raise problem(
                Code.DUPLICATE_ENTITY,
                entity=what,
                org=organization_id,
                owner=owner.rsplit("::", 1)[-1],
                resource=self.resource_type,
            )

    def took(self, organization_id: str, entity_id: str, recorded: object) -> None:
        """This call's resource was created on the entity, and its delete will undo ``recorded`` (an
        ``original_email``, an ``EntityAliases`` record; nothing with ``on_delete="retain"``)."""
        urn = engine_log.current_urn()
        if urn:
            with self._lock:
                self._holders[_entity_key(organization_id, entity_id)] = Holder(urn, created=True, recorded=recorded)

    def successor(self, organization_id: str, entity_id: str) -> Holder | None:
        """For a delete: the resource of this deployment that holds the entity instead of this call's
        resource (this resource's replacement, under the same URN, when that was created first), or None."""
        urn = engine_log.current_urn()
        with self._lock:
            holder = self._holders.get(_entity_key(organization_id, entity_id))
        if not urn or holder is None or (holder.urn == urn and not holder.created):
            return None
        return holder


@dataclass(frozen=True)
class Declaration:
    """What one resource declares for its entity: an ``EntityAliases``'s aliases, or an
    ``EntityPrimaryEmail``'s address (``aliases`` then holds that one address)."""

    owner: str  # the resource's name
    aliases: tuple[str, ...]
    exclusive: bool = False


@dataclass(frozen=True)
class Move:
    """An ``EntityPrimaryEmail`` of this deployment changing its entity's primary from ``old`` to ``new``:
    ``old`` becomes an alias, and ``new`` is no longer one if it was."""

    owner: str  # the resource's name
    old: str
    new: str


class Declarations:
    """What this deployment's resources declare, by entity, for the other resource type on the same entity.

    Keys are the organization and an entity as ``entity_id`` names it or as it resolved to. ``check``
    records each resource's declaration under its ``entity_id``, so a preview refuses a primary that the
    same program lists as an alias, whichever resource comes second. An ``EntityPrimaryEmail`` that runs
    after the entity's ``EntityAliases`` (the program made it depend on that one, or declared no order)
    finds that one's list under the resolved id: it refuses a primary declared as an alias, and removes the
    old primary that its swap turned into an alias an exclusive list does not declare, so one ``up``
    converges in either order. In the other order an ``EntityPrimaryEmail`` whose diff moves the primary
    records the ``Move`` under the resolved id: the ``EntityAliases`` diffed after it then knows that the old
    primary becomes an alias and the new one stops being one, though its own inputs may not have changed.
    This is process-wide because the two resource types have provider objects of their own in the one
    provider process of a deployment.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._aliases: dict[tuple[str, str], Declaration] = {}
        self._primaries: dict[tuple[str, str], Declaration] = {}
        self._moves: dict[tuple[str, str], Move] = {}

    def move_primary(self, organization_id: str, entity_id: str, move: Move) -> None:
        if engine_log.current_urn():
            with self._lock:
                self._moves[_entity_key(organization_id, entity_id)] = move

    def moved_primary(self, organization_id: str, entity_id: str) -> Move | None:
        with self._lock:
            return self._moves.get(_entity_key(organization_id, entity_id))

    def declare_aliases(self, organization_id: str, entity_id: str, declaration: Declaration) -> None:
        if engine_log.current_urn():  # not for the provider used directly, outside a deployment
            with self._lock:
                self._aliases[_entity_key(organization_id, entity_id)] = declaration

    def declare_primary(self, organization_id: str, entity_id: str, declaration: Declaration) -> None:
        if engine_log.current_urn():
            with self._lock:
                self._primaries[_entity_key(organization_id, entity_id)] = declaration

    def aliases_of(self, organization_id: str, entity_id: str) -> Declaration | None:
        with self._lock:
            return self._aliases.get(_entity_key(organization_id, entity_id))

    def primary_of(self, organization_id: str, entity_id: str) -> Declaration | None:
        with self._lock:
            return self._primaries.get(_entity_key(organization_id, entity_id))


DECLARED = Declarations()


def owner() -> str:
    """The name of the resource whose engine call this is ("" outside one)."""
    return engine_log.current_urn().rsplit("::", 1)[-1]


class Deadline:
    """A bounded wait with exponential backoff, for WorkMail's eventual consistency."""

    def __init__(self, seconds: float, *, first: float, sleep: Callable[[float], None] = time.sleep):
        self.end = time.monotonic() + seconds
        self.seconds = seconds
        self.first = first
        self.delay = self.first
        self.sleep = sleep

    def restart_backoff(self) -> None:
        """A new phase (e.g. the read-back after waiting for the entity) polls quickly again."""
        self.delay = self.first

    def pause(self) -> bool:
        """Sleep before the next try; False once the wait is used up."""
        left = self.end - time.monotonic()
        if left <= 0:
            return False
        self.sleep(min(self.delay, left))
        self.delay = min(self.delay * 2, 10.0)
        return True

    def retry(self, attempt: Callable[[], T], retry_on: Callable[[WorkMailProviderError], bool]) -> T:
        """``attempt`` until it succeeds, fails for good, or the wait is used up. A wait says what it waits
        for as it goes (about every 10 s), and one that ran out says so, naming the setting."""
        started = last_note = time.monotonic()
        every = min(PROGRESS_EVERY_SECONDS, max(1.0, self.seconds / 4))
        while True:
            try:
                return attempt()
            except WorkMailProviderError as error:
                if not retry_on(error):
                    raise
                if not self.pause():
                    if time.monotonic() - started < 1.0:
                        raise
                    raise WorkMailProviderError(
                        f"{error.message.rstrip('.')}; still so after waiting wait_timeout_seconds={self.seconds:g} s "
                        "(raise it on the resource if WorkMail needs longer).",
                        code=error.code,
                        retryable=error.retryable,
                    ) from None
                now = time.monotonic()
                if now - last_note >= every:
                    last_note = now
                    progress(
                        f"waiting for WorkMail ({now - started:.0f} of wait_timeout_seconds={self.seconds:g} s): "
                        f"{error.message}"
                    )


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
        region = props.get("region") or settings.region
        return WorkMail.connect(
            self.pool, props["organization_id"], region, settings.profile, batch_reads=settings.batch_reads
        )

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
            return ReadResult("", {})
        organization = id_.partition("/")[0]
        if isinstance(cause, LiveEntity):
            why = f"{cause.label()} in organization {organization} is deleted."
        elif cause.code == Code.ENTITY_NOT_FOUND:
            why = f"WorkMail has no entity of that id in organization {organization}."
        else:
            why = cause.message
        raise problem(Code.NOTHING_TO_GET, resource=self.resource_type, id=id_, why=why)

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
