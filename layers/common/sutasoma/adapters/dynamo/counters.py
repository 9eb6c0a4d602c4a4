"""The report's counters: per month (kecamatan and agent figures) and the population deltas."""

from __future__ import annotations

from typing import Any

from sutasoma.adapters.dynamo import keys
from sutasoma.adapters.dynamo.codec import to_dynamo
from sutasoma.adapters.dynamo.table import Table
from sutasoma.domain.counters import MonthCounters


def numbers(item: dict[str, Any]) -> dict[str, int]:
    return {k: int(v) for k, v in item.items() if k not in ("PK", "SK")}


class CounterRepository:
    def __init__(self, table: Table) -> None:
        self.table = table

    def month(self, period: str) -> MonthCounters:
        """Every counter item of a month, by kecamatan and by (kecamatan, agent)."""
        counters = MonthCounters()
        items = self.table.query_all(
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues=to_dynamo({":pk": keys.counters_of(period)}),
        )
        for item in items:
            kecamatan_code, agent = keys.counter_scope(item["SK"])
            if agent is None:
                counters.kecamatan[kecamatan_code] = numbers(item)
            else:
                counters.agents[(kecamatan_code, agent)] = numbers(item)
        return counters

    def population_deltas(self, kecamatan_code: str, up_to: str) -> dict[str, dict[str, int]]:
        """A kecamatan's population deltas by month, for the months up to `up_to`."""
        items = self.table.query_all(
            KeyConditionExpression="PK = :pk AND SK <= :upto",
            ExpressionAttributeValues=to_dynamo({":pk": keys.population_of(kecamatan_code), ":upto": up_to}),
        )
        return {str(item["SK"]): numbers(item) for item in items}
