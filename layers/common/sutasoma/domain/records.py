"""The base of every stored record: an immutable, typed value.

Records are what the use cases decide on and what the adapters store. A change is a new
record (`but(...)`), never an edit in place, so a use case can hand the adapter both the
record it read and the one it wants, and the adapter writes the difference under a version
check (domain/changes.py).
"""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict


class Record(BaseModel):
    # defer_build: a record type's validator is built on first use, not at every cold start.
    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    def but(self, **changes: Any) -> Self:
        """This record with `changes` applied (None clears an optional field)."""
        return self.model_copy(update=changes)

    def stored(self) -> dict[str, Any]:
        """JSON-compatible fields, unset optional ones left out."""
        return self.model_dump(mode="json", exclude_none=True)


class Versioned(Record):
    """A record that changes over time: each stored change moves `version` on by one, and a
    change is written only over the version it was decided on (optimistic locking)."""

    version: int = 1

    def next(self, **changes: Any) -> Self:
        """This record's next version, with `changes`."""
        return self.model_copy(update={**changes, "version": self.version + 1})
