"""A BPJS batch round by round (sutasoma.app.fifo_batch.run_in_rounds) and a round's outcomes
recorded together (BpjsSync.record_round), on in-memory fakes: what each commit holds, what a
change made meanwhile does to it, and which messages go back when a record fails."""

from __future__ import annotations

import json
import threading
import time

import pytest

from sutasoma.app.farmer_records import FarmerEdit
from sutasoma.app.fifo_batch import QueuedMessage, run_in_rounds
from sutasoma.domain.audit import AuditAction, AuditRecord
from sutasoma.domain.errors import ConcurrentUpdate
from sutasoma.domain.farmer import FarmerRecord
from sutasoma.domain.outbox import OutboxEntry
from sutasoma.domain.registration import RegistrationStatus
from tests.unit.test_use_cases import AGENT, World


@pytest.fixture
def world() -> World:
    return World()


def queued(entry: OutboxEntry) -> QueuedMessage:
    return QueuedMessage(entry.op_id, entry.farmer_id, json.dumps(entry.message()))


def registrations(world: World, count: int) -> list[QueuedMessage]:
    """`count` farmers registered; their registration messages, as the queue hands them out."""
    for serial in range(1, count + 1):
        world.new_farmer(serial)
    return [queued(entry) for entry in world.queue.sent]


def test_a_rounds_outcomes_are_one_commit_with_each_farmers_writes_and_audit(world: World) -> None:
    messages = registrations(world, 10)
    world.table.commits.clear()
    decided = [(m, world.sync.decide(json.loads(m.body))) for m in messages]
    assert world.table.commits == []  # deciding writes nothing

    results = world.sync.record_round(decided)

    assert results == {m.message_id: "CONFIRMED" for m in messages}
    [commit] = world.table.commits
    assert len(commit.writes) == 20  # each farmer and its outbox entry, at their next version
    assert len(commit.audit) == 10 and {a.action for a in commit.audit} == {
        AuditAction.BPJS_OPERATION_COMPLETED
    }
    for message in messages:
        farmer = world.farmer(message.group_id)
        assert farmer.registration_status is RegistrationStatus.CONFIRMED and farmer.kpj_number
    delivered = world.table.of(OutboxEntry)
    assert len(delivered) == 10 and all(e.delivered_at and e.outcome == "CONFIRMED" for e in delivered)
    # Each audit record names what BPJS's answer changed on the farmer (names, never values).
    for audit in commit.audit:
        assert {"registration_status", "kpj_number"} <= set(audit.fields)
        assert not {"version", "updated_at", "history"} & set(audit.fields)
        assert list(audit.fields) == sorted(audit.fields)


def test_an_updates_changed_fields_are_those_changed_set_or_cleared(world: World) -> None:
    from sutasoma.domain.changes import Updated

    [message] = registrations(world, 1)
    farmer = world.farmer(message.group_id)
    assert farmer.phone is not None and farmer.kpj_number is None
    after = farmer.next(phone=None, kpj_number="26000000001", full_name=farmer.full_name)
    assert Updated(farmer, after).changed_fields() == {"phone", "kpj_number", "version"}
    assert Updated(farmer, farmer.next()).changed_fields() == {"version"}


def test_a_farmer_changed_since_the_decision_is_decided_again_and_the_others_still_written(
    world: World,
) -> None:
    messages = registrations(world, 3)
    decided = [(m, world.sync.decide(json.loads(m.body))) for m in messages]
    changed = messages[1].group_id
    # The agent corrects the phone while BPJS's answers are on their way (the farmer's version moves).
    world.records.patch(AGENT, changed, FarmerEdit(phone="085299990000"))
    world.table.commits.clear()

    results = world.sync.record_round(decided)

    assert results == {m.message_id: "CONFIRMED" for m in messages}
    # The round's commit was refused whole; each decision then written on its own, the changed
    # farmer's decided again on what is stored now (BPJS answers a repeated operation id as before).
    assert len(world.table.commits) == 3
    farmer = world.farmer(changed)
    assert farmer.registration_status is RegistrationStatus.CONFIRMED and farmer.phone == "085299990000"
    registered = [op for kind, op in world.bpjs.calls if kind == "register"]
    assert registered.count(messages[1].message_id) == 2 and len(set(registered)) == 3
    audits = [a for a in world.table.of(AuditRecord) if a.action is AuditAction.BPJS_OPERATION_COMPLETED]
    assert len(audits) == 3  # one per operation, never two


