"""The create journal: what an interrupted create leaves behind, and when it is trusted."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from pulumi_workmail.alias_plan import Record
from pulumi_workmail.journal import (
    ALIASES_NOTE_MAX_BYTES,
    JOURNAL_ENV,
    MAX_AGE_SECONDS,
    MAX_FUTURE_SECONDS,
    Journal,
    NoteKind,
)

ORG = "m-" + "a" * 32
ENTITY = "2f9b8c1e-0000-4000-8000-000000000001"


def test_remembered_original_is_recalled_when_the_noted_address_is_live(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.remember(ORG, ENTITY, "alice@old.example", "alice@new.example")
    assert journal.recall(ORG, ENTITY, "Alice@New.example") == "alice@old.example"


def test_note_is_ignored_when_the_live_address_is_another(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.remember(ORG, ENTITY, "alice@old.example", "alice@new.example")
    assert journal.recall(ORG, ENTITY, "alice@other.example") is None


def test_note_belongs_to_one_entity_of_one_organization(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.remember(ORG, ENTITY, "alice@old.example", "alice@new.example")
    assert journal.recall(ORG, ENTITY.replace("1", "2"), "alice@new.example") is None
    assert journal.recall("m-" + "b" * 32, ENTITY, "alice@new.example") is None


def test_forget_removes_the_note(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.remember(ORG, ENTITY, "alice@old.example", "alice@new.example")
    journal.forget(ORG, ENTITY)
    assert journal.recall(ORG, ENTITY, "alice@new.example") is None
    assert list(tmp_path.iterdir()) == []


def test_old_notes_are_not_trusted(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.remember(ORG, ENTITY, "alice@old.example", "alice@new.example")
    (note,) = tmp_path.glob("*.json")
    content = json.loads(note.read_text())
    content["written_at"] = time.time() - MAX_AGE_SECONDS - 1
    note.write_text(json.dumps(content))
    assert journal.recall(ORG, ENTITY, "alice@new.example") is None


@pytest.mark.parametrize("kind", ["primary", "aliases"])
@pytest.mark.parametrize("ahead", [MAX_FUTURE_SECONDS + 60, 365 * 24 * 3600, float("inf"), float("nan")])
def test_a_note_dated_in_the_future_is_not_trusted(tmp_path: Path, kind: str, ahead: float) -> None:
    """Else a planted note dated years ahead would never grow old."""
    journal = Journal(tmp_path)
    if kind == "primary":
        journal.remember(ORG, ENTITY, "alice@old.example", "alice@new.example")
    else:
        journal.remember_aliases(ORG, ENTITY, NOTED)
    (note,) = tmp_path.glob("*.json")
    content = json.loads(note.read_text())
    content["written_at"] = time.time() + ahead
    note.write_text(json.dumps(content))
    assert journal.recall(ORG, ENTITY, "alice@new.example") is None
    assert journal.recall_aliases(ORG, ENTITY) is None


def test_a_note_a_little_ahead_of_the_clock_is_still_trusted(tmp_path: Path) -> None:
    """A clock that stepped back a few seconds since the create must not lose its note."""
    journal = Journal(tmp_path)
    journal.remember(ORG, ENTITY, "alice@old.example", "alice@new.example")
    (note,) = tmp_path.glob("*.json")
    content = json.loads(note.read_text())
    content["written_at"] = time.time() + 30
    note.write_text(json.dumps(content))
    assert journal.recall(ORG, ENTITY, "alice@new.example") == "alice@old.example"


@pytest.mark.parametrize("garbage", ["", "{", "[]", '{"email": 1}', '{"organization_id": null}'])
def test_unreadable_note_is_ignored(tmp_path: Path, garbage: str) -> None:
    journal = Journal(tmp_path)
    journal.remember(ORG, ENTITY, "alice@old.example", "alice@new.example")
    (note,) = tmp_path.glob("*.json")
    note.write_text(garbage)
    assert journal.recall(ORG, ENTITY, "alice@new.example") is None


def test_unwritable_directory_never_raises(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    journal = Journal(blocker / "journal")
    journal.remember(ORG, ENTITY, "alice@old.example", "alice@new.example")
    assert journal.recall(ORG, ENTITY, "alice@new.example") is None
    journal.forget(ORG, ENTITY)


def test_hostile_ids_cannot_name_a_path_outside_the_directory(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal")
    journal.remember("../../x", "../../../etc/passwd\n", "a@b.example", "c@d.example")
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(written) == 1 and written[0].parent == tmp_path / "journal"


def test_notes_hold_no_more_than_ids_and_addresses(tmp_path: Path) -> None:
    Journal(tmp_path).remember(ORG, ENTITY, "alice@old.example", "alice@new.example")
    (note,) = tmp_path.glob("*.json")
    keys = set(json.loads(note.read_text()))
    assert keys == {"organization_id", "entity_id", "original_email", "email", "written_at"}


def test_journal_directory_is_private_when_created(tmp_path: Path) -> None:
    Journal(tmp_path / "journal").remember(ORG, ENTITY, "alice@old.example", "alice@new.example")
    assert (tmp_path / "journal").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("value", ["off", "OFF", "", "0", "false"])
def test_environment_can_turn_the_journal_off(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(JOURNAL_ENV, value)
    assert Journal.from_environment().directory is None


def test_environment_moves_the_journal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(JOURNAL_ENV, str(tmp_path / "elsewhere"))
    assert Journal.from_environment().directory == tmp_path / "elsewhere"


def test_default_journal_is_under_the_home_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(JOURNAL_ENV)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert Journal.from_environment().directory == tmp_path / ".pulumi-workmail" / "journal"
    assert not os.path.exists(tmp_path / ".pulumi-workmail"), "nothing is created until a create writes"


def _note_path(journal: Journal) -> Path:
    journal.remember("m-1", "e-1", "old@example.com", "new@example.com")
    assert journal.directory is not None
    (path,) = journal.directory.glob("*.json")
    return path


def test_a_fifo_at_a_notes_path_is_ignored_without_blocking(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal")
    path = _note_path(journal)
    path.unlink()
    os.mkfifo(path)
    assert journal.recall("m-1", "e-1", "new@example.com") is None


def test_a_link_at_a_notes_path_is_not_followed(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal")
    path = _note_path(journal)
    real = tmp_path / "elsewhere.json"
    real.write_text(path.read_text())
    path.unlink()
    path.symlink_to(real)
    assert journal.recall("m-1", "e-1", "new@example.com") is None
    path.unlink()
    path.symlink_to("/dev/zero")
    assert journal.recall("m-1", "e-1", "new@example.com") is None


def test_an_oversized_note_is_ignored(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal")
    path = _note_path(journal)
    note = json.loads(path.read_text())
    note["padding"] = "x" * 10_000
    path.write_text(json.dumps(note))
    assert journal.recall("m-1", "e-1", "new@example.com") is None


# ---------------------------------------------------------------- notes of EntityAliases creates

NOTED = Record(added=("x1@new.example",), removed=("al@example.com",))


def test_remembered_aliases_are_recalled_as_noted(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.remember_aliases(ORG, ENTITY, NOTED)
    assert journal.recall_aliases(ORG, ENTITY) == NOTED
    assert journal.recall_aliases(ORG, ENTITY.replace("1", "2")) is None
    assert journal.recall_aliases("m-" + "b" * 32, ENTITY) is None


def test_a_primary_note_and_an_aliases_note_on_one_entity_are_kept_and_forgotten_apart(tmp_path: Path) -> None:
    """The two resources on one entity each have a create in flight; a step of one must not drop the other's."""
    journal = Journal(tmp_path)
    journal.remember(ORG, ENTITY, "alice@old.example", "alice@new.example")
    journal.remember_aliases(ORG, ENTITY, NOTED)
    assert len(list(tmp_path.glob("*.json"))) == 2
    journal.forget(ORG, ENTITY, NoteKind.ALIASES)
    assert journal.recall(ORG, ENTITY, "alice@new.example") == "alice@old.example"
    assert journal.recall_aliases(ORG, ENTITY) is None
    journal.remember_aliases(ORG, ENTITY, NOTED)
    journal.forget(ORG, ENTITY)
    assert journal.recall(ORG, ENTITY, "alice@new.example") is None
    assert journal.recall_aliases(ORG, ENTITY) == NOTED


