"""Whether an incident is covered, and what the agent is warned about (DOMAIN.md "Coverage",
"Claims life cycle")."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from sutasoma.domain.benefits import ClaimType
from sutasoma.domain.clock import WITA, day_wita_of, period_of
from sutasoma.domain.errors import FieldError, IncidentDateInvalid, NotCovered
from sutasoma.domain.farmer import FarmerRecord, ImportedCoverage
from sutasoma.domain.payment import BpjsPostingStatus, PaymentRecord
from sutasoma.domain.periods import add_months, date_words, month_words, months_between
from sutasoma.domain.registration import RegistrationStatus

# Policy: sources disagree (2 or 5 years); configurable through settings.
DEFAULT_CLAIM_DEADLINE_YEARS = 5
JKK_REPORT_WITHIN = timedelta(hours=48)


def recorded_on(payment: PaymentRecord) -> date:
    return day_wita_of(payment.recorded_at)


def standing(payments: Iterable[PaymentRecord]) -> list[PaymentRecord]:
    """The payments that pay for their months: not one BPJS refused for good (its money goes
    back in a refund case, DOMAIN "Refund cases"; a posting not yet answered still counts)."""
    return [p for p in payments if p.bpjs_status is not BpjsPostingStatus.FAILED]


def covered_periods(payments: Iterable[PaymentRecord], incident: date) -> set[str]:
    """Months paid by payments recorded on or before the incident date (WITA): paying after
    the fact does not cover an incident (policy), nor a payment BPJS refused."""
    return {period for p in standing(payments) if recorded_on(p) <= incident for period in p.periods}


def imported_months(farmer: FarmerRecord, incident: date | None = None) -> set[str]:
    """Months imports recorded as paid (paid at BPJS before SUTASOMA, no payment record here),
    those recorded on or before `incident` if given: the import is their recording (policy,
    docs/decisions.md "Imported members")."""
    found: set[str] = set()
    for coverage in farmer.import_coverage:
        recorded = day_wita_of(coverage.recorded_at)
        if incident is None or recorded <= incident:
            span = months_between(coverage.first_period, coverage.last_period)
            found.update(add_months(coverage.first_period, i) for i in range(span + 1))
    return found


def check_incident_date(
    incident: date, today: date, deadline_years: int, deceased_on: date | None = None
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
    if deceased_on is not None and incident > deceased_on:
        raise IncidentDateInvalid(
            f"Petani meninggal dunia pada {date_words(deceased_on)}: tidak ada kejadian sesudahnya.",
            [FieldError("incident_date", f"Sesudah tanggal kematian {deceased_on.isoformat()}.")],
        )


def check_eligibility(
    farmer: FarmerRecord, payments: Iterable[PaymentRecord], incident: date, today: date, deadline_years: int
) -> None:
    check_incident_date(incident, today, deadline_years, farmer.deceased_on)
    reasons: list[FieldError] = []
    if farmer.registration_status is not RegistrationStatus.CONFIRMED:
        reasons.append(
            FieldError(
                "farmer_id",
                f"Pendaftaran di BPJS belum dikonfirmasi (status {farmer.registration_status.value}).",
            )
        )
    month = period_of(incident)
    payments = list(payments)
    if month not in covered_periods(payments, incident) | imported_months(farmer, incident):
        reasons.append(FieldError("incident_date", uncovered_month(month, payments, farmer, incident)))
    if reasons:
        raise NotCovered("Kejadian ini tidak terlindungi.", reasons)


def uncovered_month(month: str, payments: list[PaymentRecord], farmer: FarmerRecord, incident: date) -> str:
    """Why the incident's month does not cover it, saying when its payment was recorded if there
    is one (DOMAIN: an agent must see why a back-dated receipt did not cover the incident)."""
    refused = sorted(
        p.receipt_number for p in payments if month in p.periods and p.bpjs_status is BpjsPostingStatus.FAILED
    )
    late = sorted((recorded_on(p), p.receipt_number) for p in standing(payments) if month in p.periods)
    if refused and not late:
        return (
            f"Iuran bulan {month_words(month)} (kuitansi {refused[0]}) ditolak BPJS dan dikembalikan: bulan itu tidak "
            "terlindungi."
        )
    if late:
        recorded, receipt = late[0]
        return (
            f"Iuran bulan {month_words(month)} dibayar dengan kuitansi {receipt} yang dicatat {date_words(recorded)}, "
            f"sesudah tanggal kejadian {date_words(incident)}: hanya pembayaran yang dicatat pada atau sebelum tanggal "
            "kejadian yang melindunginya."
        )
    if month in imported_months(farmer):
        return (
            f"Iuran bulan {month_words(month)} tercatat lewat impor sesudah tanggal kejadian {date_words(incident)}: hanya "
            "pembayaran yang dicatat pada atau sebelum tanggal kejadian yang melindunginya."
        )
    return f"Iuran bulan {month_words(month)} belum dibayar pada atau sebelum tanggal kejadian."


def report_warnings(claim_type: ClaimType, incident: date, now: datetime) -> tuple[str, ...]:
    """A JKK accident must be reported within 2 x 24 hours: later is a warning, not a refusal.
    Only the date is known, so the clock starts at the end of that day (in the farmer's favour)."""
    end_of_day = datetime.combine(incident, time(23, 59, 59), tzinfo=WITA)
    if claim_type is ClaimType.JKK and now - end_of_day > JKK_REPORT_WITHIN:
        return (
            "Kecelakaan kerja dilaporkan lebih dari 2 x 24 jam setelah kejadian; BPJS dapat meminta penjelasan.",
        )
    return ()


def membership_months(payments: Iterable[PaymentRecord], incident: date, imported: Iterable[str] = ()) -> int:
    """Contribution months paid up to and including the incident's month (the JKM
    scholarship's 36), never the months paid ahead after it; `imported`: months an import
    recorded as paid (imported_months)."""
    month = period_of(incident)
    paid = {period for p in standing(payments) for period in p.periods} | set(imported)
    return len({period for period in paid if period <= month})


def income_at_incident(
    payments: Iterable[PaymentRecord], incident: date, imported: Iterable[ImportedCoverage] = ()
) -> int | None:
    """The reported income on which the incident's month was paid: by the latest payment of it,
    or the latest import that recorded it paid (at the income of its row)."""
    month = period_of(incident)
    paid = [
        (p.recorded_at, line.income) for p in standing(payments) for line in p.lines if line.period == month
    ]
    paid += [(c.recorded_at, c.income) for c in imported if c.income is not None and c.covers(month)]
    return max(paid)[1] if paid else None


def check_death_date(farmer: FarmerRecord, incident: date) -> None:
    """A death claim's incident is the death: it must agree with a death already recorded."""
    if farmer.deceased_on is not None and incident != farmer.deceased_on:
        raise IncidentDateInvalid(
            f"Kematian petani ini sudah tercatat pada {date_words(farmer.deceased_on)}; "
            "tanggal kejadian klaim kematian harus sama.",
            [FieldError("incident_date", f"Seharusnya {farmer.deceased_on.isoformat()}.")],
        )
