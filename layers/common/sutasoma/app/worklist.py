"""An agent's worklist: the farmers of their kecamatan to visit, and why.

`GET /agents/me/worklist` reads one kecamatan's farmers through GSI1 (the same per-kecamatan
query as the farmer list, no scan) and sorts each into at most one list, by the coverage
state on today's WITA date (coverage.py, DOMAIN.md "Coverage"):

- `due_this_month`: ACTIVE and paid through exactly this month (next month's contribution
  comes due), or CONFIRMED by BPJS and never paid (the first payment starts the cover);
- `in_arrears`: ARREARS with 1-2 months unpaid, with the months owed and their amount;
- `about_to_lapse`: ARREARS with 3 months unpaid: unless paid this month the membership
  ends (LAPSED) and the farmer must be registered again;
- `claims_waiting_for_documents`: the kecamatan's claims still SUBMITTED (documents are
  uploaded and checked before a coordinator verifies), with the documents they need.

Farmers whose registration BPJS rejected, farmers still waiting for BPJS with nothing paid,
farmers paid beyond this month and LAPSED farmers are in no list. Amounts come from the
tariff schedule month by month (a relief may end between two owed months).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

from sutasoma.adapters.claim_store import ClaimStore
from sutasoma.adapters.store import FarmerQuery
from sutasoma.api.models import ClaimStatus, CoverageOut, RegistrationStatus
from sutasoma.domain.benefits import DOC_NAMES, DocType
from sutasoma.domain.clock import period_of, today_wita
from sutasoma.domain.coverage import MAX_ARREARS_MONTHS, CoverageState, coverage_on
from sutasoma.domain.errors import FieldError, Forbidden, PlaceInvalid
from sutasoma.domain.identity import Caller
from sutasoma.domain.periods import add_months, parse_period
from sutasoma.domain.places import is_kecamatan, kecamatan_name, places
from sutasoma.domain.tariff import contribution_for
from sutasoma.reports.render.formats import format_rupiah

PAGE = 500  # farmers or claims read per query call; the lists themselves are not paged


class WorklistAction(StrEnum):
    COLLECT_NEXT_MONTH = "COLLECT_NEXT_MONTH"
    COLLECT_FIRST_PAYMENT = "COLLECT_FIRST_PAYMENT"
    COLLECT_ARREARS = "COLLECT_ARREARS"
    COLLECT_BEFORE_LAPSE = "COLLECT_BEFORE_LAPSE"
    COMPLETE_CLAIM_DOCUMENTS = "COMPLETE_CLAIM_DOCUMENTS"


class WorklistFarmer(BaseModel):
    farmer_id: str
    full_name: str
    village_code: str
    village_name: str
    phone: str
    registration_status: RegistrationStatus
    coverage: CoverageOut
    monthly_contribution: int = Field(
        description="Contribution for the current month, from the tariff schedule"
    )
    months_owed: int = Field(description="Unpaid months up to and including the current month (0 if none)")
    periods_due: list[str] = Field(
        description="Months to collect on this visit, oldest first (YYYY-MM); "
        "a quote for len(periods_due) months gives the same months"
    )
    amount_due: int = Field(description="Sum of the tariff of each month in periods_due, in Rupiah")
    act_by: date | None = Field(
        description="Last day to pay: cover continues without a gap (due_this_month) or the membership "
        "does not lapse (arrears); null for a first payment"
    )
    days_left: int | None = Field(description="Days from today (WITA) to act_by")
    action: WorklistAction
    action_text: str = Field(description="What to do, in Bahasa Indonesia")


class RequiredDocument(BaseModel):
    doc_type: str
    name: str


class WorklistClaim(BaseModel):
    claim_id: str
    farmer_id: str
    full_name: str
    village_code: str
    village_name: str
    claimant_name: str
    claimant_relationship: str
    claimant_phone: str = Field(description="Whom to call about the documents (the heir, for a death)")
    type: Literal["JKK", "JKM"]
    status: ClaimStatus
    incident_date: date
    submitted_at: str
    required_documents: list[RequiredDocument] = Field(
        description="Documents the claim needs; which are already uploaded is shown by GET /claims/{claim_id}"
    )
    action: WorklistAction
    action_text: str


class Worklist(BaseModel):
    kecamatan_code: str
    kecamatan_name: str
    village_code: str | None = Field(description="The village the lists are narrowed to, if any")
    on: date = Field(description="Business date (WITA) the coverage states are computed on")
    period: str = Field(description="Current contribution month, YYYY-MM")
    due_this_month: list[WorklistFarmer]
    in_arrears: list[WorklistFarmer]
    about_to_lapse: list[WorklistFarmer]
    claims_waiting_for_documents: list[WorklistClaim]


Section = Literal["due_this_month", "in_arrears", "about_to_lapse"]


@dataclass(frozen=True)
class Placement:
    section: Section
    entry: WorklistFarmer


def end_of_month(period: str) -> date:
    year, month = parse_period(period)
    return date(year, month, calendar.monthrange(year, month)[1])


def _months(periods: list[str]) -> str:
    return periods[0] if len(periods) == 1 else f"{periods[0]} s.d. {periods[-1]}"


def classify(item: dict[str, Any], today: date) -> Placement | None:
    """The list a farmer belongs to on `today`, with what to collect; None for no list."""
    status = item["registration_status"]
    if status == RegistrationStatus.REJECTED.value:
        return None
    coverage = coverage_on(item.get("paid_through"), today)
    current = period_of(today)
    section: Section
    act_by: date | None
    if coverage.state is CoverageState.NOT_STARTED:
        if status != RegistrationStatus.CONFIRMED.value:
            return None  # BPJS has not confirmed the registration yet
        section, periods, act_by = "due_this_month", [current], None
        action = WorklistAction.COLLECT_FIRST_PAYMENT
    elif coverage.state is CoverageState.ACTIVE:
        if coverage.paid_through != current:
            return None  # paid ahead
        section, periods, act_by = "due_this_month", [add_months(current, 1)], end_of_month(current)
        action = WorklistAction.COLLECT_NEXT_MONTH
    elif coverage.state is CoverageState.ARREARS:
        paid_through = str(coverage.paid_through)
        periods = [add_months(paid_through, i) for i in range(1, coverage.months_unpaid + 1)]
        act_by = end_of_month(add_months(paid_through, MAX_ARREARS_MONTHS))
        if coverage.months_unpaid >= MAX_ARREARS_MONTHS:
            section, action = "about_to_lapse", WorklistAction.COLLECT_BEFORE_LAPSE
        else:
            section, action = "in_arrears", WorklistAction.COLLECT_ARREARS
    else:
        return None  # LAPSED: reactivation, not collection
    income = item["monthly_income"]
    amount = sum(contribution_for(period, income).amount for period in periods)
    rupiah = format_rupiah(amount)
    match action:
        case WorklistAction.COLLECT_FIRST_PAYMENT:
            text = f"Tagih iuran pertama bulan {current} ({rupiah}); perlindungan dimulai bulan yang dibayar."
        case WorklistAction.COLLECT_NEXT_MONTH:
            text = (
                f"Tagih iuran bulan {periods[0]} ({rupiah}) paling lambat {act_by}"
                " agar perlindungan tidak terputus."
            )
        case WorklistAction.COLLECT_ARREARS:
            text = (
                f"Tagih tunggakan {len(periods)} bulan ({_months(periods)}), {rupiah}, "
                f"paling lambat {act_by}."
            )
        case _:
            text = (
                f"Tagih tunggakan {len(periods)} bulan ({_months(periods)}), {rupiah}, paling lambat "
                f"{act_by}: setelah itu kepesertaan berakhir dan petani harus didaftarkan ulang."
            )
    village = places().villages.get(item["village_code"])
    entry = WorklistFarmer(
        farmer_id=item["farmer_id"],
        full_name=item["full_name"],
        village_code=item["village_code"],
        village_name=village.name if village else item["village_code"],
        phone=item["phone"],
        registration_status=RegistrationStatus(status),
        coverage=CoverageOut(state=coverage.state, paid_through=coverage.paid_through),
        monthly_contribution=contribution_for(current, income).amount,
        months_owed=coverage.months_unpaid,
        periods_due=periods,
        amount_due=amount,
        act_by=act_by,
        days_left=(act_by - today).days if act_by else None,
        action=action,
        action_text=text,
    )
    return Placement(section, entry)


def _farmer_order(entry: WorklistFarmer) -> tuple[str, str, str]:
    return entry.village_code, entry.full_name.casefold(), entry.farmer_id


def _claim_order(entry: WorklistClaim) -> tuple[str, str, str, str]:
    return entry.village_code, entry.full_name.casefold(), entry.submitted_at, entry.claim_id


def waiting_claim(claim: dict[str, Any], farmer: dict[str, Any]) -> WorklistClaim:
    documents = [
        RequiredDocument(doc_type=doc, name=DOC_NAMES.get(DocType(doc), doc) if doc in DocType else doc)
        for doc in claim["required_documents"]
    ]
    village = places().villages.get(farmer["village_code"])
    return WorklistClaim(
        claim_id=claim["claim_id"],
        farmer_id=claim["farmer_id"],
        full_name=farmer["full_name"],
        village_code=farmer["village_code"],
        village_name=village.name if village else farmer["village_code"],
        claimant_name=claim["claimant"]["full_name"],
        claimant_relationship=claim["claimant"]["relationship"],
        claimant_phone=claim["claimant"]["phone"],
        type=claim["claim_type"],
        status=ClaimStatus(claim["status"]),
        incident_date=date.fromisoformat(claim["incident_date"]),
        submitted_at=claim["created_at"],
        required_documents=documents,
        action=WorklistAction.COMPLETE_CLAIM_DOCUMENTS,
        action_text=(
            "Pastikan dokumen klaim lengkap diunggah ("
            + ", ".join(d.name for d in documents)
            + "), lalu minta koordinator BPP memverifikasi."
        ),
    )


class WorklistService:
    def __init__(self, store: ClaimStore) -> None:
        self.store = store

    def for_caller(
        self,
        caller: Caller,
        kecamatan_code: str | None = None,
        village_code: str | None = None,
        today: date | None = None,
    ) -> Worklist:
        kecamatan = self._scope(caller, kecamatan_code)
        if village_code is not None:
            village = places().villages.get(village_code)
            if village is None or village.kecamatan_code != kecamatan:
                raise PlaceInvalid(
                    "Kode desa/kelurahan tidak valid untuk daftar ini.",
                    [FieldError("village_code", "Bukan desa/kelurahan di kecamatan ini.")],
                )
        on = today or today_wita()
        farmers = self._farmers(kecamatan, village_code)
        sections: dict[Section, list[WorklistFarmer]] = {
            "due_this_month": [],
            "in_arrears": [],
            "about_to_lapse": [],
        }
        for item in farmers.values():
            placement = classify(item, on)
            if placement is not None:
                sections[placement.section].append(placement.entry)
        claims: list[WorklistClaim] = []
        for claim in self._submitted_claims(kecamatan):
            farmer = farmers.get(claim["farmer_id"])
            if farmer is None:
                if village_code is not None:
                    continue  # the farmer lives in another village of the kecamatan
                farmer = self.store.get_farmer(claim["farmer_id"])
                if farmer is None:
                    continue
            claims.append(waiting_claim(claim, farmer))
        return Worklist(
            kecamatan_code=kecamatan,
            kecamatan_name=kecamatan_name(kecamatan),
            village_code=village_code,
            on=on,
            period=period_of(on),
            due_this_month=sorted(sections["due_this_month"], key=_farmer_order),
            in_arrears=sorted(sections["in_arrears"], key=_farmer_order),
            about_to_lapse=sorted(sections["about_to_lapse"], key=_farmer_order),
            claims_waiting_for_documents=sorted(claims, key=_claim_order),
        )

    @staticmethod
    def _scope(caller: Caller, kecamatan_code: str | None) -> str:
        """The caller's own kecamatan; an admin, who has none, names one with kecamatan_code."""
        if kecamatan_code is not None:
            if not is_kecamatan(kecamatan_code):
                raise PlaceInvalid(
                    "Kode kecamatan tidak dikenal.",
                    [FieldError("kecamatan_code", "Bukan kecamatan di Kabupaten Soppeng.")],
                )
            caller.require_kecamatan(kecamatan_code)
            return kecamatan_code
        if caller.is_admin or caller.kecamatan is None:
            raise Forbidden(
                "Daftar kunjungan disusun untuk kecamatan tugas agen atau koordinator; "
                "admin memilih kecamatan dengan parameter kecamatan_code."
            )
        return caller.kecamatan

    def _farmers(self, kecamatan: str, village_code: str | None) -> dict[str, dict[str, Any]]:
        """Every farmer of the kecamatan (or of one village), in list order."""
        found: dict[str, dict[str, Any]] = {}
        start_after: tuple[str, str] | None = None
        while True:
            page, more = self.store.query_farmers(
                FarmerQuery(kecamatan_code=kecamatan, village_code=village_code, start_after=start_after),
                PAGE,
            )
            for item in page:
                found[item["farmer_id"]] = item
            if not more or not page:
                return found
            start_after = (page[-1]["village_code"], page[-1]["farmer_id"])

    def _submitted_claims(self, kecamatan: str) -> list[dict[str, Any]]:
        claims: list[dict[str, Any]] = []
        start_after: str | None = None
        while True:
            page, more = self.store.query_claims(
                kecamatan, PAGE, start_after, ClaimStatus.SUBMITTED.value, None
            )
            claims.extend(page)
            if not more or not page:
                return claims
            start_after = page[-1]["claim_id"]
