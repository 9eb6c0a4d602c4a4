"""An explicit recount from the records (a full scan), compared with the counters the write
transactions keep. Never part of a report: run it when in doubt (admin route, as a job:
sutasoma.app.reconcile_jobs).

The scan may be cut into parts (segments, and pages of a segment): each part's `Tally` holds what
its records add up to and what its counter items keep, and the tallies of disjoint parts add up to
the whole table's, so the parts can be read by different invocations and summed at the end.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sutasoma.domain.clock import WITA, period_of
from sutasoma.domain.population import CLAIMS_OPEN, REFUNDS_OPEN, REFUNDS_OPEN_AMOUNT, contribution
from sutasoma.domain.refund import RefundStatus

if TYPE_CHECKING:
    from sutasoma.app.ports import Scanner, TableContents

RECOUNTED = ("new_registrations", "contributions_collected", "payments", "contribution_months",
             "claims_submitted_JKK", "claims_submitted_JKM")  # fmt: skip


def _month(stamp: str) -> str:
    return period_of(datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(WITA).date())


def recount(contents: TableContents) -> tuple[dict[str, Counter[str]], dict[tuple[str, str], Counter[str]]]:
    """(population per kecamatan now, counters per (month, kecamatan)) from the records."""
    population: dict[str, Counter[str]] = defaultdict(Counter)
    counters: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for farmer in contents.farmers:
        population[farmer.kecamatan_code].update(contribution(farmer.population_fields()))
        counters[(_month(farmer.registered_at), farmer.kecamatan_code)]["new_registrations"] += 1
    for payment in contents.payments:
        counted = counters[(_month(payment.paid_at), payment.kecamatan_code)]
        counted["contributions_collected"] += payment.amount
        counted["payments"] += 1
        counted["contribution_months"] += len(payment.periods)
    for claim in contents.claims:
        counters[(_month(claim.created_at), claim.kecamatan_code)][
            f"claims_submitted_{claim.claim_type}"
        ] += 1
        if claim.in_progress:
            population[claim.kecamatan_code][CLAIMS_OPEN] += 1
    for refund in contents.refunds:
        if refund.status is RefundStatus.OPEN:
            population[refund.kecamatan_code].update({REFUNDS_OPEN: 1, REFUNDS_OPEN_AMOUNT: refund.amount})
    return population, counters


def _difference(
    counter: str, kecamatan_code: str, period: str | None, figure: str, recounted: int, kept: int
) -> dict[str, Any]:
    return {"counter": counter, "kecamatan_code": kecamatan_code, "period": period, "figure": figure,
            "recounted": recounted, "kept": kept}  # fmt: skip


@dataclass
class Tally:
    """A part of the table: its records recounted, and what its counter items keep."""

    population: dict[str, Counter[str]] = field(default_factory=dict)  # kecamatan -> recounted now
    counters: dict[tuple[str, str], Counter[str]] = field(default_factory=dict)  # (month, kecamatan)
    kept_population: dict[str, Counter[str]] = field(default_factory=dict)  # summed population deltas
    kept_counters: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    items_scanned: int = 0

    def add(self, other: Tally) -> Tally:
        """The two parts together (each counter item is in one part only)."""
        for mine, theirs in (
            (self.population, other.population),
            (self.kept_population, other.kept_population),
        ):
            for code, figures in theirs.items():
                mine.setdefault(code, Counter()).update(figures)
        for scope, figures in other.counters.items():
            self.counters.setdefault(scope, Counter()).update(figures)
        for scope, kept in other.kept_counters.items():
            summed = Counter(self.kept_counters.get(scope, {}))
            summed.update(kept)
            self.kept_counters[scope] = dict(summed)
        self.items_scanned += other.items_scanned
        return self

    def as_json(self) -> dict[str, Any]:
        def scoped(values: dict[tuple[str, str], Any]) -> dict[str, Any]:
            return {f"{month}|{code}": dict(figures) for (month, code), figures in values.items()}

        return {
            "population": {code: dict(figures) for code, figures in self.population.items()},
            "counters": scoped(self.counters),
            "kept_population": {code: dict(figures) for code, figures in self.kept_population.items()},
            "kept_counters": scoped(self.kept_counters),
            "items_scanned": self.items_scanned,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Tally:
        def scope(key: str) -> tuple[str, str]:
            month, code = key.split("|", 1)
            return month, code

        return cls(
            population={code: Counter(f) for code, f in data["population"].items()},
            counters={scope(k): Counter(f) for k, f in data["counters"].items()},
            kept_population={code: Counter(f) for code, f in data["kept_population"].items()},
            kept_counters={scope(k): dict(f) for k, f in data["kept_counters"].items()},
            items_scanned=int(data["items_scanned"]),
        )


def tally(contents: TableContents) -> Tally:
    population, counted = recount(contents)
    return Tally(
        population={code: figures for code, figures in population.items() if figures},
        counters={scope: figures for scope, figures in counted.items() if figures},
        kept_population={code: Counter(kept) for code, kept in contents.population.items()},
        kept_counters=dict(contents.counters),
        items_scanned=contents.items_scanned,
    )


def differences(contents: TableContents) -> list[dict[str, Any]]:
    return differences_of(tally(contents))


def differences_of(whole: Tally) -> list[dict[str, Any]]:
    """Every figure where the recount and the counters disagree, over the whole table's tally."""
    population: dict[str, Counter[str]] = defaultdict(Counter, whole.population)
    counted: dict[tuple[str, str], Counter[str]] = defaultdict(Counter, whole.counters)
    found = []
    for kecamatan in sorted(set(population) | set(whole.kept_population)):
        kept = Counter(whole.kept_population.get(kecamatan, {}))
        for name in sorted(set(population[kecamatan]) | set(kept)):
            if population[kecamatan][name] != kept[name]:
                found.append(
                    _difference("population", kecamatan, None, name, population[kecamatan][name], kept[name])
                )
    for scope in sorted(set(counted) | set(whole.kept_counters)):
        kept_counts = whole.kept_counters.get(scope, {})
        for name in RECOUNTED:
            if counted[scope][name] != kept_counts.get(name, 0):
                found.append(
                    _difference(
                        "monthly", scope[1], scope[0], name, counted[scope][name], kept_counts.get(name, 0)
                    )
                )
    return found


def reconcile(scanner: Scanner, segments: int = 4) -> dict[str, Any]:
    contents = scanner.contents(segments)
    return {"items_scanned": contents.items_scanned, "differences": differences(contents)}
