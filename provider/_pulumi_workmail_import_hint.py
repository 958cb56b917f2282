"""Run by ``pulumi_workmail_import_hint.pth`` when any interpreter of an environment with pulumi-workmail
starts; it acts only in a Python dynamic-provider process (``python -m pulumi.dynamic``).

``pulumi import`` of a Python dynamic resource sends the provider no properties, so the SDK's provider
server cannot find the pickled provider and answers with a ``KeyError: '__provider'`` traceback before
any code of ours runs (pulumi/pulumi#16175). This turns that one answer into a message that says what to
do instead; every other answer stays as the SDK makes it. Kept apart from the package so that starting
an interpreter never imports pulumi or boto3.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Sequence
from typing import Any

PROVIDER_KEY = "__provider"
MESSAGE = (
    "pulumi import cannot import resources of Python dynamic providers: the engine sends the provider "
    "nothing to find its code with (pulumi/pulumi#16175). For pulumi-workmail's EntityPrimaryEmail, "
    "declare the resource in the program instead: its first `pulumi up` adopts the entity as it is, "
    "writing nothing when the declared email is already primary, and records the primary it found as "
    "original_email."
)


def is_dynamic_provider(argv: Sequence[str]) -> bool:
    """Whether the interpreter's command line runs the SDK's dynamic-provider server."""
    args = list(argv)
    return "-mpulumi.dynamic" in args or ("-m", "pulumi.dynamic") in itertools.pairwise(args)


def install() -> None:
    """Wrap ``traceback.format_exc``, which the SDK's server uses to answer a failed call."""
    import traceback

    real = traceback.format_exc

    def format_exc(*args: Any, **kwargs: Any) -> str:
        error = sys.exc_info()[1]
        if isinstance(error, KeyError) and error.args == (PROVIDER_KEY,):
            return MESSAGE
        return real(*args, **kwargs)

    traceback.format_exc = format_exc


if is_dynamic_provider(getattr(sys, "orig_argv", ())):
    install()
