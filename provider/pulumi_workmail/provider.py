"""The dynamic provider behind ``EntityPrimaryEmail``: one method per engine call.

| engine call | what happens here                                                    | WorkMail requests              |
|-------------|----------------------------------------------------------------------|--------------------------------|
| check       | validate and default the inputs (pure)                               | 0                              |
| diff        | email → update; organization, region, other entity → replace (pure)  | 0; a new entity_id looked up   |
| create      | resolve, note its primary (+ journal), set ours, read it back        | resolve + write + read back    |
| update      | read (say so if changed by hand), set, read back; on_delete: nothing | [read +] write + read back, 0  |
| read        | describe by resolved id and type; gone → dropped; DISABLED → warning | 1                              |
| delete      | restore the original primary (a swap), or nothing with "retain" or   | restore: ≤ 2; retain: 0        |
|             | when a renamed or replacing resource holds the entity now            |                                |

The update's first read is skipped when stack config ``workmail:checkBeforeUpdate`` is false. A read by
id alone is a ``get``: it claims no entity, and an entity that is gone fails it (``WorkMailResourceProvider.read``).
The class is pickled by reference into the program's state, so it holds no clients or credentials:
those come from ``configure`` (stack config) and the environment in the provider process.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    UpdateResult,
)

from . import _sdk
from .alias_plan import contains
from .base import FIRST_USE, Process, WorkMailResourceProvider, same
from .claims import DECLARED, Declaration, Move, owner
from .client import WorkMail
from .deadline import Deadline, transient
from .diagnostics import note, warn
from .diff import diff_props
from .errors import WorkMailProviderError, problem, restore_failed
from .secrecy import SECRET_INPUTS, censoring
from .terms import GONE_CODES, Code, EntityState, EntityType, LiveEntity
from .validation import (
    DEFAULT_ON_DELETE,
    INPUT_PROPERTIES,
    EntityRef,
    check_inputs,
)

__all__ = ["FIRST_USE", "EntityPrimaryEmailProvider", "Process"]


def _recorded_entity(props: Mapping[str, Any]) -> LiveEntity:
    """The entity as the stack recorded it (completed by ``_complete``): enabled, with the recorded email."""
    return LiveEntity(
        props["resolved_entity_id"],
        EntityType(props["entity_type"]),
        props.get("entity_name") or "",
        EntityState.ENABLED,
        props.get("email"),
    )


class EntityPrimaryEmailProvider(WorkMailResourceProvider):
    """Sets an entity's primary address in place with UpdatePrimaryEmailAddress."""

    @staticmethod
    def _outputs(
        props: Mapping[str, Any], entity: LiveEntity, original: str | None, region: str | None
    ) -> dict[str, Any]:
        outs = {k: props[k] for k in INPUT_PROPERTIES if props.get(k) is not None}
        if props.get(SECRET_INPUTS):
            outs[SECRET_INPUTS] = props[SECRET_INPUTS]
        if region:  # where it was made, whatever the stack's region is later (``diff``)
            outs["resolved_region"] = region
        outs.update(
            email=entity.email,
            resolved_entity_id=entity.id,
            entity_type=entity.type.value,
            entity_name=entity.name,
            original_email=original,
        )
        return outs

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
                if same(live.email, email):
                    return
                if error.code == Code.EMAIL_IN_USE:
                    raise wm.in_use_error(entity, email) from None
                raise

        deadline.retry(write, lambda e: transient(e, id_given))

    def _set_primary(
        self, wm: WorkMail, entity: LiveEntity, email: str, deadline: Deadline, *, id_given: bool
    ) -> LiveEntity:
        """Write, then read back until WorkMail shows the change; a failed read-back never undoes a write."""
        declared = DECLARED.aliases_of(wm.organization_id, entity.id)
        if declared is not None and contains(declared.aliases, email):
            raise problem(Code.DECLARED_AS_ALIAS, email=email, entity=entity.label(), owner=declared.owner)
        self._write(wm, entity, email, deadline, id_given=id_given)
        old = entity.email
        undeclared = declared is not None and declared.exclusive and not contains(declared.aliases, old)
        if declared is not None and undeclared and old and not same(old, email):
            self._drop_undeclared(wm, entity, old, declared.owner)
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
            if same(live.email, email):
                return live
            if not deadline.pause():
                warn(
                    f"{entity.label()}: the primary address was set to {email}, but WorkMail still shows "
                    f"{live.email} after {deadline.seconds:g} s; run `pulumi refresh` later to confirm."
                )
                return assumed

    @staticmethod
    def _drop_undeclared(wm: WorkMail, entity: LiveEntity, old: str, owner: str) -> None:
        """The old primary, now an alias, removed when the entity's exclusive ``EntityAliases`` (which ran
        first) does not declare it: so one ``up`` converges whichever of the two runs first."""
        try:
            wm.delete_alias(entity, old)
        except WorkMailProviderError as error:
            warn(
                f"{entity.label()}: {old}, the previous primary, stays as an alias although the exclusive "
                f"EntityAliases '{owner}' does not declare it ({error.message}); the next `pulumi up` removes it."
            )
            return
        note(
            f"{entity.label()}: removed {old}, the previous primary, as the exclusive EntityAliases '{owner}' "
            "does not declare it."
        )

    # ------------------------------------------------------------ engine calls

    @censoring
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        self.claims.declare()
        inputs, failures = check_inputs(news)
        organization, entity_id, email = (inputs.get(key) for key in ("organization_id", "entity_id", "email"))
        if not failures and isinstance(organization, str) and isinstance(entity_id, str) and isinstance(email, str):
            DECLARED.declare_primary(organization, entity_id, Declaration(owner(), (email,)))
            declared = DECLARED.aliases_of(organization, entity_id)
            if declared is not None and contains(declared.aliases, email):
                failures.append(
                    (
                        "email",
                        f"email {email} is listed in the aliases of the EntityAliases '{declared.owner}' of this "
                        "program for the same entity; a primary address is never also an alias, so take it out "
                        "of those aliases",
                    )
                )
        return CheckResult(inputs, [CheckFailure(prop, reason) for prop, reason in failures])

    @censoring
    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        decision = diff_props(olds, news, region=self._region_now(), entity_now=self._entity_now(olds, news))
        organization, entity_id = olds.get("organization_id"), olds.get("resolved_entity_id")
        if not decision.replaces and organization and entity_id:
            self.claims.claim(organization, entity_id, self._label(olds))  # it stays there
            old, new = olds.get("email"), news.get("email")
            moves = "email" in decision.changed and self.claims.declares()  # not a refresh's diff
            if moves and isinstance(old, str) and isinstance(new, str):
                DECLARED.move_primary(organization, entity_id, Move(owner(), old, new))
        return self._diff_result(decision)

    @censoring
    def create(self, props: dict[str, Any]) -> CreateResult:
        wm, deadline, ref, entity = self._found(props)
        journal = self.settings.journal
        original = entity.email
        if same(original, props["email"]):
            # Already primary: ours from a create that died before Pulumi recorded it, or adopted.
            noted = journal.recall(wm.organization_id, entity.id, entity.email)
            # Only an address the entity still has (the old primary stays on as an alias) is taken from a
            # note: a note planted by someone else could otherwise choose what destroy makes primary.
            if noted and not same(noted, original) and noted.lower() in wm.aliases(entity):
                warn(
                    f"{entity.label()}: {entity.email} was set by an earlier create on this machine that this "
                    "resource's record does not show (an interrupted `pulumi up`, or a resource since renamed or "
                    f"replaced); recording {noted}, the primary before it, as original_email."
                )
                original = noted
        else:
            journal.remember(wm.organization_id, entity.id, original, props["email"])
            entity = self._set_primary(wm, entity, props["email"], deadline, id_given=ref.id_shaped)
            if original:  # a list diffed after this create learns of the swap, as from an update's diff
                DECLARED.move_primary(wm.organization_id, entity.id, Move(owner(), original, props["email"]))
        restores = props.get("on_delete", DEFAULT_ON_DELETE) != "retain"
        self.claims.took(wm.organization_id, entity.id, original if restores else None)
        # The note stays: the engine may yet die before it saves the state that records this create (or a
        # killed CLI's orphaned provider finishes it). A later step on this resource shows the state has it.
        outputs = self._outputs(props, entity, original, wm.region_name)
        return CreateResult(f"{wm.organization_id}/{entity.id}", outputs)

    @censoring
    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        olds = self._complete(_id, olds)
        self._recorded(olds)
        entity = _recorded_entity(olds)
        region = self._managed_region(olds, news)
        if not same(entity.email, news["email"]):
            wm = self._workmail({**news, "resolved_region": region})  # where it was made (``diff``)
            deadline = self._deadline(news)
            if self.settings.check_before_update:
                # Read first, so an address someone set by hand since the last up or refresh is never
                # overwritten without a word (and one already set as declared is adopted without a write).
                live = deadline.retry(lambda: wm.read(entity.type, entity.id), transient)
                if live.enabled and same(live.email, news["email"]):
                    return UpdateResult(self._outputs(news, live, olds.get("original_email"), region))
                # The original showing again is no news of a hand-made change: it is also what a read shows
                # while WorkMail has not yet caught up with our own last write.
                moved = not same(live.email, entity.email) and not same(live.email, olds.get("original_email"))
                if live.enabled and moved:
                    warn(
                        f"{live.label()}: the primary address was changed outside Pulumi to {live.email} (the "
                        f"stack recorded {entity.email}); replacing it with {news['email']} as declared."
                    )
                entity = live
                deadline.restart_backoff()
            id_given = EntityRef.parse(news["entity_id"]).id_shaped
            entity = self._set_primary(wm, entity, news["email"], deadline, id_given=id_given)
        return UpdateResult(self._outputs(news, entity, olds.get("original_email"), region))

    def _read_live(self, id_: str, props: dict[str, Any], wm: WorkMail, deadline: Deadline, by_id: bool) -> ReadResult:
        try:
            recorded = _recorded_entity(props)
            entity = deadline.retry(lambda: wm.read(recorded.type, recorded.id), transient)
        except WorkMailProviderError as error:
            if error.code in GONE_CODES:
                return self._gone(id_, by_id, error)
            raise
        if entity.state is EntityState.DELETED:
            return self._gone(id_, by_id, entity)
        if not entity.enabled:
            warn(
                f"{entity.label()} in organization {wm.organization_id} is {entity.state}: it has no primary "
                "address until it is registered to WorkMail again; the next `pulumi up` fails until then."
            )
        outs = {k: v for k, v in props.items() if not k.startswith("__") or k == SECRET_INPUTS}
        outs.update(email=entity.email, entity_name=entity.name or props.get("entity_name"))
        outs["resolved_region"] = props.get("resolved_region") or wm.region_name  # for a record made before it
        inputs = {k: outs[k] for k in (*INPUT_PROPERTIES, SECRET_INPUTS) if outs.get(k) is not None}
        return ReadResult(id_, outs, inputs)

    @censoring
    def delete(self, _id: str, props: dict[str, Any]) -> None:
        if props.get("on_delete", DEFAULT_ON_DELETE) == "retain":
            self._recorded(props)
            return
        try:
            props = self._complete(_id, props)
        except WorkMailProviderError as error:
            if error.code in GONE_CODES:
                self._organization_gone(error, "nothing is put back")
                return  # nothing left to restore
            raise
        self._recorded(props)
        original = props.get("original_email")
        successor = self._successor(props)
        if successor is not None:
            if original and not same(original, props.get("email")):
                kept = successor.created and isinstance(successor.recorded, str) and same(successor.recorded, original)
                what = f"{original}, its primary address before this resource, is not put back"
                self._left_to(successor, f"{self._label(props)}: {what}", lost=not kept)
            return
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
                self._organization_gone(error, "nothing is put back")
                return  # nothing left to restore
            raise restore_failed(self._label(props), original, error) from None

    def _restore(self, wm: WorkMail, props: Mapping[str, Any], original: str) -> None:
        deadline = self._deadline(props)
        recorded = _recorded_entity(props)
        entity = deadline.retry(lambda: wm.read(recorded.type, recorded.id), transient)
        if entity.state is EntityState.DELETED:
            return
        if same(entity.email, original) and same(props.get("email"), original):
            return  # this resource never moved it
        # A read that shows the original may predate our own last write (WorkMail catching up), so unless the
        # address never moved, the original is written back even when the read already shows it.
        if not entity.enabled:
            warn(f"{entity.label()} is {entity.state}; there is no primary address to restore to {original}.")
            return

        deadline.restart_backoff()
        self._write(wm, entity, original, deadline, id_given=False)


_sdk.install_error_formatter(WorkMailProviderError)
