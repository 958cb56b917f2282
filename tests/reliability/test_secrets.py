"""Secrets and access: no credential value ever reaches the pickle, the state, outputs, logs or messages;
``__provider`` is a secret; an emulator that knows other keys is reported as a credentials problem."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pulumi.automation import CommandError

from pulumi_workmail.aliases_provider import EntityAliasesProvider
from pulumi_workmail.errors import WorkMailProviderError
from pulumi_workmail.provider import EntityPrimaryEmailProvider
from pulumi_workmail.testing import OfflineStack, is_secret, serialize_provider
from workmail_emulator import Emulator, running

from .conftest import AliasFleet, AliasWorld, Figures, Fleet, stack_env

ENV_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "AKIAENVRELIABLE00042",
    "AWS_SECRET_ACCESS_KEY": "env-Secret-Reliability-9f8e7d6c5b4a",
    "AWS_SESSION_TOKEN": "env-Session-Token-Reliability-0a1b2c3d",
}
PROFILE = "reliability-profile"
PROFILE_CREDENTIALS = {
    # Deliberately not AKIA-shaped: the provider's key-shaped scrubbing cannot hide a leak of these.
    "aws_access_key_id": "PROFILEKEYRELIABLE77",
    "aws_secret_access_key": "profile-Secret-Reliability-5e4d3c2b1a",
    "aws_session_token": "profile-Session-Token-Reliability-7h6g5f",
}
SECRET_VALUES = (*ENV_CREDENTIALS.values(), *PROFILE_CREDENTIALS.values())


@pytest.fixture
def profile_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws_isolated: dict[str, str]) -> dict[str, str]:
    """Env credentials in this process and the provider's, plus a profile with other values in temp files."""
    credentials = tmp_path / "credentials"
    config = tmp_path / "config"
    credentials.write_text(f"[{PROFILE}]\n" + "".join(f"{k} = {v}\n" for k, v in PROFILE_CREDENTIALS.items()))
    config.write_text(f"[profile {PROFILE}]\nregion = us-east-1\n")
    files = {"AWS_SHARED_CREDENTIALS_FILE": str(credentials), "AWS_CONFIG_FILE": str(config)}
    for key, value in {**files, **ENV_CREDENTIALS}.items():
        monkeypatch.setenv(key, value)
    return files


@pytest.fixture
def profile_only_emulator() -> Iterator[Emulator]:
    """Lets in only the profile's key: a request signed with the environment's keys would be refused."""
    with running(access_keys=[PROFILE_CREDENTIALS["aws_access_key_id"]]) as emu:
        yield emu


class Evidence:
    """Every text a credential could leak into, by where it came from."""

    def __init__(self) -> None:
        self.texts: list[tuple[str, str]] = []

    def add(self, where: str, value: Any) -> None:
        self.texts.append((where, value if isinstance(value, str) else json.dumps(value, default=repr)))

    def result(self, where: str, result: Any) -> None:
        self.add(f"{where}.stdout", result.stdout)
        self.add(f"{where}.stderr", result.stderr)

    def failure(self, where: str, error: CommandError) -> None:
        self.add(f"{where}.str", str(error))
        self.add(f"{where}.message", getattr(error, "message", ""))
        self.add(f"{where}.stdout", getattr(error, "stdout", ""))
        self.add(f"{where}.stderr", getattr(error, "stderr", ""))

    def stack(self, where: str, stack: OfflineStack) -> None:
        self.add(f"{where}.state_file", Path(stack.state_file).read_text(encoding="utf-8"))
        self.add(f"{where}.outputs", {k: v.value for k, v in stack.outputs().items()})
        for resource in stack.export_state()["deployment"]["resources"]:
            pickled = (resource.get("outputs") or {}).get("__provider")
            if pickled is not None:
                raw = pickled["value"] if is_secret(pickled) else pickled
                self.add(f"{where}.__provider(decoded)", base64.b64decode(raw).decode("latin-1"))

    def journal(self, where: str, directory: Path) -> None:
        """The provider's create journal: every note's name and content."""
        notes = sorted(directory.glob("*")) if directory.exists() else []
        self.add(where, {note.name: note.read_text(encoding="utf-8") for note in notes})

    def leaks(self) -> list[str]:
        return [f"{value!r} in {where}" for where, text in self.texts for value in SECRET_VALUES if value in text]


