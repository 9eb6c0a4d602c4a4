"""The whole table, read by a parallel scan, as the reconcile needs it. Never used by a report.

`contents` reads every segment at once (tests, benchmarks); `page` reads one page of one segment,
from where the last one ended: what a reconcile job's workers read, each its own segment.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sutasoma.adapters.dynamo import keys
from sutasoma.adapters.dynamo.counters import numbers
from sutasoma.adapters.dynamo.table import Table, without_keys
from sutasoma.app.ports import TableContents
from sutasoma.domain.claim import ClaimRecord
from sutasoma.domain.farmer import FarmerRecord
from sutasoma.domain.payment import PaymentRecord
from sutasoma.domain.refund import RefundRecord


class TableScanner:
    # Items per Scan page: None, DynamoDB's 1 MB pages (tests set a few to see a segment in pieces).
    page_items: int | None = None

    def __init__(self, table: Table) -> None:
        self.table = table

    def page(
        self, segment: int, segments: int, start_key: dict[str, Any] | None
    ) -> tuple[TableContents, dict[str, Any] | None]:
        """One Scan page (up to 1 MB) of `segment`: its records, and where the next page starts
        (None: the segment is done). The key is DynamoDB's own, to hand to the next reader as it is."""
        items, next_key = self.table.scan_page(segment, segments, start_key, self.page_items)
        return contents_of(items), next_key

    def contents(self, segments: int = 4) -> TableContents:
        with ThreadPoolExecutor(max_workers=segments) as pool:
            parts = list(pool.map(lambda n: list(self.table.scan_segment(n, segments)), range(segments)))
        return contents_of(item for part in parts for item in part)


# The reconcile's own bookkeeping (jobs and their pieces) is neither counted nor recounted.
_NOT_COUNTED = frozenset({keys.RECONCILE_JOB.type, keys.RECONCILE_PIECE.type})


def contents_of(items: Iterable[dict[str, Any]]) -> TableContents:
    contents = TableContents()
    population: dict[str, Counter[str]] = {}
    for item in items:
        if item.get("type") in _NOT_COUNTED:
            continue
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
    elif kind == keys.REFUND.type:
        contents.refunds.append(RefundRecord.model_validate(without_keys(item)))
    elif pk.startswith(keys.POPULATION_PREFIX):
        population.setdefault(pk.removeprefix(keys.POPULATION_PREFIX), Counter()).update(numbers(item))
    elif pk.startswith(keys.COUNTER_PREFIX):
        kecamatan_code, agent = keys.counter_scope(sk)
        if agent is None:
            contents.counters[(pk.removeprefix(keys.COUNTER_PREFIX), kecamatan_code)] = numbers(item)
