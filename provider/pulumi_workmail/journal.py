"""A local note of the primary address a create is about to replace, kept until the stack has recorded it.

If the provider process dies after ``UpdatePrimaryEmailAddress`` succeeded but before Pulumi recorded the
resource, the next ``up`` finds the declared address already primary and would adopt it as
``original_email``, so destroy could never restore the true original. WorkMail has nowhere to keep such a
note on the entity, so it lives on the machine that ran the create: one small JSON file per entity under
``~/.pulumi-workmail/journal`` (``PULUMI_WORKMAIL_JOURNAL_DIR`` moves it; ``off`` disables it). An adopting
create uses a matching note (same entity, the address it was about to set is the live primary, younger than
``MAX_AGE_SECONDS``). A create never removes a note, finished or not: the engine saves its state after the
create returns, and a killed ``pulumi up`` leaves its provider process running to finish the creates in
flight. The next refresh, update or destroy of the resource (each is handed the recorded outputs, so the
stack has the original) removes it.

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
from pathlib import Path

JOURNAL_ENV = "PULUMI_WORKMAIL_JOURNAL_DIR"
MAX_AGE_SECONDS = 30 * 24 * 3600


NOTE_MAX_BYTES = 4096  # a note is a few hundred bytes


def _read_note(path: Path) -> str:
    """A note's text, read only from a regular file of at most ``NOTE_MAX_BYTES``: never through a link,
    never blocking on a FIFO or a device, never reading without bound."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > NOTE_MAX_BYTES:
            raise ValueError("not a note")
        data = os.read(fd, NOTE_MAX_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > NOTE_MAX_BYTES:
        raise ValueError("not a note")
    return data.decode("utf-8")


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

    def _path(self, organization_id: str, entity_id: str) -> Path | None:
        if self.directory is None:
            return None
        # Hashed, so no id (whatever WorkMail returned) can name a path outside the directory.
        key = hashlib.sha256(f"{organization_id}/{entity_id}".lower().encode()).hexdigest()[:32]
        return self.directory / f"{key}.json"

    def remember(self, organization_id: str, entity_id: str, original: str | None, email: str) -> None:
        """Before the write: ``original`` is primary now and ``email`` is about to replace it."""
        path = self._path(organization_id, entity_id)
        if path is None:
            return
        note = {
            "organization_id": organization_id,
            "entity_id": entity_id,
            "original_email": original,
            "email": email,
            "written_at": time.time(),
        }
        with contextlib.suppress(OSError):
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".note-", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(note, handle)
                os.replace(temporary, path)
            except OSError:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise

    def recall(self, organization_id: str, entity_id: str, live_email: str | None) -> str | None:
        """The original a create of this entity was replacing when it set ``live_email``, if one was noted."""
        path = self._path(organization_id, entity_id)
        if path is None or not live_email:
            return None
        try:
            note = json.loads(_read_note(path))
            fresh = time.time() - float(note["written_at"]) < MAX_AGE_SECONDS
            matches = (
                note["organization_id"] == organization_id
                and note["entity_id"] == entity_id
                and str(note["email"]).lower() == live_email.lower()
            )
            original = note["original_email"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return original if fresh and matches and isinstance(original, str) and original else None

    def forget(self, organization_id: str, entity_id: str) -> None:
        path = self._path(organization_id, entity_id)
        if path is not None:
            with contextlib.suppress(OSError):
                path.unlink()
