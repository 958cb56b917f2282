"""What the provider tells the user as it works: progress on a resource's row, notes and warnings under it.

Through the engine's Log service (``engine_log``) where the engine started this process, so the CLI shows
each beside its resource; printed otherwise (the provider used directly, the offline runner). A resource
given secret addresses has them written ``[secret]`` (``secrecy.censor``).
"""

from __future__ import annotations

from . import engine_log
from .errors import one_line
from .secrecy import censor


def progress(message: str) -> None:
    """A passing note of what the provider waits for: shown on the resource's row by the CLI (the engine's
    Log service, ephemeral), printed where no engine started the provider."""
    message = censor(one_line(message))
    if not engine_log.info(message):
        print(f"info: {message}", flush=True)


def note(message: str) -> None:
    """A note the reader of a preview or an update should keep (the CLI lists it under the resource);
    printed where no engine started the provider."""
    message = censor(one_line(message))
    if not engine_log.info(message, ephemeral=False):
        print(f"info: {message}", flush=True)


def warn(message: str) -> None:
    """A warning of the resource being worked on, through the engine's Log service where the engine
    started this process (the CLI counts it and shows it under that resource); printed otherwise."""
    message = censor(one_line(message))
    if not engine_log.warning(message):
        print(f"warning: {message}", flush=True)
