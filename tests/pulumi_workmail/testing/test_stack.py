"""Run whole programs through ``OfflineStack`` and the real provider server, with the journal provider.

Every assertion about provider calls reads the journal the provider process writes (see
``journal_provider``), so it checks what actually crossed the gRPC boundary, not what the runner meant to do.
A test that pins down how the engine judges what it calls runs on the real CLI too (``cli_stack``).
"""

from __future__ import annotations

import contextvars
import json
import re
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi.automation import CommandError
from pulumi.runtime import settings as sdk_settings

from pulumi_workmail.testing import PROVIDER_KEY, AutomationStack, OfflineCommandError, OfflineStack, Step, is_secret
from tests.pulumi_cli import pulumi_cli
from tests.pulumi_workmail.testing.journal_provider import Journal, read_journal

pytestmark = pytest.mark.timeout(60)

REPO_ROOT = Path(__file__).resolve().parents[3]
JOURNAL = "pulumi-python:dynamic/test:Journal"


class Env:
    """A test's world: the fake cloud the provider writes, and a stack factory pointing at it."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.world = tmp_path / "world"
        self.world.mkdir()
        self.env = {"PYTHONPATH": str(REPO_ROOT), "JOURNAL_WORLD": str(self.world)}

    def stack(self, program: Callable[[], None] | None = None, **kwargs: Any) -> OfflineStack:
        options: dict[str, Any] = {"project_name": "proj"} if program is not None else {}
        options.update(kwargs)
        stack = OfflineStack("dev", program=program, state_dir=self.tmp_path / "state", env=self.env, **options)
        stack.set_config("aws:region", "eu-west-1")
        stack.set_config("token", "t0k3n", secret=True)
        return stack

    def cli_stack(self, program: Callable[[], None]) -> AutomationStack:
        """``stack`` on the real CLI (the reference), with the same project, config and environment."""
        pulumi_cli()
        stack = AutomationStack(
            "dev", project_name="proj", program=program, state_dir=str(self.tmp_path / "cli"), env=self.env
        )
        stack.set_config("aws:region", "eu-west-1")
        stack.set_config("token", "t0k3n", secret=True)
        return stack

    def journal(self) -> list[str]:
        return read_journal(self.world)

    def calls(self, since: int = 0) -> list[str]:
        """Calls that change something (create/update/delete), in order."""
        return [line for line in self.journal()[since:] if line.split()[0] in ("create", "update", "delete")]

    def live(self) -> dict[str, Any]:
        return {path.stem: json.loads(path.read_text()) for path in (self.world / "live").glob("*.json")}


@pytest.fixture
def env(tmp_path: Path) -> Env:
    return Env(tmp_path)


def resources(stack: OfflineStack | AutomationStack) -> dict[str, dict[str, Any]]:
    """The program's custom resources in state by name (not the default provider's record)."""
    found = {}
    for item in stack.export_state()["deployment"]["resources"]:
        if item["custom"] and not item.get("delete") and not item["type"].startswith("pulumi:providers:"):
            found[item["urn"].rsplit("::", 1)[-1]] = item
    return found


def program_of(declare: Callable[[], object]) -> Callable[[], None]:
    """An inline program from an expression that declares resources."""

    def program() -> None:
        declare()

    return program


def step(steps: list[Step], name: str) -> Step:
    return next(s for s in steps if s.name == name)


def test_preview_of_new_stack_only_checks_and_downstream_outputs_are_unknown(env: Env) -> None:
    def program() -> None:
        a = Journal("a")
        Journal("b", a.computed)  # output-only: unknown until a exists

    stack = env.stack(program)
    result = stack.preview()

    assert result.change_summary == {"create": 3}  # the Stack counts, as in the engine's summary
    assert env.journal() == ["check a", "check b unknown:value"]
    assert resources(stack) == {}
    assert result.stdout.startswith("pulumi_workmail.testing offline runner (not the Pulumi engine)")
    assert f"  + {JOURNAL} a create" in result.stdout
    assert "Resources: 3 to create" in result.stdout


def test_program_messages_are_listed_under_their_resource_and_passing_ones_shown_at_once(env: Env) -> None:
    """As the CLI shows them: ``pulumi.log`` messages in the Diagnostics section under the resource they
    name (the Stack when none), notes without a prefix; an ephemeral one only on its resource's line."""

    def program() -> None:
        a = Journal("a")
        pulumi.log.warn("a looks odd", resource=a)
        pulumi.log.info("a stack note")
        pulumi.log.info("still waiting", resource=a, ephemeral=True)

    result = env.stack(program).up()
    lines = result.stdout.splitlines()
    start = lines.index("Diagnostics:")

    assert lines[start : start + 7] == [
        "Diagnostics:",
        f"  {JOURNAL} (a):",
        "    warning: a looks odd",
        "",
        "  pulumi:pulumi:Stack (proj-dev):",
        "    a stack note",
        "",
    ]
    assert [line for line in lines if "still waiting" in line] == [f"    {JOURNAL} a  still waiting"]
    assert lines.index(f"    {JOURNAL} a  still waiting") < start


