"""The commands a user types, run as they type them, on the real Pulumi CLI against the emulator.

What these check is what the CLI shows a user: the preview diff, warnings and errors in `pulumi up`
output, exit codes, and what `pulumi stack export` holds.
"""

from __future__ import annotations

import json
import re

from .conftest import KEY_ID, ORG, SECRET, Project

# The CLI's marker for a secret in `pulumi stack export`.
SECRET_SIG = "4dabf18193072939515e22adb298388d"


def test_quick_start_preview_up_change_drift_refresh_up_destroy(quick_start: Project) -> None:
    qs = quick_start
    qs.config(organizationId=ORG, entityId="alice", email="alice@new.example")

    qs.reset_stats()
    preview = qs.pulumi("preview", "--diff").stdout
    assert "+ pulumi-python:dynamic/workmail:EntityPrimaryEmail: (create)" in preview, preview
    assert re.search(r'email\s+: "alice@new.example"', preview), preview
    assert "+ 2 to create" in preview
    assert qs.calls() == {}, "preview makes no WorkMail request"

    up = qs.pulumi("up", "--yes").stdout
    assert "+ 2 created" in up, up
    assert re.search(r'originalEmail\s*: "alice@example.com"', up), up
    assert qs.primary("alice") == "alice@new.example"

    qs.reset_stats()
    again = qs.pulumi("up", "--yes").stdout
    assert "2 unchanged" in again and "created" not in again and "updated" not in again, again
    assert qs.calls() == {}, "a no-op up makes no WorkMail request"

    qs.config(email="alice.liddell@new.example")
    diff = qs.pulumi("preview", "--diff").stdout
    assert re.search(r'~ email\s*: "alice@new.example" => "alice.liddell@new.example"', diff), diff
    assert "~ 1 to update" in diff
    qs.pulumi("up", "--yes")
    assert qs.primary("alice") == "alice.liddell@new.example"

    qs.set_by_hand("alice", "al@example.com")
    refresh = qs.pulumi("refresh", "--yes", "--diff").stdout
    assert re.search(r'~ email\s*: "alice.liddell@new.example" => "al@example.com"', refresh), refresh
    assert "~ 1 updated" in refresh, refresh
    # refresh took the provider's ReadResult.inputs, so the next preview diffs the declared address
    # against what WorkMail holds, and up puts it back.
    back = qs.pulumi("preview", "--diff").stdout
    assert re.search(r'~ email\s*: "al@example.com" => "alice.liddell@new.example"', back), back
    qs.pulumi("up", "--yes")
    assert qs.primary("alice") == "alice.liddell@new.example"

    destroy = qs.pulumi("destroy", "--yes").stdout
    assert "- 2 deleted" in destroy, destroy
    assert qs.primary("alice") == "alice@example.com", "on_delete restore puts the original back"


def test_pointing_at_another_entity_previews_a_replacement(quick_start: Project) -> None:
    qs = quick_start
    qs.config(organizationId=ORG, entityId="alice", email="alice@new.example")
    qs.pulumi("up", "--yes")
    qs.config(entityId="bob", email="bob@new.example")
    preview = qs.pulumi("preview", "--diff").stdout
    assert "+-pulumi-python:dynamic/workmail:EntityPrimaryEmail: (replace)" in preview, preview
    assert re.search(r'~ entity_id\s*: "alice" => "bob"', preview), preview
    assert "+-1 to replace" in preview, preview
    assert qs.primary("alice") == "alice@new.example", "preview changed nothing"


def test_stack_export_holds_no_credential_and_a_secret_provider(quick_start: Project) -> None:
    qs = quick_start
    qs.config(organizationId=ORG, entityId="alice", email="alice@new.example")
    qs.pulumi("up", "--yes")
    text = qs.pulumi("stack", "export").stdout
    assert KEY_ID not in text and SECRET not in text
    (resource,) = qs.resources()
    for half in ("inputs", "outputs"):
        provider = resource[half]["__provider"]
        assert isinstance(provider, dict) and provider.get(SECRET_SIG) == "1b47061264138c4ac30d75fd1eb44270", half
        assert "ciphertext" in provider, "stored encrypted with the stack's secrets provider"
    assert resource["outputs"]["original_email"] == "alice@example.com"
    assert json.loads(json.dumps(resource["outputs"]))["entity_type"] == "USER"


def test_expected_error_reads_as_one_line_fails_up_and_leaves_state_unchanged(quick_start: Project) -> None:
    qs = quick_start
    qs.config(organizationId=ORG, entityId="alice", email="bob@example.com")
    done = qs.pulumi("up", "--yes", ok=False)
    text = done.stdout + done.stderr
    assert "bob@example.com is already used by user bob" in text, text
    assert "Traceback" not in text, text
    block = text.split("EntityPrimaryEmail (primary):\n", 1)[1].split("\n\n", 1)[0]
    assert block.strip().startswith("error: bob@example.com is already used by user bob"), block
    assert len(block.strip().splitlines()) == 1, f"the resource's diagnostic is one line: {block!r}"
    assert qs.resources() == [], "the failed create left nothing in state"
    assert qs.primary("alice") == "alice@example.com"


def test_invalid_input_fails_preview_naming_the_property(quick_start: Project) -> None:
    qs = quick_start
    qs.config(organizationId=ORG, entityId="alice", email="not-an-address")
    qs.reset_stats()
    done = qs.pulumi("preview", ok=False)
    text = done.stdout + done.stderr
    assert "property email" in text and "has a problem" in text, text
    assert "Traceback" not in text
    assert qs.calls() == {}


def test_the_cli_looks_for_no_workmail_plugin(quick_start: Project) -> None:
    """pulumi-plugin.json says the package has no resource plugin, so the CLI never tries to download one."""
    about = quick_start.pulumi("about").stdout
    plugins = about.split("Plugins", 1)[1].split("\n\n", 1)[0]
    assert "language  python" in plugins, about
    assert "workmail" not in plugins, plugins
