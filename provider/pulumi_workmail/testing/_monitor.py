"""The resource monitor the program's SDK talks to: ``MockMonitor`` with the engine's side filled in.

The program runs under ``pulumi.runtime.mocks``, but its registrations must become real provider steps
with the engine's URNs and options, so every RegisterResource, and a dynamic resource's ReadResource,
goes to the :class:`~._deployment.Deployment`; only other providers' resources and invokes go to the
caller's mocks, and without them fail clearly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from google.protobuf import empty_pb2
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockCallArgs, MockEngine, MockMonitor, MockResourceArgs, Mocks
from pulumi.runtime.proto import resource_pb2

from ._engine import log_message
from ._state import STACK_TYPE, is_dynamic_type
from ._wire import make_urn, parse_urn, to_struct, wire_props

if TYPE_CHECKING:  # the deployment catches this module's NoMocksError, so it cannot be imported here
    from ._deployment import Deployment


class NoMocksError(Exception):
    """A non-dynamic resource or an invoke with no ``mocks=`` to stand in for its provider plugin."""


class ProgramMocks(Mocks):
    """Delegates to the caller's mocks; without them, other providers' resources and invokes fail clearly."""

    def __init__(self, mocks: Mocks | None) -> None:
        self._mocks = mocks

    def call(self, args: MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        if self._mocks is None:
            raise NoMocksError(
                f"invoke {args.token}: the offline runner has no provider plugins; pass mocks= to OfflineStack"
            )
        return self._mocks.call(args)

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        if self._mocks is None:
            raise NoMocksError(
                f"{args.typ} resource '{args.name}': the offline runner runs only Python dynamic resources and "
                "has no provider plugin for this type; pass mocks= to OfflineStack to stand in for it"
            )
        return self._mocks.new_resource(args)


class Monitor(MockMonitor):
    """``MockMonitor`` with the engine's side filled in: every registration goes through the deployment.

    Subclassing (rather than implementing ``Mocks.new_resource``) gives access to the raw
    ``RegisterResourceRequest``: dependencies, parent and the resource options the engine acts on.
    """

    def __init__(self, deployment: Deployment, mocks: Mocks) -> None:
        super().__init__(mocks)
        self._deployment = deployment

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """The engine's URN: the parent's full qualified type is prefixed, except for the root Stack.

        ``MockMonitor`` prefixes only the parent's last type segment and does so for the Stack too, which
        would give every resource a URN the CLI never produces.
        """
        qualified = type_
        if parent:
            parsed = parse_urn(parent)
            if parsed is None:
                raise ValueError(f"the parent {parent!r} is not a URN")
            if parsed.qualified_type != STACK_TYPE:
                qualified = f"{parsed.qualified_type}${type_}"
        return make_urn(self._deployment.stack, self._deployment.project, qualified, name)

    def RegisterResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)

        def new_mock_resource() -> tuple[str | None, dict[str, Any]]:
            args = MockResourceArgs(
                typ=request.type,
                name=request.name,
                inputs=rpc.deserialize_properties(request.object),
                provider=request.provider,
                resource_id=request.importId,
                custom=request.custom or False,
            )
            return self.mocks.new_resource(args)

        id_, outputs = self._deployment.register(urn, request, new_mock_resource)
        self.resources[urn] = MockMonitor.ResourceRegistration(urn, id_, outputs)
        if request.type == STACK_TYPE:
            return resource_pb2.RegisterResourceResponse(urn=urn)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=id_, object=to_struct(outputs))

    def RegisterResourceOutputs(self, request: Any) -> Any:
        self._deployment.register_outputs(request.urn, wire_props(request.outputs))
        return empty_pb2.Empty()

    def ReadResource(self, request: Any) -> Any:
        """A ``get`` (or ``id=`` in the options): a dynamic resource's becomes the deployment's read step,
        answered as the engine answers (the outputs read, the id, whether they are unknown)."""
        if not is_dynamic_type(request.type):
            return cast(Any, super()).ReadResource(request)
        urn = self.make_urn(request.parent, request.type, request.name)
        id_, outputs, unknown = self._deployment.read(urn, request)
        self.resources[urn] = MockMonitor.ResourceRegistration(urn, id_, outputs)
        return resource_pb2.ReadResourceResponse(urn=urn, id=id_, properties=to_struct(outputs), unknown=unknown)


class ProgramEngine(MockEngine):
    """The engine the program logs to (``pulumi.log``): each message goes to the run's Diagnostics under
    the resource it names (the Stack when it names none), as the CLI shows program messages."""

    def __init__(self, deployment: Deployment) -> None:
        super().__init__(None)
        self._deployment = deployment

    def Log(self, request: Any) -> None:
        self._deployment.diagnostic(log_message(request))
