"""The BPJS consumer's batch: farmers side by side, each farmer's messages in order, and the
rate limiter that shares BPJS's limit between concurrent consumers (no AWS: threads and clocks)."""

from __future__ import annotations

import json
import random
import threading
import time
from bisect import bisect_left
from collections import Counter

import pytest

from sutasoma.adapters.pacer import JITTER_S, SlotPacer, burst_for, ceiling_per_second, slot_seconds
from sutasoma.app.bpjs_batch import deliver_batch
from sutasoma.app.fifo_batch import NotStarted, QueuedMessage, run_in_rounds, run_one_group_after_another

# ------------------------------------------------------------------------------ the batch


def batch(*groups_in_order: str) -> list[QueuedMessage]:
    """Messages in the order given, numbered per group: batch("a", "b", "a") -> a1, b1, a2."""
    seen: dict[str, int] = {}
    messages = []
    for group in groups_in_order:
        seen[group] = seen.get(group, 0) + 1
        messages.append(QueuedMessage(f"{group}{seen[group]}", group, body=f"{group}{seen[group]}"))
    return messages


class Recorder:
    """A handler that takes a while, records the order it saw and how many ran at once."""

    def __init__(self, fail: set[str] = frozenset(), seconds: float = 0.02, seed: int = 1) -> None:
        self.fail = fail
        self.seconds = seconds
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.seen: list[str] = []
        self.running = 0
        self.most_at_once = 0

    def __call__(self, message: QueuedMessage) -> str:
        with self.lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
            pause = self.seconds * self.rng.uniform(0.2, 1.0)
        time.sleep(pause)
        with self.lock:
            self.running -= 1
            self.seen.append(message.message_id)
        if message.message_id in self.fail:
            raise RuntimeError("BPJS said no")
        return "DONE"


def in_group_order(seen: list[str], group: str) -> list[str]:
    return [m for m in seen if m.startswith(group)]


def recorded(decided: list[tuple[QueuedMessage, str]]) -> dict[str, str | Exception]:
    """A record step that writes nothing: each decision is its result."""
    return {message.message_id: decision for message, decision in decided}


@pytest.mark.parametrize("seed", range(5))
def test_farmers_run_side_by_side_and_each_farmers_messages_in_order(seed: int) -> None:
    # Interleaved in the batch, as a FIFO queue hands several groups' messages out together.
    messages = batch("a", "b", "a", "c", "b", "a", "d", "c", "e", "a")
    handler = Recorder(seed=seed)
    outcome = run_in_rounds(messages, handler, recorded, parallel=10)
    assert set(outcome.done) == {m.message_id for m in messages} and not outcome.failures(messages)
    for group, count in (("a", 4), ("b", 2), ("c", 2), ("d", 1), ("e", 1)):
        assert in_group_order(handler.seen, group) == [f"{group}{n}" for n in range(1, count + 1)]
    assert handler.most_at_once > 1  # concurrent: 5 farmers, up to 5 at once
    assert handler.most_at_once <= 5  # never two messages of one farmer at once


def test_a_failure_sends_back_that_message_and_its_farmers_later_ones_only() -> None:
    messages = batch("a", "b", "a", "b", "a", "c")
    handler = Recorder(fail={"a2"})
    outcome = run_in_rounds(messages, handler, recorded, parallel=10)
    assert set(outcome.failed) == {"a2"} and outcome.untried == ["a3"]
    assert outcome.failures(messages) == ["a2", "a3"]  # in the batch's order
    assert set(outcome.done) == {"a1", "b1", "b2", "c1"}
    assert "a3" not in handler.seen


def test_messages_without_time_are_left_untried_in_the_batchs_order() -> None:
    messages = batch("a", "b", "c", "a")
    allowed = iter([True, True, False, False, False])

    def may_start() -> None:
        if not next(allowed):
            raise NotStarted

    handler = Recorder()
    outcome = run_in_rounds(messages, handler, recorded, may_start=may_start, parallel=10)
    # First messages admitted in order (a1, b1 yes; c1 no); a2 finds no time left either.
    assert set(outcome.done) == {"a1", "b1"}
    assert outcome.failures(messages) == ["c1", "a2"] and not outcome.failed


