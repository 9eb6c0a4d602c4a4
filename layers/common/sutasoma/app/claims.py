"""Claims: eligibility, benefit estimate, documents, verification and BPJS's decision.

The agent files from the field, the BPP coordinator verifies (documents checked in S3, not
trusted from the client), the claim goes to BPJS through the outbox, and BPJS's callbacks
move it to APPROVED / REJECTED / PAID. Every status change is recorded: who, when, why.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import date, datetime, time, timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from sutasoma.adapters.claim_store import ClaimStore, DuplicateClaim
from sutasoma.adapters.documents import DocumentBucket
from sutasoma.adapters.idempotency import IdempotentRunner
from sutasoma.adapters.queue import OutboundQueue
from sutasoma.adapters.store import CounterIncrement, OutboxEntry
from sutasoma.api.models import (
    BenefitItemOut,
    ClaimantOut,
    ClaimCreate,
    ClaimEvent,
    ClaimOut,
    ClaimPage,
    ClaimStatus,
    DocumentStatus,
    DocumentUploadUrl,
    EstimatedBenefit,
    RegistrationStatus,
    mask_bank_account,
    mask_phone,
)
from sutasoma.app.farmers import load_farmer
from sutasoma.app.outbox import OpType, dispatch
from sutasoma.domain.audit import AuditAction, by_caller
from sutasoma.domain.benefits import DOC_NAMES, ClaimType, DocType, JkkOutcome, estimate, required_documents
from sutasoma.domain.clock import WITA, iso_utc, now_utc, period_of, today_wita
from sutasoma.domain.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from sutasoma.domain.identity import Caller, Role
from sutasoma.domain.ids import is_id, new_id
from sutasoma.domain.places import is_kecamatan, kecamatan_codes
from sutasoma.runtime.observability import logger, metrics

# Policy: sources disagree (2 or 5 years); configurable through settings.
DEFAULT_CLAIM_DEADLINE_YEARS = 5
JKK_REPORT_WITHIN = timedelta(hours=48)
DOC_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}


class NotCovered(ValidationFailed):
    code = "NOT_COVERED"
    title = "Tidak terlindungi"


class DuplicateClaimError(Conflict):
    code = "DUPLICATE_CLAIM"
    title = "Klaim ganda"


class IncidentDateInvalid(ValidationFailed):
    code = "INCIDENT_DATE_INVALID"
    title = "Tanggal kejadian tidak valid"


class DocumentsMissing(Conflict):
    code = "DOCUMENTS_MISSING"
    title = "Dokumen belum lengkap"


class InvalidTransition(Conflict):
    code = "INVALID_TRANSITION"
    title = "Perubahan status tidak sah"


def covered_periods(payments: list[dict[str, Any]], incident: date) -> set[str]:
    """Months paid by payments recorded on or before the incident date (WITA): paying after
    the fact does not cover an incident (policy)."""
    periods: set[str] = set()
    for payment in payments:
        recorded = (
            datetime.fromisoformat(payment["recorded_at"].replace("Z", "+00:00")).astimezone(WITA).date()
        )
        if recorded <= incident:
            periods.update(payment["periods"])
    return periods


def check_eligibility(
    farmer: dict[str, Any], payments: list[dict[str, Any]], incident: date, today: date, deadline_years: int
) -> None:
    if incident > today:
        raise IncidentDateInvalid(
            "Tanggal kejadian tidak boleh di masa depan.", [FieldError("incident_date", "Di masa depan.")]
        )
    try:
        deadline_start = today.replace(year=today.year - deadline_years)
    except ValueError:  # 29 February
        deadline_start = today.replace(year=today.year - deadline_years, day=28)
    if incident < deadline_start:
        raise IncidentDateInvalid(
            f"Batas waktu klaim {deadline_years} tahun sejak kejadian sudah lewat.",
            [FieldError("incident_date", f"Sebelum {deadline_start.isoformat()}.")],
        )
    reasons: list[FieldError] = []
    if farmer["registration_status"] != RegistrationStatus.CONFIRMED.value:
        reasons.append(
            FieldError(
                "farmer_id",
                f"Pendaftaran di BPJS belum dikonfirmasi (status {farmer['registration_status']}).",
            )
        )
    month = period_of(incident)
    if month not in covered_periods(payments, incident):
        reasons.append(
            FieldError(
                "incident_date", f"Iuran bulan {month} belum dibayar pada atau sebelum tanggal kejadian."
            )
        )
    if reasons:
        raise NotCovered("Kejadian ini tidak terlindungi.", reasons)


def _document_status(claim: dict[str, Any], uploaded: set[str]) -> list[DocumentStatus]:
    return [
        DocumentStatus(doc_type=doc, name=DOC_NAMES[DocType(doc)], required=True, uploaded=doc in uploaded)
        for doc in claim["required_documents"]
    ]


def claimant_out(
    claimant: dict[str, Any] | None, *, in_list: bool, whole_account: bool
) -> ClaimantOut | None:
    """The claimant as this answer may show it: the phone masked in lists, the bank account
    whole only where `whole_account` (GET /claims/{id} for a coordinator or admin)."""
    if not claimant:
        return None
    phone = str(claimant["phone"])
    account = claimant.get("bank_account")
    return ClaimantOut(
        full_name=claimant["full_name"],
        relationship=claimant["relationship"],
        phone=mask_phone(phone) if in_list else phone,
        bank_name=claimant.get("bank_name"),
        bank_account=(account if whole_account else mask_bank_account(account)) if account else None,
    )


def may_see_bank_account(caller: Caller) -> bool:
    """Coordinators (who verify claims against the bank book) and admins; agents do not."""
    return caller.role in (Role.COORDINATOR, Role.ADMIN)


def to_claim(
    claim: dict[str, Any], uploaded: set[str], *, in_list: bool = False, whole_account: bool = False
) -> ClaimOut:
    return ClaimOut(
        claim_id=claim["claim_id"],
        farmer_id=claim["farmer_id"],
        kecamatan_code=claim["kecamatan_code"],
        type=claim["claim_type"],
        outcome=claim.get("outcome"),
        status=claim["status"],
        incident_date=date.fromisoformat(claim["incident_date"]),
        description=claim["description"],
        location=claim.get("location"),
        claimant=claimant_out(claim.get("claimant"), in_list=in_list, whole_account=whole_account),
        estimated_benefit=EstimatedBenefit(
            total=claim["estimated_benefit"]["total"],
            items=[BenefitItemOut(**item) for item in claim["estimated_benefit"]["items"]],
        ),
        required_documents=claim["required_documents"],
        documents=_document_status(claim, uploaded),
        warnings=claim.get("warnings") or [],
        approved_amount=claim.get("approved_amount"),
        paid_amount=claim.get("paid_amount"),
        paid_at=claim.get("paid_at"),
        rejection_reason=claim.get("rejection_reason"),
        history=[ClaimEvent(**event) for event in claim.get("history", [])],
        created_by=claim["created_by"],
        created_at=claim["created_at"],
        updated_at=claim["updated_at"],
    )


def _cursor(kecamatan_code: str, claim_id: str) -> str:
    raw = json.dumps({"k": kecamatan_code, "i": claim_id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        kecamatan_code, claim_id = str(data["k"]), str(data["i"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        kecamatan_code = claim_id = ""
    if not (is_kecamatan(kecamatan_code) and is_id(claim_id)):
        raise ValidationFailed("Cursor halaman tidak valid.", [FieldError("cursor", "Gunakan next_cursor.")])
    return kecamatan_code, claim_id


class ClaimService:
    def __init__(
        self,
        store: ClaimStore,
        queue: OutboundQueue,
        idempotency: IdempotentRunner,
        documents: DocumentBucket,
        upload_expires_seconds: int,
        deadline_years: int = DEFAULT_CLAIM_DEADLINE_YEARS,
    ) -> None:
        self.store = store
        self.queue = queue
        self.idempotency = idempotency
        self.documents = documents
        self.upload_expires_seconds = upload_expires_seconds
        self.deadline_years = deadline_years

    # ------------------------------------------------------------------ file
    def submit(self, caller: Caller, data: ClaimCreate, idempotency_key: str | None) -> ClaimOut:
        return self.idempotency.once(
            "claim", idempotency_key, caller.sub, data, lambda: self._submit(caller, data), ClaimOut
        )

    def _submit(self, caller: Caller, data: ClaimCreate) -> ClaimOut:
        farmer = load_farmer(self.store, caller, data.farmer_id)
        claim_type = ClaimType(data.type)
        if claim_type is ClaimType.JKM and data.outcome not in (None, "death"):
            raise ValidationFailed(
                "Klaim JKM adalah klaim kematian.",
                [FieldError("outcome", "Untuk JKM kosongkan atau isi 'death'.")],
            )
        outcome = JkkOutcome(data.outcome) if claim_type is ClaimType.JKK and data.outcome else None
        if claim_type is ClaimType.JKK and outcome is None:
            outcome = JkkOutcome.TREATMENT
        now = now_utc()
        today = today_wita(now)
        payments = self._all_payments(data.farmer_id)
        check_eligibility(farmer, payments, data.incident_date, today, self.deadline_years)
        warnings = report_warnings(claim_type, data.incident_date, now)
        contribution_months = len({p for payment in payments for p in payment["periods"]})
        total, items = estimate(claim_type, outcome, farmer["monthly_income"], contribution_months)
        docs = required_documents(claim_type, outcome, data.road_accident, data.claimant.relationship)
        claim_id = new_id()
        stamp = iso_utc(now)
        claim = {
            "claim_id": claim_id,
            "farmer_id": data.farmer_id,
            "kecamatan_code": farmer["kecamatan_code"],
            "claim_type": claim_type.value,
            "outcome": outcome.value if outcome else ("death" if claim_type is ClaimType.JKM else None),
            "incident_date": data.incident_date.isoformat(),
            "description": data.description,
            "location": data.location,
            "road_accident": data.road_accident,
            "claimant": data.claimant.model_dump(mode="json"),
            "status": ClaimStatus.SUBMITTED.value,
            "estimated_benefit": {"total": total, "items": [item.__dict__ for item in items]},
            "required_documents": [d.value for d in docs],
            "warnings": warnings,
            "history": [
                {"status": ClaimStatus.SUBMITTED.value, "at": stamp, "by": caller.username, "reason": None}
            ],
            "created_by": caller.username,
            "created_at": stamp,
            "updated_at": stamp,
        }
        uniqueness = f"CLAIMKEY#{data.farmer_id}#{claim_type.value}#{data.incident_date.isoformat()}"
        counters = [
            CounterIncrement(
                period_of(today),
                f"KEC#{farmer['kecamatan_code']}",
                {f"claims_submitted_{claim_type.value}": 1, f"claims_estimated_{claim_type.value}": total},
            )
        ]
        try:
            self.store.put_claim(
                claim,
                uniqueness,
                counters,
                by_caller(
                    caller,
                    AuditAction.CLAIM_SUBMITTED,
                    claim_id,
                    f"claim/{claim_id}",
                    stamp,
                    farmer_id=data.farmer_id,
                    detail={"type": claim_type.value},
                ),
            )
        except DuplicateClaim as duplicate:
            raise DuplicateClaimError(
                "Klaim jenis ini untuk petani dan tanggal kejadian yang sama sudah ada.",
                [FieldError("incident_date", "Klaim ganda.")],
                extra={"claim_id": duplicate.claim_id},
            ) from None
        metrics.add_metric(name=f"ClaimSubmitted{claim_type.value}", unit=MetricUnit.Count, value=1)
        logger.info(
            "claim submitted",
            extra={"claim_id": claim_id, "farmer_id": data.farmer_id, "type": claim_type.value},
        )
        return to_claim(claim, set())

    def _all_payments(self, farmer_id: str) -> list[dict[str, Any]]:
        payments: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            page, more = self.store.list_payments(farmer_id, 100, cursor)
            payments.extend(page)
            if not more or not page:
                return payments
            cursor = page[-1]["payment_id"]

    # ------------------------------------------------------------------ read
    def _load(self, caller: Caller, claim_id: str) -> dict[str, Any]:
        claim = self.store.get_claim(claim_id) if is_id(claim_id) else None
        if claim is None:
            raise NotFound("Klaim tidak ditemukan.")
        caller.require_kecamatan(claim["kecamatan_code"])
        return claim

    def _uploaded(self, claim: dict[str, Any]) -> set[str]:
        return self.documents.uploaded_types(f"claims/{claim['claim_id']}/")

    def get(self, caller: Caller, claim_id: str) -> ClaimOut:
        claim = self._load(caller, claim_id)
        whole_account = may_see_bank_account(caller) and bool(
            (claim.get("claimant") or {}).get("bank_account")
        )
        # The claimant's phone (and, for a verifier, the bank account) is disclosed whole:
        # recorded first, like a whole NIK (no record, no answer).
        self.store.put_audit(
            by_caller(
                caller,
                AuditAction.BANK_ACCOUNT_READ if whole_account else AuditAction.PHONE_READ,
                claim_id,
                f"claim/{claim_id}",
                farmer_id=claim["farmer_id"],
                fields=("claimant.phone", "claimant.bank_account") if whole_account else ("claimant.phone",),
            )
        )
        return to_claim(claim, self._uploaded(claim), whole_account=whole_account)

    def search(
        self,
        caller: Caller,
        status: ClaimStatus | None,
        kecamatan_code: str | None,
        farmer_id: str | None,
        limit: int,
        cursor: str | None,
    ) -> ClaimPage:
        if kecamatan_code is not None:
            if not is_kecamatan(kecamatan_code):
                raise ValidationFailed(
                    "Kode kecamatan tidak dikenal.", [FieldError("kecamatan_code", "Tidak dikenal.")]
                )
            caller.require_kecamatan(kecamatan_code)
            scope = [kecamatan_code]
        elif farmer_id is not None:
            scope = [load_farmer(self.store, caller, farmer_id)["kecamatan_code"]]
        elif caller.kecamatan is not None and not caller.is_admin:
            scope = [caller.kecamatan]
        else:
            scope = kecamatan_codes()
        start = _decode_cursor(cursor) if cursor else None
        if start is not None and start[0] not in scope:
            raise ValidationFailed(
                "Cursor halaman tidak valid.", [FieldError("cursor", "Bukan untuk daftar ini.")]
            )
        found: list[dict[str, Any]] = []
        more = False
        for kecamatan in scope:
            if start is not None and kecamatan < start[0]:
                continue
            after = start[1] if start is not None and start[0] == kecamatan else None
            page, more = self.store.query_claims(
                kecamatan, limit - len(found), after, status.value if status else None, farmer_id
            )
            found.extend(page)
            if len(found) == limit:
                more = more or kecamatan != scope[-1]
                break
        # Lists skip the S3 check (GET shows it) and mask the claimant's phone and bank account.
        items = [to_claim(claim, set(), in_list=True) for claim in found]
        next_cursor = _cursor(found[-1]["kecamatan_code"], found[-1]["claim_id"]) if more and found else None
        return ClaimPage(items=items, next_cursor=next_cursor)

    # ------------------------------------------------------------------ documents
    def document_upload_url(
        self, caller: Caller, claim_id: str, doc_type: str, content_type: str
    ) -> DocumentUploadUrl:
        claim = self._load(caller, claim_id)
        if doc_type not in claim["required_documents"]:
            raise ValidationFailed(
                "Jenis dokumen tidak diperlukan untuk klaim ini.",
                [FieldError("doc_type", "Pilih salah satu: " + ", ".join(claim["required_documents"]) + ".")],
            )
        if claim["status"] not in (ClaimStatus.SUBMITTED.value,):
            raise InvalidTransition("Dokumen hanya dapat ditambah sebelum klaim diverifikasi.")
        object_key = f"claims/{claim_id}/{doc_type}/{new_id()}.{DOC_EXTENSIONS[content_type]}"
        url = self.documents.presign_put(object_key, content_type, self.upload_expires_seconds)
        return DocumentUploadUrl(
            upload_url=url, object_key=object_key, expires_in=self.upload_expires_seconds
        )

    # ------------------------------------------------------------------ verify
    def verify(self, caller: Caller, claim_id: str) -> ClaimOut:
        if caller.role not in (Role.COORDINATOR, Role.ADMIN):
            raise Forbidden("Hanya koordinator BPP atau admin yang dapat memverifikasi klaim.")
        claim = self._load(caller, claim_id)
        if claim["status"] != ClaimStatus.SUBMITTED.value:
            raise InvalidTransition(
                f"Klaim berstatus {claim['status']}; hanya klaim SUBMITTED yang diverifikasi."
            )
        uploaded = self._uploaded(claim)
        missing = [doc for doc in claim["required_documents"] if doc not in uploaded]
        if missing:
            raise DocumentsMissing(
                "Dokumen wajib belum diunggah: " + ", ".join(DOC_NAMES[DocType(d)] for d in missing) + ".",
                [FieldError(f"documents.{doc}", "Belum diunggah.") for doc in missing],
                extra={"missing": missing},
            )
        now = now_utc()
        stamp = iso_utc(now)
        event = {"status": ClaimStatus.VERIFIED.value, "at": stamp, "by": caller.username, "reason": None}
        transition = self.store.transition(
            claim_id,
            (ClaimStatus.SUBMITTED.value,),
            {"status": ClaimStatus.VERIFIED.value, "verified_by": caller.username},
            event,
        )
        outbox = OutboxEntry(
            op_id=new_id(),
            op_type=OpType.CLAIM_SUBMISSION,
            farmer_id=claim["farmer_id"],
            created_at=stamp,
            payload={"claim_id": claim_id},
        )
        counters = [
            CounterIncrement(
                period_of(today_wita(now)),
                f"KEC#{claim['kecamatan_code']}",
                {f"claims_verified_{claim['claim_type']}": 1},
            )
        ]
        audit = by_caller(
            caller,
            AuditAction.CLAIM_VERIFIED,
            claim_id,
            f"claim/{claim_id}",
            stamp,
            farmer_id=claim["farmer_id"],
            fields=("status",),
        )
        self.store.verify_claim(transition, outbox, counters, audit)
        logger.info("claim verified", extra={"claim_id": claim_id})
        dispatch(self.store, self.queue, outbox)
        claim = {
            **claim,
            "status": ClaimStatus.VERIFIED.value,
            "history": [*claim["history"], event],
            "updated_at": stamp,
        }
        return to_claim(claim, uploaded)


def report_warnings(claim_type: ClaimType, incident: date, now: datetime) -> list[str]:
    """A JKK accident must be reported within 2 x 24 hours: later is a warning, not a refusal.
    Only the date is known, so the clock starts at the end of that day (in the farmer's favour)."""
    end_of_day = datetime.combine(incident, time(23, 59, 59), tzinfo=WITA)
    if claim_type is ClaimType.JKK and now - end_of_day > JKK_REPORT_WITHIN:
        return [
            "Kecelakaan kerja dilaporkan lebih dari 2 x 24 jam setelah kejadian; BPJS dapat meminta penjelasan."
        ]
    return []
