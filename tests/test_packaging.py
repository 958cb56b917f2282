"""The distribution as a user receives it: the sdist and the wheel built from it contain the packages, their
type and plugin markers and the licence, and nothing else of the repository."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``python -m build`` of a copy of the checkout (setuptools writes its egg-info into the tree it builds):
    the sdist first, then the wheel from that sdist, as PyPI users and pip get them."""
    root = tmp_path_factory.mktemp("packaging")
    source = root / "source"
    ignore = shutil.ignore_patterns(
        ".venv", ".tools", ".git", ".bench", "build", "*.egg-info", "__pycache__", ".*cache"
    )
    shutil.copytree(REPO, source, ignore=ignore)
    out = root / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(source)], check=True, capture_output=True, text=True
    )
    return out


def _wheel(dist: Path) -> zipfile.ZipFile:
    (wheel,) = dist.glob("pulumi_workmail-*.whl")
    return zipfile.ZipFile(wheel)


def _sdist_names(dist: Path) -> list[str]:
    (sdist,) = dist.glob("pulumi_workmail-*.tar.gz")
    with tarfile.open(sdist) as archive:
        top = archive.getnames()[0].split("/")[0]
        return [name.removeprefix(f"{top}/") for name in archive.getnames() if name != top]


def test_the_wheel_holds_the_packages_their_markers_and_the_licence_and_nothing_else(dist: Path) -> None:
    with _wheel(dist) as wheel:
        names = wheel.namelist()
        metadata = Parser().parsestr(wheel.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode())
    tops = {name.split("/")[0] for name in names}
    info = next(top for top in tops if top.endswith(".dist-info"))
    assert tops == {
        "pulumi_workmail",
        "workmail_emulator",
        "_pulumi_workmail_import_hint.py",
        "pulumi_workmail_import_hint.pth",
        info,
    }
    for marker in ("pulumi_workmail/py.typed", "workmail_emulator/py.typed", "pulumi_workmail/pulumi-plugin.json"):
        assert marker in names
    assert f"{info}/licenses/LICENSE" in names
    assert "pulumi_workmail/testing/__init__.py" in names
    assert not [n for n in names if "/tests/" in n or n.endswith((".pyc", ".orig", ".rej"))]
    assert metadata["License-Expression"] == "Apache-2.0"
    classifiers = metadata.get_all("Classifier") or []
    assert "Typing :: Typed" in classifiers and "Programming Language :: Python :: 3.10" in classifiers


def test_the_sdist_holds_the_sources_licence_and_readme_and_no_repository_leftovers(dist: Path) -> None:
    names = _sdist_names(dist)
    for needed in ("LICENSE", "README.md", "pyproject.toml", "setup.py", "provider/pulumi_workmail/__init__.py"):
        assert needed in names, needed
    assert "provider/pulumi_workmail_import_hint.pth" in names, "the wheel is built from the sdist"
    stray = [
        n
        for n in names
        if n.split("/")[0]
        not in {
            "provider",
            "LICENSE",
            "README.md",
            "pyproject.toml",
            "setup.py",
            "setup.cfg",
            "PKG-INFO",
            "MANIFEST.in",
        }
    ]
    assert stray == [], stray
    assert not [n for n in names if "__pycache__" in n or n.startswith("provider/tests")]


def test_the_wheel_is_the_file_the_readme_installs(dist: Path, tmp_path: Path) -> None:
    """The README's `python -m build --wheel <clone>` (a wheel straight from the tree, not from the sdist)
    makes the file its next line installs, with the same contents as the wheel built from the sdist."""
    source = tmp_path / "pulumi-workmail"
    ignore = shutil.ignore_patterns(
        ".venv", ".tools", ".git", ".bench", "build", "*.egg-info", "__pycache__", ".*cache"
    )
    shutil.copytree(REPO, source, ignore=ignore)
    subprocess.run([sys.executable, "-m", "build", "--wheel", str(source)], check=True, capture_output=True, text=True)
    (built,) = (source / "dist").glob("*.whl")
    readme = (REPO / "README.md").read_text()
    assert f"pip install ~/pulumi-workmail/dist/{built.name}\n" in readme
    with zipfile.ZipFile(built) as direct, _wheel(dist) as from_sdist:
        assert sorted(direct.namelist()) == sorted(from_sdist.namelist())


def test_the_licence_is_apache_2_0_as_the_metadata_says() -> None:
    text = (REPO / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text


def _setup_module() -> Any:
    """setup.py's functions, without running setup() (it runs only as ``__main__``, as setuptools runs it)."""
    spec = importlib.util.spec_from_file_location("pulumi_workmail_setup", REPO / "setup.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RELATIVE_LINK = re.compile(r"\]\((?![a-zA-Z][a-zA-Z0-9+.-]*:|#)[^)]*\)")


def test_the_published_description_is_the_readme_with_no_link_that_leads_nowhere_off_the_repository(
    dist: Path,
) -> None:
    """An index renders the description away from the repository, where a relative link is a dead one."""
    with _wheel(dist) as wheel:
        metadata = Parser().parsestr(
            wheel.read(next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))).decode()
        )
    description = metadata.get_payload()
    assert isinstance(description, str)
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert "# pulumi-workmail" in description and "EntityPrimaryEmail" in description
    assert RELATIVE_LINK.findall((REPO / "README.md").read_text()), "the README has relative links to rewrite"
    assert RELATIVE_LINK.findall(description) == []
    assert "`docs/entity-aliases.md`" in description, "a link without a home names its file"


def test_with_a_home_every_relative_readme_link_points_into_that_release_and_the_urls_follow() -> None:
    setup = _setup_module()
    home = "https://git.example.org/team/pulumi-workmail/"
    text = setup.long_description(
        "See [the guide](docs/a.md#top), [`examples/basic`](examples/basic), [PyPI](https://pypi.org/) and [up](#up).",
        home,
        "1.2.3",
    )
    assert text == (
        "See [the guide](https://git.example.org/team/pulumi-workmail/blob/v1.2.3/docs/a.md#top), "
        "[`examples/basic`](https://git.example.org/team/pulumi-workmail/blob/v1.2.3/examples/basic), "
        "[PyPI](https://pypi.org/) and [up](#up)."
    )
    urls = setup.project_urls(home, "1.2.3")
    assert urls["Source"] == "https://git.example.org/team/pulumi-workmail"
    assert urls["Changelog"] == "https://git.example.org/team/pulumi-workmail/blob/v1.2.3/CHANGELOG.md"
    assert setup.project_urls(None, "1.2.3") == {}


def test_without_a_home_a_link_becomes_its_text_naming_the_file() -> None:
    setup = _setup_module()
    text = setup.long_description("[docs/a.md](docs/a.md), [the guide](docs/b.md), [LICENSE](LICENSE)", None, "1")
    assert text == "`docs/a.md`, the guide (`docs/b.md`), `LICENSE`"
