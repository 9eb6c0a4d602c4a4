"""An agent's worklist (`GET /agents/me/worklist`): the farmers of their kecamatan to visit,
sorted into sections by domain/worklist.py, and the claims still waiting for documents.

Reads one kecamatan's farmers through its list index (no scan)."""

from __future__ import annotations

from datetime import date

from sutasoma.app.ports import ClaimQuery, Claims, FarmerQuery, Farmers
from sutasoma.domain.claim import ClaimRecord, ClaimStatus
from sutasoma.domain.clock import period_of, today_wita
from sutasoma.domain.farmer import FarmerRecord
from sutasoma.domain.places import kecamatan_name
from sutasoma.domain.worklist import (
    FarmerToVisit,
    Section,
    Worklist,
    claim_order,
    claim_to_complete,
    classify,
    farmer_order,
)

PAGE = 500  # farmers or claims read per query call; the lists themselves are not paged


class WorklistDesk:
    def __init__(self, farmers: Farmers, claims: Claims) -> None:
        self.farmers = farmers
        self.claims = claims

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
        claims = []
        for claim in self._submitted_claims(kecamatan):
            owner = farmers.get(claim.farmer_id)
            if owner is None:
                if village_code is not None:
                    continue  # the farmer lives in another village of the kecamatan
                owner = self.farmers.get(claim.farmer_id)
                if owner is None:
                    continue
            claims.append(claim_to_complete(claim, owner))
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
        )

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

    def _submitted_claims(self, kecamatan: str) -> list[ClaimRecord]:
        claims: list[ClaimRecord] = []
        start_after: str | None = None
        while True:
            page, more = self.claims.page(
                ClaimQuery(kecamatan, ClaimStatus.SUBMITTED.value, start_after=start_after), PAGE
            )
            claims.extend(page)
            if not more or not page:
                return claims
            start_after = page[-1].claim_id