def test_no_credential_value_appears_in_pickle_state_outputs_logs_or_errors(
    profile_files: dict[str, str],
    profile_only_emulator: Emulator,
    tmp_path: Path,
    figures: Figures,
    private_journal: Path,
) -> None:
    emu = profile_only_emulator
    evidence = Evidence()
    pickled = serialize_provider(EntityPrimaryEmailProvider())
    evidence.add("serialize_provider", pickled)
    evidence.add("serialize_provider(decoded)", base64.b64decode(pickled).decode("latin-1"))

    env = stack_env(emu, **ENV_CREDENTIALS, **profile_files)
    fleet = Fleet(emu, tmp_path, 3, prefix="secret", env=env)
    fleet.stack.set_config("aws:profile", PROFILE)
    first, _second, third = fleet.names
    fleet.declare_all("new.example")
    fleet.extra_resources = lambda: __import__("pulumi").export("firstEmail", fleet.declared[f"{first}-primary"][1])

    evidence.result("preview", fleet.stack.preview())
    evidence.result("up.create", fleet.stack.up())
    fleet.assert_converged()  # the profile's key was used: the emulator refuses the environment's
    evidence.stack("after-create", fleet.stack)

    fleet.declare_all("next.example")
    evidence.result("up.update", fleet.stack.up())
    evidence.result("refresh", fleet.stack.refresh())

    fleet.declare(third, f"{first}@next.example")  # held by the first user: this step fails
    with pytest.raises(CommandError) as caught:
        fleet.stack.up()
    assert f"{first}@next.example is already used by user {first}" in str(caught.value)
    evidence.failure("up.conflict", caught.value)
    evidence.stack("after-conflict", fleet.stack)
    evidence.journal("journal.after-conflict", private_journal)

    fleet.declare(third, f"{third}@next.example")
    evidence.result("up.fixed", fleet.stack.up())
    fleet.assert_converged()
    evidence.stack("after-fix", fleet.stack)

    # A failing step whose cause is the credentials themselves: no profile, so the env keys are used.
    refused = OfflineStack(
        "refused", project_name="reliability", program=fleet.program, state_dir=str(tmp_path), env=env
    )
    refused.set_config("aws:region", "us-east-1")
    with pytest.raises(CommandError) as refusal:
        refused.up()
    assert "credentials" in str(refusal.value)
    evidence.failure("up.refused", refusal.value)
    evidence.stack("refused", refused)

    evidence.result("destroy", fleet.stack.destroy())
    fleet.assert_restored()
    evidence.stack("after-destroy", fleet.stack)

    assert not evidence.leaks(), evidence.leaks()
    assert len(evidence.texts) >= 25
    figures.add(
        "secrets.no_leak",
        places_searched=len(evidence.texts),
        credential_values=len(SECRET_VALUES),
        leaks_found=len(evidence.leaks()),
    )


def test_provider_is_a_secret_in_the_state_the_offline_runner_writes(
    emulator: Emulator, tmp_path: Path, aws_isolated: dict[str, str]
) -> None:
    fleet = Fleet(emulator, tmp_path, 2)
    fleet.declare_all("new.example")
    fleet.stack.up()
    raw = json.loads(Path(fleet.stack.state_file).read_text(encoding="utf-8"))
    dynamic = [r for r in raw["deployment"]["resources"] if r["type"].startswith("pulumi-python:dynamic")]
    assert len(dynamic) == 2
    for resource in dynamic:
        for section in ("inputs", "outputs"):
            value = resource[section]["__provider"]
            assert is_secret(value), f"{resource['urn']} {section}.__provider is stored in the clear: {value!r:.80}"
    assert EntityPrimaryEmailProvider.serialize_as_secret_always is True


