"""The runner's text: step lines, summaries and messages worded as the Pulumi CLI and engine word them.

A test or a reader compares this output with the CLI's, and assertions match the engine's own error
texts (check failures, protected resources), so every line the runner prints is made here, by pure
functions that a unit test can pin down without running a program.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from ._engine import LogMessage
from ._render import inline_value, outputs_section
from ._results import ResultOp, Step
from ._server import CheckFailure
from ._wire import UNKNOWN, is_secret, urn_type_name

RUNNER_HEADER: Final = "pulumi_workmail.testing offline runner (not the Pulumi engine)"
_HEADINGS: Final = {
    "preview": "Previewing update",
    "update": "Updating",
    "refresh": "Refreshing",
    "destroy": "Destroying",
}
_DONE_WORDS: Final = {"create": "created", "update": "updated", "replace": "replaced", "delete": "deleted"}
_PLAN_WORDS: Final = {"create": "to create", "update": "to update", "replace": "to replace", "delete": "to delete"}
_SYMBOLS: Final[dict[ResultOp, str]] = {"create": "+", "update": "~", "replace": "+-", "delete": "-", "same": " "}
_MISSING: Final = object()


# --------------------------------------------------------------------------------------------------
# Values


def go_value(value: Any) -> str:
    """A property value as the engine prints a ``resource.PropertyValue`` with ``%v`` (``{alice}``)."""
    if isinstance(value, str) and value == UNKNOWN:
        return "output<string>{}"
    return f"{{{_go_inner(value)}}}"


def _go_inner(value: Any) -> str:
    if value is None or value is _MISSING:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)
    if isinstance(value, (int, str)):
        return str(value)
    if is_secret(value):
        return "[secret]"
    if isinstance(value, Mapping):
        return "map[" + " ".join(f"{key}:{go_value(value[key])}" for key in sorted(value)) + "]"
    if isinstance(value, (list, tuple)):
        return "[" + " ".join(go_value(item) for item in value) + "]"
    return str(value)


def display_value(value: Any) -> str:
    """A value in a step's diff line, whole, on one line: numbers, strings, secrets (``[secret]``) and
    unknowns (``[unknown]``) as the CLI prints them, lists and maps as ``["a", 2]`` and ``{"k": "v"}``."""
    return inline_value(value)


# --------------------------------------------------------------------------------------------------
# Messages


def check_failure_message(type_: str, name: str, failure: CheckFailure, news: Mapping[str, Any]) -> str:
    """The engine's text for a ``CheckFailure`` (``GetResourcePropertyInvalidValueError``)."""
    if not failure.property:
        return f"{type_} resource '{name}' has a problem: {failure.reason}"
    value = go_value(news.get(failure.property, _MISSING))
    return f"{type_} resource '{name}': property {failure.property} value {value} has a problem: {failure.reason}"


def protected_message(action: str, urn: str) -> str:
    """The engine's refusal to ``action`` ("delete", "replace") a protected resource."""
    return (
        f'unable to {action} resource "{urn}"\nas it is currently marked for protection. To unprotect the resource, '
        "remove the `protect` flag from the resource in your Pulumi program and run `pulumi up`"
    )


def exception_message(exc: BaseException) -> str:
    """An exception's message, or its type's name when it has none (so an error line is never blank)."""
    text = str(exc).strip()
    return text or type(exc).__name__


# --------------------------------------------------------------------------------------------------
# Output lines


def header_lines(kind: str, stack: str, project: str) -> list[str]:
    """The first lines of an operation: which tool this is (never mistaken for the CLI), then the heading."""
    return [f"{RUNNER_HEADER}: {kind} of stack {stack!r}, project {project!r}", f"{_HEADINGS[kind]} ({stack}):"]


