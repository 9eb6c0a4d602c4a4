"""The membership and money rules of DOMAIN.md ("Coverage", "Membership life cycle") at their
edges: the 15th at midnight WITA, three against four overdue months (the list filter agreeing
with the state), a death in the middle of a prepaid year and the refund it opens, a correction
that collides with another farmer's NIK, a refund settled twice, a payment on the day of an
offline registration, a stale quote, the income kept per paid line. Pure rules, and the use
cases on the in-memory fakes of tests/support/fakes.py, with the business clock set
(`use_clock`) so that they hold on any day."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta

import pytest

from sutasoma.app.corrections import CorrectFarmer, Correction
from sutasoma.app.deaths import DeathReport, RecordDeath
from sutasoma.app.farmer_records import FarmerEdit, FarmerRecords, coverage_query
from sutasoma.app.nik_claims import released_on_delivery
from sutasoma.app.payments import PaymentDesk, PaymentRequest, check_payment
from sutasoma.app.refunds import RefundDesk, Settlement
from sutasoma.app.registration import AgePolicy, NewFarmer, RegisterFarmer
from sutasoma.domain.audit import AuditAction, AuditRecord
from sutasoma.domain.clock import WITA, use_clock
from sutasoma.domain.coverage import CoverageState, coverage_on
from sutasoma.domain.errors import (
    FarmerDeceased,
    Forbidden,
    IncidentDateInvalid,
    InvalidTransition,
    NikAlreadyRegistered,
    NikInvalid,
    NikMismatch,
    NikReleasePending,
    PaidAtInvalid,
    QuoteStale,
    ValidationFailed,
)
from sutasoma.domain.farmer import FarmerRecord, NikClaim, NikRelease, check_date_of_death, member_since
from sutasoma.domain.identity import Caller, Role
from sutasoma.domain.nik import nik_lookup_hash
from sutasoma.domain.outbox import OpType, OutboxEntry
from sutasoma.domain.payment import check_paid_at
from sutasoma.domain.periods import add_months
from sutasoma.domain.population import REFUNDS_OPEN, REFUNDS_OPEN_AMOUNT
from sutasoma.domain.refund import (
    RefundReason,
    RefundRecord,
    RefundStatus,
    refund_after_death,
    refund_for_rejection,
)
from tests.support.fakes import (
    MemoryDocuments,
    MemoryIdempotency,
    MemoryQueue,
    MemoryTable,
    memory_storage,
    memory_writer,
)
from tests.support.farmers import make_nik
from tests.support.records import farmer_record, payment_record

NIK_KEY = b"k"
AGENT = Caller(sub="sub-agen", username="agen.lalabata", role=Role.AGENT, kecamatan="73.12.04")
COORDINATOR = Caller(
    sub="sub-koor", username="koordinator.lalabata", role=Role.COORDINATOR, kecamatan="73.12.04"
)
ADMIN = Caller(sub="sub-admin", username="admin", role=Role.ADMIN, kecamatan=None)
AGENT_GANRA = Caller(sub="sub-ganra", username="agen.ganra", role=Role.AGENT, kecamatan="73.12.07")


@contextmanager
def clock_at(day: date, hour: int = 10, minute: int = 0) -> Iterator[datetime]:
    """The business clock at `day` `hour`:`minute` WITA."""
    moment = datetime.combine(day, time(hour, minute), tzinfo=WITA)
    with use_clock(lambda: moment.astimezone(UTC)):
        yield moment


# ---------------------------------------------------------------------------------- the 15th


@pytest.mark.parametrize(
    ("moment", "paid_through", "state"),
    [
        ("2027-03-15T23:59:59+08:00", "2027-02", CoverageState.DUE),
        ("2027-03-16T00:00:00+08:00", "2027-02", CoverageState.ARREARS),
        # 15 March 23:59 WITA is 15:59 UTC; 16 March 00:00 WITA is still 15 March in UTC.
        ("2027-03-15T16:00:00+00:00", "2027-02", CoverageState.ARREARS),
        # Three overdue months on the 15th, four (LAPSED) at midnight.
        ("2027-03-15T23:59:59+08:00", "2026-11", CoverageState.ARREARS),
        ("2027-03-16T00:00:00+08:00", "2026-11", CoverageState.LAPSED),
    ],
)
def test_the_15th_ends_at_midnight_wita_for_the_state_and_the_list_filter(
    moment: str, paid_through: str, state: CoverageState
) -> None:
    on = datetime.fromisoformat(moment).astimezone(WITA).date()
    assert coverage_on(paid_through, on).state is state
    # GET /farmers?coverage_state= finds the farmer under that state and no other.
    for candidate in CoverageState:
        assert _listed(candidate, paid_through, on) is (candidate is state), candidate


def _listed(state: CoverageState, paid_through: str | None, on: date) -> bool:
    """Whether the list filter of `state` (app/farmer_records.coverage_query) takes a living,
    confirmed farmer paid through `paid_through`, evaluated as the store would."""
    query = coverage_query(state, on)
    if query is None:
        return False
    if query.get("ended"):
        return False
    if query.get("paid_through_missing"):
        return paid_through is None
    if paid_through is None:
        return False
    low, high = query.get("paid_through_min"), query.get("paid_through_max")
    return (low is None or paid_through >= low) and (high is None or paid_through <= high)


@pytest.mark.parametrize("day", [1, 14, 15, 16, 28])
@pytest.mark.parametrize("back", range(-2, 7))
def test_the_list_filter_agrees_with_the_state_every_month_and_day(day: int, back: int) -> None:
    on = date(2027, 2, day)
    paid_through = add_months("2027-02", -back)
    state = coverage_on(paid_through, on).state
    assert [s for s in CoverageState if _listed(s, paid_through, on)] == [state]
    assert [s for s in CoverageState if _listed(s, None, on)] == [CoverageState.NOT_STARTED]


def test_three_overdue_months_are_arrears_and_the_fourth_a_lapse() -> None:
    coverage = coverage_on("2026-12", date(2027, 3, 31))  # Jan, Feb, Mar overdue
    assert (coverage.state, coverage.months_overdue, coverage.months_unpaid) == (CoverageState.ARREARS, 3, 3)
    coverage = coverage_on("2026-12", date(2027, 4, 15))  # April not overdue yet
    assert (coverage.state, coverage.months_overdue, coverage.months_unpaid) == (CoverageState.ARREARS, 3, 4)
    coverage = coverage_on("2026-12", date(2027, 4, 16))
    assert (coverage.state, coverage.months_overdue) == (CoverageState.LAPSED, 4)


def test_a_membership_over_is_ended_whatever_was_paid() -> None:
    on = date(2027, 1, 10)
    dead = farmer_record(paid_through="2027-06", deceased_on=date(2027, 1, 3))
    rejected = farmer_record(paid_through="2027-01", registration_status="REJECTED")
    for farmer in (dead, rejected):
        assert farmer.coverage(on).state is CoverageState.ENDED
    assert coverage_query(CoverageState.ENDED, on) == {"ended": True}
    for state in CoverageState:
        query = coverage_query(state, on)
        if state is not CoverageState.ENDED and query is not None:
            assert query["ended"] is False, state  # the other filters never list an ended membership


# ---------------------------------------------------------------------------------- death and refunds


def test_a_death_mid_month_gives_back_the_months_after_the_month_of_death() -> None:
    farmer = farmer_record(deceased_on=date(2026, 12, 17))
    # Three months in the relief (8,400), then three at the full tariff (16,800), two payments.
    first = payment_record(
        ["2026-10", "2026-11", "2026-12"], "2026-10-03T02:00:00Z", farmer_id=farmer.farmer_id
    )
    second = payment_record(
        ["2027-01", "2027-02", "2027-03"], "2026-12-02T02:00:00Z", farmer_id=farmer.farmer_id
    )
    refund = refund_after_death(farmer, [second, first], date(2026, 12, 17), "2026-12-20T02:00:00Z")
    assert refund is not None
    assert refund.reason is RefundReason.PAID_AFTER_DEATH and refund.status is RefundStatus.OPEN
    assert refund.periods == ("2027-01", "2027-02", "2027-03")  # December, the month of death, is kept
    assert refund.amount == 3 * 16_800
    assert refund.payment_ids == (second.payment_id,)
    assert refund.kecamatan_code == farmer.kecamatan_code and refund.farmer_id == farmer.farmer_id

    # Died on the first of December: December is still the month of death, nothing more back.
    on_the_first = refund_after_death(farmer, [second, first], date(2026, 12, 1), "2026-12-20T02:00:00Z")
    assert on_the_first is not None and on_the_first.periods == ("2027-01", "2027-02", "2027-03")
    # Died in November: December (relief) and the next three months back, from both payments.
    november = refund_after_death(farmer, [second, first], date(2026, 11, 30), "2026-12-20T02:00:00Z")
    assert november is not None and november.periods == ("2026-12", "2027-01", "2027-02", "2027-03")
    assert november.amount == 8_400 + 3 * 16_800
    assert set(november.payment_ids) == {first.payment_id, second.payment_id}
    # Nothing paid beyond the month of death: no case.
    assert refund_after_death(farmer, [first], date(2026, 12, 31), "2027-01-02T02:00:00Z") is None
    assert refund_after_death(farmer, [], date(2026, 12, 31), "2027-01-02T02:00:00Z") is None


def test_a_rejected_registration_gives_back_everything_collected() -> None:
    farmer = farmer_record(registration_status="REJECTED")
    payments = [
        payment_record(["2026-11"], "2026-11-03T02:00:00Z", farmer_id=farmer.farmer_id),
        payment_record(["2026-12", "2027-01"], "2026-12-03T02:00:00Z", farmer_id=farmer.farmer_id),
    ]
    refund = refund_for_rejection(farmer, payments, "2026-12-05T02:00:00Z")
    assert refund is not None and refund.reason is RefundReason.REGISTRATION_REJECTED
    assert (refund.periods, refund.amount) == (("2026-11", "2026-12", "2027-01"), 8_400 + 8_400 + 16_800)
    assert refund_for_rejection(farmer, [], "2026-12-05T02:00:00Z") is None


def test_a_date_of_death_not_in_the_future_nor_before_the_registration() -> None:
    farmer = farmer_record(registered_at="2026-11-04T16:30:00Z")  # 5 November 00:30 WITA
    today = date(2026, 12, 10)
    check_date_of_death(farmer, date(2026, 11, 5), today)  # the day of the registration (WITA)
    check_date_of_death(farmer, today, today)
    for wrong in (date(2026, 11, 4), date(2026, 12, 11)):
        with pytest.raises(IncidentDateInvalid):
            check_date_of_death(farmer, wrong, today)
    with pytest.raises(FarmerDeceased):
        check_date_of_death(farmer.but(deceased_on=date(2026, 12, 1)), date(2026, 12, 2), today)


def open_refund() -> RefundRecord:
    """An OPEN case for January 2027, opened 2 January 2027 at 10:00 WITA."""
    return RefundRecord(
        refund_id="01JREFUND0000000000000000A", farmer_id="01JFARMER0000000000000000A", kecamatan_code="73.12.04",
        amount=16_800, periods=("2027-01",), payment_ids=("01JPAY00000000000000000000",),
        reason=RefundReason.PAID_AFTER_DEATH, created_at="2027-01-02T02:00:00Z",
    )  # fmt: skip


def test_a_refund_settled_twice_is_an_invalid_transition() -> None:
    refund = open_refund()
    returned, now = datetime(2027, 1, 3, 2, tzinfo=UTC), datetime(2027, 1, 3, 2, 5, tzinfo=UTC)
    settled = refund.settle("Baso (suami)", returned, "agen.lalabata", now)
    assert (settled.status, settled.version, settled.returned_to) == (RefundStatus.SETTLED, 2, "Baso (suami)")
    assert (settled.returned_at, settled.settled_at) == ("2027-01-03T02:00:00Z", "2027-01-03T02:05:00Z")
    with pytest.raises(InvalidTransition):
        settled.settle("Baso (suami)", returned, "agen.lalabata", now + timedelta(days=1))


@pytest.mark.parametrize(
    ("returned_at", "message"),
    [
        ("2027-01-03T02:06:00Z", "Di masa depan."),
        ("9999-12-31T23:59:59Z", "Di masa depan."),
        ("2027-01-01T15:59:59Z", "Sebelum kasus dibuat (2027-01-02)."),  # 23:59:59 WITA the day before
        ("0001-01-01T00:00:00+14:00", "Sebelum kasus dibuat (2027-01-02)."),  # not an overflow
    ],
)
def test_cash_goes_back_between_the_day_the_case_opened_and_now(returned_at: str, message: str) -> None:
    refund = open_refund()
    with pytest.raises(ValidationFailed) as refused:
        refund.settle(
            "Baso", datetime.fromisoformat(returned_at), "agen", datetime(2027, 1, 3, 2, 5, tzinfo=UTC)
        )
    assert [e.message for e in refused.value.errors] == [message]


# ---------------------------------------------------------------------------------- payments


def test_a_payment_on_the_day_of_an_offline_registration_passes() -> None:
    """The agent registered and collected on one visit, offline: the payment's time may come
    before the registration's (the phone sent them in another order), never the day before."""
    registered = date(2026, 11, 5)
    now = datetime(2026, 11, 5, 12, 0, tzinfo=WITA)
    check_paid_at(datetime(2026, 11, 5, 0, 0, tzinfo=WITA), now, registered)
    with pytest.raises(PaidAtInvalid) as before:
        check_paid_at(datetime(2026, 11, 4, 23, 59, tzinfo=WITA), now, registered)
    assert before.value.errors[0].field == "paid_at"
    # 4 November 16:30 UTC is 5 November 00:30 WITA: the same business day.
    check_paid_at(datetime(2026, 11, 4, 16, 30, tzinfo=UTC), now, registered)


