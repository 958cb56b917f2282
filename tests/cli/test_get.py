"""`EntityPrimaryEmail.get` and `EntityAliases.get` through the real engine: an existing entity read by its id
alone, without managing it."""

from __future__ import annotations

import json
from pathlib import Path

from workmail_emulator import Emulator

from .conftest import ORG, Project, program_project

PROGRAM = """
import pulumi
from pulumi_workmail import EntityAliases, EntityPrimaryEmail

entity = pulumi.Config().require("id")
primary = EntityPrimaryEmail.get("alice-primary", entity)
aliases = EntityAliases.get("alice-aliases", entity)
pulumi.export("primary", primary.email)
pulumi.export("type", primary.entity_type)
pulumi.export("name", primary.entity_name)
pulumi.export("entityId", primary.entity_id)
pulumi.export("aliases", aliases.aliases)
"""

World = tuple[Path, Emulator, dict[str, str]]


def test_get_reads_an_entity_by_its_id_and_destroy_leaves_it_alone(cli_world: World) -> None:
    project: Project = program_project(cli_world, PROGRAM)
    alice = project.user_id("alice")
    project.config(id=f"{ORG}/{alice}")
    project.reset_stats()
    up = project.pulumi("up", "--yes").stdout
    assert "read pulumi-python:dynamic/workmail:EntityPrimaryEmail alice-primary" in up, up
    assert "read pulumi-python:dynamic/workmail:EntityAliases alice-aliases" in up, up
    assert "+ 1 created" in up, "only the stack is created; the two are read"
    outputs = json.loads(project.pulumi("stack", "output", "--json").stdout)
    assert outputs == {
        "primary": "alice@example.com",
        "type": "USER",
        "name": "alice",
        "entityId": alice,
        "aliases": ["al@example.com"],
    }
    assert not {"CreateAlias", "DeleteAlias", "UpdatePrimaryEmailAddress"} & set(project.calls())
    project.pulumi("destroy", "--yes")
    client = project.emu.client()
    assert client.describe_user(OrganizationId=ORG, UserId=alice)["Email"] == "alice@example.com"
    assert client.list_aliases(OrganizationId=ORG, EntityId=alice)["Aliases"] == ["al@example.com"]


def test_get_with_an_id_that_is_not_one_fails_naming_the_form(cli_world: World) -> None:
    project: Project = program_project(cli_world, PROGRAM)
    project.config(id="alice")
    failed = project.pulumi("up", "--yes", ok=False)
    text = failed.stdout + failed.stderr
    assert "EntityPrimaryEmail.get needs the id of an existing resource, <organization_id>/<entity id>" in text, text
    assert "Traceback" not in text
