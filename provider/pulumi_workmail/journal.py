"""Local notes of what a create is about to change, kept until the stack has recorded it.

If the provider process dies after a create's writes succeeded but before Pulumi recorded the resource,
the next ``up`` creates again and finds the entity already as declared. Without a note it would adopt what
it finds: an ``EntityPrimaryEmail`` would take the declared address as ``original_email``, and an
``EntityAliases`` would record that it added and removed nothing, so destroy could never undo the lost
create. WorkMail has nowhere to keep such a note on the entity, so it lives on the machine that ran the
create: one small JSON file per entity and kind under ``~/.pulumi-workmail/journal``
(``PULUMI_WORKMAIL_JOURNAL_DIR`` moves it; ``off`` disables it).

Two kinds of note, one per resource type, so the two resources on one entity never share a note:

- ``PRIMARY`` (``EntityPrimaryEmail``): the primary a create is about to replace and the address it sets.
  An adopting create uses a matching note (same entity, the address it was about to set is the live
  primary). Its notes carry no ``kind`` field and are keyed by organization and entity alone.
- ``ALIASES`` (``EntityAliases``): the aliases the resource will have added and removed once the create's
  writes are done. The create that finds them done checks each against the live aliases
  (``alias_plan.recovered``) before it records it.

A note is used only while younger than ``MAX_AGE_SECONDS``. A create never removes a note, finished or
not: the engine saves its state after the create returns, and a killed ``pulumi up`` leaves its provider
process running to finish the creates in flight. The next refresh, update or destroy of the resource (each
is handed the recorded outputs, so the stack has what the note says) removes it.

The journal is best effort: a file that cannot be written or read never fails a Pulumi step. It holds
addresses and entity ids, never credentials.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from .alias_plan import Record, addresses

JOURNAL_ENV = "PULUMI_WORKMAIL_JOURNAL_DIR"
MAX_AGE_SECONDS = 30 * 24 * 3600
# A note dated later than this is not one this machine wrote (a clock may step back a little, not days):
# it would otherwise never grow old.
MAX_FUTURE_SECONDS = 600


class NoteKind(str, Enum):
    """Which resource's create wrote a note."""

    PRIMARY = "primary"  # EntityPrimaryEmail
    ALIASES = "aliases"  # EntityAliases


NOTE_MAX_BYTES = 4096  # a primary note is a few hundred bytes
# An aliases note lists at most the 100 aliases an entity may have and the 100 declared ones, each at most
# 254 characters.
ALIASES_NOTE_MAX_BYTES = 64 * 1024
_MAX_BYTES = {NoteKind.PRIMARY: NOTE_MAX_BYTES, NoteKind.ALIASES: ALIASES_NOTE_MAX_BYTES}


def _read_note(path: Path, limit: int) -> str:
    """A note's text, read only from a regular file of at most ``limit`` bytes: never through a link,
    never blocking on a FIFO or a device, never reading without bound."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            raise ValueError("not a note")
        data = os.read(fd, limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise ValueError("not a note")
    return data.decode("utf-8")


def _addresses(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ValueError("not a list of addresses")
    return addresses(value)


@dataclass(frozen=True)
class Journal:
    """Notes under ``directory``; ``None`` keeps none."""

    directory: Path | None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Journal:
        configured = environ.get(JOURNAL_ENV)
        if configured is not None and configured.strip().lower() in ("", "off", "0", "false"):
            return cls(None)
        if configured:
            return cls(Path(configured).expanduser())
        try:
            return cls(Path.home() / ".pulumi-workmail" / "journal")
        except RuntimeError:  # no home directory to be found
            return cls(None)

    def _path(self, kind: NoteKind, organization_id: str, entity_id: str) -> Path | None:
        if self.directory is None:
            return None
        named = f"{organization_id}/{entity_id}"
        if kind is not NoteKind.PRIMARY:
            named = f"{kind.value}:{named}"
        # Hashed, so no id (whatever WorkMail returned) can name a path outside the directory.
        key = hashlib.sha256(named.lower().encode()).hexdigest()[:32]
        return self.directory / f"{key}.json"

    def _write(self, kind: NoteKind, organization_id: str, entity_id: str, fields: Mapping[str, Any]) -> None:
        path = self._path(kind, organization_id, entity_id)
        if path is None:
            return
        note: dict[str, Any] = {"kind": kind.value} if kind is not NoteKind.PRIMARY else {}
        note.update(organization_id=organization_id, entity_id=entity_id, **fields, written_at=time.time())
        text = json.dumps(note)
        if len(text.encode()) > _MAX_BYTES[kind]:  # would never be read back: keep no older one either
            self.forget(organization_id, entity_id, kind)
            return
        with contextlib.suppress(OSError):
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".note-", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(text)
                os.replace(temporary, path)
            except OSError:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise

    def _read(self, kind: NoteKind, organization_id: str, entity_id: str) -> dict[str, Any] | None:
        """The note of this kind on this entity, if one is there, readable, fresh and its own."""
        path = self._path(kind, organization_id, entity_id)
        if path is None:
            return None
        try:
            note = json.loads(_read_note(path, _MAX_BYTES[kind]))
            fresh = -MAX_FUTURE_SECONDS <= time.time() - float(note["written_at"]) < MAX_AGE_SECONDS
            matches = (
                note.get("kind", NoteKind.PRIMARY.value) == kind.value
                and note["organization_id"] == organization_id
                and note["entity_id"] == entity_id
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        return note if fresh and matches else None

    def remember(self, organization_id: str, entity_id: str, original: str | None, email: str) -> None:
        """Before the write: ``original`` is primary now and ``email`` is about to replace it."""
        self._write(NoteKind.PRIMARY, organization_id, entity_id, {"original_email": original, "email": email})

    def recall(self, organization_id: str, entity_id: str, live_email: str | None) -> str | None:
        """The original a create of this entity was replacing when it set ``live_email``, if one was noted."""
        if not live_email:
            return None
        note = self._read(NoteKind.PRIMARY, organization_id, entity_id)
        if note is None:
            return None
        email, original = note.get("email"), note.get("original_email")
        if not isinstance(email, str) or email.lower() != live_email.lower():
            return None
        return original if isinstance(original, str) and original else None

    def remember_aliases(self, organization_id: str, entity_id: str, record: Record) -> None:
        """Before the first write: ``record`` is what the resource will have added and removed once the
        create's writes are done."""
        fields = {"added_aliases": list(record.added), "removed_aliases": list(record.removed)}
        self._write(NoteKind.ALIASES, organization_id, entity_id, fields)

    def recall_aliases(self, organization_id: str, entity_id: str) -> Record | None:
        """What an earlier create of this entity's aliases noted it would have added and removed, as noted:
        nothing here checks it against the live aliases."""
        note = self._read(NoteKind.ALIASES, organization_id, entity_id)
        if note is None:
            return None
        try:
            return Record(_addresses(note["added_aliases"]), _addresses(note["removed_aliases"]))
        except (KeyError, ValueError):
            return None

    def forget(self, organization_id: str, entity_id: str, kind: NoteKind = NoteKind.PRIMARY) -> None:
        path = self._path(kind, organization_id, entity_id)
        if path is not None:
            with contextlib.suppress(OSError):
                path.unlink()
