"""Who is where, kept as counters so that reports never scan the farmers.

Every write that changes a farmer's registration status, paid-through month or reported
income also adds the difference to a per-kecamatan, per-month delta item. The state at the
end of month M is the sum of the deltas of months <= M: how many farmers (and how much
reported income) sit in each paid-through bucket. Coverage counts and the contributions due
follow from the buckets, for any month, in O(kecamatan x months) reads.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sutasoma.domain.coverage import MAX_ARREARS_MONTHS
from sutasoma.domain.periods import months_between
from sutasoma.domain.tariff import base_tariff_for, relief_for

NONE = "none"  # registered, never paid (or reactivated and not paid since)
REJECTED = "rejected"  # BPJS refused the registration: membership ended, out of the counts
DECEASED = "deceased"  # the farmer died: membership ended, out of the counts
# Refund cases open at a month's end: +1 when a case opens, -1 when it is settled.
REFUNDS_OPEN = "refunds_open"
REFUNDS_OPEN_AMOUNT = "refunds_open_amount"
# Claims filed and not decided for good (neither PAID nor REJECTED) at a month's end.
CLAIMS_OPEN = "claims_open"


def bucket_of(paid_through: str | None) -> str:
    return NONE if paid_through is None else paid_through.replace("-", "_")


def period_of_bucket(bucket: str) -> str:
    return bucket.replace("_", "-")


def contribution(farmer: Mapping[str, Any] | None) -> Counter[str]:
    """What one farmer adds to the counters."""
    if farmer is None:
        return Counter()
    if farmer.get("registration_status") == "REJECTED":
        return Counter({f"n_{REJECTED}": 1})
    if farmer.get("deceased"):
        return Counter({f"n_{DECEASED}": 1})
    bucket = bucket_of(farmer.get("paid_through"))
    return Counter({f"n_{bucket}": 1, f"inc_{bucket}": int(farmer["monthly_income"])})


def population_delta(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, int]:
    delta = Counter(contribution(after))
    delta.subtract(contribution(before))
    return {name: amount for name, amount in delta.items() if amount}


@dataclass
class Population:
    """The buckets at the end of a month."""

    counts: dict[str, int] = field(default_factory=dict)
    incomes: dict[str, int] = field(default_factory=dict)
    rejected: int = 0
    deceased: int = 0
    open_refunds: int = 0  # refund cases not settled yet, and their Rupiah
    open_refunds_amount: int = 0
    open_claims: int = 0

    @classmethod
    def from_sums(cls, sums: Mapping[str, int]) -> Population:
        population = cls()
        for name, value in sums.items():
            kind, _, bucket = name.partition("_")
            if kind == "n" and bucket == REJECTED:
                population.rejected = value
            elif kind == "n" and bucket == DECEASED:
                population.deceased = value
            elif kind == "n":
                population.counts[bucket] = value
            elif name == REFUNDS_OPEN:
                population.open_refunds = value
            elif name == REFUNDS_OPEN_AMOUNT:
                population.open_refunds_amount = value
            elif name == CLAIMS_OPEN:
                population.open_claims = value
            elif kind == "inc":
                population.incomes[bucket] = value
        return population

    def _members(self, period: str, low: int, high: int | None) -> Iterable[str]:
        for bucket, count in self.counts.items():
            if bucket == NONE or not count:
                continue
            unpaid = months_between(period_of_bucket(bucket), period)
            if unpaid >= low and (high is None or unpaid <= high):
                yield bucket

    def count(self, period: str, low: int, high: int | None) -> int:
        return sum(self.counts[b] for b in self._members(period, low, high))

    @property
    def ended(self) -> int:
        """Memberships over: rejected by BPJS, or the farmer died."""
        return self.rejected + self.deceased

    @property
    def registered(self) -> int:
        return sum(self.counts.values())

    def not_started(self) -> int:
        return self.counts.get(NONE, 0)

    def active(self, period: str) -> int:
        return self.count(period, -10_000, 0)  # paid through this month or later

    def arrears(self, period: str) -> int:
        return self.count(period, 1, MAX_ARREARS_MONTHS)

    def lapsed(self, period: str) -> int:
        return self.count(period, MAX_ARREARS_MONTHS + 1, None)

    def contributions_due(self, period: str) -> int:
        """Rupiah due for `period` from its members (active or in arrears): JKK on each
        member's reported income plus the flat JKM, with the relief of that month."""
        members = list(self._members(period, -10_000, MAX_ARREARS_MONTHS))
        if not members:
            return 0  # also months before the first tariff (a report's trend reaches back)
        count = sum(self.counts[b] for b in members)
        income = sum(self.incomes.get(b, 0) for b in members)
        tariff = base_tariff_for(period)
        relief = relief_for(period)
        percent = relief.percent_payable if relief else 100
        # Incomes are whole thousands (validated), so these divisions are exact.
        jkk = income * tariff.jkk_rate_per_mille * percent // 100_000
        jkm = count * tariff.jkm_flat * percent // 100
        return jkk + jkm
