"""An explicit recount from the records (a parallel scan), compared with the counters the
write transactions keep. Never part of a report: run it when in doubt (admin route)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from sutasoma.adapters.store import DomainStore
from sutasoma.domain.clock import WITA, period_of
from sutasoma.domain.population import contribution


def _month(stamp: str) -> str:
    return period_of(datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(WITA).date())


def recount(
    items: list[dict[str, Any]],
) -> tuple[dict[str, Counter[str]], dict[tuple[str, str], Counter[str]]]:
    """(population per kecamatan now, counters per (month, scope)) from the records."""
    population: dict[str, Counter[str]] = defaultdict(Counter)
    counters: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for item in items:
        kind = item.get("type")
        if kind == "FARMER":
            kecamatan = item["kecamatan_code"]
            population[kecamatan].update(contribution(item))
            counters[(_month(item["registered_at"]), f"KEC#{kecamatan}")]["new_registrations"] += 1
        elif kind == "PAYMENT":
            scope = (_month(item["paid_at"]), f"KEC#{item['kecamatan_code']}")
            counters[scope]["contributions_collected"] += item["amount"]
            counters[scope]["payments"] += 1
            counters[scope]["contribution_months"] += len(item["periods"])
        elif kind == "CLAIM":
            scope = (_month(item["created_at"]), f"KEC#{item['kecamatan_code']}")
            counters[scope][f"claims_submitted_{item['claim_type']}"] += 1
    return population, counters


RECOUNTED = ("new_registrations", "contributions_collected", "payments", "contribution_months",
             "claims_submitted_JKK", "claims_submitted_JKM")  # fmt: skip


def reconcile(store: DomainStore, segments: int = 4) -> dict[str, Any]:
    items = store.scan_all(segments)
    population, counted = recount(items)
    kept_population: dict[str, Counter[str]] = defaultdict(Counter)
    kept_counters: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for item in items:
        pk, sk = item["PK"], item["SK"]
        if pk.startswith("POP#"):
            kept_population[pk.removeprefix("POP#")].update(
                {k: v for k, v in item.items() if k not in ("PK", "SK")}
            )
        elif pk.startswith("COUNTER#") and sk.startswith("KEC#"):
            kept_counters[(pk.removeprefix("COUNTER#"), sk)].update(
                {k: v for k, v in item.items() if k in RECOUNTED}
            )
    differences = []
    for kecamatan in sorted(set(population) | set(kept_population)):
        names = set(population[kecamatan]) | set(kept_population[kecamatan])
        for name in sorted(names):
            recounted, kept = population[kecamatan][name], kept_population[kecamatan][name]
            if recounted != kept:
                differences.append(
                    {"where": f"POP#{kecamatan}", "figure": name, "recounted": recounted, "counter": kept}
                )
    for scope in sorted(set(counted) | set(kept_counters)):
        for name in RECOUNTED:
            recounted, kept = counted[scope][name], kept_counters[scope][name]
            if recounted != kept:
                differences.append(
                    {
                        "where": f"COUNTER#{scope[0]}/{scope[1]}",
                        "figure": name,
                        "recounted": recounted,
                        "counter": kept,
                    }
                )
    return {"items_scanned": len(items), "differences": differences}
