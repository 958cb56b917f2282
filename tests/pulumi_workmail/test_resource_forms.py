"""The two constructor forms, as pulumi-aws's resources have them: ``(name, args, opts)`` or ``(name, opts,
**inputs)``. Mixing them, or leaving out a required input, is a type error (checked by mypy here) and fails
at run time too."""

from __future__ import annotations

from pathlib import Path

import pytest
from mypy import api

from pulumi_workmail import EntityAliases, EntityPrimaryEmail, EntityPrimaryEmailArgs

ORG = "m-0123456789abcdef0123456789abcdef"

PROGRAM = f"""
import pulumi
from pulumi_workmail import EntityAliases, EntityAliasesArgs, EntityPrimaryEmail, EntityPrimaryEmailArgs

args = EntityPrimaryEmailArgs(organization_id="{ORG}", entity_id="alice", email="a@x.com")
EntityPrimaryEmail("ok-args", args, pulumi.ResourceOptions())
EntityPrimaryEmail("ok-keywords", organization_id="{ORG}", entity_id="alice", email="a@x.com")
EntityAliases("ok-aliases", organization_id="{ORG}", entity_id="alice", aliases=["a@x.com"], exclusive=True)
EntityPrimaryEmail("mixed", args, email="b@x.com")  # line 9
EntityPrimaryEmail("missing", organization_id="{ORG}", entity_id="alice")  # line 10
EntityAliases("wrong-args", args)  # line 11
EntityAliases("typo", organization_id="{ORG}", entity_id="alice", alias=["a@x.com"])  # line 12
"""


def test_mixing_the_forms_or_leaving_out_an_input_is_a_type_error(tmp_path: Path) -> None:
    program = tmp_path / "program.py"
    program.write_text(PROGRAM)
    out, _, status = api.run(["--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache"), str(program)])
    assert status == 1, out
    flagged = sorted({int(line.split(":")[1]) for line in out.splitlines() if ": error:" in line})
    assert flagged == [9, 10, 11, 12], out


def test_mixing_the_forms_fails_at_run_time_naming_both() -> None:
    args = EntityPrimaryEmailArgs(organization_id=ORG, entity_id="alice", email="a@x.com")
    with pytest.raises(TypeError, match=r"in EntityPrimaryEmailArgs or as keywords, not both \(got email"):
        EntityPrimaryEmail("mixed", args, email="b@x.com")  # type: ignore[call-overload]


def test_an_args_object_of_the_other_resource_is_refused_at_run_time() -> None:
    args = EntityPrimaryEmailArgs(organization_id=ORG, entity_id="alice", email="a@x.com")
    with pytest.raises(TypeError, match="expected \\(EntityAliasesArgs, ResourceOptions\\)"):
        EntityAliases("wrong", args)  # type: ignore[call-overload]