def test_a_reactivated_member_pays_nothing_dated_before_the_reactivation() -> None:
    """DOMAIN: a lapsed farmer must be registered again before paying: a receipt dated before the
    reactivation paid for no membership."""
    farmer = farmer_record(
        registered_at="2025-01-09T16:00:00Z", reactivated_at="2026-12-07T02:00:00Z", paid_through=None
    )
    assert member_since(farmer) == date(2026, 12, 7)
    now = datetime(2026, 12, 7, 12, 0, tzinfo=WITA)
    with pytest.raises(PaidAtInvalid) as before:
        check_paid_at(datetime(2026, 11, 30, 20, 0, tzinfo=WITA), now, member_since(farmer), reactivated=True)
    assert "diaktifkan kembali (7 Desember 2026)" in before.value.detail
    check_paid_at(datetime(2026, 12, 7, 9, 0, tzinfo=WITA), now, member_since(farmer), reactivated=True)


def test_a_stale_first_period_is_refused_with_the_fresh_quote() -> None:
    farmer = farmer_record(paid_through="2026-12", registered_at="2026-10-01T02:00:00Z")
    now = datetime(2026, 12, 10, 10, 0, tzinfo=WITA)
    with pytest.raises(QuoteStale) as stale:
        check_payment(farmer, PaymentRequest(months=2, amount=16_800, first_period="2026-12"), now)
    quote = stale.value.extra["quote"]
    assert quote["first_period"] == "2027-01" and quote["periods"] == ["2027-01", "2027-02"]
    assert quote["amount"] == 2 * 16_800
    assert (
        check_payment(farmer, PaymentRequest(months=2, amount=33_600, first_period="2027-01"), now).amount
        == 33_600
    )
    with pytest.raises(FarmerDeceased):
        check_payment(farmer.but(deceased_on=date(2026, 12, 9)), PaymentRequest(months=1, amount=16_800,
                      first_period="2027-01"), now)  # fmt: skip


