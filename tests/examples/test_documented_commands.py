"""Every command and snippet the README, the examples' READMEs and docs/testing-your-programs.md show runs as a
user types it, or is listed here with why it cannot and which test covers it instead.

A user has run `make emulator` and exported what it prints; the tests start the emulator with the Makefile's
own recipe (tests/examples/documented.py) and type each shell line, in order, into bash in a fresh copy of
the directory the document is about, with the real `pulumi` CLI (its confirmation prompts answered yes) and
the AWS CLI. A line no table below knows, in a block run here, fails the test rather than being skipped;
so does a block no table names.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ..aws_env import isolate_aws
from ..cli.test_readme_output import readme_block
from ..pulumi_cli import REPO, pulumi_cli
from .documented import Emulated, Terminal, blocks, commands, fresh_copy, make_emulator, user_environment

ORG = "m-0123456789abcdef0123456789abcdef"  # examples/emulator-seed.json's, the one `make emulator` prints
KINDS = {"alice": "user", "bob": "user", "sales": "group", "room-1": "resource"}
pytestmark = pytest.mark.timeout(600)


@dataclass(frozen=True)
class Elsewhere:
    """A line not typed here: why, and the test (``path::name``) or process that runs it instead."""

    why: str
    covered_by: str | None


@dataclass
class World:
    """What a check sees: the emulator, the terminal the line ran in, and what the line printed."""

    emulated: Emulated
    terminal: Terminal
    output: str = ""

    def addresses(self, name: str) -> tuple[str, list[str]]:
        """(primary, sorted aliases) of a seeded entity, as WorkMail shows them."""
        wm, kind = self.emulated.client(), KINDS[name]
        if kind == "user":
            entity = wm.describe_user(OrganizationId=ORG, UserId=name)
            primary, entity_id = entity["Email"], entity["UserId"]
        elif kind == "group":
            group = wm.describe_group(OrganizationId=ORG, GroupId=name)
            primary, entity_id = group["Email"], group["GroupId"]
        else:
            resource = wm.describe_resource(OrganizationId=ORG, ResourceId=name)
            primary, entity_id = resource["Email"], resource["ResourceId"]
        aliases = wm.list_aliases(OrganizationId=ORG, EntityId=entity_id, MaxResults=100)["Aliases"]
        return primary, sorted(aliases)

    def primaries(self) -> dict[str, str]:
        return {name: self.addresses(name)[0] for name in KINDS}

    def stack_config(self) -> dict[str, Any]:
        config: dict[str, Any] = json.loads(self.terminal.type("pulumi config --json").stdout)
        return {key.split(":", 1)[1]: entry["value"] for key, entry in config.items()}


Check = Callable[[World], None]


@dataclass(frozen=True)
class Session:
    """Shell blocks (their indexes among the document's) typed in order into one terminal, in one fresh copy
    of the document's directory with a stack backend of its own. ``not_here``: lines of those blocks not
    typed, and why; ``after``: checks of what the document says a line does."""

    blocks: tuple[int, ...]
    not_here: Mapping[str, Elsewhere] = field(default_factory=dict)
    after: Mapping[str, Check] = field(default_factory=dict)


@dataclass(frozen=True)
class Document:
    path: str
    directory: Path | list[Path]  # what a fresh copy holds: a directory, or files of the repository
    sessions: tuple[Session, ...] = ()
    elsewhere: Mapping[int, Mapping[str, Elsewhere]] = field(default_factory=dict)  # shell blocks not typed here
    python: Mapping[int, Callable[[World, Path, str], None]] = field(default_factory=dict)  # how each block runs


def key(line: str) -> str:
    """A line without its comment, as the tables name it."""
    return " ".join(shlex.split(line, comments=True))


def programs(line: str) -> list[str]:
    """The program each command of ``line`` runs (``a && b``: two)."""
    return [segment.split()[0] for segment in re.split(r"&&|\|\||;|\|", key(line)) if segment.strip()]


# --- what the documents claim, checked where it is cheap


def basic_moved(world: World) -> None:
    primaries = world.primaries()
    assert [primaries[n] for n in ("alice", "sales", "room-1")] == [
        f"{n}@new.example" for n in ("alice", "sales", "room-1")
    ]
    assert primaries["bob"] == "bob@example.com", "not in the program"


def csv_moved(world: World) -> None:
    assert world.primaries() == {
        "alice": "alice@new.example",
        "bob": "bob.builder@new.example",
        "sales": "sales@new.example",
        "room-1": "room-1@new.example",
    }
    assert world.addresses("bob")[1] == ["bob@example.com", "bob@old.example"], "each old address stays an alias"


def config_is(**expected: str) -> Check:
    def check(world: World) -> None:
        config = world.stack_config()
        assert {name: config.get(name) for name in expected} == expected

    return check


def retired(world: World) -> None:
    """entities.csv's primaries and aliases on new.example; every other alias gone (exclusive)."""
    assert {name: world.addresses(name) for name in KINDS} == {
        "alice": ("alice@new.example", ["al@new.example", "alice.liddell@new.example"]),
        "bob": ("bob.builder@new.example", ["bob@new.example"]),
        "sales": ("sales@new.example", ["team@new.example"]),
        "room-1": ("room-1@new.example", []),
    }


def nothing_left_on_old_domain(world: World) -> None:
    assert json.loads(world.output) == []


def deregistered_and_destroy_fails_without_it(world: World) -> None:
    """The domain is gone; and, as *Rolling back* says, destroy then fails where it puts an old address back."""
    domains = world.emulated.client().list_mail_domains(OrganizationId=ORG)["MailDomains"]
    assert "old.example" not in {d["DomainName"] for d in domains}
    world.terminal.type("pulumi destroy", fails_with="The domain old.example is not registered")


def verify_dns(world: World) -> None:
    """The user's DNS step, which against the emulator is its admin API (the README says so)."""
    world.emulated.admin("POST", "/_emulator/domains/verify", {"organization_id": ORG, "domain": "old.example"})


def rolled_back(world: World) -> None:
    """Old primaries and aliases back, the stack's new aliases gone, each new primary kept as an alias."""
    assert {name: world.addresses(name) for name in KINDS} == {
        "alice": ("alice@example.com", ["al@example.com", "alice@new.example"]),
        "bob": ("bob@example.com", ["bob.builder@new.example", "bob@old.example"]),
        "sales": ("sales@example.com", ["sales@new.example", "team@old.example"]),
        "room-1": ("room-1@example.com", ["room-1@new.example"]),
    }


# --- Python blocks


def complete_program(world: World, directory: Path, source: str) -> None:
    """The README's program as a project's __main__.py, its organization id found as its comment says."""
    (directory / "__main__.py").write_text(source)
    (directory / "Pulumi.yaml").write_text(
        "name: complete-program\nruntime:\n  name: python\n  options:\n    virtualenv: .venv\n"
    )
    terminal = world.terminal
    terminal.type("pulumi stack init dev")
    found = terminal.type(
        "aws workmail list-organizations --query 'OrganizationSummaries[0].OrganizationId' --output text"
    )
    assert found.stdout.strip() == ORG
    terminal.type(f"pulumi config set organizationId {found.stdout.strip()}")
    terminal.type("pulumi up")
    assert world.addresses("alice") == ("alice@new.example", ["al@new.example"]), "exclusive: exactly the one alias"
    outputs = json.loads(terminal.type("pulumi stack output --json").stdout)
    assert outputs == {"originalEmail": "alice@example.com", "removedAliases": ["al@example.com", "alice@example.com"]}
    terminal.type("pulumi preview --expect-no-changes")  # one up converged


def offline_snippet(world: World, directory: Path, source: str) -> None:
    """docs/testing-your-programs.md's snippet as a plain script at the top of (a copy of) the repository."""
    (directory / "snippet.py").write_text(source)
    done = world.terminal.type("python snippet.py")
    assert done.stdout.splitlines()[-1] == "alice@new.example"
    (state,) = (directory / ".offline-state").rglob("dev.json")
    resources = json.loads(state.read_text())["deployment"].get("resources") or []
    assert [r for r in resources if r["type"].endswith("EntityPrimaryEmail")] == [], "destroyed"


# --- the tables

PLUGIN = "needs pulumi-aws's resource plugin, which cannot be installed on these machines, and AWS itself"
RETIRE_OFFLINE = (
    "tests/examples/test_retire_domain.py::"
    "test_retire_domain_moves_every_address_off_then_retires_the_domain_and_destroy_brings_them_back"
)
PACKAGING = "tests/test_packaging.py::test_the_"
PIP = "installs into the user's virtual environment and fetches pulumi and boto3 from the package index"
DOCUMENTS = [
    Document(
        "README.md",
        [REPO / "Pulumi.yaml", REPO / "__main__.py"],
        elsewhere={
            0: {
                "make demo": Elsewhere(
                    "creates .venv and installs into it; the script it then runs is scripts/demo.py",
                    "tests/examples/test_demo.py::test_demo_with_the_real_cli",
                ),
                "make test": Elsewhere("is the lint and this whole test suite", "CI, which runs `make test`"),
            },
            1: {
                "pip install ~/pulumi-workmail": Elsewhere(
                    PIP,
                    f"{PACKAGING}wheel_holds_the_packages_their_markers_and_the_licence_and_nothing_else",
                ),
                "pip install build && python -m build --wheel ~/pulumi-workmail": Elsewhere(
                    PIP,
                    f"{PACKAGING}sdist_holds_the_sources_licence_and_readme_and_no_repository_leftovers",
                ),
                "pip install ~/pulumi-workmail/dist/pulumi_workmail-0.1.0-py3-none-any.whl": Elsewhere(
                    PIP, f"{PACKAGING}wheel_is_the_file_the_readme_installs"
                ),
            },
            2: {
                line: Elsewhere(
                    "a real-cli block: typed after the quick start's config and up, its output compared with the CLI's",
                    "tests/cli/test_readme_output.py::test_readme_preview_diff_is_the_clis_output",
                )
                for line in ("pulumi config set email alice.liddell@new.example", "pulumi preview --diff")
            },
        },
        python={0: complete_program},
    ),
    Document(
        "examples/basic/README.md",
        REPO / "examples" / "basic",
        sessions=(Session((0,), after={"pulumi up": basic_moved}),),
    ),
    Document(
        "examples/domain-migration/README.md",
        REPO / "examples" / "domain-migration",
        sessions=(Session((0,), after={"pulumi preview && pulumi up": csv_moved}),),
    ),
    Document(
        "examples/with-pulumi-aws/README.md",
        REPO / "examples" / "with-pulumi-aws",
        sessions=(
            Session(
                (0,),
                not_here={
                    "pulumi up": Elsewhere(
                        f"{PLUGIN}: it creates an organization",
                        "tests/examples/test_examples.py::"
                        "test_with_pulumi_aws_wires_the_user_id_into_entity_primary_email",
                    )
                },
                after={
                    "pulumi config set domain my-company.example": config_is(
                        alias="my-company", domain="my-company.example"
                    )
                },
            ),
        ),
    ),
    Document(
        "examples/retire-domain/README.md",
        REPO / "examples" / "retire-domain",
        sessions=(
            # With pulumi-aws: its config, but neither up (nor the output of the first).
            Session(
                (0,),
                not_here={
                    "pulumi up": Elsewhere(f"{PLUGIN}: the Domain is pulumi-aws's", RETIRE_OFFLINE),
                    "pulumi stack output oldDomainAddresses": Elsewhere(
                        "reads what that first up made", RETIRE_OFFLINE
                    ),
                },
                after={
                    "pulumi config set retireOldDomain true": config_is(
                        region="us-east-1",
                        organizationId=ORG,
                        fromDomain="old.example",
                        toDomain="new.example",
                        retireOldDomain="true",
                    )
                },
            ),
            # Without pulumi-aws, then rolling back (which works the same either way).
            Session(
                (3, 1),
                after={
                    "pulumi up": retired,
                    "pulumi stack output oldDomainAddresses": nothing_left_on_old_domain,
                    f"aws workmail deregister-mail-domain --organization-id {ORG} --domain-name old.example": (
                        deregistered_and_destroy_fails_without_it
                    ),
                    f"aws workmail register-mail-domain --organization-id {ORG} --domain-name old.example": verify_dns,
                    "pulumi destroy": rolled_back,
                },
            ),
        ),
        elsewhere={
            2: {
                "pulumi destroy": Elsewhere(
                    f"before retiring the stack holds the Domain: {PLUGIN}; under mocks its delete cannot fail as "
                    "the document says it does",
                    None,
                ),
                "pulumi state delete urn:pulumi:$(pulumi stack --show-name)::workmail-retire-domain::"
                "aws:workmail/domain:Domain::old-domain": Elsewhere(
                    "drops the Domain only that stack holds; the URN it names is checked", RETIRE_OFFLINE
                ),
            }
        },
    ),
    Document(
        "docs/testing-your-programs.md",
        [REPO / "Pulumi.yaml", REPO / "__main__.py", REPO / "examples" / "emulator-seed.json"],
        python={0: offline_snippet},
    ),
]
KNOWN_PROGRAMS = {"pulumi", "aws"}


def _shell_blocks(document: Document) -> list[list[str]]:
    return [[key(line) for line in commands(block)] for block in blocks(REPO / document.path, "")]


def test_the_tables_name_every_document_that_shows_commands() -> None:
    """A new example's README must be added here (and so run)."""
    expected = {"README.md", "docs/testing-your-programs.md"} | {
        str(p.relative_to(REPO)) for p in REPO.glob("examples/*/README.md")
    }
    assert {d.path for d in DOCUMENTS} == expected


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: d.path)
def test_every_line_and_snippet_is_run_here_or_names_why_not_and_what_covers_it(document: Document) -> None:
    shell = _shell_blocks(document)
    in_sessions = [index for session in document.sessions for index in session.blocks]
    assert sorted([*in_sessions, *document.elsewhere]) == list(range(len(shell))), "each block, once"
    for index, lines in document.elsewhere.items():
        assert sorted(lines) == sorted(shell[index]), f"block {index}: every line, and only its lines"
    for session in document.sessions:
        typed = [line for index in session.blocks for line in shell[index]]
        assert set(session.not_here) <= set(typed) and set(session.after) <= set(typed), "no stale entries"
        unknown = [line for line in typed if line not in session.not_here and set(programs(line)) - KNOWN_PROGRAMS]
        assert unknown == [], "lines this test does not know how to type"
        assert all(line.split()[:2] == ["aws", "workmail"] for line in typed if line.startswith("aws "))
    assert sorted(document.python) == list(range(len(blocks(REPO / document.path, "python"))))
    reasons = [e for lines in document.elsewhere.values() for e in lines.values()]
    reasons += [e for session in document.sessions for e in session.not_here.values()]
    for elsewhere in reasons:
        if elsewhere.covered_by and "::" in elsewhere.covered_by:
            path, name = elsewhere.covered_by.split("::")
            assert f"\ndef {name}(" in (REPO / path).read_text(), elsewhere.covered_by


