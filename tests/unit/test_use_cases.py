"""The use cases on in-memory fakes of their ports (tests/support/fakes.py): the decisions and
what each commit holds, without AWS. The same flows run on moto in tests/integration."""

from __future__ import annotations

from datetime import date

import pytest

from sutasoma.app.bpjs_sync import BpjsSync
from sutasoma.app.callbacks import CallbackDesk, expected_signature
from sutasoma.app.farmer_records import FarmerEdit, FarmerRecords
from sutasoma.app.payments import PaymentDesk, PaymentRequest
from sutasoma.app.registration import AgePolicy, NewFarmer, RegisterFarmer
from sutasoma.domain.audit import AuditAction, AuditRecord
from sutasoma.domain.changes import Created, WriteConflict
from sutasoma.domain.clock import period_of, today_wita
from sutasoma.domain.errors import AmountMismatch, InvalidTransition, NikAlreadyRegistered
from sutasoma.domain.farmer import FarmerRecord, NikClaim
from sutasoma.domain.identity import Caller, Role
from sutasoma.domain.outbox import OpType, OutboxEntry
from sutasoma.domain.registration import RegistrationStatus
from tests.support.fakes import (
    FakeBpjs,
    MemoryDocuments,
    MemoryIdempotency,
    MemoryQueue,
    MemoryTable,
    memory_storage,
    memory_writer,
)
from tests.support.farmers import make_nik

AGENT = Caller(
    sub="sub-agen", username="agen.lalabata", role=Role.AGENT, kecamatan="73.12.04", request_id="req-1"
)
SECRET = b"callback-secret"


class World:
    def __init__(self) -> None:
        self.table = MemoryTable()
        self.storage = memory_storage(self.table)
        self.queue = MemoryQueue()
        self.writer = memory_writer(self.storage, self.queue)
        self.idempotency = MemoryIdempotency()
        self.bpjs = FakeBpjs()
        self.register = RegisterFarmer(
            self.writer, self.storage.farmers, self.idempotency, lambda: b"k", AgePolicy()
        )
        self.records = FarmerRecords(
            self.storage.farmers, self.storage.audit, self.writer, MemoryDocuments(), 900
        )
        self.payments = PaymentDesk(
            self.storage.farmers, self.storage.payments, self.storage.receipts, self.writer, self.idempotency
        )
        self.sync = BpjsSync(
            self.storage.farmers,
            self.storage.payments,
            self.storage.claims,
            self.storage.outbox,
            self.writer,
            self.bpjs,
        )
        self.callbacks = CallbackDesk(
            self.storage.farmers,
            self.storage.payments,
            self.storage.claims,
            self.storage.callbacks,
            self.writer,
            lambda: SECRET,
            300,
        )

    def new_farmer(self, serial: int = 3) -> FarmerRecord:
        nik = make_nik(date(1980, 8, 17), "F", serial=serial)
        data = NewFarmer(
            nik=nik, full_name="Hasnah", phone="081234567890", kecamatan_code="73.12.04",
            village_code="73.12.04.1001", address="Dusun Satu", commodity="padi", monthly_income=1_000_000,
        )  # fmt: skip
        return self.register(AGENT, data)

    def deliver_all(self) -> list[str]:
        return [self.sync.process(entry.message()) for entry in list(self.queue.sent)]

    def farmer(self, farmer_id: str) -> FarmerRecord:
        found = self.storage.farmers.get(farmer_id)
        assert found is not None
        return found


@pytest.fixture
def world() -> World:
    return World()


def test_a_registration_commits_the_farmer_its_nik_counters_outbox_and_audit_at_once(world: World) -> None:
    farmer = world.new_farmer()
    [commit] = world.table.commits
    created = [type(w.record).__name__ for w in commit.writes if isinstance(w, Created)]
    assert created == ["NikClaim", "FarmerRecord"]
    assert [e.op_type for e in commit.outbox] == [OpType.PARTICIPANT_REGISTRATION]
    assert [a.action for a in commit.audit] == [AuditAction.FARMER_REGISTERED]
    month = period_of(today_wita())
    assert world.table.counters[(month, "73.12.04", None)]["new_registrations"] == 1
    assert world.table.counters[(month, "73.12.04", "agen.lalabata")]["registrations"] == 1
    bucket = f"none_{month.replace('-', '_')}"  # never paid, may start from this month
    assert world.table.population[("73.12.04", month)] == {f"n_{bucket}": 1, f"inc_{bucket}": 1_000_000}
    assert [e.farmer_id for e in world.queue.sent] == [farmer.farmer_id]  # handed to the queue
    assert farmer.registration_status is RegistrationStatus.PENDING


def test_the_same_nik_twice_names_the_first_farmer_and_writes_nothing(world: World) -> None:
    first = world.new_farmer()
    records_before = dict(world.table.records)
    with pytest.raises(NikAlreadyRegistered) as refused:
        world.new_farmer()
    assert refused.value.extra == {"farmer_id": first.farmer_id}
    assert world.table.records == records_before
    assert len(world.table.of(NikClaim)) == 1


def test_a_queue_outage_leaves_the_entry_for_the_sweeper(world: World) -> None:
    world.queue.down = True
    farmer = world.new_farmer()
    [pending] = world.storage.outbox.pending("9999")
    assert pending.farmer_id == farmer.farmer_id and pending.sent_at is None
    world.queue.down = False
    assert world.writer.dispatcher.sweep(grace_seconds=0) == {"sent": 1, "failed": 0}
    assert world.storage.outbox.pending("9999") == []