def test_a_note_of_one_kind_is_never_read_as_the_other(tmp_path: Path) -> None:
    """The kind is in the note as well as in its name: a file moved to the other kind's name is ignored."""
    journal = Journal(tmp_path)
    journal.remember(ORG, ENTITY, "alice@old.example", "alice@new.example")
    (primary,) = tmp_path.glob("*.json")
    journal.remember_aliases(ORG, ENTITY, NOTED)
    (aliases,) = set(tmp_path.glob("*.json")) - {primary}
    primary_text, aliases_text = primary.read_text(), aliases.read_text()
    primary.write_text(aliases_text)
    aliases.write_text(json.dumps({**json.loads(primary_text), "added_aliases": [], "removed_aliases": []}))
    assert journal.recall(ORG, ENTITY, "alice@new.example") is None
    assert journal.recall_aliases(ORG, ENTITY) is None


def test_an_aliases_note_holds_its_kind_ids_and_addresses_only(tmp_path: Path) -> None:
    Journal(tmp_path).remember_aliases(ORG, ENTITY, NOTED)
    (note,) = tmp_path.glob("*.json")
    content = json.loads(note.read_text())
    assert set(content) == {"kind", "organization_id", "entity_id", "added_aliases", "removed_aliases", "written_at"}
    assert (content["kind"], content["added_aliases"], content["removed_aliases"]) == (
        "aliases",
        ["x1@new.example"],
        ["al@example.com"],
    )