ALLOWED = "AKIAALLOWEDRELIAB001"
REFUSED = "AKIAREFUSEDRELIAB002"


@pytest.fixture
def locked_emulator() -> Iterator[Emulator]:
    with running(access_keys=[ALLOWED]) as emu:
        yield emu


def test_emulator_with_access_keys_refuses_other_keys(locked_emulator: Emulator) -> None:
    allowed = locked_emulator.client(aws_access_key_id=ALLOWED)
    assert "OrganizationSummaries" in allowed.list_organizations()
    refused = locked_emulator.client(aws_access_key_id=REFUSED)
    with pytest.raises(refused.exceptions.ClientError) as caught:
        refused.list_organizations()
    assert caught.value.response["Error"]["Code"] == "UnrecognizedClientException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def _assert_credentials_problem(error: CommandError) -> None:
    message = getattr(error, "message", str(error))
    assert "credentials" in message.lower(), message
    assert "UnrecognizedClientException" in message, message
    assert "Traceback" not in str(error) and "\n" not in message.strip(), str(error)
    assert "exited with code" not in message, "the provider crashed instead of reporting"


def test_refused_credentials_are_reported_as_an_authentication_problem_on_every_operation(
    locked_emulator: Emulator, tmp_path: Path, aws_isolated: dict[str, str], figures: Figures
) -> None:
    good = stack_env(locked_emulator, AWS_ACCESS_KEY_ID=ALLOWED)
    bad = stack_env(locked_emulator, AWS_ACCESS_KEY_ID=REFUSED)
    fleet = Fleet(locked_emulator, tmp_path, 2, env=bad)
    fleet.declare_all("new.example")
    with pytest.raises(CommandError) as create:
        fleet.stack.up()
    _assert_credentials_problem(create.value)
    fleet.assert_state_matches_workmail()
    assert fleet.state() == {}

    allowed = OfflineStack(
        "reliability", project_name="reliability", program=fleet.program, state_dir=str(tmp_path), env=good
    )
    allowed.up()
    fleet.assert_converged()

    fleet.declare_all("next.example")
    with pytest.raises(CommandError) as update:
        fleet.stack.up()
    _assert_credentials_problem(update.value)
    with pytest.raises(CommandError) as refresh:
        fleet.stack.refresh()
    _assert_credentials_problem(refresh.value)
    with pytest.raises(CommandError) as destroy:
        fleet.stack.destroy()
    _assert_credentials_problem(destroy.value)
    fleet.assert_state_matches_workmail()

    allowed.destroy()
    fleet.assert_restored()
    figures.add("secrets.refused_credentials", operations_attempted=4, operations_failed_cleanly=4)