def test_bpjs_confirms_once_even_when_the_message_comes_twice(world: World) -> None:
    farmer = world.new_farmer()
    assert world.deliver_all() == ["CONFIRMED"]
    assert world.deliver_all() == ["DUPLICATE"]
    confirmed = world.farmer(farmer.farmer_id)
    assert confirmed.registration_status is RegistrationStatus.CONFIRMED and confirmed.kpj_number
    assert confirmed.version == farmer.version + 1
    assert [c[0] for c in world.bpjs.calls] == ["register"]


def test_a_payment_must_match_the_quote_and_two_at_once_record_one(world: World) -> None:
    farmer = world.new_farmer()
    world.deliver_all()
    quote = world.payments.quote(AGENT, farmer.farmer_id, 1)
    with pytest.raises(AmountMismatch):
        world.payments.pay(
            AGENT,
            farmer.farmer_id,
            PaymentRequest(months=1, amount=quote.amount + 1, first_period=quote.first_period),
            "key-00001",
        )
    stale = world.farmer(farmer.farmer_id)
    world.payments.pay(
        AGENT,
        farmer.farmer_id,
        PaymentRequest(months=1, amount=quote.amount, first_period=quote.first_period),
        "key-00002",
    )
    # A decision made on the farmer as it was before the first payment cannot be written.
    from sutasoma.app.payments import check_payment, decide_payment
    from sutasoma.domain.clock import now_utc

    request = PaymentRequest(months=1, amount=quote.amount, first_period=quote.first_period)
    late_quote = check_payment(stale, request, now_utc())
    _, changes = decide_payment(AGENT, stale, request, late_quote, "BPP04-2026-999999", now_utc())
    with pytest.raises(WriteConflict):
        world.writer.write(changes)
    assert len(world.storage.payments.all_of(farmer.farmer_id)) == 1


def test_a_retried_payment_replays_its_answer(world: World) -> None:
    farmer = world.new_farmer()
    world.deliver_all()
    quote = world.payments.quote(AGENT, farmer.farmer_id, 3)
    amount, first_period = quote.amount, quote.first_period
    first = world.payments.pay(
        AGENT,
        farmer.farmer_id,
        PaymentRequest(months=3, amount=amount, first_period=first_period),
        "key-retry-1",
    )
    again = world.payments.pay(
        AGENT,
        farmer.farmer_id,
        PaymentRequest(months=3, amount=amount, first_period=first_period),
        "key-retry-1",
    )
    assert again == first
    assert len(world.storage.payments.all_of(farmer.farmer_id)) == 1


def test_a_patch_writes_the_next_version_and_its_audit(world: World) -> None:
    farmer = world.new_farmer()
    after = world.records.patch(AGENT, farmer.farmer_id, FarmerEdit(phone="081299990000"))
    assert after.version == farmer.version + 1 and world.farmer(farmer.farmer_id).phone == "081299990000"
    [audit] = [a for a in world.table.of(AuditRecord) if a.action is AuditAction.FARMER_UPDATED]
    assert audit.fields == ("phone",)
    assert [e.op_type for e in world.table.of(OutboxEntry)].count(OpType.PARTICIPANT_UPDATE) == 1


def _callback(world: World, body: bytes) -> str:
    import time

    stamp = str(int(time.time()))
    return world.callbacks.receive(stamp, expected_signature(SECRET, stamp, body), body, time.time()).status


def test_participant_callbacks_move_forward_only(world: World) -> None:
    farmer = world.new_farmer()
    fid = farmer.farmer_id
    confirm = f'{{"event_id":"e1","type":"PARTICIPANT_CONFIRMED","data":{{"farmer_id":"{fid}","kpj_number":"12345678901"}}}}'
    assert _callback(world, confirm.encode()) == "APPLIED"
    assert _callback(world, confirm.encode()) == "DUPLICATE"
    again = confirm.replace('"e1"', '"e2"')
    assert _callback(world, again.encode()) == "DUPLICATE"  # the same confirmation, another event
    other_kpj = again.replace('"e2"', '"e3"').replace("12345678901", "99999999999")
    with pytest.raises(InvalidTransition):
        _callback(world, other_kpj.encode())
    reject = f'{{"event_id":"e4","type":"PARTICIPANT_REJECTED","data":{{"farmer_id":"{fid}","reason":"x"}}}}'
    with pytest.raises(InvalidTransition):
        _callback(world, reject.encode())
    assert world.farmer(fid).kpj_number == "12345678901"
    assert world.farmer(fid).registration_status is RegistrationStatus.CONFIRMED


def test_a_concurrent_update_is_a_conflict_not_an_overwrite(world: World) -> None:
    farmer = world.new_farmer()
    world.records.patch(AGENT, farmer.farmer_id, FarmerEdit(address="Dusun Dua"))
    from sutasoma.domain.changes import ChangeSet, Updated

    stale = ChangeSet(writes=(Updated(farmer, farmer.next(address="Dusun Tiga")),))
    with pytest.raises(WriteConflict) as conflict:
        world.writer.write(stale)
    assert conflict.value.current == world.farmer(farmer.farmer_id)  # what it met instead
    assert world.farmer(farmer.farmer_id).address == "Dusun Dua"
