"""Claims: filing (eligibility, the estimate, one death benefit per person, a refiling after
BPJS's rejection) and reading them. Documents and verification: app/claim_review.py; BPJS's
decisions: app/callbacks.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from aws_lambda_powertools.metrics import MetricUnit

from sutasoma.app.claim_lifecycle import claim_keys, claim_opened
from sutasoma.app.common import Writer, load_claim, load_farmer, once, retry_on_conflict
from sutasoma.app.membership import death_recorded
from sutasoma.app.paging import Page, across_kecamatan
from sutasoma.app.queries import ClaimQuery
from sutasoma.domain.audit import AuditAction, by_caller
from sutasoma.domain.benefits import ClaimType, JkkOutcome, estimate
from sutasoma.domain.changes import ChangeSet, Created, Updated, WriteConflict
from sutasoma.domain.claim import (
    Claimant,
    ClaimKey,
    ClaimRecord,
    ClaimStatus,
    DeathClaimKey,
    Estimate,
    StatusChange,
)
from sutasoma.domain.claim_rules import (
    check_death_date,
    check_eligibility,
    imported_months,
    income_at_incident,
    membership_months,
    report_warnings,
)
from sutasoma.domain.clock import iso_utc, now_utc, period_of, today_wita
from sutasoma.domain.counters import CounterIncrement
from sutasoma.domain.documents import required_documents
from sutasoma.domain.errors import DeathAlreadyClaimed, DuplicateClaim, FieldError, ValidationFailed
from sutasoma.domain.ids import is_id, new_id
from sutasoma.domain.records import Record
from sutasoma.runtime.observability import logger, metrics

if TYPE_CHECKING:
    from sutasoma.app.ports import AuditTrail, Claims, Farmers, Idempotency, Payments
    from sutasoma.domain.farmer import FarmerRecord
    from sutasoma.domain.identity import Caller
    from sutasoma.domain.payment import PaymentRecord


class NewClaim(Record):
    farmer_id: str
    type: ClaimType
    incident_date: date
    description: str
    location: str | None = None
    outcome: str | None = None
    road_accident: bool = False
    claimant: Claimant
    previous_claim_id: str | None = None


@dataclass(frozen=True)
class ClaimView:
    """A claim as one reader may see it: which documents are in, and whether the claimant's
    bank account may be shown whole (a coordinator or admin, who verifies it)."""

    claim: ClaimRecord
    uploaded: frozenset[str]
    whole_account: bool = False


def outcome_of(data: NewClaim) -> JkkOutcome | None:
    if data.type is ClaimType.JKM:
        if data.outcome not in (None, "death"):
            raise ValidationFailed(
                "Klaim JKM adalah klaim kematian.",
                [FieldError("outcome", "Untuk JKM kosongkan atau isi 'death'.")],
            )
        return None
    return JkkOutcome(data.outcome) if data.outcome else JkkOutcome.TREATMENT


def check_refiling(data: NewClaim, previous: ClaimRecord | None, refiling: ClaimRecord | None = None) -> None:
    """A refiling names a claim BPJS rejected, of the same farmer, type and incident. A claim of
    that incident still alive (the one named, or its refiling: `refiling`) makes it a duplicate,
    409 DUPLICATE_CLAIM as CONTRACT answers a duplicate, naming the live claim."""
    if data.previous_claim_id is None:
        return
    same = previous is not None and (previous.farmer_id, previous.claim_type, previous.incident_date) == (
        data.farmer_id, data.type.value, data.incident_date,
    )  # fmt: skip
    if previous is None or not same:
        raise ValidationFailed(
            "Klaim ulang hanya untuk klaim yang ditolak BPJS, dengan petani, jenis dan tanggal kejadian yang sama.",
            [FieldError("previous_claim_id", "Bukan klaim yang ditolak untuk kejadian ini.")],
        )
    if previous.status is not ClaimStatus.REJECTED:
        raise DuplicateClaim(
            "Klaim jenis ini untuk petani dan tanggal kejadian yang sama sudah ada dan belum ditolak BPJS.",
            [FieldError("previous_claim_id", "Klaim ini belum ditolak BPJS.")],
            extra={"claim_id": previous.claim_id},
        )
    if previous.refiled_as is None:
        return
    if refiling is not None and refiling.status is not ClaimStatus.REJECTED:
        raise DuplicateClaim(
            f"Klaim ini sudah diajukan ulang sebagai klaim {previous.refiled_as} (klaim ganda).",
            [FieldError("previous_claim_id", "Klaim ganda: pengajuan ulang sudah ada.")],
            extra={"claim_id": previous.refiled_as},
        )
    raise ValidationFailed(
        f"Klaim ini sudah diajukan ulang sebagai klaim {previous.refiled_as}.",
        [FieldError("previous_claim_id", "Rujuk klaim terakhir yang ditolak.")],
    )


@dataclass(frozen=True)
class Basis:
    """What a new claim is decided on."""

    farmer: FarmerRecord
    payments: list[PaymentRecord]
    outcome: JkkOutcome | None
    now: datetime
    previous: ClaimRecord | None = None  # the rejected claim this one files again


def decide_claim(caller: Caller, data: NewClaim, basis: Basis) -> tuple[ClaimRecord, ChangeSet]:
    """The claim with its estimate and documents, its keys, counters, the audit record, and for
    a death claim the recorded death (DOMAIN.md "Membership life cycle")."""
    farmer, stamp, period = basis.farmer, iso_utc(basis.now), period_of(today_wita(basis.now))
    income = (
        income_at_incident(basis.payments, data.incident_date, farmer.import_coverage)
        or farmer.monthly_income
    )
    months = membership_months(basis.payments, data.incident_date, imported_months(farmer))
    total, items = estimate(data.type, basis.outcome, income, months)
    docs = required_documents(data.type, basis.outcome, data.road_accident, data.claimant.relationship)
    claim = ClaimRecord(
        claim_id=new_id(), farmer_id=data.farmer_id, kecamatan_code=farmer.kecamatan_code, claim_type=data.type.value,
        outcome=basis.outcome.value if basis.outcome else "death", incident_date=data.incident_date,
        description=data.description, location=data.location, road_accident=data.road_accident,
        claimant=data.claimant, status=ClaimStatus.SUBMITTED, estimated_benefit=Estimate(total=total, items=tuple(items)),
        required_documents=tuple(d.value for d in docs), warnings=report_warnings(data.type, data.incident_date, basis.now),
        history=(StatusChange(status=ClaimStatus.SUBMITTED, at=stamp, by=caller.username),),
        created_by=caller.username, created_by_sub=caller.sub, created_at=stamp, updated_at=stamp,
        income=income, membership_months=months, previous_claim_id=data.previous_claim_id,
    )  # fmt: skip
    key, death_key = claim_keys(claim)
    audit = by_caller(
        caller, AuditAction.CLAIM_SUBMITTED, claim.claim_id, f"claim/{claim.claim_id}", stamp,
        farmer_id=data.farmer_id, detail={"type": data.type.value},
    )  # fmt: skip
    counted = {f"claims_submitted_{data.type.value}": 1, f"claims_estimated_{data.type.value}": total}
    changes = ChangeSet(
        writes=(Created(key), *((Created(death_key),) if death_key else ()), Created(claim)),
        counts=(CounterIncrement(period, farmer.kecamatan_code, counted), claim_opened(claim, period)),
        audit=(audit,),
    )
    if basis.previous is not None:  # off the worklist's "to refile"; a second refiling is a conflict
        changes += ChangeSet(
            writes=(
                Updated(basis.previous, basis.previous.next(refiled_as=claim.claim_id, updated_at=stamp)),
            )
        )
    if claim.is_death and farmer.deceased_on is None:
        _, death = death_recorded(
            farmer, basis.payments, data.incident_date, "CLAIM", caller.username, stamp, period
        )
        changes += death
    return claim, changes


class ClaimDesk:
    def __init__(
        self,
        farmers: Farmers,
        payments: Payments,
        claims: Claims,
        audit: AuditTrail,
        writer: Writer,
        idempotency: Idempotency,
        deadline_years: int,
    ) -> None:
        self.farmers = farmers
        self.payments = payments
        self.claims = claims
        self.audit = audit
        self.writer = writer
        self.idempotency = idempotency
        self.deadline_years = deadline_years

    # ------------------------------------------------------------------ file
    def submit(self, caller: Caller, data: NewClaim, idempotency_key: str | None) -> ClaimView:
        load_farmer(self.farmers, caller, data.farmer_id)  # authorized before any replay
        claim = once(
            self.idempotency, "claim", idempotency_key, f"{caller.sub}:{data.farmer_id}", data,
            lambda: retry_on_conflict(lambda: self._submit(caller, data)), ClaimRecord,
        )  # fmt: skip
        return ClaimView(claim, claim.uploaded_types())

    def _submit(self, caller: Caller, data: NewClaim) -> ClaimRecord:
        farmer = load_farmer(self.farmers, caller, data.farmer_id)
        outcome = outcome_of(data)
        wanted = data.previous_claim_id
        previous = self.claims.get(wanted) if wanted and is_id(wanted) else None
        refiling = self.claims.get(previous.refiled_as) if previous and previous.refiled_as else None
        check_refiling(data, previous, refiling)
        now = now_utc()
        payments = self.payments.all_of(data.farmer_id)
        check_eligibility(farmer, payments, data.incident_date, today_wita(now), self.deadline_years)
        if data.type is ClaimType.JKM or outcome is JkkOutcome.DEATH:
            self._one_death_benefit(data)
            check_death_date(farmer, data.incident_date)
        claim, changes = decide_claim(caller, data, Basis(farmer, payments, outcome, now, previous))
        try:
            self.writer.write(changes)
        except WriteConflict as conflict:
            self._explain(conflict)
            raise
        metrics.add_metric(name=f"ClaimSubmitted{data.type.value}", unit=MetricUnit.Count, value=1)
        logger.info(
            "claim submitted",
            extra={"claim_id": claim.claim_id, "farmer_id": data.farmer_id, "type": data.type.value},
        )
        return claim

    def _one_death_benefit(self, data: NewClaim) -> None:
        """A second death claim while one holds the benefit: DUPLICATE_CLAIM if it is the same
        claim (type and date), else DEATH_ALREADY_CLAIMED, whatever its date (CONTRACT). The
        write's conditions still decide a race (`_explain`)."""
        held = self.claims.death_benefit_claim(data.farmer_id)
        holder = self.claims.get(held) if held else None
        if holder is None:
            return
        if holder.claim_type == data.type.value and holder.incident_date == data.incident_date:
            raise DuplicateClaim(
                "Klaim jenis ini untuk petani dan tanggal kejadian yang sama sudah ada.",
                [FieldError("incident_date", "Klaim ganda.")],
                extra={"claim_id": holder.claim_id},
            )
        raise DeathAlreadyClaimed(
            "Santunan kematian petani ini sudah diajukan (JKM dan JKK kematian tidak dapat keduanya).",
            [FieldError("type", "Satu santunan kematian per orang.")],
            extra={"claim_id": holder.claim_id},
        )

    @staticmethod
    def _explain(conflict: WriteConflict) -> None:
        """A key already taken: the same claim twice, or a second death benefit."""
        current = conflict.current
        if conflict.concerns(ClaimKey):
            raise DuplicateClaim(
                "Klaim jenis ini untuk petani dan tanggal kejadian yang sama sudah ada.",
                [FieldError("incident_date", "Klaim ganda.")],
                extra={"claim_id": current.claim_id if isinstance(current, ClaimKey) else None},
            ) from None
        if conflict.concerns(DeathClaimKey):
            raise DeathAlreadyClaimed(
                "Santunan kematian petani ini sudah diajukan (JKM dan JKK kematian tidak dapat keduanya).",
                [FieldError("type", "Satu santunan kematian per orang.")],
                extra={"claim_id": current.claim_id if isinstance(current, DeathClaimKey) else None},
            ) from None

    # ------------------------------------------------------------------ read
    def load(self, caller: Caller, claim_id: str) -> ClaimRecord:
        return load_claim(self.claims, caller, claim_id)

    def get(self, caller: Caller, claim_id: str) -> ClaimView:
        claim = self.load(caller, claim_id)
        whole_account = caller.is_staff and bool(claim.claimant.bank_account)
        # The claimant's phone (and, for a verifier, the bank account) is disclosed whole:
        # recorded first, like a whole NIK (no record, no answer).
        self.audit.record(
            by_caller(
                caller, AuditAction.BANK_ACCOUNT_READ if whole_account else AuditAction.PHONE_READ,
                claim_id, f"claim/{claim_id}", iso_utc(now_utc()), farmer_id=claim.farmer_id,
                fields=("claimant.phone", "claimant.bank_account") if whole_account else ("claimant.phone",),
            )
        )  # fmt: skip
        return ClaimView(claim, claim.uploaded_types(), whole_account)

    def search(
        self, scope: Sequence[str], status: ClaimStatus | None, farmer_id: str | None, limit: int,
        start: tuple[str, str] | None,
    ) -> Page[ClaimRecord]:  # fmt: skip
        """Claims of the kecamatan in `scope` (already authorized), newest first."""

        def fetch(kecamatan: str, after: str | None, n: int) -> tuple[list[ClaimRecord], bool]:
            query = ClaimQuery(kecamatan, status.value if status else None, farmer_id, after)
            return self.claims.page(query, n)

        return across_kecamatan(scope, limit, start, fetch)

    def farmer_kecamatan(self, caller: Caller, farmer_id: str) -> str:
        return load_farmer(self.farmers, caller, farmer_id).kecamatan_code
