"""Lists that span kecamatan: one page assembled from each kecamatan's list in code order.

Every list route (farmers, claims, refunds, ...) reads one kecamatan at a time in the order of
its index; a position (the last item seen) lets the next page start where this one ended.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")
P = TypeVar("P")


@dataclass(frozen=True)
class Page[T]:
    """One page of a list and whether another may follow."""

    items: list[T]
    more: bool  # whether a next page may have items


def across_kecamatan[P, T](
    scope: Sequence[str],
    limit: int,
    start: tuple[str, P] | None,
    fetch: Callable[[str, P | None, int], tuple[list[T], bool]],
) -> Page[T]:
    """Up to `limit` items from the kecamatan of `scope` (sorted codes), continuing after
    `start` = (kecamatan, position within it); `fetch(kecamatan, after, n)` reads one list."""
    items: list[T] = []
    more = False
    for kecamatan in scope:
        if start is not None and kecamatan < start[0]:
            continue
        after = start[1] if start is not None and start[0] == kecamatan else None
        found, more = fetch(kecamatan, after, limit - len(items))
        items.extend(found)
        if len(items) == limit:
            more = more or kecamatan != scope[-1]
            break
    return Page(items, more)
