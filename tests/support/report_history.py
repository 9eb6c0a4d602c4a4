"""An earlier month's activity on a running local stack, written as the counters the write
transactions keep (records cannot be back-dated; the report reads nothing else), as
tests/integration/test_report_versions.py does on moto: members who paid a month, and a late
payment for it that a revision of its report then lists as a change. For the browser tests and
`make screenshots`."""

from __future__ import annotations

from typing import Any

from sutasoma.adapters.dynamo.table import Table
from sutasoma.domain.changes import ChangeSet
from sutasoma.domain.counters import CounterIncrement, PopulationDelta
from sutasoma.domain.periods import add_months
from sutasoma.domain.tariff import base_tariff_for, relief_for
from sutasoma.runtime.wiring import storage_on
from tests.support.local_stack import aws_client

INCOME = 1_000_000


def owed(period: str, income: int = INCOME) -> int:
    """A month's contribution at `income`, with that month's relief."""
    tariff, relief = base_tariff_for(period), relief_for(period)
    full = income * tariff.jkk_rate_per_mille // 1000 + tariff.jkm_flat
    return full * (relief.percent_payable if relief else 100) // 100


def bucket(period: str) -> str:
    return period.replace("-", "_")


def commit(descriptor: dict[str, Any], *counts: CounterIncrement | PopulationDelta) -> None:
    table = Table(descriptor["tables"]["DomainTable"], client=aws_client(descriptor, "dynamodb"))
    storage_on(table).unit.commit(ChangeSet(counts=counts))


def members_who_paid(
    descriptor: dict[str, Any], kecamatan: str, month: str, members: int, agent: str | None = None
) -> None:
    """`members` farmers of `kecamatan` registered in `month` and paid it (collected by `agent`)."""
    amount = members * owed(month)
    counts: list[CounterIncrement | PopulationDelta] = [
        PopulationDelta(
            kecamatan, month, {f"n_{bucket(month)}": members, f"inc_{bucket(month)}": members * INCOME}
        ),
        CounterIncrement(
            month,
            kecamatan,
            {
                "new_registrations": members,
                "contributions_collected": amount,
                "payments": members,
                "paid_for_month": amount,
            },
        ),
    ]
    if agent:
        counts.append(
            CounterIncrement(
                month,
                kecamatan,
                {"registrations": members, "collections_amount": amount, "payments": members},
                agent=agent,
            )
        )
    commit(descriptor, *counts)


def late_payment(descriptor: dict[str, Any], kecamatan: str, month: str) -> None:
    """One member of `kecamatan` paid through the month before `month` paid `month` too, counted
    in `month` after its report was made: the next version of the report differs."""
    before = add_months(month, -1)
    commit(
        descriptor,
        PopulationDelta(
            kecamatan,
            month,
            {
                f"n_{bucket(before)}": -1,
                f"inc_{bucket(before)}": -INCOME,
                f"n_{bucket(month)}": 1,
                f"inc_{bucket(month)}": INCOME,
            },
        ),
        CounterIncrement(
            month,
            kecamatan,
            {"contributions_collected": owed(month), "payments": 1, "paid_for_month": owed(month)},
        ),
    )
