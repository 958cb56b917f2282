"""The dynamic provider behind ``EntityPrimaryEmail``: one method per engine call.

| engine call | what happens here                                                    | WorkMail requests              |
|-------------|----------------------------------------------------------------------|--------------------------------|
| check       | validate and default the inputs (pure)                               | 0                              |
| diff        | email → update; organization, region, other entity → replace (pure)  | 0                              |
| create      | resolve, note its primary (+ journal), set ours, read it back        | resolve + write + read back    |
| update      | read (say so if changed by hand), set, read back; on_delete: nothing | [read +] write + read back, 0  |
| read        | describe by resolved id and type; gone → dropped; DISABLED → warning | 1                              |
| delete      | restore the original primary (a swap), or nothing with "retain"      | restore: ≤ 2; retain: 0        |

The update's first read is skipped when stack config ``workmail:checkBeforeUpdate`` is false.
The class is pickled by reference into the program's state, so it holds no clients or credentials:
those come from ``configure`` (stack config) and the environment in the provider process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from . import _sdk, engine_log
from .client import WorkMail
from .clients import ClientPool
from .diff import diff_props
from .errors import WorkMailProviderError, one_line, problem, restore_failed
from .settings import Settings, StackConfig
from .terms import CONSISTENCY_CODES, GONE_CODES, Code, EntityState, EntityType, LiveEntity
from .validation import (
    DEFAULT_ON_DELETE,
    DEFAULT_WAIT_TIMEOUT_SECONDS,
    INPUT_PROPERTIES,
    EntityRef,
    check_inputs,
)

T = TypeVar("T")


def _same(a: str | None, b: str | None) -> bool:
    return (a or "").lower() == (b or "").lower()


def _transient(error: WorkMailProviderError, id_given: bool = False) -> bool:
    """Worth another try within the wait: WorkMail catching up, or throttling, 5xx and dropped connections
    that outlasted botocore's own retries."""
    return error.retryable or error.code in CONSISTENCY_CODES or (id_given and error.code == Code.ENTITY_NOT_FOUND)


def _recorded_entity(props: Mapping[str, Any]) -> LiveEntity:
    """The entity as the stack recorded it (completed by ``_complete``): enabled, with the recorded email."""
    return LiveEntity(
        props["resolved_entity_id"],
        EntityType(props["entity_type"]),
        props.get("entity_name") or "",
        EntityState.ENABLED,
        props.get("email"),
    )


PROGRESS_EVERY_SECONDS = 10.0


def progress(message: str) -> None:
    """A passing note of what the provider waits for: shown on the resource's row by the CLI (the engine's
    Log service, ephemeral), printed where no engine started the provider."""
    message = one_line(message)
    if not engine_log.info(message):
        print(f"info: {message}", flush=True)


def warn(message: str) -> None:
    """A warning of the resource being worked on, through the engine's Log service where the engine
    started this process (the CLI counts it and shows it under that resource); printed otherwise."""
    message = one_line(message)
    if not engine_log.warning(message):
        print(f"warning: {message}", flush=True)


