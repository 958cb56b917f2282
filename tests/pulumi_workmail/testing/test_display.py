"""The runner's text, pinned line by line: step lines, summaries, the closing sections and the engine's own
messages. The Outputs and Diagnostics expectations are what the real CLI (v3.274) printed for the same
values."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_workmail.testing import UNKNOWN, CheckFailure, Step, wrap_secret
from pulumi_workmail.testing._display import (
    RUNNER_HEADER,
    check_failure_message,
    diagnostics_lines,
    error_lines,
    exception_message,
    go_value,
    header_lines,
    outputs_lines,
    passing_note_lines,
    protected_message,
    render_step,
    summary_line,
)
from pulumi_workmail.testing._engine import LogMessage
from pulumi_workmail.testing._render import go_number, go_quote

TYPE = "pulumi-python:dynamic/workmail:EntityPrimaryEmail"
URN = f"urn:pulumi:dev::proj::{TYPE}::alice"
STACK_URN = "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev"


def step(op: Any, result_op: Any = None, **fields: Any) -> Step:
    return Step(urn=URN, name="alice", type=TYPE, op=op, result_op=result_op or op, **fields)


def snapshot(section: str, **values: Any) -> dict[str, Any]:
    return {"id": "id-1", "custom": True, section: values}


# -- steps -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "symbol"),
    [("create", "+"), ("update", "~"), ("replace", "+-"), ("delete", "-"), ("same", " ")],
)
def test_a_step_line_shows_the_cli_symbol_type_name_and_op(op: str, symbol: str) -> None:
    assert render_step(step(op)) == [f"  {symbol} {TYPE} alice {op}"]


def test_an_update_lists_each_changed_input_old_to_new() -> None:
    changed = step(
        "update",
        diffs=("display", "email"),
        old=snapshot("inputs", email="a@example.com", display="A"),
        new=snapshot("inputs", email="b@example.com", display="B"),
    )

    assert render_step(changed) == [
        f"  ~ {TYPE} alice update [diff: ~display,~email]",
        '      ~ display: "A" => "B"',
        '      ~ email: "a@example.com" => "b@example.com"',
    ]


def test_a_replacement_marks_the_inputs_that_force_it() -> None:
    replaced = step(
        "replace",
        diffs=("email", "note"),
        replaces=("email",),
        old=snapshot("inputs", email="a@example.com", note="x"),
        new=snapshot("inputs", email="b@example.com", note="y"),
    )

    lines = render_step(replaced)

    assert lines[1:] == ['      +- email: "a@example.com" => "b@example.com"', '      ~ note: "x" => "y"']


def test_a_key_that_appears_or_disappears_shows_none_on_its_missing_side() -> None:
    changed = step("update", diffs=("added", "gone"), old=snapshot("inputs", gone=1), new=snapshot("inputs", added=2))

    assert render_step(changed)[1:] == ["      ~ added: (none) => 2", "      ~ gone: 1 => (none)"]


def test_secrets_and_unknowns_are_masked_and_values_shown_whole_with_numbers_as_the_cli_prints_them() -> None:
    long_value = "x" * 100
    changed = step(
        "update",
        diffs=("count", "long", "password", "pending", "tags"),
        old=snapshot("inputs", password=wrap_secret("old"), pending="a", long="short", count=4.0, tags=["a"]),
        new=snapshot("inputs", password=wrap_secret("new"), pending=UNKNOWN, long=long_value, count=5.0, tags=[1.0]),
    )

    _, count_line, long_line, password_line, pending_line, tags_line = render_step(changed)

    assert count_line == "      ~ count: 4 => 5"
    assert long_line == f'      ~ long: "short" => "{long_value}"'
    assert password_line == "      ~ password: [secret] => [secret]"
    assert pending_line == '      ~ pending: "a" => [unknown]'
    assert tags_line == '      ~ tags: ["a"] => [1]'


def test_a_refresh_shows_drift_in_outputs_and_a_vanished_resource_as_deleted() -> None:
    drifted = step(
        "refresh",
        "update",
        diffs=("email",),
        old={"inputs": {"email": "in"}, "outputs": {"email": "a@example.com"}},
        new={"inputs": {"email": "in"}, "outputs": {"email": "b@example.com"}},
    )
    vanished = step("refresh", "delete")

    assert render_step(drifted) == [
        f"  ~ {TYPE} alice refresh [diff: ~email]",
        '      ~ email: "a@example.com" => "b@example.com"',
    ]
    assert render_step(vanished) == [f"  - {TYPE} alice refresh [deleted]"]


def test_a_read_is_a_passing_note_on_the_stacks_line_and_a_discard_is_not_shown() -> None:
    """The CLI gives a resource the program reads (``get``) no row: only ``read <type> <name>`` on the
    Stack's, and nothing at all when it is discarded."""
    assert render_step(step("read"), STACK_URN) == [f"    pulumi:pulumi:Stack proj-dev  read {TYPE} alice"]
    assert render_step(step("discard"), STACK_URN) == []
    assert render_step(step("discard-replaced", "discard"), STACK_URN) == []


