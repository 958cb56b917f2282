"""What a user reads after each verb, on both backends: the Outputs and Diagnostics sections, line for line.

The real CLI is the reference; the offline runner must print the same sections the same way: whole
values, numbers as the CLI prints them, lists and maps on several lines, changed outputs marked, and
each provider warning under the resource whose step raised it. The CLI lists Diagnostics' resources in
no fixed order, so they are compared as a map.
"""

from __future__ import annotations

from typing import Any

from .conftest import Scenario

PRIMARY = "pulumi-python:dynamic/workmail:EntityPrimaryEmail"
ALIASES = "pulumi-python:dynamic/workmail:EntityAliases"
NOTE = (
    "Managed by pulumi-workmail: change the primary address in the program, not in the console, "
    "or the next up puts it back."
)


def section(stdout: str, heading: str) -> list[str]:
    """The lines of a closing section (``Diagnostics:``, ``Outputs:``) without its heading and the blank
    lines after it; [] when the output has none."""
    lines = stdout.splitlines()
    if heading not in lines:
        return []
    start = lines.index(heading) + 1
    ends = ("Outputs:", "Resources:") if heading == "Diagnostics:" else ("Resources:",)
    end = next((i for i in range(start, len(lines)) if lines[i].startswith(ends)), len(lines))
    body = lines[start:end]
    while body and not body[-1].strip():
        body.pop()
    return body


def diagnostics(stdout: str) -> dict[str, list[str]]:
    """The Diagnostics section as {resource header: its message lines}."""
    groups: dict[str, list[str]] = {}
    header = ""
    for line in section(stdout, "Diagnostics:"):
        if line.startswith("    "):
            groups[header].append(line)
        elif line.strip():
            header = line
            groups[header] = []
    return groups


def user_id(sc: Scenario, name: str) -> str:
    return str(sc.describe(name)["UserId"])


def outputs_program(sc: Scenario, **exports: Any) -> None:
    sc.exports = {"email": lambda made: made["alice-primary"].email, **exports}


def test_stack_outputs_show_whole_values_integers_without_a_fraction_and_lists_and_maps_on_several_lines(
    scenario: Scenario,
) -> None:
    sc = scenario
    sc.declare("alice-primary", entity_id="alice", email="alice@new.example")
    outputs_program(
        sc, count=4, note=NOTE, aliases=["al@example.com", "alice@example.com"], owner={"name": "alice", "mailboxes": 1}
    )

    up = sc.stack.up()

    assert section(up.stdout, "Outputs:") == [
        "    aliases: [",
        '        [0]: "al@example.com"',
        '        [1]: "alice@example.com"',
        "    ]",
        "    count  : 4",
        '    email  : "alice@new.example"',
        f'    note   : "{NOTE}"',
        "    owner  : {",
        "        mailboxes: 1",
        '        name     : "alice"',
        "    }",
    ], up.stdout


def test_an_update_marks_changed_added_and_removed_outputs_and_its_preview_shows_only_those(
    scenario: Scenario,
) -> None:
    sc = scenario
    sc.declare("alice-primary", entity_id="alice", email="alice@new.example")
    outputs_program(
        sc, count=4, note=NOTE, aliases=["al@example.com"], owner={"name": "alice", "mailboxes": 1}, team="mail"
    )
    sc.stack.up()
    sc.declare("alice-primary", entity_id="alice", email="alice.liddell@new.example")
    outputs_program(
        sc,
        count=5,
        aliases=["al@example.com", "alice@old.example"],
        owner={"name": "Alice Liddell", "mailboxes": 1},
        team="mail",
        ratio=0.5,
    )
    changed = [
        "  ~ aliases: [",
        '        [0]: "al@example.com"',
        '      + [1]: "alice@old.example"',
        "    ]",
        "  ~ count  : 4 => 5",
        '  ~ email  : "alice@new.example" => "alice.liddell@new.example"',
        f'  - note   : "{NOTE}"',
        "  ~ owner  : {",
        "        mailboxes: 1",
        '      ~ name     : "alice" => "Alice Liddell"',
        "    }",
        "  + ratio  : 0.5",
    ]

    preview = sc.stack.preview()
    up = sc.stack.up()

    assert section(preview.stdout, "Outputs:") == changed, preview.stdout
    assert section(up.stdout, "Outputs:") == [*changed, '    team   : "mail"'], up.stdout


