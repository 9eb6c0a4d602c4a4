"""Refund cases: the case item, and a kecamatan's cases (GSI1, newest first)."""

from __future__ import annotations

from sutasoma.adapters.dynamo import keys
from sutasoma.adapters.dynamo.kecamatan_lists import newest_page
from sutasoma.adapters.dynamo.table import Table, without_keys
from sutasoma.app.queries import RefundQuery
from sutasoma.domain.refund import RefundRecord


class RefundRepository:
    def __init__(self, table: Table) -> None:
        self.table = table

    def get(self, refund_id: str) -> RefundRecord | None:
        item = self.table.get(keys.refund(refund_id))
        return RefundRecord.model_validate(without_keys(item)) if item else None

    def page(self, query: RefundQuery, limit: int) -> tuple[list[RefundRecord], bool]:
        start = None
        if query.start_after:
            start = keys.refund(query.start_after) | keys.refund_list_position(
                query.kecamatan_code, query.start_after
            )
        equal = {"status": query.status, "farmer_id": query.farmer_id}
        items, more = newest_page(self.table, keys.refunds_of(query.kecamatan_code), equal, start, limit)
        return [RefundRecord.model_validate(item) for item in items], more