def test_up_creates_then_a_second_up_is_all_same_with_no_writes(env: Env) -> None:
    def program() -> None:
        a = Journal("a")
        Journal("b", a.computed)
        pulumi.export("computed", a.computed)

    stack = env.stack(program)
    first = stack.up()
    before = len(env.journal())
    second = stack.up()

    assert first.summary.resource_changes == {"create": 3}
    assert env.calls() == ["create a", "create b"]
    assert first.outputs["computed"].value == "computed-v1"
    assert stack.outputs()["computed"].value == "computed-v1"
    assert resources(stack)["b"]["inputs"]["value"] == "computed-v1"
    assert resources(stack)["a"]["outputs"]["region"] == "eu-west-1"  # Configure got the stack config
    assert second.summary.resource_changes == {"same": 3}
    assert {s.op for s in second.steps} == {"same"}
    assert env.journal()[before:] == ["check a", "diff a", "check b", "diff b"]
    assert "Resources: 3 created" in first.stdout and "Resources: 3 unchanged" in second.stdout


def test_state_records_the_default_provider_as_the_engine_does(env: Env) -> None:
    stack = env.stack(program_of(lambda: Journal("a")))
    stack.up()
    state = stack.export_state()["deployment"]["resources"]
    assert [r["type"] for r in state] == ["pulumi:pulumi:Stack", "pulumi:providers:pulumi-python", JOURNAL]
    provider, journal = state[1], state[2]
    assert provider["urn"] == "urn:pulumi:dev::proj::pulumi:providers:pulumi-python::default"
    assert provider["custom"] is True and provider["id"]
    assert provider["inputs"] == provider["outputs"]
    assert provider["inputs"]["aws:region"] == "eu-west-1", "the stack config it was configured with"
    assert is_secret(provider["inputs"]["proj:token"]), "secret config stays marked secret"
    assert journal["provider"] == f"{provider['urn']}::{provider['id']}"

    stack.up()
    assert stack.export_state()["deployment"]["resources"][1]["id"] == provider["id"], "one provider, kept"
    stack.destroy()
    assert stack.export_state()["deployment"]["resources"] == []


def test_changing_an_input_updates_in_place_and_reports_the_changed_keys(env: Env) -> None:
    declared = {"value": "v1"}
    stack = env.stack(program_of(lambda: Journal("a", declared["value"])))
    stack.up()
    old_id = resources(stack)["a"]["id"]
    declared["value"] = "v2"

    preview = stack.preview()
    result = stack.up()

    assert preview.change_summary == {"update": 1, "same": 1}
    assert step(preview.steps, "a").diffs == ("value",)
    update = step(result.steps, "a")
    assert (update.op, update.diffs) == ("update", ("value",))
    assert update.old is not None and update.new is not None
    assert (update.old["inputs"]["value"], update.new["inputs"]["value"]) == ("v1", "v2")
    assert f"  ~ {JOURNAL} a update [diff: ~value]" in result.stdout
    assert '~ value: "v1" => "v2"' in result.stdout
    state = resources(stack)["a"]
    assert state["id"] == old_id and state["outputs"]["previous_value"] == "v1"
    assert env.live()[old_id] == {"value": "v2"}


