"""Property values, and the stack's Outputs section, laid out as the Pulumi CLI's display lays them out.

A port of the CLI's property printer (``pkg/backend/display/object_diff.go`` as of v3.274, colours
left out): numbers are IEEE doubles printed without a fraction when they have none (``4``, not ``4.0``),
strings are quoted as Go quotes them, lists and maps span several lines (``[0]: "a"``, keys padded to
the longest), a string holding a JSON (or multi-line YAML) list or map is shown decoded, ``(json) {``.
A diff marks each key ``+`` (added), ``-`` (removed) or ``~`` (changed, ``old => new``, or element by
element for lists and maps, line by line for multi-line strings) and shows unchanged keys unmarked.
Assets and archives (which no output of this package holds) are shown as plain values.
"""

from __future__ import annotations

import decimal
import difflib
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal

import yaml  # type: ignore[import-untyped]

from ._wire import RESOURCE_REF_SIG, SIG_KEY, UNKNOWN, is_secret

Op = Literal["same", "create", "delete", "update"]
_PREFIXES: Final[dict[Op, str]] = {"same": "  ", "create": "+ ", "delete": "- ", "update": "~ "}
_CONTEXT_LINES: Final = 2


# --------------------------------------------------------------------------------------------------
# Primitives


def go_number(number: float) -> str:
    """A number as the CLI prints one: ``%.f`` when it has no fraction, else Go's shortest ``%g``."""
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "+Inf" if number > 0 else "-Inf"
    if math.trunc(number) == number:
        return f"{number:.0f}"
    sign, digits_tuple, exponent = decimal.Decimal(repr(float(number))).as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digits_tuple)).rstrip("0") or "0"
    exponent += len("".join(map(str, digits_tuple))) - len(digits)
    point = len(digits) + exponent  # where the decimal point goes, counted from the first digit
    text = _go_exponent(digits, point - 1) if point - 1 < -4 or point - 1 >= 6 else _go_fixed(digits, point)
    return ("-" if sign else "") + text


def _go_exponent(digits: str, exponent: int) -> str:
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{mantissa}e{'+' if exponent >= 0 else '-'}{abs(exponent):02d}"


def _go_fixed(digits: str, point: int) -> str:
    if point <= 0:
        return "0." + "0" * -point + digits
    return digits[:point] + "." + digits[point:]


_GO_ESCAPES: Final = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    "\\": "\\\\",
    '"': '\\"',
}


def go_quote(text: str) -> str:
    """``text`` quoted as Go's ``%q`` quotes it: printable characters kept, others escaped."""
    out = []
    for char in text:
        code = ord(char)
        if char in _GO_ESCAPES:
            out.append(_GO_ESCAPES[char])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif char == " " or char.isprintable():
            out.append(char)
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def _is_ref(value: Any) -> bool:
    return isinstance(value, Mapping) and value.get(SIG_KEY) == RESOURCE_REF_SIG


def _is_primitive(value: Any) -> bool:
    return value is None or isinstance(value, (bool, int, float, str)) or is_secret(value)


def _worth_printing(value: Any) -> bool:
    """The CLI leaves out nulls, empty strings, empty lists and empty maps where nothing changed."""
    return not (value is None or value == "" or (isinstance(value, (list, tuple, Mapping)) and not value))


def primitive_text(value: Any) -> str:
    """A primitive value on its own: ``4``, ``true``, ``"text"``, ``[secret]``, ``[unknown]``, ``<null>``."""
    if value is None:
        return "<null>"
    if is_secret(value):
        return "[secret]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return go_number(float(value))
    if value == UNKNOWN:
        return "[unknown]"
    return go_quote(str(value))


def inline_value(value: Any) -> str:
    """A value on one line, whole (step diff lines): primitives as the CLI prints them, lists and maps
    as ``["a", 2]`` and ``{"k": "v"}`` (keys sorted)."""
    if _is_primitive(value) or value == UNKNOWN:
        return primitive_text(value)
    if _is_ref(value):
        return f"resource({value.get('urn', '')})"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{go_quote(str(k))}: {inline_value(value[k])}" for k in sorted(value)) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(inline_value(item) for item in value) + "]"
    return go_quote(str(value))


