"""Test support: drive the real Pulumi dynamic-provider server over gRPC, exactly as the engine does.

See :mod:`pulumi_workmail.testing._server` for why this exists and how calls map to the engine's, and
:mod:`pulumi_workmail.testing._stack` for ``OfflineStack``, which runs a whole program that way (a test
and demo driver, not the Pulumi engine; its docstring lists where the two differ).
"""

from ._automation import AutomationStack, cli_available
from ._results import (
    DestroyResult,
    OfflineCommandError,
    PreviewResult,
    RefreshResult,
    Step,
    UpdateSummary,
    UpResult,
)
from ._server import (
    CheckFailure,
    CheckResponse,
    CreateResponse,
    DiffChanges,
    DiffResponse,
    ProviderCapabilities,
    ProviderError,
    ProviderLogs,
    ProviderServer,
    ProviderStartError,
    ReadResponse,
    serialize_provider,
)
from ._stack import OfflineStack
from ._wire import (
    PROVIDER_KEY,
    SECRET_SIG,
    SIG_KEY,
    UNKNOWN,
    is_secret,
    unwrap_secrets,
    wrap_secret,
    wrap_secrets,
)

__all__ = [
    "PROVIDER_KEY",
    "SECRET_SIG",
    "SIG_KEY",
    "UNKNOWN",
    "AutomationStack",
    "CheckFailure",
    "CheckResponse",
    "CreateResponse",
    "DestroyResult",
    "DiffChanges",
    "DiffResponse",
    "OfflineCommandError",
    "OfflineStack",
    "PreviewResult",
    "ProviderCapabilities",
    "ProviderError",
    "ProviderLogs",
    "ProviderServer",
    "ProviderStartError",
    "ReadResponse",
    "RefreshResult",
    "Step",
    "UpResult",
    "UpdateSummary",
    "cli_available",
    "is_secret",
    "serialize_provider",
    "unwrap_secrets",
    "wrap_secret",
    "wrap_secrets",
]
