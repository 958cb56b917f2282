"""The AWS CLI talks to the emulator (aws ... describe-organization with --endpoint-url).

awscli (v1) is not a declared test dependency; install it with
``.venv/bin/pip install awscli``. It vendors its own botocore, so installing
it does not change the project's boto3/botocore versions.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .emulator_testlib import UNKNOWN_ORG, World

AWS = Path(sys.executable).parent / "aws"

pytestmark = pytest.mark.skipif(not AWS.exists(), reason="awscli is not installed in this environment")


def _aws(world: World, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "AKIDEMULATOR",
        "AWS_SECRET_ACCESS_KEY": "dummy-secret",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_PAGER": "",
    }
    env.pop("AWS_PROFILE", None)
    env.pop("AWS_SESSION_TOKEN", None)
    return subprocess.run(
        [str(AWS), "workmail", *args, "--endpoint-url", world.emu.url, "--region", "us-east-1", "--output", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def test_aws_cli_describe_organization(world: World) -> None:
    out = _aws(world, "describe-organization", "--organization-id", world.org)
    assert out.returncode == 0, out.stderr
    body = json.loads(out.stdout)
    assert body["OrganizationId"] == world.org
    assert body["Alias"] == "acme"
    assert body["State"] == "Active"
    assert body["DefaultMailDomain"] == "acme.awsapps.com"


def test_aws_cli_reports_modeled_error(world: World) -> None:
    out = _aws(world, "describe-organization", "--organization-id", UNKNOWN_ORG)
    assert out.returncode != 0
    assert "OrganizationNotFoundException" in out.stderr


def test_aws_cli_update_primary_email_and_paginated_list(world: World) -> None:
    out = _aws(
        world,
        "update-primary-email-address",
        "--organization-id",
        world.org,
        "--entity-id",
        world.ids["bob"],
        "--email",
        "robert@example.com",
    )
    assert out.returncode == 0, out.stderr
    listed = _aws(world, "list-users", "--organization-id", world.org, "--page-size", "1")
    assert listed.returncode == 0, listed.stderr
    users = {u["Name"]: u for u in json.loads(listed.stdout)["Users"]}
    assert users["bob"]["Email"] == "robert@example.com"
    assert len(users) == 4