# ---------------------------------------------------------------------------------- use cases on fakes


class World:
    """The use cases of the membership on in-memory ports."""

    def __init__(self) -> None:
        self.table = MemoryTable()
        self.storage = memory_storage(self.table)
        self.queue = MemoryQueue()
        self.writer = memory_writer(self.storage, self.queue)
        self.idempotency = MemoryIdempotency()
        s = self.storage
        self.register = RegisterFarmer(self.writer, s.farmers, self.idempotency, lambda: NIK_KEY, AgePolicy())
        self.records = FarmerRecords(s.farmers, s.audit, self.writer, MemoryDocuments(), 900)
        self.payments = PaymentDesk(s.farmers, s.payments, s.receipts, self.writer, self.idempotency)
        self.death = RecordDeath(s.farmers, s.payments, self.writer, self.idempotency)
        self.refunds = RefundDesk(s.refunds, self.writer, self.idempotency)
        self.correct = CorrectFarmer(s.farmers, self.writer, lambda: NIK_KEY)

    def new_farmer(self, serial: int, birth: date = date(1980, 8, 17)) -> FarmerRecord:
        data = NewFarmer(
            nik=make_nik(birth, "F", serial=serial), full_name="Hasnah", phone="081234567890",
            kecamatan_code="73.12.04", village_code="73.12.04.1001", address="Dusun Satu", commodity="padi",
            monthly_income=1_000_000,
        )  # fmt: skip
        return self.register(AGENT, data)

    def pay(self, farmer_id: str, months: int, key: str) -> None:
        quote = self.payments.quote(AGENT, farmer_id, months)
        request = PaymentRequest(months=months, amount=quote.amount, first_period=quote.first_period)
        self.payments.pay(AGENT, farmer_id, request, key)

    def farmer(self, farmer_id: str) -> FarmerRecord:
        found = self.storage.farmers.get(farmer_id)
        assert found is not None
        return found

    def refunds_of(self, farmer_id: str) -> list[RefundRecord]:
        return [r for r in self.table.of(RefundRecord) if r.farmer_id == farmer_id]