@pytest.mark.parametrize(
    ("extra", "opts", "deletes_first"),
    [
        ({}, None, False),
        ({"dbr": True}, None, True),
        ({}, pulumi.ResourceOptions(delete_before_replace=True), True),
    ],
    ids=["create-before-delete", "provider-asks-delete-first", "option-asks-delete-first"],
)
def test_replace_orders_create_and_delete_as_the_engine_does(
    env: Env, extra: dict[str, Any], opts: pulumi.ResourceOptions | None, deletes_first: bool
) -> None:
    declared = {"kind": "a"}

    def program() -> None:
        Journal("a", kind=declared["kind"], opts=opts, **extra)
        Journal("bystander")

    stack = env.stack(program)
    stack.up()
    old_id = resources(stack)["a"]["id"]
    declared["kind"] = "b"
    mark = len(env.journal())

    preview = stack.preview()
    assert preview.change_summary == {"replace": 1, "same": 2}
    assert env.calls(mark) == []
    mark = len(env.journal())
    result = stack.up()

    replaced = step(result.steps, "a")
    assert (replaced.op, replaced.diffs, replaced.replaces) == ("replace", ("kind",), ("kind",))
    assert result.summary.resource_changes == {"replace": 1, "same": 2}
    assert env.calls(mark) == (["delete a", "create a"] if deletes_first else ["create a", "delete a"])
    calls_for_a = [line for line in env.journal()[mark:] if line.endswith(" a")]
    assert calls_for_a[:3] == ["check a", "diff a", "check a"]  # a replacement is re-checked as a create
    new_id = resources(stack)["a"]["id"]
    assert new_id != old_id and set(env.live()) == {new_id, resources(stack)["bystander"]["id"]}
    assert not any(item.get("delete") for item in stack.export_state()["deployment"]["resources"])


def test_removed_resources_are_deleted_after_their_dependents(env: Env) -> None:
    declared = {"all": True}

    def program() -> None:
        a = Journal("a")
        if declared["all"]:
            b = Journal("b", a.computed)
            Journal("c", opts=pulumi.ResourceOptions(depends_on=[b]))

    stack = env.stack(program)
    stack.up()
    declared["all"] = False
    mark = len(env.journal())

    preview = stack.preview()
    result = stack.up()

    assert preview.change_summary == {"delete": 2, "same": 2}
    assert env.calls(mark) == ["delete c", "delete b"]
    assert result.summary.resource_changes == {"delete": 2, "same": 2}
    assert set(resources(stack)) == {"a"}


def test_refresh_drops_gone_resources_and_takes_inputs_from_read(env: Env) -> None:
    stack = env.stack(program_of(lambda: [Journal("a"), Journal("b"), Journal("c")]))
    stack.up()
    ids = {name: item["id"] for name, item in resources(stack).items()}
    (env.world / "live" / f"{ids['a']}.json").write_text(json.dumps({"value": "changed out of band"}))
    (env.world / "live" / f"{ids['b']}.json").unlink()

    result = stack.refresh()

    assert result.summary.resource_changes == {"update": 1, "delete": 1, "same": 2}
    drift = step(result.steps, "a")
    assert (drift.op, drift.result_op, drift.diffs) == ("refresh", "update", ("computed", "value"))
    assert step(result.steps, "b").result_op == "delete"
    assert f"  ~ {JOURNAL} a refresh [diff: ~computed,~value]" in result.stdout
    state = resources(stack)
    assert set(state) == {"a", "c"}
    assert state["a"]["inputs"]["value"] == "changed out of band"  # ReadResult.inputs replaced the inputs
    assert is_secret(state["a"]["inputs"][PROVIDER_KEY])
    assert [line for line in env.journal() if line.startswith("read")] != []

    corrected = stack.up()

    assert corrected.summary.resource_changes == {"update": 1, "create": 1, "same": 2}
    assert env.live()[ids["a"]] == {"value": "v1"}