def test_the_summary_leaves_out_reads_and_discards_as_the_cli_does() -> None:
    assert summary_line({"same": 1, "read": 2, "discard": 1}, planned=False) == "Resources: 1 unchanged"


# -- summaries and framing lines ---------------------------------------------------------------------


def test_the_summary_counts_in_the_cli_order_with_done_words() -> None:
    changes = {"same": 3, "delete": 1, "create": 2, "replace": 1}

    assert summary_line(changes, planned=False) == "Resources: 2 created, 1 replaced, 1 deleted, 3 unchanged"


def test_a_preview_summary_says_what_is_planned() -> None:
    assert summary_line({"create": 1, "update": 2}, planned=True) == "Resources: 1 to create, 2 to update"


def test_a_summary_without_changes_says_zero_unchanged() -> None:
    assert summary_line({}, planned=False) == "Resources: 0 unchanged"


@pytest.mark.parametrize(
    ("kind", "heading"),
    [
        ("preview", "Previewing update (dev):"),
        ("update", "Updating (dev):"),
        ("refresh", "Refreshing (dev):"),
        ("destroy", "Destroying (dev):"),
    ],
)
def test_the_header_says_it_is_not_the_engine_then_names_the_operation(kind: str, heading: str) -> None:
    assert header_lines(kind, "dev", "proj") == [f"{RUNNER_HEADER}: {kind} of stack 'dev', project 'proj'", heading]
    assert "not the Pulumi engine" in RUNNER_HEADER


def test_outputs_are_sorted_aligned_and_masked() -> None:
    lines = outputs_lines(None, {"token": wrap_secret("t0k3n"), "email": "alice@example.com"}, planned=False)

    assert lines == ["Outputs:", '    email: "alice@example.com"', "    token: [secret]", ""]


def test_an_ephemeral_note_is_one_line_on_its_resource_as_on_the_cli_row() -> None:
    assert passing_note_lines(URN, "waiting for WorkMail\n") == [f"    {TYPE} alice  waiting for WorkMail"]


def test_an_error_names_the_resource_on_every_line() -> None:
    assert error_lines("boom\nat line 2", URN) == [f"  error: {TYPE} alice: boom", f"  error: {TYPE} alice: at line 2"]
    assert error_lines("program failed", None) == ["  error: program failed"]


# -- the engine's messages ---------------------------------------------------------------------------


def test_a_check_failure_quotes_the_value_as_the_engine_prints_it() -> None:
    failure = CheckFailure("email", "must be an address")

    message = check_failure_message(TYPE, "alice", failure, {"email": "nope"})

    assert message == f"{TYPE} resource 'alice': property email value {{nope}} has a problem: must be an address"


def test_a_check_failure_without_a_property_names_only_the_resource() -> None:
    message = check_failure_message(TYPE, "alice", CheckFailure("", "bad inputs"), {})

    assert message == f"{TYPE} resource 'alice' has a problem: bad inputs"


