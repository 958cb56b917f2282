"""EntityAliasesProvider against the emulator: each engine call's effect on WorkMail, its outputs, and the
WorkMail requests it costs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pulumi_workmail import engine_log
from pulumi_workmail.alias_plan import Record
from pulumi_workmail.aliases_provider import EntityAliasesProvider
from pulumi_workmail.claims import DECLARED, Declarations
from pulumi_workmail.errors import WorkMailProviderError
from pulumi_workmail.journal import Journal
from pulumi_workmail.terms import Code

from .conftest import World, outs_of

WRITES = ("CreateAlias", "DeleteAlias", "UpdatePrimaryEmailAddress")


@pytest.fixture
def aliases() -> EntityAliasesProvider:
    return EntityAliasesProvider()


def _props(world: World, aliases: list[str], entity_id: str = "alice", **extra: Any) -> dict[str, Any]:
    """Checked inputs, as the engine passes them to create/update."""
    news = {"organization_id": world.org, "entity_id": entity_id, "aliases": aliases, **extra}
    checked = EntityAliasesProvider().check({}, news)
    assert not checked.failures and checked.inputs is not None
    return {**checked.inputs, "wait_timeout_seconds": 2, "__provider": "serialized-provider"}


def _live(world: World, name: str) -> list[str]:
    """The entity's aliases, sorted."""
    return sorted(world.aliases(world.id_of(name)))


def _writes(world: World) -> dict[str, int]:
    return {op: n for op, n in world.stats().items() if op in WRITES}


