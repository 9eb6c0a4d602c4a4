"""Identifiers: ULIDs, sortable by creation time.

The ULID library is imported when an id is first made or checked: at import it reads its own
package metadata (importlib.metadata, the email parser), a few milliseconds of every cold start.
"""

from __future__ import annotations


def new_id() -> str:
    from ulid import ULID

    return str(ULID())


def is_id(value: str) -> bool:
    from ulid import ULID

    try:
        ULID.from_str(value)
    except ValueError:
        return False
    return True
