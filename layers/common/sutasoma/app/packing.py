"""Several decisions' change-sets written in as few commits as a transaction holds.

Used where one invocation decides many independent things at once (an import's rows, a BPJS
batch's farmers): each commit is all or nothing, so a caller whose packed commit fails writes
that pack's change-sets one by one, and one stale decision never blocks the others.
"""

from __future__ import annotations

from collections.abc import Sequence

from sutasoma.domain.changes import ChangeSet

MAX_TRANSACTION_ITEMS = 100  # DynamoDB's limit of items in one TransactWriteItems


def counter_items(changes: ChangeSet) -> set[tuple[object, ...]]:
    """The counter items a change-set adds to (one transaction item each, however many adds)."""
    return {
        (type(count).__name__, count.period, count.kecamatan_code, getattr(count, "agent", None))
        for count in changes.counts
    }


def pack[T](decided: Sequence[tuple[T, ChangeSet]]) -> list[list[tuple[T, ChangeSet]]]:
    """In order, packed into groups of at most MAX_TRANSACTION_ITEMS items (a counter that
    several change-sets add to is one item)."""
    packed: list[list[tuple[T, ChangeSet]]] = []
    current: list[tuple[T, ChangeSet]] = []
    counters: set[tuple[object, ...]] = set()
    size = 0
    for subject, changes in decided:
        own = len(changes.writes) + len(changes.outbox) + len(changes.audit)
        keys = counter_items(changes)
        if current and size + own + len(counters | keys) > MAX_TRANSACTION_ITEMS:
            packed.append(current)
            current, counters, size = [], set(), 0
        current.append((subject, changes))
        counters |= keys
        size += own
    if current:
        packed.append(current)
    return packed


def together[T](group: Sequence[tuple[T, ChangeSet]]) -> ChangeSet:
    """One change-set of the group's: committed, all of them or none."""
    total = ChangeSet()
    for _, changes in group:
        total = total + changes
    return total
