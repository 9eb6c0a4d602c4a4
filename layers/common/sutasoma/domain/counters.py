"""The figures the monthly report reads, kept as counters updated in the same transaction as
the records they count (DESIGN.md: the report never scans the table)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CounterIncrement:
    """Add `amounts` to a kecamatan's figures of a month (or to one agent's, with `agent`)."""

    period: str
    kecamatan_code: str
    amounts: dict[str, int]
    agent: str | None = None


@dataclass(frozen=True)
class PopulationDelta:
    """Add `amounts` to a kecamatan's population buckets as of a month (domain/population.py)."""

    kecamatan_code: str
    period: str
    amounts: dict[str, int]


Count = CounterIncrement | PopulationDelta


@dataclass(frozen=True)
class MonthCounters:
    """Every counter of one month: per kecamatan, and per (kecamatan, agent username)."""

    kecamatan: dict[str, dict[str, int]] = field(default_factory=dict)
    agents: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
