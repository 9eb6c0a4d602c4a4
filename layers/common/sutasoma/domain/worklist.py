"""Which farmers an agent should visit, and why (DOMAIN.md "Coverage"; docs/api.md).

Each farmer lands in at most one section, by the coverage state on today's WITA date
(domain/coverage.py), with the words the report uses:
- `due_this_month` ("jatuh tempo"): DUE, the current month to pay by its 15th; or CONFIRMED by
  BPJS and never paid (the first payment starts the cover);
- `in_arrears` ("tunggakan"): 1-2 months overdue, with the months owed and their amount;
- `about_to_lapse` ("hampir nonaktif"): 3 months overdue: unless paid by the 15th of this
  or the next month the membership ends (LAPSED);
- `refunds_to_return` ("kembalikan iuran"): open refund cases of the kecamatan;
- `claims_rejected` ("klaim ditolak"): claims BPJS rejected in the last REFILE_WINDOW_DAYS and
  not filed again, with BPJS's reason: fix it and file again (`previous_claim_id`).
ACTIVE farmers, farmers still waiting for BPJS with nothing paid, LAPSED farmers and farmers
whose membership ended (death, rejection) are in no collection section. Amounts come from the
tariff month by month.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from sutasoma.domain.claim import ClaimRecord, ClaimStatus
from sutasoma.domain.clock import period_of
from sutasoma.domain.coverage import DUE_DAY, MAX_ARREARS_MONTHS, Coverage, CoverageState, lapses_on
from sutasoma.domain.documents import DOC_NAMES, DocType
from sutasoma.domain.farmer import FarmerRecord
from sutasoma.domain.money import format_rupiah
from sutasoma.domain.periods import add_months, date_words, month_words, months_words, parse_period
from sutasoma.domain.places import places
from sutasoma.domain.refund import RefundReason, RefundRecord
from sutasoma.domain.registration import RegistrationStatus
from sutasoma.domain.tariff import contribution_for
from sutasoma.domain.worklist_actions import WorklistAction

Section = Literal["due_this_month", "in_arrears", "about_to_lapse"]


# A rejected claim stays on the worklist this long: time to fix the reason and file again.
REFILE_WINDOW_DAYS = 90


@dataclass(frozen=True)
class FarmerToVisit:
    farmer_id: str
    full_name: str
    village_code: str
    village_name: str
    phone: str
    registration_status: RegistrationStatus
    coverage: Coverage
    monthly_contribution: int
    months_owed: int  # months in arrears (tunggakan: past their 15th), as coverage counts them
    months_unpaid: int  # unpaid months up to and including this one: the arrears and what is due
    periods_due: tuple[str, ...]
    amount_due: int
    act_by: date | None
    days_left: int | None
    action: WorklistAction
    action_text: str


@dataclass(frozen=True)
class RequiredDocument:
    doc_type: str
    name: str


@dataclass(frozen=True)
class ClaimToComplete:
    claim_id: str
    farmer_id: str
    full_name: str
    village_code: str
    village_name: str
    claimant_name: str
    claimant_relationship: str
    claimant_phone: str
    type: str
    status: ClaimStatus
    incident_date: date
    submitted_at: str
    required_documents: tuple[RequiredDocument, ...]
    action: WorklistAction
    action_text: str


@dataclass(frozen=True)
class ClaimToRefile:
    claim_id: str
    farmer_id: str
    full_name: str
    village_code: str
    village_name: str
    type: str
    incident_date: date
    rejected_at: str
    rejection_reason: str
    action: WorklistAction
    action_text: str


@dataclass(frozen=True)
class RefundToReturn:
    refund_id: str
    farmer_id: str
    full_name: str
    village_code: str
    village_name: str
    amount: int
    periods: tuple[str, ...]
    reason: RefundReason
    created_at: str
    action: WorklistAction
    action_text: str


@dataclass(frozen=True)
class Worklist:
    kecamatan_code: str
    kecamatan_name: str
    village_code: str | None
    on: date
    period: str
    due_this_month: tuple[FarmerToVisit, ...]
    in_arrears: tuple[FarmerToVisit, ...]
    about_to_lapse: tuple[FarmerToVisit, ...]
    claims_waiting_for_documents: tuple[ClaimToComplete, ...]
    refunds_to_return: tuple[RefundToReturn, ...]
    claims_rejected: tuple[ClaimToRefile, ...] = ()


@dataclass(frozen=True)
class Placement:
    section: Section
    entry: FarmerToVisit


@dataclass(frozen=True)
class _Visit:
    section: Section
    periods: tuple[str, ...]
    act_by: date | None
    action: WorklistAction


def end_of_month(period: str) -> date:
    year, month = parse_period(period)
    return date(year, month, calendar.monthrange(year, month)[1])


def village_name(village_code: str) -> str:
    village = places().villages.get(village_code)
    return village.name if village else village_code


def _visit(farmer: FarmerRecord, coverage: Coverage, current: str) -> _Visit | None:
    match coverage.state:
        case CoverageState.NOT_STARTED if farmer.registration_status is RegistrationStatus.CONFIRMED:
            return _Visit("due_this_month", (current,), None, WorklistAction.COLLECT_FIRST_PAYMENT)
        case CoverageState.DUE:
            due_by = date(*parse_period(current), DUE_DAY)
            return _Visit("due_this_month", (current,), due_by, WorklistAction.COLLECT_DUE)
        case CoverageState.ARREARS:
            paid_through = str(coverage.paid_through)
            periods = tuple(add_months(paid_through, i) for i in range(1, coverage.months_unpaid + 1))
            act_by = lapses_on(paid_through) - timedelta(days=1)
            if coverage.months_overdue >= MAX_ARREARS_MONTHS:
                return _Visit("about_to_lapse", periods, act_by, WorklistAction.COLLECT_BEFORE_LAPSE)
            return _Visit("in_arrears", periods, act_by, WorklistAction.COLLECT_ARREARS)
    return None  # paid, waiting for BPJS, LAPSED (reactivation, not collection) or ENDED


def _months(periods: tuple[str, ...]) -> str:
    return months_words(periods)


def _action_text(visit: _Visit, amount: int, current: str, overdue: int) -> str:
    rupiah, periods = format_rupiah(amount), visit.periods
    match visit.action:
        case WorklistAction.COLLECT_FIRST_PAYMENT:
            return (
                f"Tagih iuran pertama bulan {month_words(current)} ({rupiah}); perlindungan dimulai bulan "
                "yang dibayar."
            )
        case WorklistAction.COLLECT_DUE:
            return (
                f"Iuran bulan {month_words(periods[0])} jatuh tempo ({rupiah}): tagih paling lambat {_by(visit)}"
                " agar tidak menjadi tunggakan."
            )
        case WorklistAction.COLLECT_ARREARS:
            return f"{_arrears(periods, overdue)}, {rupiah}, paling lambat {_by(visit)}."
    return (
        f"{_arrears(periods, overdue)}, {rupiah}, paling lambat {_by(visit)}: setelah itu kepesertaan "
        "berakhir dan petani harus didaftarkan ulang."
    )


def _by(visit: _Visit) -> str:
    return date_words(visit.act_by) if visit.act_by else "-"


def _arrears(periods: tuple[str, ...], overdue: int) -> str:
    """The months in arrears and, apart, this month's contribution if it is only due ("jatuh
    tempo" is not "tunggakan", DOMAIN "Coverage")."""
    text = f"Tagih tunggakan {overdue} bulan ({_months(periods[:overdue])})"
    due = periods[overdue:]
    return f"{text} dan iuran bulan {_months(due)} yang jatuh tempo" if due else text


