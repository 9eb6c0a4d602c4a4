"""Claims: the claim item, and a kecamatan's claims (GSI1, newest first)."""

from __future__ import annotations

from sutasoma.adapters.dynamo import keys
from sutasoma.adapters.dynamo.kecamatan_lists import newest_page
from sutasoma.adapters.dynamo.table import Table, without_keys
from sutasoma.app.queries import ClaimQuery
from sutasoma.domain.claim import ClaimRecord


class ClaimRepository:
    def __init__(self, table: Table) -> None:
        self.table = table

    def get(self, claim_id: str) -> ClaimRecord | None:
        item = self.table.get(keys.claim(claim_id))
        return ClaimRecord.model_validate(without_keys(item)) if item else None

    def death_benefit_claim(self, farmer_id: str) -> str | None:
        item = self.table.get(keys.death_claim(farmer_id), consistent=True)
        return str(item["claim_id"]) if item else None

    def page(self, query: ClaimQuery, limit: int) -> tuple[list[ClaimRecord], bool]:
        start = None
        if query.start_after:
            start = keys.claim(query.start_after) | keys.claim_list_position(
                query.kecamatan_code, query.start_after
            )
        equal = {"status": query.status, "farmer_id": query.farmer_id}
        items, more = newest_page(self.table, keys.claims_of(query.kecamatan_code), equal, start, limit)
        return [ClaimRecord.model_validate(item) for item in items], more