@pytest.fixture
def world() -> World:
    return World()


def test_a_death_in_a_prepaid_year_ends_the_membership_and_opens_its_refund(world: World) -> None:
    with clock_at(date(2026, 11, 5)):
        farmer = world.new_farmer(11)
        world.pay(farmer.farmer_id, 12, "pay-a-year")  # 2026-11 .. 2027-10
    with clock_at(date(2026, 12, 20)):
        dead = world.death(AGENT, farmer.farmer_id, DeathReport(date_of_death=date(2026, 12, 17)), "death-1")
        assert (
            dead.deceased_on == date(2026, 12, 17)
            and dead.coverage(date(2026, 12, 20)).state is CoverageState.ENDED
        )
        [refund] = world.refunds_of(farmer.farmer_id)
        assert refund.periods == tuple(add_months("2027-01", i) for i in range(10))
        assert refund.amount == 10 * 16_800  # January-October 2027, after the relief
        assert world.table.population[("73.12.04", "2026-12")][REFUNDS_OPEN] == 1
        assert world.table.population[("73.12.04", "2026-12")][REFUNDS_OPEN_AMOUNT] == 168_000
        assert world.table.population[("73.12.04", "2026-12")]["n_deceased"] == 1
        [audit] = [a for a in world.table.of(AuditRecord) if a.action is AuditAction.DEATH_RECORDED]
        assert audit.fields == ("deceased_on",) and audit.actor == "agen.lalabata"
        # The same request again (the phone retried): the same answer, nothing twice.
        again = world.death(AGENT, farmer.farmer_id, DeathReport(date_of_death=date(2026, 12, 17)), "death-1")
        assert again == dead and len(world.refunds_of(farmer.farmer_id)) == 1
        with pytest.raises(FarmerDeceased):
            world.death(AGENT, farmer.farmer_id, DeathReport(date_of_death=date(2026, 12, 17)), "death-2")
        with pytest.raises(FarmerDeceased):
            world.pay(farmer.farmer_id, 1, "pay-after-death")
        with pytest.raises(FarmerDeceased):
            world.payments.quote(AGENT, farmer.farmer_id, 1)