def test_the_readmes_real_cli_block_is_the_one_its_output_test_types() -> None:
    (block,) = [b for b in blocks(REPO / "README.md", "") if b.marker is not None]
    assert block.marker == "preview-diff"
    assert readme_block("preview-diff")[0] == commands(block)


def test_make_emulator_prints_the_organization_the_documents_name() -> None:
    with make_emulator() as emulated:
        assert emulated.organizations == {"demo": ORG}
        assert {"AWS_ENDPOINT_URL_WORKMAIL", "AWS_DEFAULT_REGION"} <= set(emulated.exports)


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: d.path)
def test_the_documents_commands_and_snippets_run_as_typed_and_do_what_they_say(
    document: Document, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = pulumi_cli()
    aws_files = isolate_aws(monkeypatch, tmp_path)
    shell = _shell_blocks(document)
    raw = [commands(block) for block in blocks(REPO / document.path, "")]
    with make_emulator() as emulated:
        env = user_environment(tmp_path, emulated, cli, aws_files)
        for number, session in enumerate(document.sessions):
            directory = fresh_copy(document.directory, tmp_path / f"session-{number}")
            world = World(emulated, Terminal.open(directory, env, tmp_path / f"state-{number}"))
            for index in session.blocks:
                for line, typed in zip(raw[index], shell[index], strict=True):
                    if typed in session.not_here:
                        continue
                    assert not set(programs(typed)) - KNOWN_PROGRAMS, f"not typed, not listed: {line}"
                    world.output = world.terminal.type(line).stdout
                    if typed in session.after:
                        session.after[typed](world)
        for index, run in document.python.items():
            source = blocks(REPO / document.path, "python")[index].text
            directory = fresh_copy(document.directory, tmp_path / f"python-{index}")
            run(World(emulated, Terminal.open(directory, env, tmp_path / f"python-state-{index}")), directory, source)