# --------------------------------------------------------------------------------------------------
# Diffs, as ``resource.PropertyMap.Diff`` computes them


@dataclass
class ObjectDiff:
    adds: dict[str, Any] = field(default_factory=dict)
    deletes: dict[str, Any] = field(default_factory=dict)
    sames: dict[str, Any] = field(default_factory=dict)
    updates: dict[str, ValueDiff] = field(default_factory=dict)

    def keys(self) -> list[str]:
        return sorted({*self.adds, *self.deletes, *self.sames, *self.updates})

    def same(self, key: str) -> bool:
        return key not in self.adds and key not in self.deletes and key not in self.updates


@dataclass
class ArrayDiff:
    adds: dict[int, Any] = field(default_factory=dict)
    deletes: dict[int, Any] = field(default_factory=dict)
    sames: dict[int, Any] = field(default_factory=dict)
    updates: dict[int, ValueDiff] = field(default_factory=dict)

    def length(self) -> int:
        return max([i + 1 for part in (self.adds, self.deletes, self.sames, self.updates) for i in part], default=0)


@dataclass
class ValueDiff:
    old: Any
    new: Any
    array: ArrayDiff | None = None
    object: ObjectDiff | None = None


def _internal(key: str) -> bool:
    return key.startswith("__")


def _is_object(value: Any) -> bool:
    return isinstance(value, Mapping) and not is_secret(value) and not _is_ref(value)


def _equal(old: Any, new: Any) -> bool:
    """``PropertyValue.DeepEquals``: numbers by value, secrets by what they hold, maps ignoring nulls."""
    if is_secret(old) or is_secret(new):
        return is_secret(old) and is_secret(new) and _equal(old.get("value"), new.get("value"))
    if _is_object(old) and _is_object(new):
        keys = {k for k in old if old[k] is not None} | {k for k in new if new[k] is not None}
        return all(k in old and k in new and _equal(old[k], new[k]) for k in keys)
    if isinstance(old, (list, tuple)) and isinstance(new, (list, tuple)):
        return len(old) == len(new) and all(_equal(a, b) for a, b in zip(old, new, strict=True))
    if isinstance(old, bool) or isinstance(new, bool):
        return type(old) is type(new) and old == new
    if isinstance(old, (int, float)) and isinstance(new, (int, float)):
        return float(old) == float(new)
    return type(old) is type(new) and bool(old == new)


def diff_objects(old: Mapping[str, Any], new: Mapping[str, Any]) -> ObjectDiff | None:
    """What changed between two property maps (internal ``__`` keys ignored); None when nothing did."""
    diff = ObjectDiff()
    for key, before in old.items():
        if _internal(key):
            continue
        if key in new:
            change = diff_values(before, new[key])
            if change is None:
                diff.sames[key] = before
            elif before is None:
                diff.adds[key] = new[key]
            elif new[key] is None:
                diff.deletes[key] = before
            else:
                diff.updates[key] = change
        elif before is not None:
            diff.deletes[key] = before
    for key, after in new.items():
        if not _internal(key) and key not in old and after is not None:
            diff.adds[key] = after
    return diff if diff.adds or diff.deletes or diff.updates else None


def diff_values(old: Any, new: Any) -> ValueDiff | None:
    if isinstance(old, (list, tuple)) and isinstance(new, (list, tuple)):
        array = ArrayDiff()
        array.adds = {i: new[i] for i in range(len(old), len(new))}
        array.deletes = {i: old[i] for i in range(len(new), len(old))}
        for i in range(min(len(old), len(new))):
            change = diff_values(old[i], new[i])
            if change is None:
                array.sames[i] = old[i]
            else:
                array.updates[i] = change
        return ValueDiff(old, new, array=array) if array.adds or array.deletes or array.updates else None
    if _is_object(old) and _is_object(new):
        within = diff_objects(old, new)
        return ValueDiff(old, new, object=within) if within is not None else None
    return None if _equal(old, new) else ValueDiff(old, new)