def test_a_round_already_recorded_is_a_duplicate_with_nothing_written(world: World) -> None:
    messages = registrations(world, 2)
    world.sync.record_round([(m, world.sync.decide(json.loads(m.body))) for m in messages])
    commits = len(world.table.commits)
    again = [(m, world.sync.decide(json.loads(m.body))) for m in messages]  # a redelivered batch
    assert world.sync.record_round(again) == {m.message_id: "DUPLICATE" for m in messages}
    assert len(world.table.commits) == commits
    assert len([c for c in world.bpjs.calls if c[0] == "register"]) == 2


def test_a_record_that_cannot_be_written_sends_its_message_back(world: World) -> None:
    messages = registrations(world, 2)
    decided = [(m, world.sync.decide(json.loads(m.body))) for m in messages]
    stale = messages[0].group_id
    world.records.patch(AGENT, stale, FarmerEdit(phone="085299990000"))
    # Read stale before every attempt too: the conflict outlasts the retries.
    original = world.storage.farmers.get

    def always_stale(farmer_id: str) -> FarmerRecord | None:
        found = original(farmer_id)
        if found is not None and farmer_id == stale:
            return found.next()  # a version the table has not got
        return found

    world.storage.farmers.get = always_stale  # type: ignore[method-assign]
    results = world.sync.record_round(decided)
    world.storage.farmers.get = original  # type: ignore[method-assign]
    assert isinstance(results[messages[0].message_id], ConcurrentUpdate)  # 409 if it were a person
    assert results[messages[1].message_id] == "CONFIRMED"
    assert world.farmer(stale).registration_status is RegistrationStatus.PENDING


# ------------------------------------------------------------------------------ run_in_rounds


def batch(*groups: str) -> list[QueuedMessage]:
    seen: dict[str, int] = {}
    messages = []
    for group in groups:
        seen[group] = seen.get(group, 0) + 1
        messages.append(QueuedMessage(f"{group}{seen[group]}", group, body=""))
    return messages


class SlowRecords:
    """Decisions that take `decide_s` (the first message: none), records that take `record_s`:
    what each record call held, and the calls' order."""

    def __init__(
        self, decide_s: float = 0.1, record_s: float = 0.3, fail: frozenset[str] = frozenset()
    ) -> None:
        self.decide_s, self.record_s, self.fail = decide_s, record_s, fail
        self.records: list[list[str]] = []
        self.decided: list[str] = []
        self.lock = threading.Lock()

    def decide(self, message: QueuedMessage) -> str:
        time.sleep(0 if message.message_id == "a1" else self.decide_s)
        with self.lock:
            self.decided.append(message.message_id)
        return f"decided {message.message_id}"

    def record(self, decided: list[tuple[QueuedMessage, str]]) -> dict[str, str | Exception]:
        self.records.append([m.message_id for m, _ in decided])
        time.sleep(self.record_s)
        return {
            m.message_id: RuntimeError("refused") if m.message_id in self.fail else "DONE" for m, _ in decided
        }


def test_decisions_made_while_a_record_is_written_are_recorded_together() -> None:
    messages = batch(*"abcdefghij")
    rounds = SlowRecords()
    outcome = run_in_rounds(messages, rounds.decide, rounds.record, parallel=10)
    assert set(outcome.done) == {m.message_id for m in messages}
    # a1 is decided at once and written alone; the other nine are decided while it is written.
    assert rounds.records == [["a1"], ["b1", "c1", "d1", "e1", "f1", "g1", "h1", "i1", "j1"]]