@pytest.mark.parametrize("backend", ["offline", "automation"])
def test_a_refresh_is_an_update_only_where_the_providers_diff_of_what_it_read_finds_changes(
    env: Env, backend: str
) -> None:
    """As the engine does, each read is followed by a Diff (read outputs as olds, recorded inputs as news):
    an output the Diff does not compare changes in state but leaves the refresh the same, with no change
    marked, also when the Diff answers unknown and the inputs read are the recorded ones."""
    program = program_of(lambda: [Journal("a"), Journal("b", diff_unknown=True), Journal("c")])
    stack = env.stack(program) if backend == "offline" else env.cli_stack(program)
    stack.up()
    ids = {name: item["id"] for name, item in resources(stack).items()}
    for name, live in {"a": {"value": "v1", "status": "degraded"}, "b": {"value": "v1", "status": "degraded"}}.items():
        (env.world / "live" / f"{ids[name]}.json").write_text(json.dumps(live))
    (env.world / "live" / f"{ids['c']}.json").write_text(json.dumps({"value": "changed out of band"}))
    mark = len(env.journal())

    result = stack.refresh()

    assert result.summary.resource_changes == {"update": 1, "same": 3}
    assert {s.name: (s.result_op, s.diffs) for s in result.steps if s.name in ("a", "b", "c")} == {
        "a": ("same", ()),
        "b": ("same", ()),
        "c": ("update", ("computed", "value")),
    }
    calls = env.journal()[mark:]
    assert all(calls.index(f"read {name}") < calls.index(f"diff {name}") for name in "abc"), calls
    state = resources(stack)
    assert state["a"]["outputs"]["status"] == state["b"]["outputs"]["status"] == "degraded"


def test_up_with_refresh_reads_everything_before_the_program_runs(env: Env) -> None:
    stack = env.stack(program_of(lambda: [Journal("a"), Journal("b")]))
    stack.up()
    ids = {name: item["id"] for name, item in resources(stack).items()}
    (env.world / "live" / f"{ids['a']}.json").write_text(json.dumps({"value": "changed out of band"}))
    mark = len(env.journal())

    result = stack.up(refresh=True)

    calls = [line.split()[0] for line in env.journal()[mark:]]
    assert sorted(calls[:4]) == ["diff", "diff", "read", "read"] and "read" not in calls[4:], calls
    assert [(s.name, s.op) for s in result.steps if s.name == "a"] == [("a", "refresh"), ("a", "update")]
    assert result.summary.resource_changes == {"update": 1, "same": 2}, "the update's changes only"
    assert result.stdout.index("Refreshing (dev):") < result.stdout.index("Updating (dev):")
    assert env.live()[ids["a"]] == {"value": "v1"}


def test_destroy_deletes_in_reverse_dependency_order_and_honours_retain(env: Env) -> None:
    class Group(pulumi.ComponentResource):
        def __init__(self, name: str) -> None:
            super().__init__("test:index:Group", name)
            self.member = Journal(f"{name}-member", opts=pulumi.ResourceOptions(parent=self))
            self.register_outputs({})

    def program() -> None:
        a = Journal("a")
        b = Journal("b", a.computed)
        Journal("c", opts=pulumi.ResourceOptions(depends_on=[b]))
        Journal("kept", opts=pulumi.ResourceOptions(retain_on_delete=True))
        Group("g")

    stack = env.stack(program)
    stack.up()
    urns = {item["urn"].rsplit("::", 1)[-1]: item["urn"] for item in stack.export_state()["deployment"]["resources"]}
    kept_id = resources(stack)["kept"]["id"]
    mark = len(env.journal())

    result = stack.destroy()

    deletes = env.calls(mark)
    assert deletes.index("delete c") < deletes.index("delete b") < deletes.index("delete a")
    assert "delete kept" not in deletes and kept_id in env.live()  # retained: dropped from state only
    assert urns["g-member"].endswith("::test:index:Group$pulumi-python:dynamic/test:Journal::g-member")
    assert urns["a"] == "urn:pulumi:dev::proj::pulumi-python:dynamic/test:Journal::a"  # no Stack$ prefix
    order = [s.name for s in result.steps]
    assert order.index("g-member") < order.index("g") < order.index("proj-dev")
    assert result.summary.resource_changes == {"delete": 7}  # 5 Journals, the component and the Stack
    assert stack.export_state()["deployment"]["resources"] == []


