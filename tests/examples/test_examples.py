"""The examples under examples/, against the emulator: on the offline runner and on the real CLI (the
pulumi-aws one offline only, its AWS resources under mocks)."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pulumi
import pytest

from pulumi_workmail.testing import OfflineStack
from workmail_emulator import Emulator, running

from .conftest import Stack, example_env

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
SEED = {
    "organizations": [
        {
            "alias": "acme",
            "domains": [
                {"name": "old.example", "verified": True},
                {"name": "new.example", "verified": True},
            ],
            "users": [
                {"name": "alice", "email": "alice@old.example"},
                {"name": "bob", "email": "bob@old.example"},
            ],
            "groups": [{"name": "sales", "email": "sales@old.example"}],
            "resources": [{"name": "room-1", "type": "ROOM", "email": "room-1@old.example"}],
        }
    ]
}


@pytest.fixture()
def emu() -> Iterator[Emulator]:
    with running(seed=SEED) as emulator:
        yield emulator


def _org(emu: Emulator) -> str:
    assert emu.seed_result is not None
    return str(emu.seed_result["organizations"]["acme"]["id"])


def _primary(emu: Emulator, kind: str, name: str) -> str:
    wm = emu.client()
    org = _org(emu)
    # Each Describe call takes its own id member, so one signature cannot describe all three.
    calls: dict[str, Callable[..., Mapping[str, object]]] = {
        "user": wm.describe_user,
        "group": wm.describe_group,
        "resource": wm.describe_resource,
    }
    call = calls[kind]
    key = {"user": "UserId", "group": "GroupId", "resource": "ResourceId"}[kind]
    return str(call(OrganizationId=org, **{key: name})["Email"])


def test_basic_moves_user_group_and_room_and_destroy_restores_except_retained(
    emu: Emulator, tmp_path: Path, backend: Stack
) -> None:
    stack = backend("dev", work_dir=EXAMPLES / "basic", state_dir=str(tmp_path / "state"), env=example_env(emu))
    stack.set_all_config({"workmail-basic:organizationId": _org(emu), "aws:region": "us-east-1"})
    up = stack.up()
    assert up.summary.resource_changes.get("create") == 4
    assert _primary(emu, "user", "alice") == "alice@new.example"
    assert _primary(emu, "group", "sales") == "sales@new.example"
    assert _primary(emu, "resource", "room-1") == "room-1@new.example"
    assert stack.outputs()["types"].value == ["USER", "GROUP", "RESOURCE"]

    stack.destroy()
    assert _primary(emu, "user", "alice") == "alice@old.example"
    assert _primary(emu, "group", "sales") == "sales@old.example"
    assert _primary(emu, "resource", "room-1") == "room-1@new.example", "on_delete=retain keeps the room"


def test_domain_migration_from_csv(emu: Emulator, tmp_path: Path, backend: Stack) -> None:
    stack = backend(
        "dev", work_dir=EXAMPLES / "domain-migration", state_dir=str(tmp_path / "state"), env=example_env(emu)
    )
    stack.set_all_config({"workmail-domain-migration:organizationId": _org(emu), "aws:region": "us-east-1"})
    preview = stack.preview()
    assert preview.change_summary.get("create") == 5
    stack.up()
    assert _primary(emu, "user", "bob") == "bob.builder@new.example"
    assert stack.outputs()["count"].value == 4
    refresh = stack.refresh()
    assert refresh.summary.resource_changes.get("update", 0) == 0
    stack.destroy()
    assert _primary(emu, "user", "bob") == "bob@old.example"


def test_domain_migration_of_50_entities_from_a_generated_csv(emu: Emulator, tmp_path: Path, backend: Stack) -> None:
    wm = emu.client()
    org = _org(emu)
    rows = []
    for i in range(50):
        name = f"staff{i:02d}"
        uid = wm.create_user(OrganizationId=org, Name=name, DisplayName=name)["UserId"]
        wm.register_to_work_mail(OrganizationId=org, EntityId=uid, Email=f"{name}@old.example")
        rows.append({"entity_id": name, "local_part": name})
    table = tmp_path / "staff.csv"
    with table.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["entity_id", "local_part"])
        writer.writeheader()
        writer.writerows(rows)
    stack = backend(
        "dev", work_dir=EXAMPLES / "domain-migration", state_dir=str(tmp_path / "state"), env=example_env(emu)
    )
    stack.set_all_config({"workmail-domain-migration:organizationId": org, "workmail-domain-migration:csv": str(table)})
    stack.up()
    assert all(_primary(emu, "user", r["entity_id"]) == f"{r['entity_id']}@new.example" for r in rows)
    stack.destroy()
    assert all(_primary(emu, "user", r["entity_id"]) == f"{r['entity_id']}@old.example" for r in rows)


class AwsMocks(pulumi.runtime.Mocks):
    """pulumi-aws resources answered from the emulator, so EntityPrimaryEmail runs for real on their ids."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.wm = emu.client()
        self.registered: list[tuple[str, dict[str, Any]]] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.registered.append((args.typ, dict(args.inputs)))
        if args.typ == "aws:workmail/organization:Organization":
            org = _org(self.emu)
            return org, {**args.inputs, "organizationId": org}
        if args.typ == "aws:workmail/domain:Domain":
            self.wm.register_mail_domain(
                OrganizationId=args.inputs["organizationId"], DomainName=args.inputs["domainName"]
            )
            self.emu.admin(
                "POST",
                "/_emulator/domains/verify",
                {"organization_id": args.inputs["organizationId"], "domain": args.inputs["domainName"]},
            )
            return args.inputs["domainName"], dict(args.inputs)
        if args.typ == "aws:workmail/user:User":
            org = args.inputs["organizationId"]
            uid = self.wm.create_user(OrganizationId=org, Name=args.inputs["name"], DisplayName="Alice Two")["UserId"]
            self.wm.register_to_work_mail(OrganizationId=org, EntityId=uid, Email=args.inputs["email"])
            return uid, {**args.inputs, "userId": uid}
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