def test_a_death_reported_late_counts_as_ended_from_its_month(world: World) -> None:
    """DOMAIN: each revision lists what changed (late payments, corrections): a death learnt in
    December that happened in November moves November's population (a new November version
    shows the member ended), while its refund case opens in December, when it became known."""
    with clock_at(date(2026, 11, 5)):
        farmer = world.new_farmer(14)
        world.pay(farmer.farmer_id, 3, "pay-three")  # 2026-11 .. 2027-01
    with clock_at(date(2026, 12, 7)):
        world.death(AGENT, farmer.farmer_id, DeathReport(date_of_death=date(2026, 11, 20)), "death-late")
    november, december = (
        world.table.population[("73.12.04", "2026-11")],
        world.table.population[("73.12.04", "2026-12")],
    )
    assert november["n_deceased"] == 1 and november["n_2027_01"] == 0  # paid, then dead: both in November
    assert december["n_deceased"] == 0 and (december[REFUNDS_OPEN], november[REFUNDS_OPEN]) == (1, 0)


def test_a_replay_by_another_kecamatan_is_refused_before_the_key_is_looked_at(world: World) -> None:
    with clock_at(date(2026, 11, 5)):
        farmer = world.new_farmer(12)
        world.pay(farmer.farmer_id, 1, "pay-once")
        with pytest.raises(Forbidden):
            world.death(
                AGENT_GANRA, farmer.farmer_id, DeathReport(date_of_death=date(2026, 11, 5)), "death-x"
            )
        quote_body = PaymentRequest(months=1, amount=8_400, first_period="2026-11")
        for key in ("pay-once", None):  # with the key used, or none: the same 403
            with pytest.raises(Forbidden):
                world.payments.pay(AGENT_GANRA, farmer.farmer_id, quote_body, key)
    # Keys are scoped by caller: the coordinator's own key of the same name is another request.
    assert {owner for (_, owner, _) in world.idempotency.answers} == {f"sub-agen:{farmer.farmer_id}"}