def test_protected_resources_refuse_destroy(env: Env) -> None:
    stack = env.stack(program_of(lambda: Journal("a", opts=pulumi.ResourceOptions(protect=True))))
    stack.up()

    with pytest.raises(OfflineCommandError, match="currently marked for protection"):
        stack.destroy()

    assert set(resources(stack)) == {"a"} and env.calls()[-1] == "create a"


def test_provider_error_fails_cleanly_and_leaves_the_failing_resource_as_it_was(env: Env) -> None:
    declared: dict[str, Any] = {"value": "v1", "fail": None, "extra": False}

    def program() -> None:
        Journal("a", declared["value"], fail=declared["fail"], fail_in=["update"])
        if declared["extra"]:
            Journal("independent")

    stack = env.stack(program)
    stack.up()
    before = resources(stack)["a"]
    declared.update(value="v2", fail="alice@new.example is already the primary address of user-2", extra=True)

    with pytest.raises(CommandError) as caught:
        stack.up()

    error = caught.value
    assert isinstance(error, OfflineCommandError)
    assert error.message == "alice@new.example is already the primary address of user-2"
    assert str(error) == f"{JOURNAL} resource 'a': update failed: {error.message}"
    assert "Traceback" not in error.stdout and "grpc" not in error.stdout.lower()
    assert f"error: {JOURNAL} a: {error.message}" in error.stdout
    assert resources(stack)["a"] == before  # the failing resource's state is unchanged

    declared.update(fail=None)
    result = stack.up()

    assert step(result.steps, "a").op == "update"
    assert resources(stack)["a"]["inputs"]["value"] == "v2"


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {"value": "invalid"},
            f"{JOURNAL} resource 'a': property value value {{invalid}} has a problem: must not be 'invalid'",
        ),
        ({"kind": ""}, f"{JOURNAL} resource 'a' has a problem: kind must not be empty"),
    ],
)
def test_check_failures_fail_preview_and_up_with_the_engine_text(
    env: Env, kwargs: dict[str, Any], expected: str
) -> None:
    stack = env.stack(program_of(lambda: Journal("a", **kwargs)))

    with pytest.raises(OfflineCommandError) as previewed:
        stack.preview()
    with pytest.raises(OfflineCommandError) as applied:
        stack.up()

    assert previewed.value.message == expected and str(applied.value) == expected
    assert env.calls() == [] and resources(stack) == {}


def test_secrets_are_stripped_on_the_wire_and_marked_in_state(env: Env) -> None:
    def program() -> None:
        a = Journal("a", password=pulumi.Output.secret("hunter2"))
        pulumi.export("password", a.password)  # type: ignore[attr-defined]
        pulumi.export("plain", a.computed)

    stack = env.stack(program)
    result = stack.up()

    state = resources(stack)["a"]
    for section in ("inputs", "outputs"):
        assert is_secret(state[section][PROVIDER_KEY]), section
        assert state[section]["password"] == {**state[section]["password"], "value": "hunter2"}
        assert is_secret(state[section]["password"]), section
    assert state["outputs"]["token_seen"] is True  # secret config reached configure() unwrapped
    assert not is_secret(state["outputs"]["computed"])
    assert (result.outputs["password"].value, result.outputs["password"].secret) == ("hunter2", True)
    assert result.outputs["plain"].secret is False
    assert "hunter2" not in result.stdout and "password: [secret]" in result.stdout
    assert stack.get_all_config()["proj:token"].secret
    assert stack.export_state()["config"]["proj:token"] == {"value": "t0k3n", "secret": True}


