"""examples/retire-domain against the emulator: offline with pulumi-aws's Domain under mocks (its
retirement included), and without the Domain on both the offline runner and the real CLI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest

from pulumi_workmail.testing import OfflineStack
from workmail_emulator import Emulator, running

from .conftest import Stack, example_env

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "retire-domain"
PROJECT = "workmail-retire-domain"
SEED = {
    "organizations": [
        {
            "alias": "acme",
            "domains": [
                {"name": "old.example", "verified": True},
                {"name": "new.example", "verified": True},
            ],
            "users": [
                {"name": "alice", "email": "alice@old.example", "aliases": ["al@old.example"]},
                {"name": "bob", "email": "bob@old.example"},
            ],
            "groups": [{"name": "sales", "email": "sales@old.example", "aliases": ["team@old.example"]}],
            "resources": [{"name": "room-1", "type": "ROOM", "email": "room-1@old.example"}],
        }
    ]
}
KINDS = {"alice": "user", "bob": "user", "sales": "group", "room-1": "resource"}
# What examples/retire-domain/entities.csv declares: (primary, aliases) on new.example.
MOVED = {
    "alice": ("alice@new.example", ["al@new.example", "alice.liddell@new.example"]),
    "bob": ("bob.builder@new.example", ["bob@new.example"]),
    "sales": ("sales@new.example", ["team@new.example"]),
    "room-1": ("room-1@new.example", []),
}


@pytest.fixture()
def emu() -> Iterator[Emulator]:
    with running(seed=SEED) as emulator:
        yield emulator


def _org(emu: Emulator) -> str:
    assert emu.seed_result is not None
    return str(emu.seed_result["organizations"]["acme"]["id"])


def _addresses(emu: Emulator, name: str) -> tuple[str, list[str]]:
    """(primary, sorted aliases) of a seeded entity, as WorkMail shows them."""
    assert emu.seed_result is not None
    wm, org, kind = emu.client(), _org(emu), KINDS[name]
    entity_id = emu.seed_result["organizations"]["acme"][f"{kind}s"][name]
    if kind == "user":
        primary = wm.describe_user(OrganizationId=org, UserId=entity_id)["Email"]
    elif kind == "group":
        primary = wm.describe_group(OrganizationId=org, GroupId=entity_id)["Email"]
    else:
        primary = wm.describe_resource(OrganizationId=org, ResourceId=entity_id)["Email"]
    aliases = wm.list_aliases(OrganizationId=org, EntityId=entity_id, MaxResults=100)["Aliases"]
    return primary, sorted(aliases)


def _on_old_domain(emu: Emulator) -> list[str]:
    return sorted(
        address
        for name in KINDS
        for address in [_addresses(emu, name)[0], *_addresses(emu, name)[1]]
        if address.endswith("@old.example")
    )


def _assert_moved(emu: Emulator) -> None:
    for name, (primary, aliases) in MOVED.items():
        assert _addresses(emu, name) == (primary, sorted(aliases)), name
    assert _on_old_domain(emu) == []


class DomainMocks(pulumi.runtime.Mocks):
    """pulumi-aws's Domain, adopted: the import finds the domain registered in the emulator (or fails)."""

    def __init__(self, emu: Emulator) -> None:
        self.wm = emu.client()
        self.imports: list[str | None] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        assert args.typ == "aws:workmail/domain:Domain", args.typ
        self.imports.append(args.resource_id)
        self.wm.get_mail_domain(OrganizationId=args.inputs["organizationId"], DomainName=args.inputs["domainName"])
        return f"{args.inputs['organizationId']},{args.inputs['domainName']}", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