def test_a_refund_is_settled_once_and_a_replay_answers_the_settlement(world: World) -> None:
    with clock_at(date(2026, 11, 5)):
        farmer = world.new_farmer(13)
        world.pay(farmer.farmer_id, 3, "pay-three")
    with clock_at(date(2026, 11, 20)):
        world.death(AGENT, farmer.farmer_id, DeathReport(date_of_death=date(2026, 11, 19)), None)
        [refund] = world.refunds_of(farmer.farmer_id)
        assert (refund.periods, refund.amount) == (("2026-12", "2027-01"), 8_400 + 16_800)
        settlement = Settlement(returned_to="Baso (suami)")
        settled = world.refunds.settle(AGENT, refund.refund_id, settlement, "settle-1")
        assert settled.status is RefundStatus.SETTLED and settled.settled_by == "agen.lalabata"
        assert world.refunds.settle(AGENT, refund.refund_id, settlement, "settle-1") == settled
        with pytest.raises(InvalidTransition):
            world.refunds.settle(COORDINATOR, refund.refund_id, settlement, "settle-2")
        with pytest.raises(Forbidden):
            world.refunds.settle(AGENT_GANRA, refund.refund_id, settlement, "settle-1")
        population = world.table.population[("73.12.04", "2026-11")]
        assert (population[REFUNDS_OPEN], population[REFUNDS_OPEN_AMOUNT]) == (0, 0)
        assert world.table.counters[("2026-11", "73.12.04", None)]["refunds_settled_amount"] == 25_200
        [audit] = [a for a in world.table.of(AuditRecord) if a.action is AuditAction.REFUND_SETTLED]
        assert audit.detail["refund_id"] == refund.refund_id


def test_a_correction_to_another_farmers_nik_is_refused_and_changes_nothing(world: World) -> None:
    with clock_at(date(2026, 11, 5)):
        first = world.new_farmer(21)
        second = world.new_farmer(22)
        before = dict(world.table.records)
        with pytest.raises(NikAlreadyRegistered) as taken:
            world.correct(COORDINATOR, second.farmer_id, Correction(nik=first.nik, reason="Salah ketik NIK"))
        assert taken.value.extra == {"farmer_id": first.farmer_id}
        assert world.table.records == before and len(world.queue.sent) == 2  # the two registrations

        # A NIK nobody has: the claim moves, and the old NIK is free to register again at once;
        # its new BPJS registration waits for the correction (the release).
        fixed_nik = make_nik(date(1980, 8, 17), "F", serial=23)
        corrected = world.correct(
            ADMIN, second.farmer_id, Correction(nik=fixed_nik, reason="Salah ketik NIK")
        )
        assert corrected.nik == fixed_nik and corrected.nik_masked.endswith(fixed_nik[-4:])
        assert [(n.fields, n.reason, n.by) for n in corrected.corrections] == [
            (("nik",), "Salah ketik NIK", "admin")
        ]
        claims = {c.nik_hash: c.farmer_id for c in world.table.of(NikClaim)}
        old_hash = nik_lookup_hash(second.nik, NIK_KEY)
        assert claims[nik_lookup_hash(fixed_nik, NIK_KEY)] == second.farmer_id
        assert old_hash not in claims
        [update] = [e for e in world.table.of(OutboxEntry) if e.op_type is OpType.PARTICIPANT_UPDATE]
        assert update.farmer_id == second.farmer_id and update.payload["fields"] == ["nik"]
        [release] = world.table.of(NikRelease)
        assert (release.nik_hash, release.farmer_id, release.op_id) == (
            old_hash,
            second.farmer_id,
            update.op_id,
        )
        assert update.payload["nik_release"] == release.stored()
        assert world.storage.farmers.nik_release_pending(old_hash)

        again = world.new_farmer(22)  # the old NIK, registered anew
        assert again.farmer_id != second.farmer_id
        [registration] = [
            e for e in world.table.of(OutboxEntry)
            if e.op_type is OpType.PARTICIPANT_REGISTRATION and e.farmer_id == again.farmer_id
        ]  # fmt: skip
        assert registration.payload == {"nik_hash": old_hash}

        # Another farmer's correction may not free the same NIK again before BPJS has the first.
        with pytest.raises(NikReleasePending):
            world.correct(ADMIN, again.farmer_id, Correction(nik=make_nik(date(1980, 8, 17), "F", serial=24),
                                                             reason="Salah ketik NIK"))  # fmt: skip
        world.writer.write(released_on_delivery(update))  # what the update's completion writes
        assert not world.storage.farmers.nik_release_pending(old_hash)


