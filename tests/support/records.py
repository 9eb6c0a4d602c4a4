"""Records as the use cases read them, for tests that need one without storage."""

from __future__ import annotations

from datetime import date
from typing import Any

from sutasoma.domain.claim import Claimant, ClaimRecord, ClaimStatus, Estimate, StatusChange
from sutasoma.domain.farmer import FarmerRecord
from sutasoma.domain.ids import new_id
from sutasoma.domain.payment import CoverageSnapshot, PaidLine, PaymentRecord
from sutasoma.domain.registration import RegistrationStatus
from sutasoma.domain.tariff import contribution_for


def farmer_record(**overrides: Any) -> FarmerRecord:
    fields: dict[str, Any] = {
        "farmer_id": new_id(),
        "nik": "7312045708800003",
        "nik_masked": "7312********0003",
        "full_name": "Hasnah",
        "name_search": "hasnah",
        "sex": "F",
        "birth_date": date(1980, 8, 17),
        "phone": "081234567890",
        "kecamatan_code": "73.12.04",
        "village_code": "73.12.04.1001",
        "address": "Dusun Satu",
        "commodity": "padi",
        "monthly_income": 1_000_000,
        "consent_at": "2026-01-05T02:00:00Z",
        "registration_status": RegistrationStatus.CONFIRMED,
        "kpj_number": "12345678901",
        "registered_by": "agen.lalabata",
        "registered_by_sub": "sub-agen",
        "registered_at": "2026-01-05T02:00:00Z",
        "updated_at": "2026-01-05T02:00:00Z",
    }
    fields.update(overrides)
    if "full_name" in overrides and "name_search" not in overrides:
        fields["name_search"] = str(overrides["full_name"]).casefold()
    return FarmerRecord.model_validate(fields)


def payment_record(periods: list[str], recorded_at: str, **overrides: Any) -> PaymentRecord:
    income = overrides.pop("income", 1_000_000)
    lines = tuple(
        PaidLine(period=c.period, jkk=c.jkk, jkm=c.jkm, amount=c.amount, income=income)
        for c in (contribution_for(p, income) for p in periods)
    )
    fields: dict[str, Any] = {
        "payment_id": new_id(),
        "receipt_number": "BPP04-2026-000001",
        "farmer_id": new_id(),
        "kecamatan_code": "73.12.04",
        "periods": tuple(periods),
        "lines": lines,
        "amount": sum(line.amount for line in lines),
        "paid_at": recorded_at,
        "recorded_at": recorded_at,
        "collected_by": "agen.lalabata",
        "collected_by_sub": "sub-agen",
        "coverage_after": CoverageSnapshot(state="ACTIVE", paid_through=periods[-1]),
    }
    fields.update(overrides)
    return PaymentRecord.model_validate(fields)


def claim_record(**overrides: Any) -> ClaimRecord:
    """A SUBMITTED JKM claim needing a KPJ card and a death certificate."""
    fields: dict[str, Any] = {
        "claim_id": new_id(),
        "farmer_id": new_id(),
        "kecamatan_code": "73.12.04",
        "claim_type": "JKM",
        "outcome": "death",
        "incident_date": date(2026, 3, 1),
        "description": "Meninggal dunia di rumah.",
        "claimant": Claimant(full_name="Ahli Waris", relationship="spouse", phone="081234567891"),
        "status": ClaimStatus.SUBMITTED,
        "estimated_benefit": Estimate(total=42_000_000, items=()),
        "required_documents": ("kpj_card", "death_certificate"),
        "history": (
            StatusChange(status=ClaimStatus.SUBMITTED, at="2026-03-02T02:00:00Z", by="agen.lalabata"),
        ),
        "created_by": "agen.lalabata",
        "created_at": "2026-03-02T02:00:00Z",
        "updated_at": "2026-03-02T02:00:00Z",
    }
    fields.update(overrides)
    return ClaimRecord.model_validate(fields)