def test_same_step_keeps_old_outputs_and_diff_unknown_compares_provider_too(env: Env) -> None:
    declared: dict[str, Any] = {"label": "one", "diff_unknown": False}

    def program() -> None:
        Journal("a", label=declared["label"], diff_unknown=declared["diff_unknown"] or None)

    stack = env.stack(program)
    stack.up()
    original = resources(stack)["a"]
    declared["label"] = "two"  # a different pickle, which our diff() ignores: DIFF_NONE

    same = stack.up()

    state = resources(stack)["a"]
    assert step(same.steps, "a").op == "same" and env.calls()[-1] == "create a"
    assert state["inputs"][PROVIDER_KEY] != original["inputs"][PROVIDER_KEY]
    assert state["outputs"][PROVIDER_KEY] == original["outputs"][PROVIDER_KEY]  # the Same-step rule

    declared.update(diff_unknown=True)  # the default diff(): the runner compares inputs itself
    stack.up()
    declared["label"] = "three"  # only __provider differs
    updated = stack.up()

    assert step(updated.steps, "a").op == "update" and step(updated.steps, "a").diffs == ()
    assert env.calls()[-1] == "update a"
    assert step(stack.up().steps, "a").op == "same"


def test_ignore_changes_keeps_the_old_input(env: Env) -> None:
    declared = {"value": "v1"}
    ignored = pulumi.ResourceOptions(ignore_changes=["value"])
    stack = env.stack(program_of(lambda: Journal("a", declared["value"], opts=ignored)))
    stack.up()
    declared["value"] = "v2"

    result = stack.up()

    assert step(result.steps, "a").op == "same"
    assert resources(stack)["a"]["inputs"]["value"] == "v1"


def test_program_exception_fails_with_its_message_and_changes_nothing(env: Env) -> None:
    declared = {"broken": False}

    def program() -> None:
        Journal("a")
        if declared["broken"]:
            raise ValueError("organizationId is missing from the stack config")

    stack = env.stack(program)
    stack.up()
    before = stack.export_state()
    declared["broken"] = True

    with pytest.raises(OfflineCommandError) as caught:
        stack.up()

    assert caught.value.message == "organizationId is missing from the stack config"
    assert stack.export_state() == before  # no deletes after a failed program


def test_resources_declared_in_applies_wave_after_wave_are_all_created(env: Env) -> None:
    """The runner settles outstanding outputs itself; anything an apply starts late must still be waited for."""

    def chain(level: int, value: str) -> None:
        if level < 4:
            Journal(f"r{level}", value).computed.apply(lambda computed: chain(level + 1, computed))

    def program() -> None:
        for i in range(10):
            Journal(f"flat{i}")
        chain(0, "seed")

    result = env.stack(program).up()

    assert result.summary.resource_changes == {"create": 15}
    assert [c for c in env.calls() if c.startswith("create r")] == [f"create r{i}" for i in range(4)]


def test_error_raised_in_an_apply_fails_the_run_with_its_message(env: Env) -> None:
    def fail(_: str) -> None:
        raise ValueError("the entity list is empty")

    def program() -> None:
        Journal("a").computed.apply(fail)

    with pytest.raises(OfflineCommandError, match="the entity list is empty"):
        env.stack(program).up()


def test_expect_no_changes_fails_when_something_would_change(env: Env) -> None:
    declared = {"value": "v1"}
    stack = env.stack(program_of(lambda: Journal("a", declared["value"])))
    stack.up()
    stack.up(expect_no_changes=True)
    declared["value"] = "v2"

    with pytest.raises(OfflineCommandError, match="no changes were expected"):
        stack.up(expect_no_changes=True)

    assert env.calls()[-1] == "create a"


