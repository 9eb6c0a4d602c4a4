"""An explicit recount from the records (a full scan), compared with the counters the write
transactions keep. Never part of a report: run it when in doubt (admin route)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from sutasoma.app.ports import Scanner, TableContents
from sutasoma.domain.clock import WITA, period_of
from sutasoma.domain.population import CLAIMS_OPEN, REFUNDS_OPEN, REFUNDS_OPEN_AMOUNT, contribution
from sutasoma.domain.refund import RefundStatus

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


def differences(contents: TableContents) -> list[dict[str, Any]]:
    population, counted = recount(contents)
    found = []
    for kecamatan in sorted(set(population) | set(contents.population)):
        kept = Counter(contents.population.get(kecamatan, {}))
        for name in sorted(set(population[kecamatan]) | set(kept)):
            if population[kecamatan][name] != kept[name]:
                found.append(
                    _difference("population", kecamatan, None, name, population[kecamatan][name], kept[name])
                )
    for scope in sorted(set(counted) | set(contents.counters)):
        kept_counts = contents.counters.get(scope, {})
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
