"""The events of the sample year (tests/support/report_sample.py), each written as the ChangeSet
the product's use case decides: `decide_registration`, BPJS's confirmation (`participant_confirmed`)
or rejection (`registration_rejected`), `check_payment` + `decide_payment`, `death_recorded`,
`decide_claim` and the claim's moves (`claim_moved`, `claim_decision`), `refund_settled`. What
the use cases read first (the farmer, their payments) is read from the in-memory table, and the
commit is that table's unit of work, so the counters are what the write paths write."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sutasoma.app.callbacks import CallbackEvent, claim_decision, participant_confirmed
from sutasoma.app.claim_lifecycle import claim_moved
from sutasoma.app.claims import Basis, NewClaim, decide_claim, outcome_of
from sutasoma.app.membership import death_recorded, refund_settled, registration_rejected
from sutasoma.app.payments import PaymentRequest, check_payment, decide_payment
from sutasoma.app.ports import Storage
from sutasoma.app.registration import AgePolicy, NewFarmer, decide_registration
from sutasoma.domain.changes import ChangeSet, Created, farmer_written
from sutasoma.domain.claim import Claimant, ClaimEvent, ClaimRecord
from sutasoma.domain.claim_rules import check_death_date, check_eligibility
from sutasoma.domain.clock import WITA, iso_utc, period_of
from sutasoma.domain.counters import CounterIncrement
from sutasoma.domain.errors import FarmerLapsed, IncidentDateInvalid, NotCovered
from sutasoma.domain.farmer import FarmerRecord
from sutasoma.domain.identity import Caller, Role
from sutasoma.domain.ids import new_id
from sutasoma.domain.nik import compose_nik, nik_lookup_hash
from sutasoma.domain.payment import quote_for, receipt_number
from sutasoma.domain.periods import add_months, month_index, months_between
from sutasoma.domain.places import places
from sutasoma.domain.refund import RefundRecord

if TYPE_CHECKING:
    from tests.support.report_sample import Member, Simulation

NIK_KEY = b"report-sample"
CLAIM_DEADLINE_YEARS = 5
Later = Callable[[datetime, Callable[[datetime], None]], None]

# Claims of the year: (months from the report's month, type, JKK outcome, how far BPJS takes it).
_CLAIMS = (
    (-6, "JKK", "treatment", "CLAIM_PAID"),
    (-4, "JKM", None, "CLAIM_PAID"),
    (-3, "JKK", "temporary_disability", "CLAIM_PAID"),
    (-2, "JKK", "treatment", "CLAIM_REJECTED"),
    (-1, "JKK", "treatment", "CLAIM_PAID"),
    (0, "JKM", None, "CLAIM_PAID"),
    (0, "JKK", "treatment", "CLAIM_PAID"),
    (1, "JKK", "treatment", "CLAIM_PAID"),
)
# Deaths the family reports to the coordinator: months from the report's month.
_DEATHS = (-5, -3, -1, 0, 0)


def _caller(username: str, role: Role, kecamatan: str | None) -> Caller:
    return Caller(sub=f"sub-{username}", username=username, role=role, kecamatan=kecamatan)


def coordinator(code: str) -> Caller:
    return _caller(
        f"koordinator.{places().kecamatan[code].name.lower().replace(' ', '')}", Role.COORDINATOR, code
    )


def _period(at: datetime) -> str:
    return period_of(at.astimezone(WITA).date())


def months_to_pay(member: Member, farmer: FarmerRecord, month: str) -> int:
    """What the farmer pays at the agent's visit in `month` (local/seed/plan.py's rule): 0 for
    nothing, else a number of months, arrears first."""
    if member.profile == "never" or (member.stop_after is not None and month > member.stop_after):
        return 0
    owed = 1 if farmer.paid_through is None else months_between(farmer.paid_through, month)
    if owed <= 0:
        return 0
    rng = member.rng
    if member.profile == "ahead":
        return owed + 5
    if member.profile == "harvest":
        harvest = (
            (month_index(month) + member.harvest_phase) % 3 == 0 or owed >= 3 or farmer.paid_through is None
        )
        return owed + rng.choice((1, 2)) if harvest and rng.random() < member.discipline + 0.05 else 0
    return owed + (1 if rng.random() < 0.1 else 0) if rng.random() < member.discipline else 0


@dataclass
class Book:
    """Writes each event the way its use case does."""

    storage: Storage
    later: Later

    def __post_init__(self) -> None:
        self.serials = itertools.count(1)
        self.rng = random.Random("sutasoma/report-sample/book")

    def farmer(self, farmer_id: str | None) -> FarmerRecord | None:
        return self.storage.farmers.get(farmer_id) if farmer_id else None

    def commit(self, changes: ChangeSet) -> None:
        self.storage.unit.commit(changes)
        for write in changes.writes:
            if isinstance(write, Created) and isinstance(write.record, RefundRecord):
                refund = write.record
                settle_at = datetime.fromisoformat(refund.created_at.replace("Z", "+00:00"))
                self.later(
                    settle_at + timedelta(days=self.rng.randint(10, 45)),
                    lambda at, r=refund: self.settle(r, at),
                )

    def register(self, member: Member, at: datetime) -> None:
        rng, today = member.rng, at.astimezone(WITA).date()
        birth, sex = (
            date(today.year - rng.randint(20, 60), rng.randint(1, 12), rng.randint(1, 28)),
            rng.choice("MF"),
        )
        nik = compose_nik(member.code.replace(".", ""), birth, "F" if sex == "F" else "M", next(self.serials))
        data = NewFarmer(
            nik=nik, full_name=f"Petani {nik[-4:]}", birth_date=birth, sex="F" if sex == "F" else "M",
            phone=f"0812{rng.randint(10_000_000, 99_999_999)}", kecamatan_code=member.code,
            village_code=rng.choice(places().kecamatan[member.code].villages).code, address="Dusun Satu",
            commodity=rng.choice(("padi", "padi", "jagung", "kakao")), monthly_income=member.income,
        )  # fmt: skip
        agent = _caller(member.agent, Role.AGENT, member.code)
        farmer, changes = decide_registration(agent, data, nik_lookup_hash(nik, NIK_KEY), at, AgePolicy())
        member.farmer_id = farmer.farmer_id
        self.commit(changes)

    def bpjs_decides(self, member: Member, at: datetime) -> None:
        """BPJS's callback: most registrations confirmed, a few NIKs not found at Dukcapil."""
        farmer = self.farmer(member.farmer_id)
        if farmer is None:
            return
        stamp, period = iso_utc(at), _period(at)
        if member.profile != "ahead" and member.rng.random() < 0.04:
            payments = self.storage.payments.all_of(farmer.farmer_id)
            reason = "NIK tidak ditemukan di Dukcapil"
            _, changes = registration_rejected(farmer, payments, "NIK_NOT_FOUND", reason, stamp, period)
        else:
            kpj = f"{member.rng.randint(10**10, 10**11 - 1)}"
            event = CallbackEvent(event_id=new_id(), type="PARTICIPANT_CONFIRMED", data={"kpj_number": kpj})
            changes = farmer_written(farmer, participant_confirmed(farmer, event, stamp), period)
        self.commit(changes)

    def visit(self, member: Member, paid_at: datetime, recorded_at: datetime) -> None:
        """The agent's visit: the farmer pays what they pay, as the payment route records it."""
        farmer = self.farmer(member.farmer_id)
        if farmer is None or farmer.ended:
            return
        months = months_to_pay(member, farmer, _period(paid_at))
        if months <= 0:
            return
        try:
            quote = quote_for(farmer.paid_through, months, farmer.monthly_income, paid_at)
        except FarmerLapsed:
            return  # more than 3 months unpaid: the agent cannot take money until reactivation
        request = PaymentRequest(
            months=months, amount=quote.amount, first_period=quote.first_period, paid_at=paid_at
        )
        quote = check_payment(farmer, request, recorded_at)
        year = paid_at.astimezone(WITA).year
        receipt = receipt_number(
            farmer.kecamatan_code, year, self.storage.receipts.next(farmer.kecamatan_code, year)
        )
        agent = _caller(member.agent, Role.AGENT, member.code)
        _, changes = decide_payment(agent, farmer, request, quote, receipt, recorded_at)
        self.commit(changes)

    def death(self, farmer: FarmerRecord, died: date, at: datetime) -> None:
        """The family reports a death to the coordinator (POST /farmers/{id}/death)."""
        who = coordinator(farmer.kecamatan_code)
        payments = self.storage.payments.all_of(farmer.farmer_id)
        _, changes = death_recorded(farmer, payments, died, "REPORT", who.username, iso_utc(at), _period(at))
        self.commit(changes)

    def settle(self, refund: RefundRecord, at: datetime) -> None:
        current = self.storage.refunds.get(refund.refund_id)
        if current is None:
            return
        who = coordinator(current.kecamatan_code)
        after = current.settle("ahli waris" if current.reason == "PAID_AFTER_DEATH" else "petani", at,
                               who.username, at)  # fmt: skip
        self.commit(refund_settled(current, after, _period(at)))

    def file_claim(self, farmer: FarmerRecord, data: NewClaim, agent: str, at: datetime) -> ClaimRecord:
        payments = self.storage.payments.all_of(farmer.farmer_id)
        check_eligibility(
            farmer, payments, data.incident_date, at.astimezone(WITA).date(), CLAIM_DEADLINE_YEARS
        )
        if data.type.value == "JKM":
            check_death_date(farmer, data.incident_date)
        caller = _caller(agent, Role.AGENT, farmer.kecamatan_code)
        claim, changes = decide_claim(caller, data, Basis(farmer, payments, outcome_of(data), at))
        self.commit(changes)
        return claim

    def move_claim(self, claim_id: str, at: datetime, event: str, data: dict[str, Any]) -> None:
        """A coordinator's verification, the BPJS sync's submission, or BPJS's callback."""
        claim = self.storage.claims.get(claim_id)
        if claim is None or not claim.in_progress:
            return
        stamp, period = iso_utc(at), _period(at)
        if event == "VERIFIED":
            who = coordinator(claim.kecamatan_code).username
            after = claim.moved(ClaimEvent.VERIFIED, stamp, who, verified_by=who)
            counted = {f"claims_verified_{claim.claim_type}": 1}
        elif event == "SENT":
            after, counted = (
                claim.moved(ClaimEvent.SENT, stamp, "SUTASOMA", bpjs_claim_ref=f"CLM-{claim_id}"),
                {},
            )
        else:
            after, counted = claim_decision(
                claim, CallbackEvent(event_id=new_id(), type=event, data=data), stamp
            )
        counts = (CounterIncrement(period, claim.kecamatan_code, counted),) if counted else ()
        self.commit(claim_moved(claim, after, period) + ChangeSet(counts=counts))