def _drop_unknown_updates(diff: ObjectDiff) -> None:
    """A preview's stack outputs (``massageStackPreviewOutputDiff``): a key whose value becomes unknown
    is not shown at all, in the outputs and in every map within them."""
    for key, change in list(diff.updates.items()):
        _drop_unknown_updates_within(change)
        unchanged = not (change.object and (change.object.adds or change.object.deletes or change.object.updates))
        if (unchanged and _equal(change.old, change.new)) or change.new == UNKNOWN:
            del diff.updates[key]


def _drop_unknown_updates_within(change: ValueDiff) -> None:
    if change.array is not None:
        for element in change.array.updates.values():
            _drop_unknown_updates_within(element)
    elif change.object is not None:
        _drop_unknown_updates(change.object)


# --------------------------------------------------------------------------------------------------
# The printer (``propertyPrinter``)


@dataclass(frozen=True)
class _Printer:
    out: list[str]
    indent: int = 0
    op: Op = "same"
    prefix: bool = False
    planning: bool = False

    def indented(self, amount: int) -> _Printer:
        return replace(self, indent=self.indent + amount)

    def with_op(self, op: Op) -> _Printer:
        return replace(self, op=op)

    def with_prefix(self, prefix: bool) -> _Printer:
        return replace(self, prefix=prefix)

    def _indentation(self, prefix: bool) -> str:
        text = "    " * self.indent
        return text[:-2] + _PREFIXES[self.op] if prefix and text else text

    def write_indented(self, text: str) -> None:
        self.out.append(self._indentation(self.prefix) + text)

    def write_unprefixed_indented(self, text: str) -> None:
        self.out.append(self._indentation(False) + text)

    def write(self, text: str) -> None:
        self.out.append(text)

    # -- values ----------------------------------------------------------------------------------

    def print_object(self, props: Mapping[str, Any]) -> None:
        keys = sorted(props)
        width = max((len(k) for k in keys), default=0)
        for key in keys:
            if not _internal(key):
                self.print_object_property(key, props[key], width)

    def print_object_property(self, key: str, value: Any, width: int) -> None:
        self.print_title(key, width)
        self.print_value(value)

    def print_title(self, name: str, width: int) -> None:
        self.write_indented(f"{name:<{width}}: ")

    def print_value(self, value: Any) -> None:
        self._print_value(value)
        self.write("\n")

    def _print_value(self, value: Any) -> None:
        if _is_primitive(value) or value == UNKNOWN:
            self.print_primitive(value)
        elif _is_ref(value):
            self.write("{\n")
            inner = self.indented(1)
            inner.print_title("URN", 3)
            inner.write(go_quote(str(value.get("urn", ""))) + "\n")
            inner.print_title("ID", 3)
            inner.print_value(value.get("id", UNKNOWN))
            inner.print_title("PackageVersion", 3)
            inner.write(go_quote(str(value.get("packageVersion", ""))) + "\n")
            self.write_unprefixed_indented("}")
        elif isinstance(value, (list, tuple)):
            if not value:
                self.write("[]")
                return
            self.write("[\n")
            for index, element in enumerate(value):
                self.write_indented(f"    [{index}]: ")
                self.indented(1).print_value(element)
            self.write_unprefixed_indented("]")
        elif isinstance(value, Mapping):
            if not value:
                self.write("{}")
                return
            self.write("{\n")
            self.indented(1).print_object(value)
            self.write_unprefixed_indented("}")
        else:
            self.write(go_quote(str(value)))

    def print_primitive(self, value: Any) -> None:
        if isinstance(value, str) and value != UNKNOWN:
            decoded = decode_value(value)
            if decoded is not None:
                self.write(f"({decoded[1]}) ")
                self.print_value(decoded[0])
                return
        self.write(primitive_text(value))

    # -- diffs -----------------------------------------------------------------------------------

    def print_object_diff(self, diff: ObjectDiff) -> None:
        keys = diff.keys()
        width = max((len(k) for k in keys), default=0)
        for key in keys:
            self.print_object_property_diff(key, width, diff)

    def print_object_property_diff(self, key: str, width: int, diff: ObjectDiff) -> None:
        def title(printer: _Printer) -> None:
            printer.print_title(key, width)

        if key in diff.adds:
            self.print_add(diff.adds[key], title)
        elif key in diff.deletes:
            self.print_delete(diff.deletes[key], title)
        elif key in diff.updates:
            self.print_value_diff(title, diff.updates[key])
        elif key in diff.sames and _worth_printing(diff.sames[key]):
            self.with_op("same").with_prefix(False).print_object_property(key, diff.sames[key], width)

    def print_add(self, value: Any, title: Callable[[_Printer], None]) -> None:
        printer = self.with_op("create").with_prefix(True)
        title(printer)
        printer.print_value(value)

    def print_delete(self, value: Any, title: Callable[[_Printer], None]) -> None:
        printer = self.with_op("delete").with_prefix(True)
        title(printer)
        printer.print_value(value)

    def print_value_diff(self, title: Callable[[_Printer], None], diff: ValueDiff) -> None:
        printer = self.with_op("update").with_prefix(True)
        if diff.array is not None:
            title(printer)
            printer.write("[\n")
            array = diff.array
            for index in range(array.length()):
                element = printer.indented(2)

                def element_title(p: _Printer, index: int = index) -> None:
                    p.indented(-1).write_indented(f"[{index}]: ")

                if index in array.adds:
                    element.print_add(array.adds[index], element_title)
                elif index in array.deletes:
                    element.print_delete(array.deletes[index], element_title)
                elif index in array.updates:
                    element.print_value_diff(element_title, array.updates[index])
                elif index in array.sames:
                    same = element.with_op("same").with_prefix(False)
                    element_title(same)
                    same.print_value(array.sames[index])
            printer.write_unprefixed_indented("]\n")
        elif diff.object is not None:
            title(printer)
            printer.write("{\n")
            printer.indented(1).print_object_diff(diff.object)
            printer.write_unprefixed_indented("}\n")
        else:
            show_old, show_new = _worth_printing(diff.old), _worth_printing(diff.new)
            primitive_old = _is_primitive(diff.old) or diff.old == UNKNOWN
            primitive_new = _is_primitive(diff.new) or diff.new == UNKNOWN
            if show_old and show_new and primitive_old and primitive_new:
                title(printer)
                if isinstance(diff.old, str) and isinstance(diff.new, str) and UNKNOWN not in (diff.old, diff.new):
                    printer.print_text_diff(diff.old, diff.new)
                    return
                printer.with_op("delete").print_primitive(diff.old)
                printer.write(" => ")
                printer.with_op("create").print_primitive(diff.new)
                printer.write("\n")
                return
            if show_old:
                printer.print_delete(diff.old, title)
            if show_new:
                printer.print_add(diff.new, title)

    def print_text_diff(self, old: str, new: str) -> None:
        if self._print_encoded_value_diff(old, new):
            return
        if "\n" not in old and "\n" not in new:
            self.write(f"{go_quote(old)} => {go_quote(new)}\n")
            return
        self.indented(1).print_line_diff(_line_diff(old, new))

    def print_line_diff(self, diffs: Sequence[tuple[Op, str]]) -> None:
        self.write("\n")

        def write_diff(op: Op, text: str) -> None:
            self.with_op(op).with_prefix(op in ("create", "delete")).write_indented(text)

        for index, (op, text) in enumerate(diffs):
            lines = text.split("\n")

            def print_lines(op: Op, start: int, end: int, lines: list[str] = lines) -> None:
                for line in lines[start:end]:
                    if line.strip():
                        write_diff(op, line)
                        self.write("\n")

            if op != "same":
                print_lines(op, 0, len(lines))
                continue
            lines = [line for line in lines if line.strip()]
            context = _CONTEXT_LINES
            if index == 0 and len(lines) > context + 1:
                write_diff("same", "...\n")
                print_lines("same", len(lines) - context, len(lines), lines)
            elif index == len(diffs) - 1 and index != 0 and len(lines) > context + 1:
                print_lines("same", 0, context, lines)
                write_diff("same", "...\n")
            elif 0 < index < len(diffs) - 1 and len(lines) > 2 * context + 1:
                print_lines("same", 0, context, lines)
                write_diff("same", "...\n")
                print_lines("same", len(lines) - context, len(lines), lines)
            else:
                print_lines("same", 0, len(lines), lines)

    def _print_encoded_value_diff(self, old: str, new: str) -> bool:
        before, after = decode_value(old), decode_value(new)
        if before is None or after is None:
            return False
        if _equal(before[0], after[0]):
            self.print_text_diff(go_quote(old), go_quote(new))
            return True
        kinds = before[1] if before[1] == after[1] else f"{before[1]} => {after[1]}"
        self.write(f"({kinds}) ")
        change = diff_values(before[0], after[0])
        if change is None:
            self.with_op("same").print_value(before[0])
        else:
            self.print_value_diff(lambda _printer: None, change)
        return True


