"""The organization most suites seed the emulator with, in one place: acme's users, group and domains."""

from __future__ import annotations

from typing import Any


def acme(alias: str = "acme", organization_id: str | None = None) -> dict[str, Any]:
    """alice (primary alice@example.com, alias al@example.com), bob, the group sales, and three verified
    domains: example.com, new.example and old.example. A fresh copy each call: tests may change it."""
    organization: dict[str, Any] = {
        "alias": alias,
        "domains": [
            {"name": "example.com", "verified": True},
            {"name": "new.example", "verified": True},
            {"name": "old.example", "verified": True},
        ],
        "users": [
            {"name": "alice", "email": "alice@example.com", "aliases": ["al@example.com"]},
            {"name": "bob", "email": "bob@example.com"},
        ],
        "groups": [{"name": "sales", "email": "sales@example.com"}],
    }
    if organization_id is not None:
        organization["id"] = organization_id
    return organization


def seed(*organizations: dict[str, Any]) -> dict[str, Any]:
    return {"organizations": list(organizations)}