def test_with_pulumi_aws_wires_the_user_id_into_entity_primary_email(emu: Emulator, tmp_path: Path) -> None:
    """Offline only: on the real CLI this example needs pulumi-aws's resource plugin, a binary the CLI
    downloads from Pulumi's servers (unreachable from these machines), and it would then call real AWS."""
    emu.client().deregister_from_work_mail(OrganizationId=_org(emu), EntityId="alice")
    emu.client().delete_user(OrganizationId=_org(emu), UserId="alice")
    mocks = AwsMocks(emu)
    stack = OfflineStack(
        "dev", work_dir=EXAMPLES / "with-pulumi-aws", state_dir=tmp_path, env=example_env(emu), mocks=mocks
    )
    stack.set_all_config({"workmail-with-pulumi-aws:alias": "acme", "workmail-with-pulumi-aws:domain": "fresh.example"})
    stack.up()
    types = [t for t, _ in mocks.registered]
    assert types == ["aws:workmail/organization:Organization", "aws:workmail/domain:Domain", "aws:workmail/user:User"]
    user_id = stack.outputs()["userId"].value
    assert stack.outputs()["primaryEmail"].value == "alice@fresh.example"
    live = emu.client().describe_user(OrganizationId=_org(emu), UserId=user_id)
    assert live["Email"] == "alice@fresh.example"
    resources = stack.export_state()["deployment"]["resources"]
    user = next(r for r in resources if r["type"] == "aws:workmail/user:User")
    assert "email" in user.get("ignoreChanges", user.get("ignore_changes", [])), user
    primary = next(r for r in resources if r["type"].endswith("EntityPrimaryEmail"))
    assert primary["outputs"]["resolved_entity_id"] == user_id
    assert primary["outputs"]["original_email"] == "alice@acme.awsapps.com"
