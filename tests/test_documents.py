"""The documents a user reads: every relative link in the README, the docs and the examples' READMEs
resolves to a file of the repository (they are read on a code host and in an sdist, not only here)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCUMENTS = sorted([REPO / "README.md", *REPO.glob("docs/*.md"), *REPO.glob("examples/*/README.md")])
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _links(document: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", document.read_text(), flags=re.DOTALL)  # not inside code blocks
    return [target for target in LINK.findall(text) if not re.match(r"[a-z]+:", target)]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: str(d.relative_to(REPO)))
def test_every_relative_link_resolves_inside_the_repository(document: Path) -> None:
    broken = []
    for target in _links(document):
        path = target.split("#", 1)[0]
        if not path:
            continue
        resolved = (document.parent / path).resolve()
        if not resolved.exists() or REPO not in (resolved, *resolved.parents):
            broken.append(target)
    assert broken == []


def test_the_readme_links_every_page_of_docs() -> None:
    readme = (REPO / "README.md").read_text()
    unlinked = [page.name for page in sorted(REPO.glob("docs/*.md")) if f"](docs/{page.name})" not in readme]
    assert unlinked == []