def test_old_aliases_notes_are_not_trusted(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.remember_aliases(ORG, ENTITY, NOTED)
    (note,) = tmp_path.glob("*.json")
    content = json.loads(note.read_text())
    content["written_at"] = time.time() - MAX_AGE_SECONDS - 1
    note.write_text(json.dumps(content))
    assert journal.recall_aliases(ORG, ENTITY) is None


@pytest.mark.parametrize(
    "change",
    [
        {"added_aliases": "x1@new.example"},
        {"removed_aliases": [1]},
        {"added_aliases": [""]},
        {"removed_aliases": None},
        {"kind": "primary"},
        {"entity_id": "someone-else"},
    ],
)
def test_an_aliases_note_that_is_not_well_formed_is_ignored(tmp_path: Path, change: dict[str, object]) -> None:
    journal = Journal(tmp_path)
    journal.remember_aliases(ORG, ENTITY, NOTED)
    (note,) = tmp_path.glob("*.json")
    note.write_text(json.dumps({**json.loads(note.read_text()), **change}))
    assert journal.recall_aliases(ORG, ENTITY) is None


def test_the_largest_plan_an_entity_allows_fits_in_an_aliases_note(tmp_path: Path) -> None:
    """100 aliases removed and 100 added, each of the longest an address can be."""
    longest = [f"{i:03d}{'a' * 61}@{'d' * 181}.example" for i in range(200)]
    assert all(len(address) == 254 for address in longest)
    record = Record(added=tuple(longest[:100]), removed=tuple(longest[100:]))
    journal = Journal(tmp_path)
    journal.remember_aliases(ORG, ENTITY, record)
    assert journal.recall_aliases(ORG, ENTITY) == record


def test_an_aliases_note_past_its_size_limit_is_not_written_nor_read(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal")
    journal.remember_aliases(ORG, ENTITY, NOTED)
    huge = Record(added=tuple(f"{i:05d}{'a' * 60}@example.com" for i in range(ALIASES_NOTE_MAX_BYTES // 60)))
    journal.remember_aliases(ORG, ENTITY, huge)
    assert list((tmp_path / "journal").iterdir()) == [], "not the new note, and no older one either"
    journal.remember_aliases(ORG, ENTITY, NOTED)
    (note,) = (tmp_path / "journal").glob("*.json")
    note.write_text(json.dumps({**json.loads(note.read_text()), "padding": "x" * ALIASES_NOTE_MAX_BYTES}))
    assert journal.recall_aliases(ORG, ENTITY) is None


def test_an_aliases_note_is_never_read_through_a_link(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal")
    journal.remember_aliases(ORG, ENTITY, NOTED)
    (path,) = (tmp_path / "journal").glob("*.json")
    real = tmp_path / "elsewhere.json"
    real.write_text(path.read_text())
    path.unlink()
    path.symlink_to(real)
    assert journal.recall_aliases(ORG, ENTITY) is None


def test_hostile_ids_cannot_name_an_aliases_note_outside_the_directory(tmp_path: Path) -> None:
    Journal(tmp_path / "journal").remember_aliases("../../x", "../../../etc/passwd\n", NOTED)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(written) == 1 and written[0].parent == tmp_path / "journal"


def test_a_journal_turned_off_keeps_no_aliases_note(tmp_path: Path) -> None:
    journal = Journal(None)
    journal.remember_aliases(ORG, ENTITY, NOTED)
    assert journal.recall_aliases(ORG, ENTITY) is None
    journal.forget(ORG, ENTITY, NoteKind.ALIASES)