def _claim_data(farmer: FarmerRecord, kind: str, outcome: str | None, incident: date) -> NewClaim:
    text = "Meninggal dunia karena sakit di rumah." if kind == "JKM" else "Terluka terkena sabit saat panen."
    claimant = Claimant(full_name="Baso", relationship="spouse", phone="081298765432", bank_name="BRI",
                        bank_account="001201000123456")  # fmt: skip
    return NewClaim.model_validate(
        {"farmer_id": farmer.farmer_id, "type": kind, "incident_date": incident, "description": text,
         "outcome": outcome, "claimant": claimant.model_dump()}
    )  # fmt: skip


def _try_claim(sim: Simulation, kind: str, outcome: str | None, result: str, at: datetime) -> None:
    """The first covered farmer (in a seeded order) files the claim; BPJS takes it to `result`."""
    rng = random.Random(f"sutasoma/report-sample/claim/{at.isoformat()}")
    members = [m for m in sim.members if m.farmer_id and m.profile in ("monthly", "ahead", "harvest")]
    rng.shuffle(members)
    incident = (at - timedelta(days=1)).astimezone(WITA).date()
    for member in members:
        farmer = sim.book.farmer(member.farmer_id)
        if farmer is None or farmer.ended:
            continue
        try:
            claim = sim.book.file_claim(
                farmer, _claim_data(farmer, kind, outcome, incident), member.agent, at
            )
        except (NotCovered, IncidentDateInvalid):
            continue
        _follow_claim(sim, claim, result, at, rng)
        return


