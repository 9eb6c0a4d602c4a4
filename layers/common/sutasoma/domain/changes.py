"""Change-sets: what a use case decided to write, typed, with no storage detail in sight.

A write use case is a pure *decide* step that returns a ChangeSet, then one *commit* that an
adapter turns into a single DynamoDB transaction (all or nothing). Only the adapter knows
keys and expressions (adapters/dynamo/).
"""

from __future__ import annotations

from dataclasses import dataclass

from sutasoma.domain.audit import AuditRecord
from sutasoma.domain.counters import Count, PopulationDelta
from sutasoma.domain.farmer import FarmerRecord
from sutasoma.domain.outbox import OutboxEntry
from sutasoma.domain.population import population_delta
from sutasoma.domain.records import Record, Versioned


@dataclass(frozen=True)
class Created:
    """A new record, written only if nothing has its key yet (else a WriteConflict)."""

    record: Record


@dataclass(frozen=True)
class Updated:
    """A record moved from `before` to `after`, written only if it is still `before` (its
    `version`): a change decided on a stale read is refused, never applied over another."""

    before: Versioned
    after: Versioned

    def __post_init__(self) -> None:
        if self.after.version != self.before.version + 1:
            raise ValueError("an update writes the next version of the record it read (use .next())")

    def changed_fields(self) -> set[str]:
        """The stored fields whose value the update changes, sets or clears."""
        before, after = self.before.stored(), self.after.stored()
        return {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}


@dataclass(frozen=True)
class Deleted:
    """A record removed, only if it is still the one that was read (a NIK claim moving)."""

    record: Record


Write = Created | Updated | Deleted


@dataclass(frozen=True)
class ChangeSet:
    """Everything one use case writes, committed together or not at all."""

    writes: tuple[Write, ...] = ()
    counts: tuple[Count, ...] = ()
    outbox: tuple[OutboxEntry, ...] = ()
    audit: tuple[AuditRecord, ...] = ()

    def __add__(self, other: ChangeSet) -> ChangeSet:
        return ChangeSet(
            self.writes + other.writes,
            self.counts + other.counts,
            self.outbox + other.outbox,
            self.audit + other.audit,
        )


class WriteConflict(Exception):
    """Nothing was written: `write` met a stored record that is not what it expected (a key
    already taken, or a version moved on). `current` is that stored record, when known."""

    def __init__(self, write: Write, current: Record | None = None) -> None:
        super().__init__(f"write conflict on {type(_record_of(write)).__name__}")
        self.write = write
        self.current = current

    def concerns(self, kind: type[Record]) -> bool:
        return isinstance(_record_of(self.write), kind)


def _record_of(write: Write) -> Record:
    return write.after if isinstance(write, Updated) else write.record


def farmer_written(before: FarmerRecord | None, after: FarmerRecord, period: str) -> ChangeSet:
    """A farmer created or changed (`after` = `before.next(...)`), with what that moves in the
    population counters."""
    write: Write = Created(after) if before is None else Updated(before, after)
    delta = population_delta(before.population_fields() if before else None, after.population_fields())
    counts = (PopulationDelta(after.kecamatan_code, period, delta),) if delta else ()
    return ChangeSet(writes=(write,), counts=counts)
