"""The whole table, read by a parallel scan, as the reconcile needs it. Never used by a report."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sutasoma.adapters.dynamo import keys
from sutasoma.adapters.dynamo.counters import numbers
from sutasoma.adapters.dynamo.table import Table, without_keys
from sutasoma.app.ports import TableContents
from sutasoma.domain.claim import ClaimRecord
from sutasoma.domain.farmer import FarmerRecord
from sutasoma.domain.payment import PaymentRecord


class TableScanner:
    def __init__(self, table: Table) -> None:
        self.table = table

    def contents(self, segments: int = 4) -> TableContents:
        with ThreadPoolExecutor(max_workers=segments) as pool:
            parts = list(pool.map(lambda n: list(self.table.scan_segment(n, segments)), range(segments)))
        contents = TableContents()
        population: dict[str, Counter[str]] = {}
        for item in (item for part in parts for item in part):
            contents.items_scanned += 1
            _sort(item, contents, population)
        contents.population = {code: dict(summed) for code, summed in population.items()}
        return contents


def _sort(item: dict[str, Any], contents: TableContents, population: dict[str, Counter[str]]) -> None:
    kind, pk, sk = item.get("type"), str(item["PK"]), str(item["SK"])
    if kind == keys.FARMER.type:
        contents.farmers.append(FarmerRecord.model_validate(without_keys(item)))
    elif kind == keys.PAYMENT.type:
        contents.payments.append(PaymentRecord.model_validate(without_keys(item)))
    elif kind == keys.CLAIM.type:
        contents.claims.append(ClaimRecord.model_validate(without_keys(item)))
    elif pk.startswith(keys.POPULATION_PREFIX):
        population.setdefault(pk.removeprefix(keys.POPULATION_PREFIX), Counter()).update(numbers(item))
    elif pk.startswith(keys.COUNTER_PREFIX):
        kecamatan_code, agent = keys.counter_scope(sk)
        if agent is None:
            contents.counters[(pk.removeprefix(keys.COUNTER_PREFIX), kecamatan_code)] = numbers(item)