def test_one_group_after_another_keeps_the_batchs_order_one_message_at_a_time() -> None:
    messages = batch("a", "b", "a", "c", "b")
    handler = Recorder(fail={"b1"})
    outcome = run_one_group_after_another(messages, handler)
    assert handler.seen == ["a1", "a2", "b1", "c1"] and handler.most_at_once == 1
    assert set(outcome.done) == {"a1", "a2", "c1"} and set(outcome.failed) == {"b1"}
    assert outcome.failures(messages) == ["b1", "b2"]


def test_one_group_after_another_leaves_what_has_no_time_untried() -> None:
    messages = batch("a", "b", "a")
    allowed = iter([True, True, False])

    def may_start() -> None:
        if not next(allowed):
            raise NotStarted

    outcome = run_one_group_after_another(messages, Recorder(), may_start=may_start)
    assert set(outcome.done) == {"a1", "a2"} and outcome.untried == ["b1"] and not outcome.failed


def _operation(message_id: str, farmer: str, op_type: str, fields: list[str] | None = None) -> QueuedMessage:
    payload = {"fields": fields} if fields is not None else {}
    body = json.dumps({"op_id": message_id, "op_type": op_type, "farmer_id": farmer, "payload": payload})
    return QueuedMessage(message_id, farmer, body)


class FakeSync:
    """BpjsSync's calls the batch makes: the handler's order and concurrency recorded, and what
    each round recorded together."""

    def __init__(self) -> None:
        self.recorder = Recorder()
        self.rounds: list[list[str]] = []

    def preload(self, messages: list[QueuedMessage]) -> dict[str, object]:
        return {}

    def process(self, body: dict[str, object], preloaded: object = None) -> str:
        return self.recorder(QueuedMessage(str(body["op_id"]), str(body["farmer_id"]), ""))

    def decide(self, body: dict[str, object], preloaded: object = None) -> str:
        return self.process(body, preloaded)

    def record_round(self, decided: list[tuple[QueuedMessage, str]]) -> dict[str, str]:
        self.rounds.append([message.message_id for message, _ in decided])
        return {message.message_id: name for message, name in decided}


@pytest.mark.parametrize("fields", [["nik"], ["phone"]])
def test_a_batch_runs_farmers_side_by_side_whatever_it_corrects(fields: list[str]) -> None:
    """A NIK correction orders nothing between farmers in a batch: its old NIK cannot be
    registered before BPJS has the correction (app/nik_claims.py), so no batch holds both."""
    messages = [
        _operation("a1", "a", "PARTICIPANT_UPDATE", ["full_name"]),
        _operation("a2", "a", "PARTICIPANT_UPDATE", fields),
        *(_operation(f"{g}1", g, "CONTRIBUTION_POSTING") for g in "bdefg"),
        _operation("c1", "c", "PARTICIPANT_REGISTRATION"),
    ]
    sync = FakeSync()
    outcome = deliver_batch(sync, messages, lambda: 60_000, parallel=10)  # type: ignore[arg-type]
    assert len(outcome.done) == len(messages)
    assert sync.recorder.most_at_once > 1
    # Each farmer's first operation in the first round, recorded as they are decided (a few
    # records); a's second only after its first was recorded.
    first_round = [message_id for recorded in sync.rounds[:-1] for message_id in recorded]
    assert sorted(first_round) == ["a1", "b1", "c1", "d1", "e1", "f1", "g1"]
    assert sync.rounds[-1] == ["a2"]


# ------------------------------------------------------------------------------ the rate limiter


