"""An agent's worklist (`GET /agents/me/worklist`): the farmers of their kecamatan to visit,
sorted into sections by domain/worklist.py, and the claims still waiting for documents.

Reads one kecamatan's farmers through its list index (no scan)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sutasoma.app.queries import ClaimQuery, FarmerQuery, RefundQuery
from sutasoma.domain.claim import ClaimRecord, ClaimStatus
from sutasoma.domain.clock import period_of, today_wita
from sutasoma.domain.places import kecamatan_name
from sutasoma.domain.refund import RefundRecord, RefundStatus
from sutasoma.domain.worklist import (
    FarmerToVisit,
    Section,
    Worklist,
    claim_order,
    claim_to_complete,
    claim_to_refile,
    classify,
    farmer_order,
    refile_order,
    refund_order,
    refund_to_return,
    to_refile,
)

if TYPE_CHECKING:
    from sutasoma.app.ports import Claims, Farmers, Refunds
    from sutasoma.domain.farmer import FarmerRecord

PAGE = 500  # farmers or claims read per query call; the lists themselves are not paged


class WorklistDesk:
    def __init__(self, farmers: Farmers, claims: Claims, refunds: Refunds) -> None:
        self.farmers = farmers
        self.claims = claims
        self.refunds = refunds

    def worklist(self, kecamatan: str, village_code: str | None, today: date | None = None) -> Worklist:
        """The worklist of one kecamatan (already authorized), or of one of its villages."""
        on = today or today_wita()
        farmers = self._farmers(kecamatan, village_code)
        sections: dict[Section, list[FarmerToVisit]] = {
            "due_this_month": [],
            "in_arrears": [],
            "about_to_lapse": [],
        }
        for farmer in farmers.values():
            placement = classify(farmer, on)
            if placement is not None:
                sections[placement.section].append(placement.entry)
        claims = [
            claim_to_complete(claim, owner)
            for claim, owner in self._with_owners(
                self._claims(kecamatan, ClaimStatus.SUBMITTED), farmers, village_code
            )
        ]
        rejected = [
            claim_to_refile(claim, owner)
            for claim, owner in self._with_owners(
                [c for c in self._claims(kecamatan, ClaimStatus.REJECTED) if to_refile(c, on)],
                farmers,
                village_code,
            )
        ]
        refunds = [
            refund_to_return(refund, farmers[refund.farmer_id])
            for refund in self._open_refunds(kecamatan)
            if refund.farmer_id in farmers  # narrowed to one village: its farmers' cases only
        ]
        return Worklist(
            kecamatan_code=kecamatan,
            kecamatan_name=kecamatan_name(kecamatan),
            village_code=village_code,
            on=on,
            period=period_of(on),
            due_this_month=tuple(sorted(sections["due_this_month"], key=farmer_order)),
            in_arrears=tuple(sorted(sections["in_arrears"], key=farmer_order)),
            about_to_lapse=tuple(sorted(sections["about_to_lapse"], key=farmer_order)),
            claims_waiting_for_documents=tuple(sorted(claims, key=claim_order)),
            refunds_to_return=tuple(sorted(refunds, key=refund_order)),
            claims_rejected=tuple(sorted(rejected, key=refile_order)),
        )

    def _with_owners(
        self, claims: list[ClaimRecord], farmers: dict[str, FarmerRecord], village_code: str | None
    ) -> list[tuple[ClaimRecord, FarmerRecord]]:
        """Each claim with its farmer; narrowed to a village, only its farmers' claims."""
        found = []
        for claim in claims:
            owner = farmers.get(claim.farmer_id)
            if owner is None and village_code is None:
                owner = self.farmers.get(claim.farmer_id)
            if owner is not None:
                found.append((claim, owner))
        return found

    def _farmers(self, kecamatan: str, village_code: str | None) -> dict[str, FarmerRecord]:
        """Every farmer of the kecamatan (or of one village), in list order."""
        found: dict[str, FarmerRecord] = {}
        start_after: tuple[str, str] | None = None
        while True:
            page, more = self.farmers.page(
                FarmerQuery(kecamatan, village_code, start_after=start_after), PAGE
            )
            found.update((farmer.farmer_id, farmer) for farmer in page)
            if not more or not page:
                return found
            start_after = (page[-1].village_code, page[-1].farmer_id)

    def _open_refunds(self, kecamatan: str) -> list[RefundRecord]:
        refunds: list[RefundRecord] = []
        start_after: str | None = None
        while True:
            query = RefundQuery(kecamatan, RefundStatus.OPEN.value, start_after=start_after)
            page, more = self.refunds.page(query, PAGE)
            refunds.extend(page)
            if not more or not page:
                return refunds
            start_after = page[-1].refund_id

    def _claims(self, kecamatan: str, status: ClaimStatus) -> list[ClaimRecord]:
        claims: list[ClaimRecord] = []
        start_after: str | None = None
        while True:
            page, more = self.claims.page(ClaimQuery(kecamatan, status.value, start_after=start_after), PAGE)
            claims.extend(page)
            if not more or not page:
                return claims
            start_after = page[-1].claim_id