def _line_diff(old: str, new: str) -> list[tuple[Op, str]]:
    """Line-level changes (equal, deleted, inserted runs), each run's lines joined with their endings."""
    before, after = old.splitlines(keepends=True), new.splitlines(keepends=True)
    runs: list[tuple[Op, str]] = []

    def add(op: Op, lines: Sequence[str]) -> None:
        if not lines:
            return
        if runs and runs[-1][0] == op:
            runs[-1] = (op, runs[-1][1] + "".join(lines))
        else:
            runs.append((op, "".join(lines)))

    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add("same", before[i1:i2])
        else:
            add("delete", before[i1:i2])
            add("create", after[j1:j2])
    return runs


def decode_value(text: str) -> tuple[Any, str] | None:
    """A string holding a JSON list or map (or, on several lines, a YAML one), decoded, and its kind."""
    text = text.strip()
    try:
        decoded: Any = json.loads(text)
        kind = "json"
    except ValueError:
        if "\n" not in text and "\r" not in text:
            return None
        try:
            documents = list(yaml.safe_load_all(text))
        except Exception:  # not YAML either: any error the parser raises
            return None
        if len(documents) != 1:
            return None
        try:
            decoded, kind = _yaml_keys_as_strings(documents[0]), "yaml"
        except _Undecodable:
            return None
    if not isinstance(decoded, (list, dict)):
        return None
    try:
        json.dumps(decoded)  # only plain data (a YAML date, say, the CLI cannot show either)
    except (TypeError, ValueError):
        return None
    return decoded, kind