class Timeline:
    """One execution environment's own clock: sleeping moves it on."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def most_in_any_second(times: list[float]) -> int:
    ordered = sorted(times)
    return max((i + 1 - bisect_left(ordered, t - 1.0 + 1e-9) for i, t in enumerate(ordered)), default=0)


def simulate(
    limit: float,
    consumers: int,
    seed: int,
    seconds: float = 20.0,
    busy: bool = True,
    burst: int | None = None,
) -> list[float]:
    """`consumers` concurrency units of Lambda (never more invocations at once), each a chain of
    invocations handed from one execution environment to another with tiny gaps (the hand-over
    the limiter must survive), every invocation making 1-10 calls with some work between them
    (`busy`), or 10 calls back to back with no gap between invocations."""
    rng = random.Random(seed)
    sends: list[float] = []
    for _ in range(consumers):
        environments = [(Timeline(), None) for _ in range(3)]
        paced = [
            (t, SlotPacer(limit, consumers, clock=t.clock, sleep=t.sleep, burst=burst))
            for t, _ in environments
        ]
        at = rng.uniform(0, 0.05)
        while at < seconds:
            timeline, pacer = paced[rng.randrange(len(paced))]
            timeline.now = max(timeline.now, at)  # an idle environment's clock catches up
            pacer.begin()
            for _ in range(rng.randint(1, 10) if busy else 10):
                if busy:
                    timeline.now += rng.choice([0.0, 0.0, rng.uniform(0, 0.02)])  # reads before the call
                pacer.wait_turn()
                sends.append(timeline.now)
            at = timeline.now + (rng.choice([0.0, 1e-6, rng.uniform(0, 0.01)]) if busy else 0.0)
    return sends


@pytest.mark.parametrize(
    ("limit", "consumers", "burst"),
    [(20, 2, None), (100, 2, None), (400, 2, None), (400, 2, 1), (1000, 2, 10), (50, 5, None), (9, 4, None)],
)
@pytest.mark.parametrize("seed", range(3))
def test_the_limit_holds_across_consumers_and_hand_overs(
    limit: int, consumers: int, burst: int | None, seed: int
) -> None:
    sends = simulate(limit, consumers, seed, burst=burst)
    assert most_in_any_second(sends) <= limit
    # Arrivals may move by JITTER_S each way: still within the limit over a second of arrivals.
    rng = random.Random(seed)
    assert most_in_any_second([t + rng.uniform(-JITTER_S, JITTER_S) for t in sends]) <= limit
    # ... and the share is used: calls back to back get at least 85 % of what the slots allow
    # (an invocation gives up the rest of the slot it started in).
    flat_out = simulate(limit, consumers, seed, busy=False, burst=burst)
    assert most_in_any_second(flat_out) <= limit
    b = burst or burst_for(limit, consumers)
    assert len(flat_out) / 20.0 >= 0.85 * consumers * b / slot_seconds(limit, consumers, b)


@pytest.mark.parametrize(
    ("limit", "consumers", "burst"),
    [(20, 2, 1), (39, 2, 1), (40, 2, 1), (100, 2, 2), (200, 2, 5), (400, 2, 10), (4000, 2, 10)],
)
def test_a_burst_is_a_batch_at_most_and_costs_at_most_a_tenth_of_the_share(
    limit: int, consumers: int, burst: int
) -> None:
    assert burst_for(limit, consumers) == burst
    share = limit / consumers
    assert ceiling_per_second(limit, consumers) >= consumers * (0.9 * share - 2) / (1 + 2 * JITTER_S)


def test_a_limit_too_small_to_share_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot be shared"):
        slot_seconds(4, 2)


@pytest.mark.parametrize(("limit", "per_slot"), [(40, 1), (200, 5)])
def test_threads_of_one_environment_share_a_slot_up_to_the_burst(limit: int, per_slot: int) -> None:
    pacer = SlotPacer(limit, 2)  # 1 call per ~55 ms slot, or 5 per ~58 ms slot
    assert pacer.burst == per_slot
    pacer.begin()
    times: list[float] = []
    lock = threading.Lock()

    def call() -> None:
        pacer.wait_turn()
        with lock:
            times.append(time.time())

    threads = [threading.Thread(target=call) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    per_slot_seen = Counter(int(t // pacer.slot) for t in times)
    assert len(times) == 10 and max(per_slot_seen.values()) <= per_slot
    assert len(per_slot_seen) == 10 // per_slot  # no slot left with room while calls waited
