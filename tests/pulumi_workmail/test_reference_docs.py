"""The resource reference pages agree with the resources: each page's input and output tables name exactly the
properties the class has, and every output the class declares has a docstring (what editors and the docs show)."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import re
from pathlib import Path
from types import ModuleType

import pytest

from pulumi_workmail import aliases_resource, resource
from pulumi_workmail.aliases_resource import EntityAliases, EntityAliasesArgs
from pulumi_workmail.resource import EntityPrimaryEmail, EntityPrimaryEmailArgs

DOCS = Path(__file__).resolve().parents[2] / "docs"
CASES = [
    (EntityPrimaryEmail, EntityPrimaryEmailArgs, resource, DOCS / "entity-primary-email.md"),
    (EntityAliases, EntityAliasesArgs, aliases_resource, DOCS / "entity-aliases.md"),
]
IDS = ["EntityPrimaryEmail", "EntityAliases"]


def _table(page: Path, header: str) -> set[str]:
    """The backticked names in the first column of the table whose header row starts with ``| header |``."""
    lines = page.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {header} |"))
    names: set[str] = set()
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        names.update(re.findall(r"`([a-z_]+)`", line.split("|")[1]))
    return names


def _documented_attributes(module: ModuleType, cls: type) -> dict[str, str | None]:
    """Each annotated attribute of the class body and the docstring under it (None when it has none)."""
    tree = ast.parse(inspect.getsource(module))
    (node,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls.__name__]
    found: dict[str, str | None] = {}
    for statement, following in zip(node.body, [*node.body[1:], None], strict=True):
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            doc = None
            if isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant):
                doc = str(following.value.value)
            found[statement.target.id] = doc
    return found


@pytest.mark.parametrize(("cls", "args", "module", "page"), CASES, ids=IDS)
def test_the_pages_input_table_names_exactly_the_args_fields(
    cls: type, args: type, module: ModuleType, page: Path
) -> None:
    assert _table(page, "input") == {field.name for field in dataclasses.fields(args)}


@pytest.mark.parametrize(("cls", "args", "module", "page"), CASES, ids=IDS)
def test_the_pages_output_table_names_exactly_the_outputs_the_class_declares(
    cls: type, args: type, module: ModuleType, page: Path
) -> None:
    assert _table(page, "output") == set(_documented_attributes(module, cls))


@pytest.mark.parametrize(("cls", "args", "module", "page"), CASES, ids=IDS)
def test_every_output_and_input_has_a_docstring(cls: type, args: type, module: ModuleType, page: Path) -> None:
    undocumented = [name for name, doc in _documented_attributes(module, cls).items() if not doc]
    undocumented += [name for name, doc in _documented_attributes(module, args).items() if not doc]
    assert undocumented == []


@pytest.mark.parametrize(("cls", "args", "module", "page"), CASES, ids=IDS)
def test_the_class_docstring_has_an_example_and_an_import_section(
    cls: type, args: type, module: ModuleType, page: Path
) -> None:
    doc = inspect.getdoc(cls) or ""
    assert "## Example Usage" in doc and "## Import" in doc and f"{cls.__name__}.get(" in doc