@pytest.mark.parametrize(
    ("value", "printed"),
    [
        ("alice", "{alice}"),
        (3.0, "{3}"),
        (2.5, "{2.5}"),
        (True, "{true}"),
        (None, "{<nil>}"),
        (UNKNOWN, "output<string>{}"),
        (wrap_secret("s"), "{[secret]}"),
        (["a", 1.0], "{[{a} {1}]}"),
        ({"b": "x", "a": False}, "{map[a:{false} b:{x}]}"),
    ],
)
def test_values_print_as_go_prints_a_property_value(value: Any, printed: str) -> None:
    assert go_value(value) == printed


def test_a_check_failure_for_a_missing_property_prints_nil() -> None:
    message = check_failure_message(TYPE, "alice", CheckFailure("email", "is required"), {})

    assert "property email value {<nil>} has a problem" in message


@pytest.mark.parametrize("action", ["delete", "replace"])
def test_a_protected_resource_is_refused_in_the_engines_words(action: str) -> None:
    assert protected_message(action, URN) == (
        f'unable to {action} resource "{URN}"\nas it is currently marked for protection. To unprotect the '
        "resource, remove the `protect` flag from the resource in your Pulumi program and run `pulumi up`"
    )


def test_an_exception_without_a_message_is_named_by_its_type() -> None:
    assert exception_message(KeyError()) == "KeyError"
    assert exception_message(ValueError("  bad value \n")) == "bad value"


# -- the Outputs and Diagnostics sections, as the CLI printed them ------------------------------------

OLD_OUTPUTS: dict[str, Any] = {
    "added": ["x1@example.com"],
    "big": 12345678901234567890.0,
    "flag": True,
    "frac": [1234567.5, 0.0001, 0.00001, 1e-7, -3.25],
    "js": '{"a": 1, "b": [1, 2]}',
    "lst": [[1.0, 2.0], {"x": "y", "long_key": 1.0}],
    "multi": "line1\nline2\nline3",
    "none": None,
    "quote": 'say "hi"\ttab é ☃',
}
NEW_OUTPUTS: dict[str, Any] = {
    **OLD_OUTPUTS,
    "added": ["x1@example.com", "x2@example.com"],
    "flag": False,
    "frac": [1.5],
    "js": '{"a": 2, "b": [1, 2]}',
    "lst": [[1.0], {"x": "z", "long_key": 1.0}],
    "multi": "line1\nline2 changed\nline3\nline4",
}

# `pulumi up` of a new stack exporting OLD_OUTPUTS (a JSON string is shown decoded, then a blank line).
CLI_NEW_STACK = """\
Outputs:
    added: [
        [0]: "x1@example.com"
    ]
    big  : 12345678901234567168
    flag : true
    frac : [
        [0]: 1.2345675e+06
        [1]: 0.0001
        [2]: 1e-05
        [3]: 1e-07
        [4]: -3.25
    ]
    js   : (json) {
        a: 1
        b: [
            [0]: 1
            [1]: 2
        ]
    }

    lst  : [
        [0]: [
            [0]: 1
            [1]: 2
        ]
        [1]: {
            long_key: 1
            x       : "y"
        }
    ]
    multi: "line1\\nline2\\nline3"
    quote: "say \\"hi\\"\\ttab é ☃"
"""

# `pulumi up` from OLD_OUTPUTS to NEW_OUTPUTS.
CLI_CHANGES = """\
Outputs:
  ~ added: [
        [0]: "x1@example.com"
      + [1]: "x2@example.com"
    ]
    big  : 12345678901234567168
  ~ flag : true => false
  ~ frac : [
      ~ [0]: 1.2345675e+06 => 1.5
      - [1]: 0.0001
      - [2]: 1e-05
      - [3]: 1e-07
      - [4]: -3.25
    ]
  ~ js   : (json) {
      ~ a: 1 => 2
        b: [
            [0]: 1
            [1]: 2
        ]
    }
  ~ lst  : [
      ~ [0]: [
                [0]: 1
              - [1]: 2
            ]
      ~ [1]: {
                long_key: 1
              ~ x       : "y" => "z"
            }
    ]
  ~ multi:
        line1
      - line2
      - line3
      + line2 changed
      + line3
      + line4
    quote: "say \\"hi\\"\\ttab é ☃"
"""