def test_no_credential_value_appears_in_entity_aliases_state_outputs_logs_or_errors(
    profile_files: dict[str, str],
    profile_only_emulator: Emulator,
    tmp_path: Path,
    figures: Figures,
) -> None:
    """The same search for ``EntityAliases``: a stack through create, update, refresh, a failing step
    (an alias another user holds) and destroy, then a step the credentials themselves fail."""
    emu = profile_only_emulator
    evidence = Evidence()
    pickled = serialize_provider(EntityAliasesProvider())
    evidence.add("serialize_provider", pickled)
    evidence.add("serialize_provider(decoded)", base64.b64decode(pickled).decode("latin-1"))

    env = stack_env(emu, **ENV_CREDENTIALS, **profile_files)
    fleet = AliasFleet(emu, tmp_path, 3, prefix="secret", env=env)
    fleet.stack.set_config("aws:profile", PROFILE)
    first, _second, third = fleet.names

    fleet.declare_all("{name}.a@new.example")
    evidence.result("preview", fleet.stack.preview())
    evidence.result("up.create", fleet.stack.up())
    fleet.assert_converged()  # the profile's key was used: the emulator refuses the environment's
    evidence.stack("after-create", fleet.stack)
    raw = json.loads(Path(fleet.stack.state_file).read_text(encoding="utf-8"))
    dynamic = [r for r in raw["deployment"]["resources"] if r["type"].startswith("pulumi-python:dynamic")]
    assert len(dynamic) == 3
    assert all(is_secret(r[part]["__provider"]) for r in dynamic for part in ("inputs", "outputs")), "in the clear"

    fleet.declare_all("{name}.a@new.example", "{name}.b@next.example")
    evidence.result("up.update", fleet.stack.up())
    evidence.result("refresh", fleet.stack.refresh())

    fleet.declare(third, [f"{third}.a@new.example", f"{first}.a@new.example"])  # first's: this step fails
    with pytest.raises(CommandError) as caught:
        fleet.stack.up()
    assert f"{first}.a@new.example is already used by user {first}" in str(caught.value), str(caught.value)
    evidence.failure("up.conflict", caught.value)
    evidence.stack("after-conflict", fleet.stack)

    refused = OfflineStack(
        "refused", project_name="reliability", program=fleet.program, state_dir=str(tmp_path), env=env
    )
    refused.set_config("aws:region", "us-east-1")
    with pytest.raises(CommandError) as refusal:
        refused.up()
    assert "credentials" in str(refusal.value)
    evidence.failure("up.refused", refusal.value)
    evidence.stack("refused", refused)

    fleet.declare(third, [f"{third}.a@new.example"])
    evidence.result("up.fixed", fleet.stack.up())
    evidence.result("destroy", fleet.stack.destroy())
    fleet.assert_restored()
    evidence.stack("after-destroy", fleet.stack)

    assert not evidence.leaks(), evidence.leaks()
    assert len(evidence.texts) >= 20
    figures.add(
        "secrets.aliases_no_leak",
        places_searched=len(evidence.texts),
        credential_values=len(SECRET_VALUES),
        leaks_found=len(evidence.leaks()),
    )


@pytest.mark.parametrize(
    "rule",
    [
        {"operation": "CreateAlias", "error": "AccessDeniedException", "every": 2, "count": 1},
        {"operation": "ListAliases", "error": "ExpiredTokenException"},
        {"operation": "DeleteAlias", "error": "UnrecognizedClientException"},
        {"operation": "CreateAlias", "drop": True},
        {"operation": "ListAliases", "status": 503},
    ],
    ids=["access_denied_mid_way", "expired_token", "unrecognized_client", "dropped", "http_503"],
)
def test_entity_aliases_messages_and_outputs_quote_no_credential_value(
    rule: dict[str, Any], emulator: Emulator, monkeypatch: pytest.MonkeyPatch, aws_isolated: dict[str, str]
) -> None:
    """The provider called directly, with distinctive credentials in its environment: neither the message
    of a failing step (one that undoes writes included) nor the outputs of a good one quote them."""
    world = AliasWorld(emulator, monkeypatch)
    for key, value in ENV_CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    texts: list[str] = []
    id_, outs = world.create(["x1@new.example"], exclusive=True, wait_timeout_seconds=0.5)
    texts.append(json.dumps(outs))
    world.fault(**rule)
    with pytest.raises(WorkMailProviderError) as caught:
        world.update(id_, outs, ["x2@new.example", "x3@new.example"], wait_timeout_seconds=0.5)
    world.admin.clear_faults()
    texts += [caught.value.message, str(caught.value), repr(caught.value)]
    texts.append(json.dumps(world.read(id_, outs)))
    leaks = [value for value in SECRET_VALUES for text in texts if value in text]
    assert not leaks, (leaks, texts)