def test_corrections_follow_the_nik_rules_and_only_staff_make_them(world: World) -> None:
    with clock_at(date(2026, 11, 5)):
        farmer = world.new_farmer(31)
        with pytest.raises(Forbidden):
            world.correct(AGENT, farmer.farmer_id, Correction(full_name="Hasna", reason="Salah ketik"))
        with pytest.raises(NikInvalid):
            world.correct(COORDINATOR, farmer.farmer_id, Correction(nik="7312040000000000", reason="x y"))
        # A man's NIK with the sex given as F: the sex disagrees.
        with pytest.raises(NikMismatch):
            world.correct(
                COORDINATOR, farmer.farmer_id,
                Correction(nik=make_nik(date(1980, 8, 17), "M", serial=31), sex="F", reason="Salah ketik"),
            )  # fmt: skip
        # Birth date and NIK corrected together agree: no NIK_MISMATCH, and no age policy.
        born = date(2009, 11, 6)  # 16 years old on the day: the policy applies at registration only
        young = make_nik(born, "F", serial=31)
        corrected = world.correct(
            COORDINATOR, farmer.farmer_id,
            Correction(nik=young, birth_date=born, full_name="Hasnah Lamade", reason="KTP baru diperiksa"),
        )  # fmt: skip
        assert (corrected.birth_date, corrected.full_name, corrected.name_search) == (
            born, "Hasnah Lamade", "hasnah lamade"
        )  # fmt: skip
        [note] = corrected.corrections
        assert (note.by, note.reason, note.fields) == ("koordinator.lalabata", "KTP baru diperiksa",
                                                        ("birth_date", "full_name", "nik"))  # fmt: skip

        # The NIK alone: its birth date and sex come with it, as at registration.
        typo_fixed = make_nik(date(2009, 11, 16), "M", serial=31)
        renumbered = world.correct(
            COORDINATOR, farmer.farmer_id, Correction(nik=typo_fixed, reason="Tanggal")
        )
        assert (renumbered.nik, renumbered.birth_date, renumbered.sex) == (
            typo_fixed,
            date(2009, 11, 16),
            "M",
        )
        assert renumbered.corrections[-1].fields == ("birth_date", "nik", "sex")
        # The NIK alone, its date the one stored: the stored birth date (of its century) is kept.
        same_day = make_nik(date(2009, 11, 16), "M", serial=32)
        kept = world.correct(COORDINATOR, farmer.farmer_id, Correction(nik=same_day, reason="Nomor urut"))
        assert (kept.birth_date, kept.corrections[-1].fields) == (date(2009, 11, 16), ("nik",))


def test_an_income_change_applies_from_the_next_unpaid_month(world: World) -> None:
    with clock_at(date(2027, 1, 5)):
        farmer = world.new_farmer(41)
        world.pay(farmer.farmer_id, 2, "pay-two")  # January and February at Rp 1,000,000
        world.records.patch(AGENT, farmer.farmer_id, FarmerEdit(monthly_income=3_000_000))
        quote = world.payments.quote(AGENT, farmer.farmer_id, 1)
        assert quote.periods == ("2027-03",) and quote.lines[0].income == 3_000_000
        assert quote.amount == 30_000 + 6_800
        world.pay(farmer.farmer_id, 1, "pay-march")
    payments = world.storage.payments.all_of(farmer.farmer_id)
    incomes = {line.period: line.income for payment in payments for line in payment.lines}
    assert incomes == {"2027-01": 1_000_000, "2027-02": 1_000_000, "2027-03": 3_000_000}


def test_a_date_of_death_before_the_registration_or_tomorrow_changes_nothing(world: World) -> None:
    with clock_at(date(2026, 11, 5)):
        farmer = world.new_farmer(51)
    with clock_at(date(2026, 11, 6)):
        with pytest.raises(IncidentDateInvalid):
            world.death(AGENT, farmer.farmer_id, DeathReport(date_of_death=date(2026, 11, 4)), None)
        with pytest.raises(IncidentDateInvalid):
            world.death(AGENT, farmer.farmer_id, DeathReport(date_of_death=date(2026, 11, 7)), None)
        assert world.farmer(farmer.farmer_id).deceased_on is None
        assert world.refunds_of(farmer.farmer_id) == []