# Its `pulumi preview`, where `added` was unknown.
CLI_PREVIEW = """\
Outputs:
  ~ flag : true => false
  ~ frac : [
      ~ [0]: 1.2345675e+06 => 1.5
      - [1]: 0.0001
      - [2]: 1e-05
      - [3]: 1e-07
      - [4]: -3.25
    ]
  ~ js   : (json) {
      ~ a: 1 => 2
        b: [
            [0]: 1
            [1]: 2
        ]
    }
  ~ lst  : [
      ~ [0]: [
                [0]: 1
              - [1]: 2
            ]
      ~ [1]: {
                long_key: 1
              ~ x       : "y" => "z"
            }
    ]
  ~ multi:
        line1
      - line2
      - line3
      + line2 changed
      + line3
      + line4
"""


def test_a_new_stacks_outputs_are_listed_as_the_cli_lists_them() -> None:
    assert outputs_lines(None, OLD_OUTPUTS, planned=False) == CLI_NEW_STACK.split("\n")


def test_an_update_marks_each_change_within_lists_maps_json_and_lines_and_keeps_the_unchanged() -> None:
    assert outputs_lines(OLD_OUTPUTS, NEW_OUTPUTS, planned=False) == CLI_CHANGES.split("\n")


def test_a_preview_shows_only_the_changed_outputs_and_not_those_that_become_unknown() -> None:
    """``added`` is an output of the resource being updated, so unknown in the preview."""
    assert outputs_lines(OLD_OUTPUTS, {**NEW_OUTPUTS, "added": UNKNOWN}, planned=True) == CLI_PREVIEW.split("\n")


def test_a_preview_of_a_new_stack_shows_unknown_outputs_as_unknown() -> None:
    assert outputs_lines(None, {"added": UNKNOWN, "count": 4.0}, planned=True) == [
        "Outputs:",
        "    added: [unknown]",
        "    count: 4",
        "",
    ]


def test_outputs_unchanged_show_in_an_update_and_not_in_a_preview() -> None:
    assert outputs_lines({"count": 4.0}, {"count": 4.0}, planned=False) == ["Outputs:", "    count: 4", ""]
    assert outputs_lines({"count": 4.0}, {"count": 4.0}, planned=True) == []


def test_outputs_a_failed_update_did_not_register_show_as_removed() -> None:
    old = {"count": 4.0, "email": "alice@new.example", "token": wrap_secret("s3cret")}

    assert outputs_lines(old, {}, planned=False) == [
        "Outputs:",
        "  - count: 4",
        '  - email: "alice@new.example"',
        "  - token: [secret]",
        "",
    ]


@pytest.mark.parametrize(
    ("number", "printed"),
    [(4.0, "4"), (-0.0, "-0"), (2.5, "2.5"), (1e21, "1000000000000000000000"), (123456.25, "123456.25")],
)
def test_numbers_print_as_the_cli_prints_them(number: float, printed: str) -> None:
    assert go_number(number) == printed


def test_strings_are_quoted_as_go_quotes_them() -> None:
    assert go_quote('a "b"\\\n\x1b\u200b') == '"a \\"b\\"\\\\\\n\\x1b\\u200b"'


def test_diagnostics_group_messages_under_their_resource_with_the_stack_last() -> None:
    bob = URN.replace("::alice", "::bob")
    messages = [
        LogMessage("warning", "slow\nretrying", URN),
        LogMessage("info", "program note", ""),
        LogMessage("error", "failed", bob),
        LogMessage("info", "adds x@example.com.", URN),
    ]

    lines = diagnostics_lines(messages, STACK_URN, provider_stdout="printed by the provider\n\n")

    assert lines == [
        "Diagnostics:",
        f"  {TYPE} (alice):",
        "    warning: slow",
        "    retrying",
        "    adds x@example.com.",
        "",
        f"  {TYPE} (bob):",
        "    error: failed",
        "",
        "  pulumi:pulumi:Stack (proj-dev):",
        "    program note",
        "    printed by the provider",
        "",
    ]


def test_there_is_no_diagnostics_section_without_a_message() -> None:
    assert diagnostics_lines([LogMessage("info", "  ", URN)], STACK_URN, provider_stdout=" \n") == []