def classify(farmer: FarmerRecord, today: date) -> Placement | None:
    """The section a farmer belongs to on `today`, with what to collect; None for none."""
    coverage = farmer.coverage(today)
    current = period_of(today)
    visit = _visit(farmer, coverage, current)
    if visit is None:
        return None
    amount = sum(contribution_for(period, farmer.monthly_income).amount for period in visit.periods)
    entry = FarmerToVisit(
        farmer_id=farmer.farmer_id,
        full_name=farmer.full_name,
        village_code=farmer.village_code,
        village_name=village_name(farmer.village_code),
        phone=farmer.phone,
        registration_status=farmer.registration_status,
        coverage=coverage,
        monthly_contribution=contribution_for(current, farmer.monthly_income).amount,
        months_owed=coverage.months_overdue,
        months_unpaid=coverage.months_unpaid,
        periods_due=visit.periods,
        amount_due=amount,
        act_by=visit.act_by,
        days_left=(visit.act_by - today).days if visit.act_by else None,
        action=visit.action,
        action_text=_action_text(visit, amount, current, coverage.months_overdue),
    )
    return Placement(visit.section, entry)


def claim_to_complete(claim: ClaimRecord, farmer: FarmerRecord) -> ClaimToComplete:
    documents = tuple(
        RequiredDocument(doc_type=doc, name=DOC_NAMES[DocType(doc)] if doc in DocType else doc)
        for doc in claim.required_documents
    )
    return ClaimToComplete(
        claim_id=claim.claim_id,
        farmer_id=claim.farmer_id,
        full_name=farmer.full_name,
        village_code=farmer.village_code,
        village_name=village_name(farmer.village_code),
        claimant_name=claim.claimant.full_name,
        claimant_relationship=claim.claimant.relationship,
        claimant_phone=claim.claimant.phone,
        type=claim.claim_type,
        status=claim.status,
        incident_date=claim.incident_date,
        submitted_at=claim.created_at,
        required_documents=documents,
        action=WorklistAction.COMPLETE_CLAIM_DOCUMENTS,
        action_text=(
            "Pastikan dokumen klaim lengkap diunggah ("
            + ", ".join(d.name for d in documents)
            + "), lalu minta koordinator BPP memverifikasi."
        ),
    )


