"""Pagination of List* answers: offsets carried in signed tokens.

A token names where the next page starts, is signed with a key that lives as long as the process, and is
bound to the listing it came from (an organization's users with given filters, say), so a token is
refused when forged, reused for another listing, or replayed after a restart. Each token also carries a
nonce, so no two pages ever get the same token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import TypeVar

from . import exceptions as exc

T = TypeVar("T")


class Pager:
    """Cuts lists into pages and checks the tokens it issued."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(16)

    def page(self, items: list[T], size: int, token: str | None, context: str) -> tuple[list[T], str | None]:
        """The page of ``items`` that ``token`` (none: the first) starts, and the token of the next one."""
        offset = self._decode(token, context) if token else 0
        page = items[offset : offset + size]
        end = offset + len(page)
        return page, (self._encode(end, context) if end < len(items) else None)

    def _sign(self, body: str) -> str:
        return hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()[:24]

    def _encode(self, offset: int, context: str) -> str:
        body = f"{offset}:{secrets.token_hex(4)}:{_fingerprint(context)}"
        return base64.b64encode(f"{body}:{self._sign(body)}".encode()).decode()

    def _decode(self, token: str, context: str) -> int:
        try:
            body, sig = base64.b64decode(token, validate=True).decode().rsplit(":", 1)
            offset, _nonce, ctx = body.split(":")
            if hmac.compare_digest(sig, self._sign(body)) and ctx == _fingerprint(context):
                return int(offset)
        except (ValueError, UnicodeDecodeError):
            pass
        raise exc.InvalidParameterException("The pagination token is invalid or expired.")


def _fingerprint(context: str) -> str:
    return hashlib.sha256(context.encode()).hexdigest()[:12]