def test_work_dir_program_runs_fresh_each_time_with_project_from_pulumi_yaml(env: Env, tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: wd-project\nruntime:\n  name: python\n")
    (project / "settings.py").write_text("SUFFIX = '-one'\n")
    main = textwrap.dedent(
        """
        import pulumi
        import settings
        from tests.pulumi_workmail.testing.journal_provider import Journal

        config = pulumi.Config()
        thing = Journal("thing", config.require("value") + settings.SUFFIX)
        pulumi.export("value", thing.value)
        pulumi.export("cwd_has_settings", __import__("os").path.exists("settings.py"))
        """
    )
    (project / "__main__.py").write_text(main)
    stack = env.stack(work_dir=project)
    stack.set_config("value", "declared")

    first = stack.up()
    (project / "settings.py").write_text("SUFFIX = '-two'\n")
    second = stack.up()

    assert stack.state_file == tmp_path / "state" / "wd-project" / "dev.json" and stack.state_file.exists()
    assert first.outputs["value"].value == "declared-one" and first.outputs["cwd_has_settings"].value is True
    assert second.outputs["value"].value == "declared-two"  # the helper module was imported afresh
    assert step(second.steps, "thing").op == "update"
    assert "settings" not in __import__("sys").modules


class UserMocks(pulumi.runtime.Mocks):
    """Stands in for pulumi-aws, as ``set_mocks`` tests do; the dynamic resource still hits the real server."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"user-{args.name}", {**args.inputs, "user_id": f"user-{args.name}"}

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], None]:
        return {}, None


def test_other_providers_resources_need_mocks_and_wire_into_dynamic_ones(env: Env) -> None:
    def program() -> None:
        user = pulumi.CustomResource("aws:workmail/user:User", "u", {"name": "alice", "user_id": None})
        Journal("a", user.user_id)  # type: ignore[attr-defined]

    bare = env.stack(program)
    with pytest.raises(OfflineCommandError, match="pass mocks= to OfflineStack"):
        bare.up()

    stack = OfflineStack(
        "mocked", program=program, project_name="proj", state_dir=env.tmp_path / "state", env=env.env, mocks=UserMocks()
    )
    first = stack.up()
    second = stack.up()

    assert resources(stack)["a"]["inputs"]["value"] == "user-u" and env.calls() == ["create a"]
    assert step(first.steps, "u").op == "create" and step(second.steps, "u").op == "same"


def sdk_state_seen_from(fresh_context: bool) -> tuple[object, ...]:
    """What SDK code would see, on this thread or on a new one (the SDK keeps settings in context vars)."""

    def read() -> tuple[object, ...]:
        settings = sdk_settings.SETTINGS
        return (settings.monitor, settings.project, settings.stack, settings.dry_run, sdk_settings.get_root_resource())

    if not fresh_context:
        return read()
    seen: list[tuple[object, ...]] = []
    thread = threading.Thread(target=contextvars.Context().run, args=(lambda: seen.append(read()),))
    thread.start()
    thread.join()
    return seen[0]


@pytest.mark.parametrize("fresh_context", [False, True], ids=["this-thread", "new-thread"])
def test_runs_leave_no_sdk_state_behind(env: Env, fresh_context: bool) -> None:
    before = sdk_state_seen_from(fresh_context)
    stack = env.stack(program_of(lambda: Journal("a")))

    stack.preview()
    stack.up()

    assert sdk_state_seen_from(fresh_context) == before


def test_thirty_creates_overlap_on_the_provider_servers_workers(env: Env) -> None:
    count, delay = 30, 0.1
    stack = env.stack(program_of(lambda: [Journal(f"r{i:02d}", sleep=delay) for i in range(count)]))

    result = stack.up()

    assert result.summary.resource_changes == {"create": count + 1}
    spans = []
    for line in (env.world / "journal").read_text().splitlines():
        if match := re.match(r"create-(start|end) (\S+) (\S+)", line):
            spans.append((float(match.group(3)), 1 if match.group(1) == "start" else -1))
    running = peak = 0
    for _, change in sorted(spans):
        running += change
        peak = max(peak, running)
    assert peak >= 3  # several creates were in flight at once (the server has four workers)
