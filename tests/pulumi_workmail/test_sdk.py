"""The Pulumi SDK internals the provider leans on still look as they were read.

The server module starts serving when imported, so these read its source instead."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

from pulumi_workmail import _sdk


def server_source() -> str:
    spec = importlib.util.find_spec(_sdk.SERVER_MODULE)
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).read_text()


def test_the_installed_sdk_is_the_one_these_internals_were_read_for() -> None:
    assert _sdk.sdk_version() == _sdk.SDK_READ_FOR, (
        "a new pulumi SDK: read pulumi/dynamic/__main__.py again for what pulumi_workmail._sdk relies on, "
        "then update SDK_READ_FOR"
    )


def test_the_server_answers_a_failed_call_with_format_exc_of_its_traceback_module() -> None:
    source = server_source()
    assert "import traceback" in source and "traceback.format_exc()" in source


def test_each_request_handler_takes_request_by_that_name() -> None:
    tree = ast.parse(server_source())
    (servicer,) = (
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef) and node.name == "DynamicResourceProviderServicer"
    )
    handlers = {node.name: node for node in servicer.body if isinstance(node, ast.FunctionDef)}
    for name in _sdk.REQUEST_HANDLERS:
        assert "request" in [arg.arg for arg in handlers[name].args.args], name


def test_the_runner_pickles_a_provider_as_a_dynamic_resource_would() -> None:
    import base64

    import dill

    from pulumi_workmail import EntityPrimaryEmailProvider

    provider = dill.loads(base64.b64decode(_sdk.serialize_provider(EntityPrimaryEmailProvider())))
    assert type(provider) is EntityPrimaryEmailProvider


def test_no_program_work_is_pending_outside_a_program() -> None:
    assert _sdk.pending_program_work() == []
