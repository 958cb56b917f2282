"""What the provider process takes from the stack config and its environment, read and checked once.

``Settings.load`` runs in ``configure`` (or at the first engine call, where nothing configured the
provider), so a bad value fails that call with a message naming the variable, before any write; nothing
else in the provider reads the environment for its own settings. (botocore still reads its own:
credentials, ``AWS_MAX_ATTEMPTS`` ...)
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from .clients import Endpoint
from .errors import problem
from .journal import Journal
from .terms import Code

POLL_ENV = "PULUMI_WORKMAIL_POLL_SECONDS"
POLL_DEFAULT_SECONDS = 0.5
POLL_MAX_SECONDS = 60.0
BATCH_ENV = "PULUMI_WORKMAIL_BATCH_READS"
# Stack config: false trades the update's first read (and its "changed outside Pulumi" warning) for one
# request less; `pulumi up --refresh` then is how a hand-made change shows.
CHECK_BEFORE_UPDATE_KEY = "workmail:checkBeforeUpdate"
_FLAGS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


class StackConfig(Protocol):
    """The stack config as the SDK's ``Config`` (or a plain mapping) offers it."""

    def get(self, key: str) -> Any: ...


@dataclass(frozen=True)
class Settings:
    region: str | None  # aws:region, else AWS_REGION; a resource's own `region` wins over both
    profile: str | None  # aws:profile, else AWS_PROFILE
    check_before_update: bool  # workmail:checkBeforeUpdate
    poll_seconds: float  # the first pause between reads while WorkMail catches up
    batch_reads: bool  # answer many reads of one organization from List* pages
    journal: Journal  # where creates note the primary they replace
    endpoint: Endpoint  # AWS_ENDPOINT_URL_WORKMAIL (or AWS_ENDPOINT_URL) and AWS_RETRY_MODE

    @classmethod
    def load(
        cls,
        config: StackConfig,
        environ: Mapping[str, str] = os.environ,
        *,
        warn: Callable[[str], None] = print,
    ) -> Settings:
        """Raise a ``WorkMailProviderError`` naming the variable for a value that cannot work."""
        return cls(
            region=config.get("aws:region") or environ.get("AWS_REGION") or None,
            profile=config.get("aws:profile") or environ.get("AWS_PROFILE") or None,
            check_before_update=config_flag(
                CHECK_BEFORE_UPDATE_KEY, config.get(CHECK_BEFORE_UPDATE_KEY), default=True, warn=warn
            ),
            poll_seconds=_poll_seconds(environ.get(POLL_ENV, "")),
            batch_reads=_batch_reads(environ.get(BATCH_ENV, "1")),
            journal=Journal.from_environment(environ),
            endpoint=Endpoint(
                url=environ.get("AWS_ENDPOINT_URL_WORKMAIL") or environ.get("AWS_ENDPOINT_URL") or None,
                retry_mode=environ.get("AWS_RETRY_MODE") or None,
            ),
        )


def config_flag(key: str, value: object, default: bool, *, warn: Callable[[str], None]) -> bool:
    """A boolean stack setting (a string from `pulumi config set`, or a YAML boolean); an unreadable one
    keeps the (safe) default and says so."""
    if isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip()
    if not text:
        return default
    flag = _FLAGS.get(text.lower())
    if flag is None:
        warn(f"stack config {key} is {value!r}; expected true or false, so using {str(default).lower()}.")
        return default
    return flag


def _poll_seconds(text: str) -> float:
    """A negative, zero (a busy poll), huge or non-numeric value is refused."""
    text = text.strip()
    if not text:
        return POLL_DEFAULT_SECONDS
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (0 < value <= POLL_MAX_SECONDS):  # also refuses nan and inf
        raise problem(
            Code.INVALID_CONFIGURATION,
            variable=POLL_ENV,
            value=text[:40],
            expected=f"set it to a number of seconds greater than 0 and at most {POLL_MAX_SECONDS:g} (the first "
            "pause between reads while WorkMail catches up)",
        )
    return value


def _batch_reads(text: str) -> bool:
    text = text.strip()
    if text not in ("0", "1"):
        raise problem(
            Code.INVALID_CONFIGURATION,
            variable=BATCH_ENV,
            value=text[:40],
            expected="set it to 1 (answer many reads from List* pages) or 0",
        )
    return text == "1"
