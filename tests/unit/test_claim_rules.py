"""Claim rules without AWS: eligibility, every benefit formula, documents, late reports."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from sutasoma.domain.benefits import ClaimType, JkkOutcome, estimate
from sutasoma.domain.claim_rules import (
    check_eligibility,
    covered_periods,
    income_at_incident,
    membership_months,
    report_warnings,
)
from sutasoma.domain.clock import WITA
from sutasoma.domain.documents import DocType, required_documents
from sutasoma.domain.errors import IncidentDateInvalid, NotCovered
from sutasoma.domain.farmer import FarmerRecord, ImportedCoverage
from sutasoma.domain.payment import BpjsPostingStatus, PaymentRecord
from tests.support.records import farmer_record, payment_record

TODAY = date(2026, 11, 29)
CONFIRMED = farmer_record(registration_status="CONFIRMED")


def payment(periods: list[str], recorded_at: str) -> PaymentRecord:
    return payment_record(periods, recorded_at)


@pytest.mark.parametrize(
    ("claim_type", "outcome", "income", "total", "codes_in_total"),
    [
        (ClaimType.JKM, None, 1_000_000, 42_000_000, {"JKM_DEATH", "JKM_PERIODIC", "FUNERAL"}),
        (ClaimType.JKM, None, 5_000_000, 42_000_000, {"JKM_DEATH", "JKM_PERIODIC", "FUNERAL"}),  # flat
        (
            ClaimType.JKK,
            JkkOutcome.DEATH,
            1_000_000,
            48_000_000 + 10_000_000 + 12_000_000,
            {"JKK_DEATH", "FUNERAL", "JKK_PERIODIC"},
        ),
        (
            ClaimType.JKK,
            JkkOutcome.DEATH,
            3_000_000,
            144_000_000 + 22_000_000,
            {"JKK_DEATH", "FUNERAL", "JKK_PERIODIC"},
        ),
        # Permanent disability before the verifier records its percentage: pending, not in the total.
        (ClaimType.JKK, JkkOutcome.PERMANENT_DISABILITY, 1_000_000, 0, set()),
        (ClaimType.JKK, JkkOutcome.TEMPORARY_DISABILITY, 1_000_000, 0, set()),
        (ClaimType.JKK, JkkOutcome.TREATMENT, 1_000_000, 0, set()),
    ],
)
def test_benefit_totals(
    claim_type: ClaimType, outcome: JkkOutcome | None, income: int, total: int, codes_in_total: set[str]
) -> None:
    got, items = estimate(claim_type, outcome, income, membership_months=12)
    assert got == total
    assert {i.code for i in items if i.in_total} == codes_in_total
    assert all(i.rule.startswith("PP 82/2019") for i in items)


@pytest.mark.parametrize(
    ("percent", "income", "amount", "name"),
    [
        (70, 1_000_000, 56_000_000, "Santunan cacat total tetap"),  # total: 70 % x 80 = 56 x W
        (70, 2_000_000, 112_000_000, "Santunan cacat total tetap"),
        (100, 1_000_000, 56_000_000, "Santunan cacat total tetap"),  # total is 56 x W whatever the table
        (85, 2_000_000, 112_000_000, "Santunan cacat total tetap"),
        (30, 1_000_000, 24_000_000, "Santunan cacat sebagian tetap 30%"),  # partial: 30 % x 80 x W
        (1, 1_500_000, 1_200_000, "Santunan cacat sebagian tetap 1%"),
    ],
)
def test_permanent_disability_is_the_verifiers_percentage_times_80_wages(
    percent: int, income: int, amount: int, name: str
) -> None:
    total, items = estimate(ClaimType.JKK, JkkOutcome.PERMANENT_DISABILITY, income, 12, percent)
    item = next(i for i in items if i.code == "JKK_PERMANENT_DISABILITY")
    assert (item.amount, item.in_total, item.name, total) == (amount, True, name, amount)
    assert any(i.code == "SCHOLARSHIP_CAP" for i in items) is (percent >= 70)  # scholarships: total only


def test_a_pending_disability_says_so() -> None:
    total, items = estimate(ClaimType.JKK, JkkOutcome.PERMANENT_DISABILITY, 1_000_000, 12)
    item = next(i for i in items if i.code == "JKK_PERMANENT_DISABILITY")
    assert (total, item.amount, item.in_total) == (0, None, False)
    assert "menunggu persentase" in item.name


def test_a_death_lists_no_pay_while_unable_to_work() -> None:
    _, items = estimate(ClaimType.JKK, JkkOutcome.DEATH, 1_000_000, 12)
    assert "JKK_STMB" not in {i.code for i in items}


def test_transport_is_named_in_bahasa_indonesia() -> None:
    _, items = estimate(ClaimType.JKK, JkkOutcome.TREATMENT, 1_000_000, 12)
    names = {i.code: i.name for i in items}
    assert [names[f"JKK_TRANSPORT_{m}"] for m in ("LAND", "SEA", "AIR")] == [
        "Transportasi darat", "Transportasi laut", "Transportasi udara",
    ]  # fmt: skip


def test_jkk_death_has_a_minimum_of_20_million() -> None:
    _, items = estimate(ClaimType.JKK, JkkOutcome.DEATH, 300_000, 12)  # an income below the floor
    assert next(i for i in items if i.code == "JKK_DEATH").amount == 20_000_000


def test_care_stmb_and_transport_are_items_not_total() -> None:
    total, items = estimate(ClaimType.JKK, JkkOutcome.TEMPORARY_DISABILITY, 1_500_000, 5)
    by_code = {i.code: i for i in items}
    assert total == 0
    assert by_code["JKK_CARE"].amount is None and not by_code["JKK_CARE"].in_total
    assert by_code["JKK_STMB"].amount == 1_500_000 and "12 bulan" in by_code["JKK_STMB"].rule
    assert {by_code[f"JKK_TRANSPORT_{m}"].amount for m in ("LAND", "SEA", "AIR")} == {
        5_000_000,
        2_000_000,
        10_000_000,
    }


@pytest.mark.parametrize(
    ("claim_type", "outcome", "months", "scholarship"),
    [
        (ClaimType.JKM, None, 35, False),
        (ClaimType.JKM, None, 36, True),
        (ClaimType.JKK, JkkOutcome.DEATH, 1, True),
        (ClaimType.JKK, JkkOutcome.PERMANENT_DISABILITY, 1, False),  # until a total disability is recorded
        (ClaimType.JKK, JkkOutcome.TREATMENT, 100, False),
    ],
)
def test_scholarship_eligibility(
    claim_type: ClaimType, outcome: JkkOutcome | None, months: int, scholarship: bool
) -> None:
    _, items = estimate(claim_type, outcome, 1_000_000, months)
    levels = {
        i.code: i.amount
        for i in items
        if i.code.startswith("SCHOLARSHIP_") and i.code != "SCHOLARSHIP_NOT_YET"
    }
    if scholarship:
        assert levels == {
            "SCHOLARSHIP_TK_SD": 1_500_000,
            "SCHOLARSHIP_SMP": 2_000_000,
            "SCHOLARSHIP_SMA": 3_000_000,
            "SCHOLARSHIP_PERGURUAN": 12_000_000,
            "SCHOLARSHIP_CAP": 174_000_000,
        }
        assert not any(i.in_total for i in items if i.code.startswith("SCHOLARSHIP"))
    else:
        assert levels == {}


def test_required_documents() -> None:
    jkm = required_documents(ClaimType.JKM, None, False, "child")
    assert DocType.DEATH_CERTIFICATE in jkm and DocType.MARRIAGE_BOOK not in jkm
    assert DocType.MARRIAGE_BOOK in required_documents(ClaimType.JKM, None, False, "spouse")
    road = required_documents(ClaimType.JKK, JkkOutcome.TREATMENT, True, "self")
    assert DocType.POLICE_REPORT in road and DocType.RECEIPTS in road
    field = required_documents(ClaimType.JKK, JkkOutcome.TREATMENT, False, "self")
    assert DocType.POLICE_REPORT not in field
    assert {
        DocType.KPJ_CARD,
        DocType.KTP,
        DocType.ACCIDENT_CHRONOLOGY,
        DocType.MEDICAL_REPORT,
        DocType.BANK_BOOK,
    } <= set(field)
    death = required_documents(ClaimType.JKK, JkkOutcome.DEATH, False, "spouse")
    assert {DocType.DEATH_CERTIFICATE, DocType.HEIR_STATEMENT, DocType.MARRIAGE_BOOK} <= set(death)


def test_covered_only_by_payments_recorded_on_or_before_the_incident() -> None:
    payments = [
        payment(["2026-11"], "2026-11-10T02:00:00Z"),
        payment(["2026-12"], "2026-11-29T15:59:00Z"),  # 23:59 WITA on 29 Nov
        payment(["2027-01"], "2026-11-29T16:01:00Z"),  # 00:01 WITA on 30 Nov
    ]
    assert covered_periods(payments, date(2026, 11, 29)) == {"2026-11", "2026-12"}
    assert covered_periods(payments, date(2026, 11, 9)) == set()


@pytest.mark.parametrize(
    ("farmer", "payments", "incident", "error", "fields"),
    [
        (
            CONFIRMED,
            [payment(["2026-11"], "2026-11-01T01:00:00Z")],
            date(2026, 11, 30),
            IncidentDateInvalid,
            ["incident_date"],
        ),
        (
            CONFIRMED,
            [payment(["2021-11"], "2021-11-01T01:00:00Z")],
            date(2021, 11, 28),
            IncidentDateInvalid,
            ["incident_date"],
        ),
        (CONFIRMED, [], date(2026, 11, 20), NotCovered, ["incident_date"]),
        (
            CONFIRMED,
            [payment(["2026-11"], "2026-11-21T01:00:00Z")],
            date(2026, 11, 20),
            NotCovered,
            ["incident_date"],
        ),  # paid after
        (
            CONFIRMED,
            [payment(["2026-10"], "2026-10-01T01:00:00Z")],
            date(2026, 11, 2),
            NotCovered,
            ["incident_date"],
        ),  # in arrears
        (
            farmer_record(registration_status="PENDING"),
            [payment(["2026-11"], "2026-11-01T01:00:00Z")],
            date(2026, 11, 20),
            NotCovered,
            ["farmer_id"],
        ),
        (
            farmer_record(registration_status="REJECTED"),
            [],
            date(2026, 11, 20),
            NotCovered,
            ["farmer_id", "incident_date"],
        ),
    ],
)
def test_not_eligible(
    farmer: FarmerRecord, payments: list[PaymentRecord], incident: date, error: type, fields: list[str]
) -> None:
    with pytest.raises(error) as caught:
        check_eligibility(farmer, payments, incident, TODAY, deadline_years=5)
    assert [e.field for e in caught.value.errors] == fields


def test_not_covered_says_when_the_months_payment_was_recorded() -> None:
    """DOMAIN "Coverage": the agent sees why a back-dated receipt did not cover the incident."""
    late = payment(["2026-11"], "2026-12-07T02:00:00Z")  # paid_at back-dated into November
    with pytest.raises(NotCovered) as caught:
        check_eligibility(CONFIRMED, [late], date(2026, 11, 20), date(2026, 12, 7), deadline_years=5)
    (reason,) = caught.value.errors
    assert late.receipt_number in reason.message and "dicatat 7 Desember 2026" in reason.message
    assert "sesudah tanggal kejadian 20 November 2026" in reason.message
    with pytest.raises(NotCovered) as unpaid:
        check_eligibility(CONFIRMED, [], date(2026, 11, 20), date(2026, 12, 7), deadline_years=5)
    assert (
        unpaid.value.errors[0].message
        == "Iuran bulan November 2026 belum dibayar pada atau sebelum tanggal kejadian."
    )


def test_a_month_bpjs_refused_covers_nothing_and_counts_for_nothing() -> None:
    """DOMAIN: a contribution BPJS refused for good is money to give back: its month does not
    cover an incident, nor count among the membership months or for the income."""
    posted = payment_record(["2026-11"], "2026-11-05T02:00:00Z", income=2_000_000)
    refused = payment_record(["2026-12"], "2026-12-02T02:00:00Z", income=3_000_000).model_copy(
        update={"bpjs_status": BpjsPostingStatus.FAILED, "bpjs_failure": "CONTRIBUTION_REFUSED"}
    )
    incident = date(2026, 12, 7)
    assert covered_periods([posted, refused], incident) == {"2026-11"}
    assert membership_months([posted, refused], incident) == 1
    assert income_at_incident([posted, refused], incident) is None
    with pytest.raises(NotCovered) as caught:
        check_eligibility(CONFIRMED, [posted, refused], incident, incident, deadline_years=5)
    assert caught.value.errors[0].message == (
        f"Iuran bulan Desember 2026 (kuitansi {refused.receipt_number}) ditolak BPJS dan dikembalikan: bulan itu tidak "
        "terlindungi."
    )
    waiting = refused.model_copy(update={"bpjs_status": BpjsPostingStatus.QUEUED, "bpjs_failure": None})
    check_eligibility(
        CONFIRMED, [posted, waiting], incident, incident, deadline_years=5
    )  # not answered yet: covers


@pytest.mark.parametrize(
    "incident",
    [date(2026, 11, 29), date(2026, 11, 1), date(2021, 11, 29)],  # today, month start, exactly 5 years ago
)
def test_eligible(incident: date) -> None:
    period = f"{incident.year}-{incident.month:02d}"
    check_eligibility(
        CONFIRMED, [payment([period], f"{period}-01T00:00:00Z")], incident, TODAY, deadline_years=5
    )


def test_deadline_is_a_policy() -> None:
    with pytest.raises(IncidentDateInvalid):
        check_eligibility(
            CONFIRMED,
            [payment(["2024-06"], "2024-06-01T00:00:00Z")],
            date(2024, 6, 5),
            TODAY,
            deadline_years=2,
        )


@pytest.mark.parametrize(
    ("claim_type", "now", "warned"),
    [
        (
            ClaimType.JKK,
            datetime(2026, 11, 21, 23, 0, tzinfo=WITA),
            False,
        ),  # within 2 x 24 h of the day's end
        (ClaimType.JKK, datetime(2026, 11, 22, 0, 30, tzinfo=WITA), True),
        (ClaimType.JKM, datetime(2026, 12, 29, 0, 0, tzinfo=WITA), False),  # deaths have no such rule
    ],
)
def test_late_jkk_report_is_a_warning(claim_type: ClaimType, now: datetime, warned: bool) -> None:
    assert bool(report_warnings(claim_type, date(2026, 11, 19), now)) is warned


def test_the_income_of_an_incident_month_paid_by_an_import_is_the_imports() -> None:
    """DOMAIN: the estimate uses the income the incident month was paid on — also when an import
    recorded it paid (its row's income), whatever the farmer reports today."""
    imported = ImportedCoverage(
        import_id="i1", first_period="2024-01", last_period="2026-12", recorded_at="2026-11-01T00:00:00Z",
        income=2_000_000,
    )  # fmt: skip
    incident = date(2026, 12, 7)
    assert income_at_incident([], incident, [imported]) == 2_000_000
    assert income_at_incident([], date(2027, 1, 2), [imported]) is None  # a month it did not record
    legacy = imported.model_copy(update={"income": None})  # recorded before imports kept the income
    assert income_at_incident([], incident, [legacy]) is None
    # The latest recording of the month wins, a payment or an import.
    later_payment = payment_record(["2026-12"], "2026-11-20T00:00:00Z", income=3_000_000)
    assert income_at_incident([later_payment], incident, [imported]) == 3_000_000
    earlier_payment = payment_record(["2026-12"], "2026-10-20T00:00:00Z", income=3_000_000)
    assert income_at_incident([earlier_payment], incident, [imported]) == 2_000_000


def test_months_and_dates_in_messages_are_said_in_words() -> None:
    from sutasoma.domain.periods import date_words, month_words, months_words

    assert month_words("2026-11") == "November 2026" and month_words("2027-01") == "Januari 2027"
    assert months_words(("2026-11",)) == "November 2026"
    assert months_words(("2026-11", "2026-12", "2027-01")) == "November 2026 s.d. Januari 2027"
    assert date_words(date(2027, 1, 10)) == "10 Januari 2027"