def test_a_failed_record_sends_back_its_message_and_that_farmers_later_ones() -> None:
    messages = batch("a", "b", "a", "c", "b", "a")
    rounds = SlowRecords(decide_s=0.01, record_s=0.01, fail=frozenset({"b1"}))
    outcome = run_in_rounds(messages, rounds.decide, rounds.record, parallel=10)
    assert set(outcome.failed) == {"b1"} and outcome.untried == ["b2"]
    assert outcome.failures(messages) == ["b1", "b2"]
    assert set(outcome.done) == {"a1", "a2", "a3", "c1"}
    # Each farmer's next message decided only once its previous one was recorded.
    recorded_at = {m: n for n, record in enumerate(rounds.records) for m in record}
    assert recorded_at["a1"] < recorded_at["a2"] < recorded_at["a3"]
    assert "b2" not in rounds.decided


def test_a_record_that_raises_sends_back_every_message_it_held() -> None:
    messages = batch("a", "b", "a")

    def record(decided: list[tuple[QueuedMessage, str]]) -> dict[str, str | Exception]:
        raise ConnectionError("DynamoDB unreachable")

    outcome = run_in_rounds(messages, lambda m: "decided", record, parallel=10)
    assert set(outcome.failed) == {"a1", "b1"} and outcome.untried == ["a2"] and not outcome.done


def test_a_decision_that_raises_is_never_recorded() -> None:
    messages = batch("a", "b")
    rounds = SlowRecords(decide_s=0, record_s=0)

    def decide(message: QueuedMessage) -> str:
        if message.message_id == "a1":
            raise ConnectionError("BPJS unreachable")
        return rounds.decide(message)

    outcome = run_in_rounds(messages, decide, rounds.record, parallel=10)
    assert set(outcome.failed) == {"a1"} and set(outcome.done) == {"b1"}
    assert rounds.records == [["b1"]]


def test_batches_after_the_first_reuse_the_environments_threads() -> None:
    """A warm invocation starts no threads: the batch's farmers run on the threads the first
    batch started (a Lambda environment runs one invocation at a time)."""
    ran_on: list[threading.Thread] = []

    def decide(message: QueuedMessage) -> str:
        time.sleep(0.01)  # all ten at once: ten threads busy
        ran_on.append(threading.current_thread())
        return "decided"

    for _ in range(3):
        outcome = run_in_rounds(batch(*"abcdefghij"), decide, lambda d: {m.message_id: "DONE" for m, _ in d})
        assert len(outcome.done) == 10
    assert len(ran_on) == 30 and len(set(ran_on)) <= 10
    assert threading.main_thread() not in ran_on


def test_a_batch_keeps_to_its_parallel_and_two_batches_at_once_each_get_theirs() -> None:
    """The threads are the process's (the local stack runs a function's concurrent invocations in
    one process): each batch decides at most `parallel` messages at a time, and one batch does
    not wait for another's threads."""
    lock = threading.Lock()
    running: dict[str, int] = {"now": 0, "most": 0}

    def decide(message: QueuedMessage) -> str:
        with lock:
            running["now"] += 1
            running["most"] = max(running["most"], running["now"])
        time.sleep(0.05)
        with lock:
            running["now"] -= 1
        return "decided"

    def record(decided: list[tuple[QueuedMessage, str]]) -> dict[str, str | Exception]:
        return {m.message_id: "DONE" for m, _ in decided}

    outcome = run_in_rounds(batch(*"abcdefghij"), decide, record, parallel=3)
    assert len(outcome.done) == 10 and running["most"] == 3

    running["most"] = 0
    outcomes = []
    batches = [
        threading.Thread(target=lambda: outcomes.append(run_in_rounds(batch(*"abcdefghij"), decide, record)))
        for _ in range(2)
    ]
    for thread in batches:
        thread.start()
    for thread in batches:
        thread.join()
    assert [len(o.done) for o in outcomes] == [10, 10] and running["most"] == 20
