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


def bucket_of(paid_through: str | None, since: str | None = None) -> str:
    """A paid-through month (`2026_11`), or for a member who never paid, the month they could
    start from (`none_2026_09`: registered or reactivated then)."""
    if paid_through is None:
        return f"{NONE}_{since.replace('-', '_')}" if since else NONE
    return paid_through.replace("-", "_")


def period_of_bucket(bucket: str) -> str:
    return bucket.removeprefix(f"{NONE}_").replace("_", "-")


def contribution(farmer: Mapping[str, Any] | None) -> Counter[str]:
    """What one farmer adds to the counters."""
    if farmer is None:
        return Counter()
    if farmer.get("registration_status") == "REJECTED":
        return Counter({f"n_{REJECTED}": 1})
    if farmer.get("deceased"):
        return Counter({f"n_{DECEASED}": 1})
    bucket = bucket_of(farmer.get("paid_through"), farmer.get("since"))
    return Counter({f"n_{bucket}": 1, f"inc_{bucket}": int(farmer["monthly_income"])})


def population_delta(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, int]:
    delta = Counter(contribution(after))
    delta.subtract(contribution(before))
    return {name: amount for name, amount in delta.items() if amount}


# Never paid for more than this many months since registration: counted against the BPP's
# collection score (registering farmers who never pay must not cost nothing).
NOT_PAYING_AFTER_MONTHS = 2


@dataclass
class Population:
    """The buckets at the end of a month (or, for a provisional report, on a day of it: `grace`
    1 while the month's own contribution is not yet overdue, before its 16th)."""

    counts: dict[str, int] = field(default_factory=dict)
    incomes: dict[str, int] = field(default_factory=dict)
    rejected: int = 0
    deceased: int = 0
    open_refunds: int = 0  # refund cases not settled yet, and their Rupiah
    open_refunds_amount: int = 0
    open_claims: int = 0
    grace: int = 0

    @classmethod
    def from_sums(cls, sums: Mapping[str, int], grace: int = 0) -> Population:
        population = cls(grace=grace)
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

    def _paid(self) -> Iterable[tuple[str, int]]:
        return ((b, n) for b, n in self.counts.items() if n and not b.startswith(NONE))

    def _unpaid(self, bucket: str, period: str) -> int:
        return months_between(period_of_bucket(bucket), period)

    def _overdue(self, bucket: str, period: str) -> int:
        return max(0, self._unpaid(bucket, period) - self.grace)

    def active(self, period: str) -> int:
        return sum(n for b, n in self._paid() if self._unpaid(b, period) <= 0)

    def due(self, period: str) -> int:
        """The month's own contribution unpaid but not yet overdue (provisional reports only)."""
        return sum(
            n for b, n in self._paid() if self._unpaid(b, period) > 0 and self._overdue(b, period) == 0
        )

    def arrears(self, period: str) -> int:
        return sum(n for b, n in self._paid() if 1 <= self._overdue(b, period) <= MAX_ARREARS_MONTHS)

    def lapsed(self, period: str) -> int:
        return sum(n for b, n in self._paid() if self._overdue(b, period) > MAX_ARREARS_MONTHS)

    @property
    def ended(self) -> int:
        """Memberships over: rejected by BPJS, or the farmer died."""
        return self.rejected + self.deceased

    @property
    def registered(self) -> int:
        return sum(self.counts.values())

    def not_started(self) -> int:
        return sum(n for b, n in self.counts.items() if b.startswith(NONE))

    def not_paying(self, period: str) -> int:
        """Never paid for more than NOT_PAYING_AFTER_MONTHS months since they could start."""
        return sum(
            n for b, n in self.counts.items()
            if b.startswith(f"{NONE}_") and months_between(period_of_bucket(b), period) > NOT_PAYING_AFTER_MONTHS
        )  # fmt: skip

    def arrears_due(self, period: str) -> int:
        """Rupiah due for `period` from the members who have not paid it (in arrears or due):
        JKK on each one's reported income plus the flat JKM, with the relief of that month.
        (Members who paid it are counted from what they paid: the monthly counters.)"""
        members = [
            b
            for b, _ in self._paid()
            if self._unpaid(b, period) >= 1 and self._overdue(b, period) <= MAX_ARREARS_MONTHS
        ]
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
