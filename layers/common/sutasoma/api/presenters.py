"""Records as the API answers them: what each reader may see, in the contract's shapes.

Masking follows domain/privacy.py: phones masked in lists, the whole NIK only in one farmer's
read, a bank account whole only for the staff who verify the claim.

Each presenter imports the models it builds when it is first called: a function loads at cold
start only the shapes its own routes answer with (the register function never builds a claim).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sutasoma.domain.clock import period_of, today_wita
from sutasoma.domain.privacy import mask_bank_account, mask_phone

if TYPE_CHECKING:
    from sutasoma.api.models.claims import ClaimantOut, ClaimOut, DocumentStatus
    from sutasoma.api.models.common import RefusedUpload
    from sutasoma.api.models.farmers import Farmer, FarmerDetail, ImportedOut
    from sutasoma.api.models.payments import Payment, Quote, QuoteLine
    from sutasoma.api.models.refunds import Refund
    from sutasoma.api.models.worklist import Worklist
    from sutasoma.app.claims import ClaimView
    from sutasoma.domain.claim import Claimant, ClaimRecord
    from sutasoma.domain.farmer import FarmerRecord
    from sutasoma.domain.payment import CoverageSnapshot, PaidLine, PaymentRecord
    from sutasoma.domain.payment import Quote as QuoteRecord
    from sutasoma.domain.refund import RefundRecord
    from sutasoma.domain.uploads import FileCheck
    from sutasoma.domain.worklist import Worklist as WorklistRecord


def farmer_out(farmer: FarmerRecord, today: date | None = None, *, masked: bool = False) -> Farmer:
    """The farmer on `today` (WITA); `masked` for lists: the farmer's and heirs' phones masked."""
    from sutasoma.api.models.farmers import CoverageOut, Farmer, HeirOut
    from sutasoma.domain.tariff import contribution_for

    today = today or today_wita()
    coverage = farmer.coverage(today)
    heirs = [
        HeirOut(
            full_name=h.full_name,
            relationship=h.relationship,
            phone=mask_phone(h.phone) if masked and h.phone else h.phone,
        )
        for h in farmer.heirs
    ]
    return Farmer(
        farmer_id=farmer.farmer_id, nik_masked=farmer.nik_masked, full_name=farmer.full_name, sex=farmer.sex,
        birth_date=farmer.birth_date, phone=mask_phone(farmer.phone) if masked else farmer.phone,
        kecamatan_code=farmer.kecamatan_code, village_code=farmer.village_code, address=farmer.address,
        commodity=farmer.commodity, monthly_income=farmer.monthly_income, heirs=heirs,
        registration_status=farmer.registration_status, kpj_number=farmer.kpj_number,
        coverage=CoverageOut(state=coverage.state, paid_through=coverage.paid_through),
        deceased_on=farmer.deceased_on, ktp_uploaded_at=farmer.ktp_uploaded_at,
        ktp_refused=refused_out(farmer.ktp_refused) if farmer.ktp_refused else None,
        monthly_contribution=contribution_for(period_of(today), farmer.monthly_income).amount,
        registered_by=farmer.registered_by, registered_at=farmer.registered_at, updated_at=farmer.updated_at,
        imported=imported_out(farmer),
    )  # fmt: skip


def imported_out(farmer: FarmerRecord) -> ImportedOut | None:
    imported = farmer.imported
    if imported is None:
        return None
    from sutasoma.api.models.farmers import ImportedOut
    from sutasoma.domain.farmer import BpjsCheck
    from sutasoma.domain.imports import CHECK_NOTES

    check = BpjsCheck(imported.bpjs_check)
    return ImportedOut(
        import_id=imported.import_id, imported_at=imported.imported_at, bpjs_check=check,
        bpjs_checked_at=imported.bpjs_checked_at, note=CHECK_NOTES.get(check),
    )  # fmt: skip


def farmer_detail(farmer: FarmerRecord, today: date | None = None) -> FarmerDetail:
    from sutasoma.api.models.farmers import FarmerDetail

    return FarmerDetail(**farmer_out(farmer, today).model_dump(), nik=farmer.nik)


def _lines(lines: tuple[PaidLine, ...]) -> list[QuoteLine]:
    from sutasoma.api.models.payments import QuoteLine

    return [QuoteLine.model_validate(line.model_dump()) for line in lines]


def quote_out(quote: QuoteRecord) -> Quote:
    from sutasoma.api.models.payments import Quote

    return Quote(
        periods=list(quote.periods),
        first_period=quote.first_period,
        lines=_lines(quote.lines),
        amount=quote.amount,
    )


def payment_out(payment: PaymentRecord, coverage: CoverageSnapshot | None = None) -> Payment:
    from sutasoma.api.models.farmers import CoverageOut
    from sutasoma.api.models.payments import Payment

    shown = coverage or payment.coverage_after
    return Payment(
        payment_id=payment.payment_id, receipt_number=payment.receipt_number, farmer_id=payment.farmer_id,
        periods=list(payment.periods),
        lines=_lines(payment.lines),
        amount=payment.amount, paid_at=payment.paid_at, recorded_at=payment.recorded_at,
        collected_by=payment.collected_by,
        coverage=CoverageOut.model_validate({"state": shown.state, "paid_through": shown.paid_through}),
        bpjs_status=payment.bpjs_status,
    )  # fmt: skip


def claimant_out(claimant: Claimant, *, in_list: bool, whole_account: bool) -> ClaimantOut:
    """The phone masked in lists; the bank account whole only where `whole_account`."""
    from sutasoma.api.models.claims import ClaimantOut

    account = claimant.bank_account
    return ClaimantOut(
        full_name=claimant.full_name,
        relationship=claimant.relationship,
        phone=mask_phone(claimant.phone) if in_list else claimant.phone,
        bank_name=claimant.bank_name,
        bank_account=(account if whole_account else mask_bank_account(account)) if account else None,
    )


def refused_out(check: FileCheck) -> RefusedUpload:
    from sutasoma.api.models.common import RefusedUpload

    return RefusedUpload(
        object_key=check.object_key, checked_at=check.checked_at, refusal=check.refusal or "CONTENT_MISMATCH",
        reason=check.reason or "",
    )  # fmt: skip


def document_out(claim: ClaimRecord, doc_type: str) -> DocumentStatus:
    """One required document as the claim records its checks (domain/claim.py ClaimDocument)."""
    from sutasoma.api.models.claims import DocumentStatus
    from sutasoma.domain.documents import DOC_NAMES, DocType

    accepted, refused = claim.document(doc_type), claim.refused_document(doc_type)
    return DocumentStatus(
        doc_type=doc_type, name=DOC_NAMES[DocType(doc_type)], required=True, uploaded=accepted is not None,
        status="ACCEPTED" if accepted else ("REFUSED" if refused else "MISSING"),
        uploaded_at=accepted.checked_at if accepted else None,
        content_type=accepted.content_type if accepted else None,
        size_bytes=accepted.size_bytes if accepted else None,
        refused=refused_out(refused) if refused else None,
    )  # fmt: skip


def claim_out(view: ClaimView, *, in_list: bool = False) -> ClaimOut:
    from sutasoma.api.models.claims import BenefitItemOut, ClaimEvent, ClaimOut, EstimatedBenefit

    claim = view.claim
    documents = [document_out(claim, doc) for doc in claim.required_documents]
    return ClaimOut(
        claim_id=claim.claim_id, farmer_id=claim.farmer_id, kecamatan_code=claim.kecamatan_code,
        type=claim.claim_type, outcome=claim.outcome, status=claim.status, incident_date=claim.incident_date,
        description=claim.description, location=claim.location,
        claimant=claimant_out(claim.claimant, in_list=in_list, whole_account=view.whole_account),
        estimated_benefit=EstimatedBenefit(
            total=claim.estimated_benefit.total,
            items=[BenefitItemOut(**item.model_dump()) for item in claim.estimated_benefit.items],
        ),
        required_documents=list(claim.required_documents), documents=documents, warnings=list(claim.warnings),
        approved_amount=claim.approved_amount, paid_amount=claim.paid_amount, paid_at=claim.paid_at,
        rejection_reason=claim.rejection_reason, disability_percent=claim.disability_percent, income=claim.income,
        membership_months=claim.membership_months, previous_claim_id=claim.previous_claim_id,
        refiled_as=claim.refiled_as,
        history=[ClaimEvent(status=h.status, at=h.at, by=h.by, reason=h.reason) for h in claim.history],
        created_by=claim.created_by, created_at=claim.created_at, updated_at=claim.updated_at,
    )  # fmt: skip


def farmer_page(farmers: list[FarmerRecord]) -> list[Farmer]:
    today = today_wita()
    return [farmer_out(farmer, today, masked=True) for farmer in farmers]


def worklist_out(worklist: WorklistRecord) -> Worklist:
    from sutasoma.api.models.worklist import Worklist

    return Worklist.model_validate(worklist, from_attributes=True)


def refund_out(refund: RefundRecord) -> Refund:
    from sutasoma.api.models.refunds import Refund

    return Refund.model_validate(refund, from_attributes=True)
