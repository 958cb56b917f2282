"""Secret addresses: which outputs Pulumi must encrypt, and what messages may not quote.

The Python dynamic-provider server tells the engine it does not accept secrets, so the engine strips them
before each call and marks as secret only the outputs whose same-named input was secret. Outputs derived
from a secret address (``original_email``, ``added_aliases``, ``removed_aliases``) would be stored and
shown in plain, and the provider could not tell that the addresses it quotes in notes and errors are secret.

Both are mended here. In the program, ``register_secrets`` adds the hidden input ``__secret_inputs``: a
coroutine the SDK awaits with the other inputs, before it reads ``additional_secret_outputs`` (the SDK's
``register_resource`` reads the options only once ``prepare_resource`` has awaited every input), so the
coroutine can name the derived outputs there once it knows which inputs are secret. Its value, the names
of the secret inputs, reaches the provider, which keeps it in its outputs (so delete and refresh know it
too); while an engine call of such a resource runs (``censoring``), ``censor`` writes ``[secret]`` for
every address in a message, and for the secret inputs' values. The diff never compares ``__`` keys.
"""

from __future__ import annotations

import contextvars
import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar, cast

SECRET_INPUTS = "__secret_inputs"
CENSORED = "[secret]"

# An address as messages quote it: no spaces, quotes or brackets, and no final dot (a sentence's end).
_ADDRESS = re.compile(r"[^\s@'\"`()<>\[\],;:]+@[^\s@'\"`()<>\[\],;:]*[^\s@'\"`()<>\[\],;:.]")

_SECRETS: contextvars.ContextVar[frozenset[str] | None] = contextvars.ContextVar(
    "pulumi_workmail_secrets", default=None
)

F = TypeVar("F", bound=Callable[..., Any])


def censor(text: str, secrets: Iterable[str] | None = None) -> str:
    """``text`` with ``[secret]`` for every address and every one of ``secrets`` (case-insensitively), when
    ``secrets`` is given or an engine call of a resource with secret inputs is running; else unchanged."""
    values = _SECRETS.get() if secrets is None else frozenset(secrets)
    if values is None:
        return text
    text = _ADDRESS.sub(CENSORED, text)
    for value in sorted((v for v in values if v), key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", CENSORED, text, flags=re.IGNORECASE)
    return text


def secret_values(props: Mapping[str, Any]) -> frozenset[str] | None:
    """The values of the inputs ``props`` names as secret (``SECRET_INPUTS``); None when it names none."""
    names = props.get(SECRET_INPUTS)
    if not isinstance(names, (list, tuple)) or not names:
        return None
    values: set[str] = set()
    for name in names:
        value = props.get(name) if isinstance(name, str) else None
        items = value if isinstance(value, (list, tuple)) else [value]
        values.update(item for item in items if isinstance(item, str))
    return frozenset(values)


def censoring(method: F) -> F:
    """An engine call (``check``, ``diff``, ``create``, ...) during which messages are censored when any of
    its property maps names secret inputs; a check's failures are censored as well."""

    @functools.wraps(method)
    def call(self: Any, *args: Any) -> Any:
        found = [values for arg in args if isinstance(arg, Mapping) and (values := secret_values(arg)) is not None]
        secrets = frozenset().union(*found) if found else None
        token = _SECRETS.set(secrets)
        try:
            result = method(self, *args)
            failures = getattr(result, "failures", None)
            if secrets is not None and failures:
                for failure in failures:
                    failure.reason = censor(failure.reason)
            return result
        finally:
            _SECRETS.reset(token)

    return cast(F, call)


# ------------------------------------------------------------------ in the program


def register_secrets(
    props: dict[str, Any], opts: Any, watched: Sequence[str], derived: Sequence[str]
) -> tuple[dict[str, Any], Any]:
    """``props`` with the hidden input ``SECRET_INPUTS`` (the names of the secret ``watched`` inputs, or
    none), and a copy of ``opts`` whose
    ``additional_secret_outputs`` (the user's, if any) gains ``derived`` once any ``watched`` input turns
    out to be secret; never when none is."""
    import pulumi

    merged = pulumi.ResourceOptions.merge(opts, None)
    marked = list(merged.additional_secret_outputs or [])
    merged.additional_secret_outputs = marked  # a list of our own, filled before the SDK reads it
    props = dict(props)
    # One Output per watched input, for the SDK and us to share: an awaitable input is awaited once.
    outputs = {name: pulumi.Output.from_input(props[name]) for name in watched if props.get(name) is not None}
    props.update(outputs)

    async def secret_inputs() -> list[str] | None:
        names = [name for name, output in outputs.items() if await output.is_secret()]
        if not names:
            return None  # the SDK sends no property for None: a resource without secrets has no such input
        marked.extend(name for name in derived if name not in marked)
        return names

    props[SECRET_INPUTS] = secret_inputs()
    return props, merged
