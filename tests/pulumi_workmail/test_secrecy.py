"""Secret addresses: ``censor`` and the engine calls it guards, the diff of which inputs are secret, and the
program side's ``additional_secret_outputs``."""

from __future__ import annotations

import asyncio
from typing import Any

import pulumi
import pytest
from pulumi.dynamic import CheckFailure, CheckResult

from pulumi_workmail.diagnostics import note, warn
from pulumi_workmail.diff import diff_alias_props, diff_props
from pulumi_workmail.errors import WorkMailProviderError, problem
from pulumi_workmail.secrecy import SECRET_INPUTS, censor, censoring, register_secrets, secret_values
from pulumi_workmail.terms import Code

SECRET = {SECRET_INPUTS: ["email"], "email": "topsecret@new.example", "entity_id": "bob"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "user bob (6206e9b2): adds bsecret2@new.example.",
            "user bob (6206e9b2): adds [secret].",
        ),
        (
            "the primary address was changed outside Pulumi to Hand@New.Example (the stack recorded "
            "a@b.example); replacing it with topsecret@new.example as declared.",
            "the primary address was changed outside Pulumi to [secret] (the stack recorded [secret]); "
            "replacing it with [secret] as declared.",
        ),
        ("removes a@x.example, b.c+d@x.example; keeps 'e@x.example'", "removes [secret], [secret]; keeps '[secret]'"),
        ("user bob (6206e9b2) has 3 aliases, 100 at most", "user bob (6206e9b2) has 3 aliases, 100 at most"),
    ],
)
def test_censor_writes_secret_for_every_address_and_keeps_the_rest(text: str, expected: str) -> None:
    assert censor(text, ()) == expected


def test_censor_writes_secret_for_the_secret_values_also_when_they_are_not_addresses() -> None:
    assert censor("entity_id 'Bob.Secret' names no entity; bob.secretary does", ["bob.secret"]) == (
        "entity_id '[secret]' names no entity; bob.secretary does"
    )


def test_censor_changes_nothing_outside_an_engine_call_with_secrets() -> None:
    assert censor("adds a@x.example.") == "adds a@x.example."


def test_secret_values_are_the_values_of_the_inputs_named_secret() -> None:
    assert secret_values(SECRET) == frozenset({"topsecret@new.example"})
    both = secret_values({SECRET_INPUTS: ["aliases"], "aliases": ["a@x.example", "b@x.example"]})
    assert both == frozenset({"a@x.example", "b@x.example"})
    assert secret_values({"email": "a@x.example"}) is None
    assert secret_values({SECRET_INPUTS: [], "email": "a@x.example"}) is None


class _Provider:
    @censoring
    def create(self, props: dict[str, Any]) -> str:
        note(f"set {props['email']}")
        warn(f"kept {props['email']}")
        return str(problem(Code.EMAIL_IN_USE, email=props["email"], holder="group sales (1)", org="m-1", advice="x"))

    @censoring
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult(news, [CheckFailure("email", f"email {news['email']!r} is not on a registered domain")])

    @censoring
    def fail(self, _id: str, props: dict[str, Any]) -> None:
        raise WorkMailProviderError(f"could not restore {props['email']}")


def test_an_engine_call_of_a_resource_with_secret_inputs_censors_notes_warnings_errors_and_check_failures(
    capsys: pytest.CaptureFixture[str],
) -> None:
    provider = _Provider()
    assert provider.create(SECRET) == ("[secret] is already used by group sales (1) in organization m-1; x.")
    assert capsys.readouterr().out == "info: set [secret]\nwarning: kept [secret]\n"
    failures = provider.check({}, {**SECRET, "email": "topsecret@nowhere.example"}).failures
    assert [f.reason for f in failures] == ["email '[secret]' is not on a registered domain"]
    with pytest.raises(WorkMailProviderError, match=r"^could not restore \[secret\]$"):
        provider.fail("id", SECRET)
    # Afterwards, and for a resource with no secret input, nothing is censored.
    assert censor("a@x.example") == "a@x.example"
    provider.create({"email": "plain@new.example"})
    assert capsys.readouterr().out == "info: set plain@new.example\nwarning: kept plain@new.example\n"


def test_a_change_of_which_inputs_are_secret_is_an_update_and_none_the_same_as_absent() -> None:
    olds = {"organization_id": "m-1", "entity_id": "bob", "email": "a@x.example", "resolved_entity_id": "1"}
    news = {"organization_id": "m-1", "entity_id": "bob", "email": "a@x.example"}
    assert not diff_props(olds, {**news, SECRET_INPUTS: []}).changes
    made_secret = diff_props(olds, {**news, SECRET_INPUTS: ["email"]})
    assert (made_secret.changes, made_secret.replaces, made_secret.changed) == (True, (), (SECRET_INPUTS,))
    assert not diff_props({**olds, SECRET_INPUTS: ["email"]}, {**news, SECRET_INPUTS: ["email"]}).changes
    assert diff_alias_props(
        {"aliases": ["a@x.example"]}, {"aliases": ["a@x.example"], SECRET_INPUTS: ["aliases"]}
    ).changes


def _registered(
    secret: str | None = None, opts: pulumi.ResourceOptions | None = None
) -> tuple[list[str] | None, list[str] | None]:
    """What the hidden input says with the input ``secret`` given as a secret, and the options'
    additional_secret_outputs once the SDK has awaited it (Outputs need the program's event loop)."""

    async def run() -> tuple[list[str] | None, list[str] | None]:
        props: dict[str, Any] = {"organization_id": "m-1", "entity_id": "bob", "email": "a@x.example"}
        if secret is not None:
            props[secret] = pulumi.Output.secret(props[secret])
        hidden, merged = register_secrets(props, opts, ("entity_id", "email"), ("original_email",))
        names = await hidden[SECRET_INPUTS]
        return names, merged.additional_secret_outputs

    return asyncio.run(run())


def test_register_secrets_marks_the_derived_outputs_only_when_an_address_is_secret() -> None:
    user = pulumi.ResourceOptions(additional_secret_outputs=["entity_name"])
    assert _registered() == (None, [])
    assert _registered(None, user) == (None, ["entity_name"])
    assert _registered("email", user) == (["email"], ["entity_name", "original_email"])
    assert _registered("entity_id") == (["entity_id"], ["original_email"])
    assert user.additional_secret_outputs == ["entity_name"], "the user's options are left as they were"