def test_a_provider_warning_is_shown_under_the_resource_whose_step_raised_it_among_concurrent_steps(
    scenario: Scenario,
) -> None:
    """Four updates run at once (the provider server's four workers); three of them find a hand-made
    change and warn: each warning must be under its own resource, none under the Stack or another."""
    sc = scenario
    users = ["alice", "bob", *sc.add_users(2)]
    for user in users:
        sc.declare(f"{user}-primary", entity_id=user, email=f"{user}@new.example")
    sc.exports = {}
    sc.stack.up()
    for user in users[:3]:
        sc.wm.update_primary_email_address(
            OrganizationId=sc.org, EntityId=user_id(sc, user), Email=f"{user}.byhand@example.com"
        )
    for user in users:
        sc.declare(f"{user}-primary", entity_id=user, email=f"{user}.2@new.example")

    up = sc.stack.up()

    assert diagnostics(up.stdout) == {
        f"  {PRIMARY} ({user}-primary):": [
            f"    warning: user {user} ({user_id(sc, user)}): the primary address was changed outside Pulumi to "
            f"{user}.byhand@example.com (the stack recorded {user}@new.example); replacing it with "
            f"{user}.2@new.example as declared."
        ]
        for user in users[:3]
    }, up.stdout
    assert "Provider output:" not in up.stdout


def test_a_refresh_lists_the_recorded_outputs_and_returns_its_summary(scenario: Scenario) -> None:
    sc = scenario
    sc.declare("alice-primary", entity_id="alice", email="alice@new.example")
    outputs_program(sc, count=4)
    sc.stack.up()
    sc.wm.update_primary_email_address(
        OrganizationId=sc.org, EntityId=sc.entity_id("users", "alice"), Email="al@example.com"
    )

    refresh = sc.stack.refresh()

    assert (refresh.summary.kind, refresh.summary.result) == ("refresh", "succeeded")
    assert {k: v for k, v in refresh.summary.resource_changes.items() if v} == {"same": 1, "update": 1}
    assert section(refresh.stdout, "Outputs:") == ["    count: 4", '    email: "alice@new.example"'], refresh.stdout


def test_a_refresh_that_finds_an_alias_removed_by_hand_lists_the_note_of_its_diff_under_the_resource(
    scenario: Scenario,
) -> None:
    """The engine asks the provider's Diff what an up would now change, to judge the drift it read; the
    note that Diff makes is the reader's only word of what the next up adds back."""
    sc = scenario
    sc.declare_aliases("alice-aliases", entity_id="alice", aliases=["al@example.com", "al@new.example"])
    sc.declare("bob-primary", entity_id="bob", email="bob@new.example")
    sc.exports = {}
    sc.stack.up()
    sc.delete_aliases("alice", "al@new.example")

    refresh = sc.stack.refresh()

    assert diagnostics(refresh.stdout) == {
        f"  {ALIASES} (alice-aliases):": [
            f"    user alice ({user_id(sc, 'alice')}): drift: the entity lacks al@new.example; the next `pulumi up` "
            "corrects it."
        ]
    }, refresh.stdout
    assert {k: v for k, v in refresh.summary.resource_changes.items() if v} == {"same": 2, "update": 1}


def test_up_with_refresh_lists_the_refreshs_note_and_the_updates_in_one_diagnostics_section(
    scenario: Scenario,
) -> None:
    """``up --refresh`` is one operation on the CLI: what its refresh's Diff noted is listed with what the
    update's noted, in that order, under the same resource."""
    sc = scenario
    sc.declare_aliases("alice-aliases", entity_id="alice", aliases=["al@example.com", "al@new.example"])
    sc.exports = {}
    sc.stack.up()
    sc.delete_aliases("alice", "al@example.com", "al@new.example")
    sc.declare_aliases("alice-aliases", entity_id="alice", aliases=["al@new.example"])
    alice = f"user alice ({user_id(sc, 'alice')})"

    up = sc.stack.up(refresh=True)

    assert up.stdout.count("Diagnostics:") == 1, up.stdout
    assert diagnostics(up.stdout) == {
        f"  {ALIASES} (alice-aliases):": [
            f"    {alice}: drift: the entity lacks al@example.com, al@new.example; the next `pulumi up` corrects it.",
            f"    {alice}: adds al@new.example.",
        ]
    }, up.stdout
