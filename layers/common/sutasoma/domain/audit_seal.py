"""The seal of an archived audit record: one canonical text per record and its SHA-256, so
that a record changed after it was archived is seen (docs/security.md "Audit trail")."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any


def canonical_json(value: Any) -> str:
    """One text per value: sorted keys, no spaces, sets as sorted lists, UTF-8 kept as is."""

    def plain(v: Any) -> Any:
        if isinstance(v, set | frozenset):
            return sorted(plain(x) for x in v)
        if isinstance(v, dict):
            return {str(k): plain(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [plain(x) for x in v]
        return v

    return json.dumps(plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(item: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(item).encode("utf-8")).hexdigest()


def sealed(item: Mapping[str, Any]) -> bytes:
    """The archived object's body: the item and its SHA-256."""
    return canonical_json({"item": dict(item), "sha256": digest(item)}).encode("utf-8")


def unsealed(body: bytes) -> dict[str, Any] | None:
    """The item of an archived body, or None when the body does not match its own SHA-256."""
    try:
        parsed = json.loads(body)
        item: dict[str, Any] = parsed["item"]
        if parsed["sha256"] != digest(item):
            return None
    except (ValueError, KeyError, TypeError):
        return None
    return item