def to_refile(claim: ClaimRecord, today: date) -> bool:
    """Rejected by BPJS within the window and not yet filed again."""
    at = claim.rejected_at
    return (
        claim.status is ClaimStatus.REJECTED and claim.refiled_as is None and at is not None
        and (today - date.fromisoformat(at[:10])).days <= REFILE_WINDOW_DAYS
    )  # fmt: skip


def claim_to_refile(claim: ClaimRecord, farmer: FarmerRecord) -> ClaimToRefile:
    reason = claim.rejection_reason or "tanpa alasan"
    return ClaimToRefile(
        claim_id=claim.claim_id, farmer_id=claim.farmer_id, full_name=farmer.full_name,
        village_code=farmer.village_code, village_name=village_name(farmer.village_code), type=claim.claim_type,
        incident_date=claim.incident_date, rejected_at=claim.rejected_at or claim.updated_at,
        rejection_reason=reason, action=WorklistAction.REFILE_CLAIM,
        action_text=(
            f"Klaim {claim.claim_type} ditolak BPJS: \"{reason}\". Perbaiki penyebabnya (mis. unggah dokumen "
            "yang benar), lalu ajukan ulang klaim untuk kejadian yang sama."
        ),
    )  # fmt: skip


REFUND_REASONS = {
    RefundReason.REGISTRATION_REJECTED: "pendaftaran ditolak BPJS",
    RefundReason.PAID_AFTER_DEATH: "iuran dibayar untuk bulan setelah petani meninggal",
    RefundReason.POSTING_REFUSED: "iuran ditolak BPJS",
}


def refund_to_return(refund: RefundRecord, farmer: FarmerRecord) -> RefundToReturn:
    return RefundToReturn(
        refund_id=refund.refund_id, farmer_id=refund.farmer_id, full_name=farmer.full_name,
        village_code=farmer.village_code, village_name=village_name(farmer.village_code), amount=refund.amount,
        periods=refund.periods, reason=refund.reason, created_at=refund.created_at,
        action=WorklistAction.RETURN_REFUND,
        action_text=(
            f"Kembalikan iuran {format_rupiah(refund.amount)} ({REFUND_REASONS[refund.reason]}; bulan "
            f"{_months(refund.periods)}) kepada petani atau ahli warisnya, lalu catat penyelesaiannya."
        ),
    )  # fmt: skip


def refund_order(entry: RefundToReturn) -> tuple[str, str, str]:
    return entry.village_code, entry.full_name.casefold(), entry.refund_id


def farmer_order(entry: FarmerToVisit) -> tuple[str, str, str]:
    return entry.village_code, entry.full_name.casefold(), entry.farmer_id


def claim_order(entry: ClaimToComplete) -> tuple[str, str, str, str]:
    return entry.village_code, entry.full_name.casefold(), entry.submitted_at, entry.claim_id


def refile_order(entry: ClaimToRefile) -> tuple[str, str, str, str]:
    return entry.village_code, entry.full_name.casefold(), entry.rejected_at, entry.claim_id
