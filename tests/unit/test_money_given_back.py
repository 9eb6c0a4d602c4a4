"""Money given back, once: the refund cases of a rejection, a death and a refused posting never
give back the same Rupiah twice (a death while PENDING then a rejection opened 75,600 of cases
for 42,000 collected), and the months they give back leave the report's contributions_due
(`paid_for_month`): a rejected registration's months were never due, the months after a death
are not, a contribution refused at BPJS is owed again (a rejected farmer's payment stayed in
Lalabata's November dues)."""

from __future__ import annotations

from datetime import date

from sutasoma.app.membership import death_recorded, posting_refused, registration_rejected
from sutasoma.domain.counters import CounterIncrement
from tests.support.records import farmer_record, payment_record


def dues(changes: object) -> dict[str, tuple[int, int]]:
    """period -> (paid_for_month, paid_for_month_members) the change-set adds."""
    found: dict[str, tuple[int, int]] = {}
    for count in changes.counts:  # type: ignore[attr-defined]
        if isinstance(count, CounterIncrement) and "paid_for_month" in count.amounts:
            amount, members = found.get(count.period, (0, 0))
            found[count.period] = (
                amount + count.amounts["paid_for_month"],
                members + count.amounts["paid_for_month_members"],
            )
    return found


def test_a_rejected_registration_takes_back_every_month_its_payments_counted() -> None:
    farmer = farmer_record(registration_status="PENDING")
    # Paid in November for Nov-Jan: all three were counted into their months' dues.
    paid = payment_record(
        ["2026-11", "2026-12", "2027-01"], "2026-11-10T02:00:00Z", farmer_id=farmer.farmer_id
    )
    _, changes = registration_rejected(
        farmer, [paid], "NIK_BLOCKED", "NIK diblokir", "2026-11-20T02:00:00Z", "2026-11"
    )
    assert dues(changes) == {"2026-11": (-8_400, -1), "2026-12": (-8_400, -1), "2027-01": (-16_800, -1)}


def test_a_late_payments_months_were_never_counted_so_nothing_is_taken_back() -> None:
    farmer = farmer_record(registration_status="PENDING")
    # Paid in December for October (late): October's dues counted the member as unpaid, not this line.
    late = payment_record(["2026-10"], "2026-12-01T02:00:00Z", farmer_id=farmer.farmer_id)
    _, changes = registration_rejected(
        farmer, [late], "NIK_BLOCKED", "NIK diblokir", "2026-12-02T02:00:00Z", "2026-12"
    )
    assert dues(changes) == {}


def test_a_death_takes_back_the_months_after_it_only() -> None:
    farmer = farmer_record(paid_through="2027-01")
    paid = payment_record(
        ["2026-11", "2026-12", "2027-01"], "2026-11-10T02:00:00Z", farmer_id=farmer.farmer_id
    )
    _, changes = death_recorded(
        farmer, [paid], date(2026, 11, 27), "FAMILY", "agen", "2026-11-28T02:00:00Z", "2026-11"
    )
    assert dues(changes) == {"2026-12": (-8_400, -1), "2027-01": (-16_800, -1)}


def test_a_refused_contribution_takes_back_its_months() -> None:
    farmer = farmer_record(paid_through="2026-12")
    paid = payment_record(["2026-12"], "2026-12-01T02:00:00Z", farmer_id=farmer.farmer_id)
    _, changes = posting_refused(farmer, paid, "2026-12-02T02:00:00Z", "2026-12")
    assert dues(changes) == {"2026-12": (-8_400, -1)}


def open_amount(changes: object) -> int:
    """Rupiah the change-set's refund cases give back."""
    from sutasoma.domain.changes import Created
    from sutasoma.domain.refund import RefundRecord

    return sum(
        w.record.amount
        for w in changes.writes
        if isinstance(w, Created) and isinstance(w.record, RefundRecord)
    )  # type: ignore[attr-defined]


def test_a_death_then_a_rejection_give_back_what_was_collected_once() -> None:
    farmer = farmer_record(registration_status="PENDING", paid_through="2027-02")
    paid = payment_record(
        ["2026-12", "2027-01", "2027-02"], "2026-12-07T02:00:00Z", farmer_id=farmer.farmer_id
    )
    died, death = death_recorded(
        farmer, [paid], date(2026, 12, 7), "FAMILY", "agen", "2026-12-07T03:00:00Z", "2026-12"
    )
    _, rejection = registration_rejected(
        died, [paid], "NIK_BLOCKED", "NIK diblokir", "2026-12-07T04:00:00Z", "2026-12"
    )
    assert (open_amount(death), open_amount(rejection)) == (16_800 + 16_800, 8_400)  # 42,000 in all
    assert {**dues(death), **dues(rejection)} == {
        "2026-12": (-8_400, -1), "2027-01": (-16_800, -1), "2027-02": (-16_800, -1)
    }  # fmt: skip


def test_a_rejected_farmers_death_gives_nothing_back_again() -> None:
    farmer = farmer_record(registration_status="PENDING", paid_through="2027-02")
    paid = payment_record(
        ["2026-12", "2027-01", "2027-02"], "2026-12-07T02:00:00Z", farmer_id=farmer.farmer_id
    )
    rejected, rejection = registration_rejected(
        farmer, [paid], "NIK_BLOCKED", "NIK diblokir", "2026-12-07T03:00:00Z", "2026-12"
    )
    _, death = death_recorded(
        rejected, [paid], date(2026, 12, 7), "FAMILY", "agen", "2026-12-07T04:00:00Z", "2026-12"
    )
    assert (open_amount(rejection), open_amount(death)) == (42_000, 0)
