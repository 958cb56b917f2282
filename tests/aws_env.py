"""Keeps the machine's own AWS configuration out of every test (the provider servers tests start inherit it)."""

from __future__ import annotations

from pathlib import Path

import pytest

# Variables of the test process that could point boto3 at real AWS configuration or credentials.
AWS_ENV_TO_CLEAR = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_RETRY_MODE",
    "AWS_MAX_ATTEMPTS",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
)


def isolate_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """No profile, no instance metadata, empty config files; returns the variables it set."""
    for name in AWS_ENV_TO_CLEAR:
        monkeypatch.delenv(name, raising=False)
    credentials = tmp_path / "aws-credentials-empty"
    config = tmp_path / "aws-config-empty"
    credentials.write_text("")
    config.write_text("")
    files = {
        "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
        "AWS_CONFIG_FILE": str(config),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    for key, value in files.items():
        monkeypatch.setenv(key, value)
    return files