def render_step(step: Step, root_urn: str = "") -> list[str]:
    """``  ~ <type> <name> update [diff: ~email]`` plus ``old => new`` lines for what changed.

    A read (``get``) is no row of its own on the CLI, only a passing ``read <type> <name>`` on the Stack's
    row (``root_urn``), and a discard of a read resource is not shown at all; so here too.
    """
    if step.op == "read":
        return passing_note_lines(root_urn or step.urn, f"read {step.type} {step.name}")
    if step.result_op == "discard":
        return []
    symbol = _SYMBOLS[step.result_op]
    line = f"  {symbol} {step.type} {step.name} {step.op}"
    if step.op == "refresh" and step.result_op == "delete":
        line += " [deleted]"
    if step.diffs:
        line += " [diff: " + ",".join(f"~{key}" for key in step.diffs) + "]"
    lines = [line]
    section = "outputs" if step.op == "refresh" else "inputs"
    old = (step.old or {}).get(section, {})
    new = (step.new or {}).get(section, {})
    for key in step.diffs:
        before = display_value(old[key]) if key in old else "(none)"
        after = display_value(new[key]) if key in new else "(none)"
        marker = "+-" if key in step.replaces else "~"
        lines.append(f"      {marker} {key}: {before} => {after}")
    return lines


def passing_note_lines(urn: str, message: str) -> list[str]:
    """An ephemeral message (what a step waits for): on a line of its resource, as on the CLI's row."""
    type_, name = urn_type_name(urn)
    return [f"    {type_} {name}  {line}" for line in message.splitlines() if line.strip()]


def error_lines(message: str, urn: str | None) -> list[str]:
    """A failure, each line prefixed with the resource it happened to (type and name) when there is one."""
    where = " ".join(urn_type_name(urn)) + ": " if urn is not None else ""
    return [f"  error: {where}{line}" for line in message.splitlines()]


def outputs_lines(old: Mapping[str, Any] | None, new: Mapping[str, Any], *, planned: bool) -> list[str]:
    """The ``Outputs:`` section: the stack outputs laid out as the CLI lays them out, changes marked
    against ``old`` (the outputs recorded before; None for a new stack); see :mod:`._render`."""
    return outputs_section(old, new, planning=planned)


def summary_line(changes: Mapping[str, int], *, planned: bool) -> str:
    """``Resources: 1 created, 2 unchanged`` (``to create`` in a preview), in the CLI's order."""
    words = _PLAN_WORDS if planned else _DONE_WORDS
    parts = [f"{changes[op]} {words[op]}" for op in ("create", "update", "replace", "delete") if changes.get(op)]
    if changes.get("same"):
        parts.append(f"{changes['same']} unchanged")
    return "Resources: " + (", ".join(parts) if parts else "0 unchanged")


def diagnostic_messages(messages: Sequence[LogMessage], root_urn: str, provider_stdout: str = "") -> list[LogMessage]:
    """What a ``Diagnostics:`` section lists: the messages, then each line the provider printed as a
    message of the Stack (``root_urn``)."""
    printed = [LogMessage("info", line, root_urn) for line in provider_stdout.splitlines() if line.strip()]
    return [*messages, *printed]


def diagnostics_lines(messages: Sequence[LogMessage], root_urn: str, provider_stdout: str = "") -> list[str]:
    """The ``Diagnostics:`` section, as the CLI prints it: each resource's messages (warnings, errors,
    notes) under ``  <type> (<name>):``, with ``warning: `` or ``error: `` before them (a note has no
    prefix), a blank line after each resource. Messages about no resource, and whatever the provider
    printed rather than logged (one message a line), go under the Stack. Resources are in URN order, the
    Stack last (the CLI's order with ``--deterministic``; otherwise it has none).
    """
    groups: dict[str, list[str]] = {}
    for message in diagnostic_messages(messages, root_urn, provider_stdout):
        prefix = "" if message.severity == "info" else f"{message.severity}: "
        text = (prefix + message.message).rstrip()
        if text:
            groups.setdefault(message.urn or root_urn, []).extend(text.split("\n"))
    if not groups:
        return []
    lines = ["Diagnostics:"]
    for urn in sorted(groups, key=lambda urn: (urn == root_urn, urn)):
        type_, name = urn_type_name(urn)
        lines.append(f"  {type_} ({name}):")
        lines.extend(f"    {line}".rstrip() for line in groups[urn])
        lines.append("")
    return lines