def _created(world: World, provider: EntityAliasesProvider, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    result = provider.create(props)
    world.reset_stats()
    return result.id, outs_of(result)


def test_create_adds_the_missing_aliases_and_leaves_the_others(world: World, aliases: EntityAliasesProvider) -> None:
    result = aliases.create(_props(world, ["al@example.com", "alice.new@example.com"]))
    calls = world.stats()
    outs = outs_of(result)
    assert _live(world, "alice") == ["al@example.com", "alice.new@example.com"]
    assert outs["aliases"] == ["al@example.com", "alice.new@example.com"]
    assert outs["added_aliases"] == ["alice.new@example.com"] and outs["removed_aliases"] == []
    assert (outs["resolved_entity_id"], outs["entity_type"]) == (world.id_of("alice"), "USER")
    assert result.id == f"{world.org}/{world.id_of('alice')}"
    # resolve (a Describe by name) + one list + one call per alias changed
    assert calls == {"DescribeUser": 1, "ListAliases": 1, "CreateAlias": 1}


def test_an_exclusive_create_removes_every_undeclared_alias_and_records_it(
    world: World, aliases: EntityAliasesProvider
) -> None:
    outs = outs_of(aliases.create(_props(world, ["alice.new@example.com"], exclusive=True)))
    assert _live(world, "alice") == ["alice.new@example.com"]
    assert outs["removed_aliases"] == ["al@example.com"] and outs["added_aliases"] == ["alice.new@example.com"]
    assert _writes(world) == {"DeleteAlias": 1, "CreateAlias": 1}


def test_a_create_that_finds_every_alias_in_place_writes_nothing(world: World, aliases: EntityAliasesProvider) -> None:
    outs = outs_of(aliases.create(_props(world, ["AL@example.com"], exclusive=True)))
    assert _writes(world) == {}
    assert outs["added_aliases"] == [] and outs["removed_aliases"] == []


def test_the_entitys_primary_declared_as_an_alias_fails_before_any_write(
    world: World, aliases: EntityAliasesProvider
) -> None:
    with pytest.raises(WorkMailProviderError) as caught:
        aliases.create(_props(world, ["alice.new@example.com", "Alice@example.com"], exclusive=True))
    assert caught.value.code == Code.ALIAS_IS_PRIMARY
    assert "alice@example.com is the primary address of user alice" in caught.value.message
    assert "EntityPrimaryEmail" in caught.value.message
    assert _writes(world) == {} and _live(world, "alice") == ["al@example.com"]


def test_more_than_a_hundred_aliases_fails_before_any_write_naming_the_count(
    world: World, aliases: EntityAliasesProvider
) -> None:
    for i in range(98):
        world.wm().create_alias(OrganizationId=world.org, EntityId=world.id_of("alice"), Alias=f"a{i}@example.com")
    world.reset_stats()
    with pytest.raises(WorkMailProviderError) as caught:
        aliases.create(_props(world, ["n1@example.com", "n2@example.com", "n3@example.com"]))
    assert caught.value.code == Code.ALIAS_LIMIT
    assert "would have 102 aliases (99 now, 3 to add, 0 to remove)" in caught.value.message
    assert _writes(world) == {}


def test_a_failure_part_way_changes_the_earlier_aliases_back(world: World, aliases: EntityAliasesProvider) -> None:
    # a1 sorts first and is added; bob's primary then fails; a1 is taken away again
    with pytest.raises(WorkMailProviderError) as caught:
        aliases.create(_props(world, ["a1@example.com", "bob@example.com"], exclusive=True))
    assert caught.value.code == Code.EMAIL_IN_USE
    assert "user bob" in caught.value.message
    assert "changed back, so nothing was changed" in caught.value.message
    assert _live(world, "alice") == ["al@example.com"]


def test_an_alias_on_an_unregistered_domain_names_the_domain(world: World, aliases: EntityAliasesProvider) -> None:
    with pytest.raises(WorkMailProviderError) as caught:
        aliases.create(_props(world, ["alice@nowhere.example"]))
    assert caught.value.code == Code.MAIL_DOMAIN_NOT_FOUND
    assert "nowhere.example is not registered" in caught.value.message


def test_update_changes_only_the_difference_and_the_record_follows(
    world: World, aliases: EntityAliasesProvider
) -> None:
    id_, olds = _created(world, aliases, _props(world, ["al@example.com", "x@example.com"], exclusive=True))
    outs = outs_of(aliases.update(id_, olds, _props(world, ["y@example.com", "x@example.com"], exclusive=True)))
    assert _live(world, "alice") == ["x@example.com", "y@example.com"]
    assert outs["added_aliases"] == ["x@example.com", "y@example.com"]
    assert outs["removed_aliases"] == ["al@example.com"]


def test_a_non_exclusive_update_removes_an_alias_dropped_from_the_list(
    world: World, aliases: EntityAliasesProvider
) -> None:
    id_, olds = _created(world, aliases, _props(world, ["x@example.com", "y@example.com"]))
    aliases.update(id_, olds, _props(world, ["x@example.com"]))
    assert _live(world, "alice") == ["al@example.com", "x@example.com"]


def test_an_update_of_on_delete_alone_makes_no_request(world: World, aliases: EntityAliasesProvider) -> None:
    id_, olds = _created(world, aliases, _props(world, ["x@example.com"]))
    outs = outs_of(aliases.update(id_, olds, _props(world, ["x@example.com"], on_delete="retain")))
    assert world.total() == 0 and outs["on_delete"] == "retain"


def test_refresh_of_an_exclusive_resource_shows_aliases_added_by_hand(
    world: World, aliases: EntityAliasesProvider
) -> None:
    id_, olds = _created(world, aliases, _props(world, ["x@example.com"], exclusive=True))
    world.wm().create_alias(OrganizationId=world.org, EntityId=world.id_of("alice"), Alias="hand@example.com")
    world.reset_stats()
    read = aliases.read(id_, olds)
    assert outs_of(read)["aliases"] == ["hand@example.com", "x@example.com"]
    assert read.inputs is not None and read.inputs["aliases"] == ["hand@example.com", "x@example.com"]
    assert world.stats() == {"ListAliases": 1}


def test_refresh_of_a_non_exclusive_resource_counts_only_declared_aliases(
    world: World, aliases: EntityAliasesProvider
) -> None:
    id_, olds = _created(world, aliases, _props(world, ["x@example.com", "y@example.com"]))
    alice = world.id_of("alice")
    world.wm().create_alias(OrganizationId=world.org, EntityId=alice, Alias="hand@example.com")
    world.wm().delete_alias(OrganizationId=world.org, EntityId=alice, Alias="y@example.com")
    assert outs_of(aliases.read(id_, olds))["aliases"] == ["x@example.com"]


def test_refresh_drops_a_resource_whose_entity_is_gone(world: World, aliases: EntityAliasesProvider) -> None:
    id_, olds = _created(world, aliases, _props(world, ["x@example.com"], entity_id="bob"))
    world.wm().deregister_from_work_mail(OrganizationId=world.org, EntityId=world.id_of("bob"))
    world.wm().delete_user(OrganizationId=world.org, UserId=world.id_of("bob"))
    world.reset_stats()
    read = aliases.read(id_, olds)
    assert read.id == "" and read.outs == {}
    # WorkMail answers a deleted entity's ListAliases with EntityStateException: asked once, not waited out
    assert world.stats() == {"ListAliases": 1, "DescribeUser": 1}


def test_a_read_by_id_alone_of_a_deleted_entity_fails_naming_it(world: World, aliases: EntityAliasesProvider) -> None:
    """What ``EntityAliases.get`` of a deleted entity meets: no resource to drop, so a failure, not an empty id."""
    bob = world.id_of("bob")
    world.wm().deregister_from_work_mail(OrganizationId=world.org, EntityId=bob)
    world.wm().delete_user(OrganizationId=world.org, UserId=bob)
    with pytest.raises(WorkMailProviderError) as caught:
        aliases.read(f"{world.org}/{bob}", {"__provider": "serialized-provider"})
    assert caught.value.code == Code.NOTHING_TO_GET
    assert caught.value.message == (
        f"EntityAliases.get found nothing to read at '{world.org}/{bob}': user bob ({bob}) in organization "
        f"{world.org} is deleted."
    )


def test_delete_of_a_resource_whose_entity_was_deleted_succeeds_at_once(
    world: World, aliases: EntityAliasesProvider
) -> None:
    id_, olds = _created(world, aliases, _props(world, ["x@example.com"], entity_id="bob", exclusive=True))
    world.wm().deregister_from_work_mail(OrganizationId=world.org, EntityId=world.id_of("bob"))
    world.wm().delete_user(OrganizationId=world.org, UserId=world.id_of("bob"))
    world.reset_stats()
    aliases.delete(id_, olds)
    assert world.stats() == {"DeleteAlias": 1, "DescribeUser": 1}


def test_delete_and_refresh_in_a_region_without_the_organization_say_that_nothing_is_undone(
    world: World, aliases: EntityAliasesProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    id_, olds = _created(world, aliases, _props(world, ["x@example.com"], exclusive=True))
    assert olds["resolved_region"] == "us-east-1"
    elsewhere = {**olds, "resolved_region": "eu-west-1"}
    assert aliases.read(id_, elsewhere).id == ""
    aliases.delete(id_, elsewhere)
    refreshed, deleted = capsys.readouterr().out.strip().splitlines()
    assert f"Organization {world.org} was not found in region eu-west-1: the stack forgets" in refreshed, refreshed
    assert "nothing is put back. If the organization still exists" in deleted, deleted
    assert _live(world, "alice") == ["x@example.com"], "nothing written in the organization's own region"


def test_delete_undoes_exactly_what_the_resource_did(world: World, aliases: EntityAliasesProvider) -> None:
    alice = world.id_of("alice")
    world.wm().create_alias(OrganizationId=world.org, EntityId=alice, Alias="other@example.com")
    id_, olds = _created(world, aliases, _props(world, ["x@example.com", "other@example.com"], exclusive=True))
    aliases.delete(id_, olds)
    assert world.stats() == {"CreateAlias": 1, "DeleteAlias": 1}
    assert _live(world, "alice") == ["al@example.com", "other@example.com"]


def test_delete_with_retain_makes_no_request(world: World, aliases: EntityAliasesProvider) -> None:
    id_, olds = _created(world, aliases, _props(world, ["x@example.com"], exclusive=True, on_delete="retain"))
    aliases.delete(id_, olds)
    assert world.total() == 0 and _live(world, "alice") == ["x@example.com"]


def test_delete_skips_an_alias_now_used_elsewhere_with_a_warning(
    world: World, aliases: EntityAliasesProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    id_, olds = _created(world, aliases, _props(world, [], exclusive=True))
    world.wm().create_alias(OrganizationId=world.org, EntityId=world.id_of("bob"), Alias="al@example.com")
    aliases.delete(id_, olds)
    assert _live(world, "alice") == []
    out = capsys.readouterr().out
    assert "warning: user alice" in out and "al@example.com it had is not put back" in out and "user bob" in out


@pytest.fixture
def in_a_deployment(monkeypatch: pytest.MonkeyPatch) -> Iterator[Declarations]:
    """Calls as the engine makes them (each with its resource's URN), and a fresh registry of declarations."""
    urn = {"value": "urn:pulumi:dev::p::pulumi-python:dynamic/workmail:EntityAliases::alice-aliases"}
    monkeypatch.setattr(engine_log, "current_urn", lambda frame=None: urn["value"])
    fresh = Declarations()
    monkeypatch.setattr(DECLARED, "_aliases", fresh._aliases)
    monkeypatch.setattr(DECLARED, "_primaries", fresh._primaries)
    yield DECLARED


def test_a_primary_the_aliases_resource_declares_as_an_alias_is_refused_before_any_write(
    world: World, aliases: EntityAliasesProvider, in_a_deployment: Declarations
) -> None:
    aliases.create(_props(world, ["al@example.com", "alice.new@example.com"], exclusive=True))
    world.reset_stats()
    with pytest.raises(WorkMailProviderError) as caught:
        world.provider.create(world.props(email="alice.new@example.com"))
    assert caught.value.code == Code.DECLARED_AS_ALIAS
    assert "declared as an alias of user alice" in caught.value.message and "'alice-aliases'" in caught.value.message
    assert _writes(world) == {}


def test_a_primary_swap_after_an_exclusive_aliases_resource_removes_the_undeclared_old_primary(
    world: World, aliases: EntityAliasesProvider, in_a_deployment: Declarations
) -> None:
    aliases.create(_props(world, ["al.new@example.com"], exclusive=True))
    world.provider.create(world.props(email="alice.new@example.com"))
    assert world.describe("alice")["Email"] == "alice.new@example.com"
    assert _live(world, "alice") == ["al.new@example.com"]


def test_a_primary_swap_keeps_the_old_primary_a_non_exclusive_resource_does_not_declare(
    world: World, aliases: EntityAliasesProvider, in_a_deployment: Declarations
) -> None:
    aliases.create(_props(world, ["al.new@example.com"]))
    world.provider.create(world.props(email="alice.new@example.com"))
    assert _live(world, "alice") == ["al.new@example.com", "al@example.com", "alice@example.com"]


def test_a_read_by_id_alone_reports_every_alias_and_names_the_entity(
    world: World, aliases: EntityAliasesProvider
) -> None:
    """What ``EntityAliases.get`` sends: the id and the provider, no inputs."""
    read = aliases.read(f"{world.org}/{world.id_of('alice')}", {"__provider": "serialized-provider"})
    outs = outs_of(read)
    assert outs["aliases"] == ["al@example.com"]
    assert (outs["entity_type"], outs["entity_name"], outs["entity_id"]) == ("USER", "alice", world.id_of("alice"))


def test_a_read_by_an_id_that_is_not_one_names_the_form(world: World, aliases: EntityAliasesProvider) -> None:
    with pytest.raises(WorkMailProviderError) as caught:
        aliases.read("alice", {"__provider": "serialized-provider"})
    assert caught.value.code == Code.INVALID_ID
    assert "EntityAliases.get needs the id of an existing resource" in caught.value.message


def test_a_program_listing_its_new_primary_as_an_alias_fails_the_check_of_the_second_resource_checked(
    world: World, aliases: EntityAliasesProvider, in_a_deployment: Declarations
) -> None:
    """Preview checks every resource before anything is written, so whichever of the two comes second
    fails the preview, naming its property."""
    primary = world.provider.check({}, world.props(email="alice.new@example.com"))
    assert primary.failures == []
    news = {"organization_id": world.org, "entity_id": "alice", "aliases": ["Alice.New@example.com"]}
    listed = aliases.check({}, news)
    assert [(f.property, f.reason) for f in listed.failures] == [
        (
            "aliases",
            "aliases lists alice.new@example.com, which the EntityPrimaryEmail 'alice-aliases' of this program makes "
            "the primary address of the same entity; a primary address is never also an alias, so take it out of "
            "aliases",
        )
    ]
    again = world.provider.check({}, world.props(email="alice.new@example.com"))
    assert [f.property for f in again.failures] == ["email"]
    assert "listed in the aliases of the EntityAliases 'alice-aliases'" in again.failures[0].reason
    assert world.total() == 0


# ---------------------------------------------------------- the create journal

LOST = Record(added=("x1@example.com",), removed=("al@example.com",))


def _noted(world: World, journal: Path) -> Record | None:
    return Journal(journal).recall_aliases(world.org, world.id_of("alice"))


def test_a_create_that_finds_a_lost_creates_changes_records_them_from_its_note_at_no_extra_request(
    world: World, aliases: EntityAliasesProvider, private_journal: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The first create's result never reached the state; the second finds nothing to do."""
    aliases.create(_props(world, ["x1@example.com"], exclusive=True))
    world.reset_stats()
    capsys.readouterr()
    created = aliases.create(_props(world, ["x1@example.com"], exclusive=True))
    assert world.stats() == {"DescribeUser": 1, "ListAliases": 1}
    outs = outs_of(created)
    assert (outs["added_aliases"], outs["removed_aliases"]) == (["x1@example.com"], ["al@example.com"])
    out = capsys.readouterr().out
    assert "interrupted" in out and "added x1@example.com; removed al@example.com" in out
    aliases.delete(created.id, outs)
    assert _live(world, "alice") == ["al@example.com"]
    assert list(private_journal.iterdir()) == [], "destroy shows the stack had recorded it"


def test_a_create_retried_after_one_that_died_part_way_records_and_notes_both_parts(
    world: World, aliases: EntityAliasesProvider, private_journal: Path
) -> None:
    """The lost create removed al@example.com and died before adding x1: this create adds it, and its own
    note keeps the removal too, in case it is lost as well."""
    Journal(private_journal).remember_aliases(world.org, world.id_of("alice"), LOST)
    world.wm().delete_alias(OrganizationId=world.org, EntityId=world.id_of("alice"), Alias="al@example.com")
    world.reset_stats()
    outs = outs_of(aliases.create(_props(world, ["x1@example.com"], exclusive=True)))
    assert (outs["added_aliases"], outs["removed_aliases"]) == (["x1@example.com"], ["al@example.com"])
    assert world.stats() == {"DescribeUser": 1, "ListAliases": 1, "CreateAlias": 1}
    assert _noted(world, private_journal) == LOST


def test_a_planted_note_cannot_make_destroy_remove_an_alias_outside_the_program_or_add_an_address(
    world: World, aliases: EntityAliasesProvider, private_journal: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without exclusive, al@example.com is not the resource's, and a create of it removes nothing."""
    planted = Record(added=("al@example.com",), removed=("intruder@example.com",))
    Journal(private_journal).remember_aliases(world.org, world.id_of("alice"), planted)
    id_, outs = _created(world, aliases, _props(world, ["x1@example.com"]))
    assert (outs["added_aliases"], outs["removed_aliases"]) == (["x1@example.com"], [])
    assert "interrupted" not in capsys.readouterr().out
    aliases.delete(id_, outs)
    assert _live(world, "alice") == ["al@example.com"]


def test_a_noted_removal_of_the_entitys_primary_is_not_recorded(
    world: World, aliases: EntityAliasesProvider, private_journal: Path
) -> None:
    """Destroy would otherwise try to make the primary an alias of its own entity."""
    Journal(private_journal).remember_aliases(world.org, world.id_of("alice"), Record(removed=("Alice@example.com",)))
    outs = outs_of(aliases.create(_props(world, ["al@example.com"], exclusive=True)))
    assert (outs["added_aliases"], outs["removed_aliases"]) == ([], [])


def test_a_create_whose_writes_were_undone_leaves_a_note_the_next_create_does_not_take(
    world: World, aliases: EntityAliasesProvider, private_journal: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(WorkMailProviderError):
        aliases.create(_props(world, ["a1@example.com", "bob@example.com"], exclusive=True))
    assert _noted(world, private_journal) is not None
    capsys.readouterr()
    outs = outs_of(aliases.create(_props(world, ["a1@example.com"], exclusive=True)))
    assert (outs["added_aliases"], outs["removed_aliases"]) == (["a1@example.com"], ["al@example.com"])
    assert "interrupted" not in capsys.readouterr().out


@pytest.mark.parametrize("step", ["read", "update", "delete", "delete with retain"])
def test_a_step_handed_the_recorded_outputs_removes_the_aliases_note_and_no_other(
    world: World, aliases: EntityAliasesProvider, private_journal: Path, step: str
) -> None:
    """An EntityPrimaryEmail create on the same entity may be in flight: its note stays."""
    on_delete = "retain" if step == "delete with retain" else "restore"
    Journal(private_journal).remember(world.org, world.id_of("alice"), "alice@example.com", "alice.new@example.com")
    id_, olds = _created(world, aliases, _props(world, ["x1@example.com"], exclusive=True, on_delete=on_delete))
    assert _noted(world, private_journal) == LOST
    if step == "read":
        aliases.read(id_, olds)
    elif step == "update":
        aliases.update(id_, olds, _props(world, ["x2@example.com"], exclusive=True))
    else:
        aliases.delete(id_, olds)
    assert _noted(world, private_journal) is None
    primary = Journal(private_journal).recall(world.org, world.id_of("alice"), "alice.new@example.com")
    assert primary == "alice@example.com"


def test_a_primary_step_handed_its_recorded_outputs_leaves_the_aliases_note(
    world: World, private_journal: Path
) -> None:
    created = world.provider.create(world.props())
    Journal(private_journal).remember_aliases(world.org, world.id_of("alice"), LOST)
    world.provider.read(created.id, {**outs_of(created), "__provider": "serialized-provider"})
    assert _noted(world, private_journal) == LOST
    assert Journal(private_journal).recall(world.org, world.id_of("alice"), "alice.new@example.com") is None


def test_a_refresh_of_a_gets_record_counts_every_alias_the_entity_has_now(
    world: World, aliases: EntityAliasesProvider
) -> None:
    """A get declares nothing, so its record's aliases are not a declared list: one added since counts."""
    id_ = f"{world.org}/{world.id_of('alice')}"
    got = outs_of(aliases.read(id_, {"__provider": "serialized-provider"}))
    world.wm().create_alias(OrganizationId=world.org, EntityId=world.id_of("alice"), Alias="al.later@example.com")
    refreshed = outs_of(aliases.read(id_, {**got, "__provider": "serialized-provider"}))
    assert refreshed["aliases"] == ["al.later@example.com", "al@example.com"]