def test_a_refused_contribution_is_not_covered_and_goes_back() -> None:
    from sutasoma.app.membership import posting_refused
    from sutasoma.domain.changes import Created, Updated

    first = payment_record(["2026-11"], "2026-11-03T02:00:00Z")
    last = payment_record(["2026-12", "2027-01"], "2026-12-03T02:00:00Z")
    farmer = farmer_record(farmer_id=first.farmer_id, coverage_start="2026-11", paid_through="2027-01")
    stamp = "2026-12-03T03:00:00Z"

    after, changes = posting_refused(farmer, last, stamp, "2026-12")
    assert (after.paid_through, after.coverage_start, after.version) == (
        "2026-11",
        "2026-11",
        farmer.version + 1,
    )
    [refund] = [w.record for w in changes.writes if isinstance(w, Created)]
    assert isinstance(refund, RefundRecord) and refund.reason is RefundReason.POSTING_REFUSED
    assert (refund.periods, refund.amount) == (("2026-12", "2027-01"), 8_400 + 16_800)
    assert [type(w) for w in changes.writes] == [Updated, Created]

    # The payment that started the cover: never paid again.
    alone = farmer.but(paid_through="2026-11")
    after, _ = posting_refused(alone, first, stamp, "2026-12")
    assert (after.paid_through, after.coverage_start) == (None, None)
    assert after.coverage(date(2026, 12, 3)).state is CoverageState.NOT_STARTED

    # A later payment covers the months after it: paid-through stays, the refund records it.
    after, changes = posting_refused(farmer, first, stamp, "2026-12")
    assert after == farmer and [type(w) for w in changes.writes] == [Created]


def test_the_etag_moves_with_peoples_changes_only(world: World) -> None:
    from sutasoma.app.farmer_records import etag_of, versions_in
    from sutasoma.domain.changes import ChangeSet, Updated
    from sutasoma.domain.errors import PreconditionFailed
    from sutasoma.domain.registration import RegistrationStatus

    with clock_at(date(2026, 11, 5)):
        farmer = world.new_farmer(61)
        opened = etag_of(farmer)
        assert versions_in(opened, farmer.farmer_id) == {0} and versions_in("*", farmer.farmer_id) is None
        assert versions_in(f'"{"0" * 26}.0"', farmer.farmer_id) == set()  # another farmer's tag: none
        assert versions_in(f'"{"0" * 26}.0", W/{opened}, "x"', farmer.farmer_id) == {0}  # a list: any
        # BPJS confirms, a payment moves paid-through: the record's version moves, its ETag not.
        confirmed = farmer.next(registration_status=RegistrationStatus.CONFIRMED, kpj_number="26000000001")
        world.writer.write(ChangeSet(writes=(Updated(farmer, confirmed),)))
        world.pay(farmer.farmer_id, 1, "pay-one")
        assert (
            world.farmer(farmer.farmer_id).version == 3 and etag_of(world.farmer(farmer.farmer_id)) == opened
        )
        edited = world.records.patch(
            AGENT, farmer.farmer_id, FarmerEdit(phone="081299990000"), if_match=frozenset({0})
        )
        assert etag_of(edited) != opened and edited.edits == 1
        # Another person's change since the ETag was read: 412, nothing written.
        with pytest.raises(PreconditionFailed) as stale:
            world.records.patch(
                AGENT, farmer.farmer_id, FarmerEdit(address="Dusun Dua"), if_match=frozenset({0})
            )
        assert stale.value.extra == {"etag": etag_of(edited)}
        corrected = world.correct(
            COORDINATOR, farmer.farmer_id, Correction(full_name="Hasnah L", reason="Salah ketik")
        )
        assert corrected.edits == 2 and world.farmer(farmer.farmer_id).address == "Dusun Satu"


def test_cash_handed_back_earlier_on_the_day_the_case_opened_is_recorded() -> None:
    """The phone's clock a little behind, or the cash given on the visit that reported the death."""
    refund = open_refund()
    settled = refund.settle(
        "Baso", datetime(2027, 1, 1, 16, 0, tzinfo=UTC), "agen", datetime(2027, 1, 2, 2, 0, 1, tzinfo=UTC)
    )
    assert settled.returned_at == "2027-01-01T16:00:00Z"  # 00:00 WITA on the day it opened