class _Undecodable(ValueError):
    """A YAML map with a key the CLI cannot turn into a string (a list, a map, a date)."""


def _yaml_keys_as_strings(value: Any) -> Any:
    """``translateYAMLValue``: numeric keys become strings; any other key that is not one fails."""
    if isinstance(value, list):
        return [_yaml_keys_as_strings(item) for item in value]
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if isinstance(key, str):
                name = key
            elif isinstance(key, float):
                name = repr(key)
            elif isinstance(key, int) and not isinstance(key, bool):
                name = str(key)
            else:
                raise _Undecodable(repr(key))
            out[name] = _yaml_keys_as_strings(item)
        return out
    return value


# --------------------------------------------------------------------------------------------------
# The Outputs section


def outputs_section(old: Mapping[str, Any] | None, new: Mapping[str, Any], *, planning: bool) -> list[str]:
    """The stack's ``Outputs:`` lines after a preview, update or refresh, or none when there is nothing
    to show (``getResourceOutputsPropertiesString`` for the root stack, at indent 1).

    ``old`` is what the stack recorded before (None for a new stack): with it, changed outputs are
    marked; an update also lists the unchanged ones, a preview only what changes.
    """
    show_sames = not planning
    diff = None
    if old is not None:
        diff = diff_objects(old, new)
        if diff is not None and planning:
            _drop_unknown_updates(diff)
        if diff is None and not show_sames:
            return []
    out: list[str] = []
    printer = _Printer(out, indent=1, planning=planning)
    keys = diff.keys() if diff is not None else sorted(new)
    width = max((len(k) for k in keys), default=0)
    for key in keys:
        if diff is None and (_internal(key) or not _worth_printing(new.get(key))):
            continue
        if diff is not None:
            if not show_sames and diff.same(key):
                continue
            printer.print_object_property_diff(key, width, diff)
        else:
            printer.print_object_property(key, new[key], width)
    text = "".join(out)
    if not text:
        return []
    return ["Outputs:", *(line.rstrip() for line in text.split("\n"))]