def _follow_claim(
    sim: Simulation, claim: ClaimRecord, result: str, filed: datetime, rng: random.Random
) -> None:
    verified = filed + timedelta(days=rng.randint(1, 3))
    decided = verified + timedelta(days=rng.randint(6, 12))
    # BPJS decides the amount: the estimate, or for treatment (no estimate: no cost cap) the bills.
    amount = claim.estimated_benefit.total or rng.randint(8, 60) * 100_000
    steps = [(verified, "VERIFIED", {}), (verified + timedelta(hours=1), "SENT", {})]
    if result == "CLAIM_REJECTED":
        steps.append((decided, result, {"reason": "Dokumen kronologi tidak lengkap."}))
    else:
        paid = decided + timedelta(days=rng.randint(2, 6))
        steps += [(decided, "CLAIM_APPROVED", {"amount": amount}),
                  (paid, "CLAIM_PAID", {"amount": amount, "paid_at": iso_utc(paid)})]  # fmt: skip
    for at, event, data in steps:
        sim.later(at, lambda when, e=event, d=data: sim.book.move_claim(claim.claim_id, when, e, d))


def _try_death(sim: Simulation, died: date, at: datetime) -> None:
    """A farmer who paid ahead dies (their months after the death are given back)."""
    rng = random.Random(f"sutasoma/report-sample/death/{died.isoformat()}")
    members = [m for m in sim.members if m.farmer_id]
    rng.shuffle(members)
    for member in sorted(members, key=lambda m: m.profile != "ahead"):
        farmer = sim.book.farmer(member.farmer_id)
        if farmer is None or farmer.ended or farmer.paid_through is None:
            continue
        if farmer.registered_at > iso_utc(datetime.combine(died, datetime.min.time(), WITA)):
            continue
        sim.book.death(farmer, died, at)
        return


def plan_incidents(sim: Simulation) -> None:
    """The claims and deaths of the year, at seeded moments of their months."""
    rng = random.Random(f"sutasoma/report-sample/incidents/{sim.period}")
    for months, kind, outcome, result in _CLAIMS:
        month = add_months(sim.period, months)
        at = datetime.fromisoformat(f"{month}-{rng.randint(10, 24):02d}T{rng.randint(9, 14):02d}:00:00+08:00")
        if months == 1:
            at = at.replace(day=rng.randint(3, 8))
        sim.later(at, lambda when, k=kind, o=outcome, r=result: _try_claim(sim, k, o, r, when))
    for months in _DEATHS:
        month = add_months(sim.period, months)
        died = date.fromisoformat(f"{month}-{rng.randint(3, 20):02d}")
        reported = datetime.combine(died + timedelta(days=rng.randint(2, 6)), datetime.min.time(), WITA)
        sim.later(reported + timedelta(hours=10), lambda when, d=died: _try_death(sim, d, when))
