"""Only what pyproject.toml cannot say: the wheel carries a ``.pth`` file at the top of site-packages, and the
long description is the README with its links made to work where the README is read outside the repository."""

from __future__ import annotations

import os
import re

from setuptools import setup
from setuptools.command.build_py import build_py

PTH = "pulumi_workmail_import_hint.pth"  # see provider/_pulumi_workmail_import_hint.py for why

# The project's public repository, once it has one (for example "https://github.com/<owner>/pulumi-workmail").
# It is the one place the project's address is written: the package's URLs and the README's links on an index
# page follow from it. Until then the long description names each linked file as plain text.
HOME: str | None = None

_LINK = re.compile(r"\[(?P<text>[^\]\n]+)\]\((?P<target>[^)\s]+)\)")
_ABSOLUTE = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|#|/)")


def long_description(readme: str, home: str | None, version: str) -> str:
    """The README as an index renders it, where a link relative to the repository leads nowhere: each such link
    points into the release's tree at ``home``, or without a home becomes its text (which names the file)."""

    def rewrite(link: re.Match[str]) -> str:
        text, target = link["text"], link["target"]
        if _ABSOLUTE.match(target):
            return link[0]
        if home is not None:
            return f"[{text}]({home.rstrip('/')}/blob/v{version}/{target})"
        if text.strip("`") == target:
            return f"`{target}`"
        return f"{text} (`{target}`)"

    return _LINK.sub(rewrite, readme)


def project_urls(home: str | None, version: str) -> dict[str, str]:
    if home is None:
        return {}
    home = home.rstrip("/")
    return {
        "Source": home,
        "Documentation": f"{home}/tree/v{version}/docs",
        "Changelog": f"{home}/blob/v{version}/CHANGELOG.md",
        "Issues": f"{home}/issues",
    }


class BuildPyWithPth(build_py):
    def run(self) -> None:
        super().run()
        self.copy_file(os.path.join("provider", PTH), os.path.join(self.build_lib, PTH), preserve_mode=False)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        return [*super().get_outputs(include_bytecode), os.path.join(self.build_lib, PTH)]


if __name__ == "__main__":  # as setuptools runs it; the tests import the functions above
    from setuptools.config.pyprojecttoml import read_configuration

    VERSION = str(read_configuration("pyproject.toml", expand=False)["project"]["version"])
    with open("README.md", encoding="utf-8") as readme:
        setup(
            cmdclass={"build_py": BuildPyWithPth},
            long_description=long_description(readme.read(), HOME, VERSION),
            long_description_content_type="text/markdown",
            project_urls=project_urls(HOME, VERSION),
        )