class Claims:
    """Which resource manages which entity, as far as this provider process has seen (one deployment).

    Two resources on one entity (say one by name, one by email) would each set their own address and
    undo the other's on every later run. The engine sends every resource's calls to one provider
    process, so the second to claim an entity, at its create (before its write), diff or refresh, fails
    naming the first. Calls without a URN (the provider used directly) are not tracked.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owners: dict[tuple[str, str], str] = {}

    def claim(self, organization_id: str, entity: LiveEntity | str, label: str = "") -> None:
        urn = engine_log.current_urn()
        if not urn:
            return
        entity_id = entity.id if isinstance(entity, LiveEntity) else entity
        key = (organization_id.lower(), entity_id.lower())
        with self._lock:
            owner = self._owners.setdefault(key, urn)
        if owner != urn:
            what = entity.label() if isinstance(entity, LiveEntity) else label or f"entity {entity_id}"
            raise problem(Code.DUPLICATE_ENTITY, entity=what, org=organization_id, owner=owner.rsplit("::", 1)[-1])


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
class _Process:
    """What one provider process keeps: its settings, its clients and the claims of this deployment."""

    settings: Settings
    pool: ClientPool
    claims: Claims

    @classmethod
    def load(cls, config: StackConfig) -> _Process:
        settings = Settings.load(config, warn=warn)
        return cls(settings, ClientPool(settings.endpoint), Claims())


_FIRST_USE = threading.Lock()


class EntityPrimaryEmailProvider(ResourceProvider):
    """Sets an entity's primary address in place with UpdatePrimaryEmailAddress."""

    serialize_as_secret_always = True

    def configure(self, req: ConfigureRequest) -> None:
        # Set after unpickling in the provider process, so never persisted in state.
        self._process = _Process.load(req.config)

    def _state(self) -> _Process:
        """From ``configure``; where nothing configured the provider (it is used directly), from the
        environment at its first call, once even when worker threads make their first calls together."""
        process: _Process | None = getattr(self, "_process", None)
        if process is None:
            with _FIRST_USE:
                process = getattr(self, "_process", None)
                if process is None:
                    process = self._process = _Process.load({})
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
        seconds = float(props.get("wait_timeout_seconds", DEFAULT_WAIT_TIMEOUT_SECONDS))
        return Deadline(seconds, first=self.settings.poll_seconds)

    @staticmethod
    def _outputs(props: Mapping[str, Any], entity: LiveEntity, original: str | None) -> dict[str, Any]:
        outs = {k: props[k] for k in INPUT_PROPERTIES if props.get(k) is not None}
        outs.update(
            email=entity.email,
            resolved_entity_id=entity.id,
            entity_type=entity.type.value,
            entity_name=entity.name,
            original_email=original,
        )
        return outs

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

        return deadline.retry(attempt, lambda e: _transient(e, ref.id_shaped))

    def _write(self, wm: WorkMail, entity: LiveEntity, email: str, deadline: Deadline, *, id_given: bool) -> None:
        """UpdatePrimaryEmailAddress, retried while transient; an address held elsewhere names its holder."""

        def write() -> None:
            try:
                wm.set_primary(entity, email)
            except WorkMailProviderError as error:
                if error.code not in (Code.EMAIL_IN_USE, Code.INVALID_PARAMETER):
                    raise
                # Some services refuse to "change" an address to itself: fine if it is already ours.
                try:
                    live = wm.describe(entity.type, entity.id)
                except WorkMailProviderError:
                    raise error from None
                if _same(live.email, email):
                    return
                if error.code == Code.EMAIL_IN_USE:
                    raise wm.in_use_error(entity, email) from None
                raise

        deadline.retry(write, lambda e: _transient(e, id_given))

    def _set_primary(
        self, wm: WorkMail, entity: LiveEntity, email: str, deadline: Deadline, *, id_given: bool
    ) -> LiveEntity:
        """Write, then read back until WorkMail shows the change; a failed read-back never undoes a write."""
        self._write(wm, entity, email, deadline, id_given=id_given)
        deadline.restart_backoff()
        assumed = entity.with_primary(email)
        while True:
            try:
                live = wm.describe(entity.type, entity.id)
            except WorkMailProviderError as error:
                warn(
                    f"{entity.label()}: the primary address was set to {email}, but reading it back failed "
                    f"({error.message}); run `pulumi refresh` to confirm."
                )
                return assumed
            if _same(live.email, email):
                return live
            if not deadline.pause():
                warn(
                    f"{entity.label()}: the primary address was set to {email}, but WorkMail still shows "
                    f"{live.email} after {deadline.seconds:g} s; run `pulumi refresh` later to confirm."
                )
                return assumed

    # ------------------------------------------------------------ engine calls

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs, failures = check_inputs(news)
        return CheckResult(inputs, [CheckFailure(prop, reason) for prop, reason in failures])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        decision = diff_props(olds, news)
        if not decision.replaces and olds.get("organization_id") and olds.get("resolved_entity_id"):
            self.claims.claim(olds["organization_id"], olds["resolved_entity_id"], self._label(olds))  # it stays there
        return DiffResult(
            changes=decision.changes,
            replaces=list(decision.replaces),
            delete_before_replace=decision.delete_before_replace,
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        wm = self._workmail(props)
        deadline = self._deadline(props)
        ref = EntityRef.parse(props["entity_id"])
        entity = self._resolve(wm, ref, deadline)
        self.claims.claim(wm.organization_id, entity)
        journal = self.settings.journal
        original = entity.email
        if _same(original, props["email"]):
            # Already primary: ours from a create that died before Pulumi recorded it, or adopted.
            noted = journal.recall(wm.organization_id, entity.id, entity.email)
            # Only an address the entity still has (the old primary stays on as an alias) is taken from a
            # note: a note planted by someone else could otherwise choose what destroy makes primary.
            if noted and not _same(noted, original) and noted.lower() in wm.aliases(entity):
                warn(
                    f"{entity.label()}: {entity.email} was set by an earlier `pulumi up` that was interrupted; "
                    f"recording {noted}, the primary before it, as original_email."
                )
                original = noted
        else:
            journal.remember(wm.organization_id, entity.id, original, props["email"])
            entity = self._set_primary(wm, entity, props["email"], deadline, id_given=ref.id_shaped)
        # The note stays: the engine may yet die before it saves the state that records this create (or a
        # killed CLI's orphaned provider finishes it). A later step on this resource shows the state has it.
        return CreateResult(f"{wm.organization_id}/{entity.id}", self._outputs(props, entity, original))

    @staticmethod
    def _label(props: Mapping[str, Any]) -> str:
        """How messages name the recorded entity, whose type the state may lack."""
        kind = str(props.get("entity_type") or "entity").lower()
        return f"{kind} {props.get('entity_name') or ''} ({props['resolved_entity_id']})"

    def _recorded(self, props: Mapping[str, Any]) -> None:
        """An engine call with the resource's outputs: the stack holds its original, so its note can go."""
        if props.get("organization_id") and props.get("resolved_entity_id"):
            self.settings.journal.forget(props["organization_id"], props["resolved_entity_id"])

    def _complete(self, id_: str, props: Mapping[str, Any]) -> dict[str, Any]:
        """A resource's recorded outputs with what an older version or a hand edit of the state left out
        filled in: the organization and entity from the id ``<organization_id>/<entity id>``, the type and
        name from WorkMail. What cannot be filled fails with one line naming the field."""
        filled = dict(props)
        organization, _, entity_id = (id_ or "").partition("/")
        if not organization.startswith("m-") or not entity_id:
            organization = entity_id = ""  # not an id this provider made
        for field_name, value in (("organization_id", organization), ("resolved_entity_id", entity_id)):
            if not filled.get(field_name):
                if not value:
                    raise problem(Code.INCOMPLETE_STATE, field=field_name, id=id_)
                filled[field_name] = value
        if filled.get("entity_type") not in EntityType.__members__:  # missing, or edited into nonsense
            wm = self._workmail(filled)
            ref = EntityRef.parse(filled["resolved_entity_id"])
            live = self._deadline(filled).retry(lambda: wm.find(ref), _transient)
            filled["entity_type"] = live.type.value
            filled.setdefault("entity_name", live.name)
        return filled

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        olds = self._complete(_id, olds)
        self._recorded(olds)
        entity = _recorded_entity(olds)
        if not _same(entity.email, news["email"]):
            wm = self._workmail(news)
            deadline = self._deadline(news)
            if self.settings.check_before_update:
                # Read first, so an address someone set by hand since the last up or refresh is never
                # overwritten without a word (and one already set as declared is adopted without a write).
                live = deadline.retry(lambda: wm.read(entity.type, entity.id), _transient)
                if live.enabled and _same(live.email, news["email"]):
                    return UpdateResult(self._outputs(news, live, olds.get("original_email")))
                # The original showing again is no news of a hand-made change: it is also what a read shows
                # while WorkMail has not yet caught up with our own last write.
                moved = not _same(live.email, entity.email) and not _same(live.email, olds.get("original_email"))
                if live.enabled and moved:
                    warn(
                        f"{live.label()}: the primary address was changed outside Pulumi to {live.email} (the "
                        f"stack recorded {entity.email}); replacing it with {news['email']} as declared."
                    )
                entity = live
                deadline.restart_backoff()
            id_given = EntityRef.parse(news["entity_id"]).id_shaped
            entity = self._set_primary(wm, entity, news["email"], deadline, id_given=id_given)
        return UpdateResult(self._outputs(news, entity, olds.get("original_email")))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        try:
            props = self._complete(id_, props)
        except WorkMailProviderError as error:
            if error.code in GONE_CODES:
                return ReadResult("", {})
            raise
        self._recorded(props)
        self.claims.claim(props["organization_id"], props["resolved_entity_id"], self._label(props))
        wm = self._workmail(props)
        deadline = self._deadline(props)
        try:
            recorded = _recorded_entity(props)
            entity = deadline.retry(lambda: wm.read(recorded.type, recorded.id), _transient)
        except WorkMailProviderError as error:
            if error.code in GONE_CODES:
                return ReadResult("", {})
            raise
        if entity.state is EntityState.DELETED:
            return ReadResult("", {})
        if not entity.enabled:
            warn(
                f"{entity.label()} in organization {wm.organization_id} is {entity.state}: it has no primary "
                "address until it is registered to WorkMail again; the next `pulumi up` fails until then."
            )
        outs = {k: v for k, v in props.items() if not k.startswith("__")}
        outs.update(email=entity.email, entity_name=entity.name or props.get("entity_name"))
        inputs = {k: outs[k] for k in INPUT_PROPERTIES if outs.get(k) is not None}
        return ReadResult(id_, outs, inputs)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        if props.get("on_delete", DEFAULT_ON_DELETE) == "retain":
            self._recorded(props)
            return
        try:
            props = self._complete(_id, props)
        except WorkMailProviderError as error:
            if error.code in GONE_CODES:
                return  # nothing left to restore
            raise
        self._recorded(props)
        original = props.get("original_email")
        if not original:
            warn(
                f"{self._label(props)}: the stack recorded no original_email for it, so deleting the resource "
                f"restores nothing; its primary stays {props.get('email') or 'as it is'}."
            )
            return
        wm = self._workmail(props)
        try:
            self._restore(wm, props, original)
        except WorkMailProviderError as error:
            if error.code in GONE_CODES:
                return  # nothing left to restore
            raise restore_failed(self._label(props), original, error) from None

    def _restore(self, wm: WorkMail, props: Mapping[str, Any], original: str) -> None:
        deadline = self._deadline(props)
        recorded = _recorded_entity(props)
        entity = deadline.retry(lambda: wm.read(recorded.type, recorded.id), _transient)
        if entity.state is EntityState.DELETED:
            return
        if _same(entity.email, original) and _same(props.get("email"), original):
            return  # this resource never moved it
        # A read that shows the original may predate our own last write (WorkMail catching up), so unless the
        # address never moved, the original is written back even when the read already shows it.
        if not entity.enabled:
            warn(f"{entity.label()} is {entity.state}; there is no primary address to restore to {original}.")
            return

        deadline.restart_backoff()
        self._write(wm, entity, original, deadline, id_given=False)


_sdk.install_error_formatter(WorkMailProviderError)