def test_retire_domain_moves_every_address_off_then_retires_the_domain_and_destroy_brings_them_back(
    emu: Emulator, tmp_path: Path
) -> None:
    """Offline only (pulumi-aws's plugin is not here). Mocks see registrations but not deletes, so where
    pulumi-aws would call DeregisterMailDomain for the Domain's delete step, the test calls it."""
    wm, org = emu.client(), _org(emu)
    with pytest.raises(wm.exceptions.MailDomainInUseException):
        wm.deregister_mail_domain(OrganizationId=org, DomainName="old.example")

    mocks = DomainMocks(emu)
    stack = OfflineStack("dev", work_dir=EXAMPLE, state_dir=tmp_path, env=example_env(emu), mocks=mocks)
    stack.set_all_config({f"{PROJECT}:organizationId": org})
    stack.up()
    assert mocks.imports == [f"{org},old.example"], "the domain is adopted, not registered"
    _assert_moved(emu)
    outputs = stack.outputs()
    assert outputs["count"].value == 4
    assert outputs["oldDomainAddresses"].value == []
    assert outputs["primaries"].value == {name: primary for name, (primary, _) in MOVED.items()}
    assert outputs["aliases"].value == {name: sorted(aliases) for name, (_, aliases) in MOVED.items()}
    resources = {r["urn"].rsplit("::", 1)[1]: r for r in stack.export_state()["deployment"]["resources"]}
    domain_urn = resources["old-domain"]["urn"]
    # The README drops the Domain from the state by this URN when a destroy before retiring fails.
    delete = (
        f'pulumi state delete "{domain_urn.replace("urn:pulumi:dev::", "urn:pulumi:$(pulumi stack --show-name)::")}"'
    )
    assert f"\n{delete}\n" in (EXAMPLE / "README.md").read_text()
    for name in MOVED:
        assert resources[f"primary-{name}"].get("dependencies") == [domain_urn], "addresses are put back before it goes"
        assert resources[f"aliases-{name}"].get("dependencies") == [resources[f"primary-{name}"]["urn"]]

    stack.set_config(f"{PROJECT}:retireOldDomain", "true")
    retire = stack.up()
    ops = [(step.name, step.op) for step in retire.steps if step.custom]
    assert ops[-1] == ("old-domain", "delete"), "the removed Domain goes after every declared resource's step"
    assert {op for _, op in ops[:-1]} == {"same"}
    assert "old-domain" not in {r["urn"].rsplit("::", 1)[1] for r in stack.export_state()["deployment"]["resources"]}
    wm.deregister_mail_domain(OrganizationId=org, DomainName="old.example")  # the Domain's delete, on AWS
    assert "old.example" not in {d["DomainName"] for d in wm.list_mail_domains(OrganizationId=org)["MailDomains"]}

    # Rolling back: the old domain registered and verified again, then destroy puts every old address back.
    wm.register_mail_domain(OrganizationId=org, DomainName="old.example")
    emu.admin("POST", "/_emulator/domains/verify", {"organization_id": org, "domain": "old.example"})
    stack.destroy()
    # Old primaries and aliases are back; each new primary stays on as an alias (WorkMail keeps a replaced
    # primary), while the new aliases the stack added are removed.
    assert _addresses(emu, "alice") == ("alice@old.example", ["al@old.example", "alice@new.example"])
    assert _addresses(emu, "bob") == ("bob@old.example", ["bob.builder@new.example"])
    assert _addresses(emu, "sales") == ("sales@old.example", ["sales@new.example", "team@old.example"])
    assert _addresses(emu, "room-1") == ("room-1@old.example", ["room-1@new.example"])


def test_retire_domain_without_the_domain_resource_converges_in_one_up_and_destroy_restores(
    emu: Emulator, tmp_path: Path, backend: Stack
) -> None:
    """retireOldDomain=true from the start declares no pulumi-aws resource, so the address part runs on the
    real CLI too: one up converges (a second preview shows no changes), and destroy undoes it."""
    org = _org(emu)
    stack = backend("dev", work_dir=EXAMPLE, state_dir=str(tmp_path / "state"), env=example_env(emu))
    stack.set_all_config({f"{PROJECT}:organizationId": org, f"{PROJECT}:retireOldDomain": "true"})
    up = stack.up()
    assert up.summary.resource_changes.get("create") == 9, "the stack, 4 primaries and 4 alias lists"
    _assert_moved(emu)
    assert stack.outputs()["oldDomainAddresses"].value == []
    again = stack.preview()
    assert set(again.change_summary) == {"same"}, again.change_summary
    stack.destroy()
    assert _addresses(emu, "alice") == ("alice@old.example", ["al@old.example", "alice@new.example"])
    assert _addresses(emu, "room-1") == ("room-1@old.example", ["room-1@new.example"])
