"""Report generation at 10,000 and 100,000 farmers: time, DynamoDB calls and items read.

The monthly report (`ReportDesk.compute`) reads counters only: one Query per kecamatan for
its population deltas and one per month of the 12-month trend for the counters. Its reads should
not grow with the number of farmers. This benchmark fills a moto table with 24 months of
history for N farmers and measures `compute(period)` at N = 10,000 and N = 100,000.

How the table is filled, fast but as the write paths would have left it:
- Templates: one farmer is registered through the register handler and pays through the pay
  handler (`tests.support.stack.FunctionInvoker`). The FARMER and PAYMENT items they wrote are the
  templates: every synthetic item has exactly their attributes, with its own values.
- Each synthetic farmer lives month by month: registered in some month, confirmed (or, 1 in 100,
  rejected) by BPJS, then paying every month, at each harvest (what is owed and two months
  ahead) or six months at a time, as the quote plans it (arrears first, nothing once lapsed);
  some stop paying, some never pay. Every write's population delta is
  `sutasoma.domain.population.population_delta(before, after)` in the month of that write, and its
  counters are the ones the transaction adds (registration: KEC new_registrations, AGENT
  registrations; payment: KEC contributions_collected / payments / contribution_months, AGENT
  collections_amount / payments), amounts from `sutasoma.domain.tariff.contribution_for`.
- Counters are summed per item before writing (one `ADD` per counter item, built by
  `DomainStore.counter_update`: the same end state as one ADD per write).
- Items: the first 2,500 FARMER items go through `batch_write_item` (timed); the rest are put
  into moto's table the way moto's own BatchWriteItem handler puts each PutRequest
  (`DynamoDBBackend.put_item`), without the HTTP round trip and without moto's 400 KB check
  (it measures the whole item again at every attribute: ~1 ms per item; every item here is
  checked to be far below the limit first). 100,000 items over HTTP would take minutes here.
- The 100,000-farmer table is the 10,000-farmer one plus 90,000 farmers. The first 10,000 also get
  their PAYMENT items, so that the reconcile job (a recount from the records by parallel scan,
  bench `reconcile_job`) can check the whole fill: it must find no difference. The extra 90,000 get
  FARMER items and counters, not PAYMENT items (the report never reads payments; their counters
  are written): at 100,000 the job finds the payment figures of the added months different, and
  nothing else.
  The registration's NIK claim, the outbox entries and the audit records are not written:
  nothing here reads them.

Reads are counted by a botocore `after-call` hook on the store's client: calls by operation,
and items read (Query `Count` and `ScannedCount`, GetItem hits, Scan `ScannedCount`).

moto is not DynamoDB, in three ways that would swamp what is measured; the benchmark works
around them and checks that nothing else changes:
- Query: moto sorts the whole table and keeps the partition (`Table.all_items`), O(table) per
  Query where DynamoDB reads the partition. The local stack's moto serves a Query from its
  partition (local/aws/moto_reads.py: same items, same order). At 10,000 farmers the report is
  also computed once with moto as shipped (`moto_as_shipped`): the two reports must be identical,
  and both times are printed.
- Responses: moto serializes a response by walking it against botocore's output shape (~5 ms
  per item). Query and Scan results are already DynamoDB JSON, so they are sent as `json.dumps`
  of it; the first response of each operation is also serialized by moto and compared.
- Scan: moto sorts the whole table again for every page; during reconcile (nothing writes)
  each table is sorted once.

The issue's bound: report time at 100,000 at most 1.5 x the time at 10,000. Printed as PASS/FAIL
for information; the benchmark itself never fails on time.

    python -m bench.report_scale [--sizes 10000 100000] [--runs 5]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.moto_fast import PlainJsonResponses
from local.aws.moto_reads import moto_as_shipped
from sutasoma.adapters.directory import NoDirectory
from sutasoma.adapters.dynamo import keys
from sutasoma.domain.counters import Count

ROOT = Path(__file__).resolve().parent.parent
SIZES = (10_000, 100_000)
RUNS = 5
MONTHS = 24
PERIOD = "2026-10"  # the month reported on: the history is 2024-11 .. 2026-10
BOUND = 1.5
# The reconcile's workers at once: the template's ReconcileSegments (MaximumConcurrency of its queue).
WORKERS = 8
API_SAMPLE = 2_500  # FARMER items written through batch_write_item (timed)
AGENTS_PER_KECAMATAN = 3
WITA = ZoneInfo("Asia/Makassar")


# ---------------------------------------------------------------------------------- reads


@dataclass
class Reads:
    calls: Counter[str] = field(default_factory=Counter)
    items: int = 0  # items the calls read (Query/Scan ScannedCount, GetItem hits)
    returned: int = 0  # items they returned (Count): the same here, no filter is used


class ReadMeter:
    """Counts the calls and items read of one botocore client (after-call hook)."""

    def __init__(self, client: Any) -> None:
        self._lock = threading.Lock()
        self.current = Reads()
        client.meta.events.register("after-call.dynamodb.*", self.on_call)

    def reset(self) -> Reads:
        with self._lock:
            done, self.current = self.current, Reads()
        return done

    def on_call(self, event_name: str, parsed: dict[str, Any], **kwargs: Any) -> None:
        operation = event_name.rsplit(".", 1)[-1]
        with self._lock:
            self.current.calls[operation] += 1
            if operation in ("Query", "Scan"):
                # ScannedCount: items the call read (before any filter); Count: items returned.
                self.current.items += int(parsed.get("ScannedCount", parsed.get("Count", 0)))
                self.current.returned += int(parsed.get("Count", 0))
            elif operation == "GetItem" and "Item" in parsed:
                self.current.items += 1
                self.current.returned += 1


# ---------------------------------------------------------------------------------- moto


ITEM_SIZE_LIMIT = 400_000  # DynamoDB's, which moto checks as it builds an item


@contextlib.contextmanager
def unmeasured_items() -> Iterator[None]:
    """moto checks the 400 KB item limit by measuring the whole item again at every attribute it
    adds (quadratic: ~1 ms per FARMER item). While filling, items whose DynamoDB JSON is far below
    the limit (checked by the caller) skip that check: the same items are stored."""
    from moto.dynamodb.models.dynamo_type import LimitedSizeDict

    original = LimitedSizeDict.__setitem__
    LimitedSizeDict.__setitem__ = dict.__setitem__  # type: ignore[method-assign]
    try:
        yield
    finally:
        LimitedSizeDict.__setitem__ = original  # type: ignore[method-assign]


@contextlib.contextmanager
def sorted_once() -> Iterator[None]:
    """moto sorts the whole table again for every Scan page (`Table.all_items`). Nothing writes
    while reconcile scans, so each table is sorted once (the same items in the same order)."""
    from moto.dynamodb.models.table import Table

    original = Table.all_items
    done: dict[int, list[Any]] = {}

    def all_items(self: Any) -> list[Any]:
        if id(self) not in done:
            done[id(self)] = original(self)
        return done[id(self)]

    Table.all_items = all_items  # type: ignore[method-assign]
    try:
        yield
    finally:
        Table.all_items = original  # type: ignore[method-assign]


def moto_table(table_name: str) -> Any:
    from moto.backends import get_backend

    from local.template.specs import ACCOUNT_ID, REGION

    return get_backend("dynamodb")[ACCOUNT_ID][REGION], table_name


# ---------------------------------------------------------------------------------- history


def _stamps(period: str, rng: random.Random, count: int = 64) -> list[str]:
    """`count` working-hours moments of `period` (WITA), as the services stamp them (UTC, Z)."""
    stamps = []
    for _ in range(count):
        day = datetime(int(period[:4]), int(period[5:7]), rng.randint(1, 28), tzinfo=WITA)
        moment = day + timedelta(minutes=rng.randint(8 * 60, 16 * 60))
        stamps.append(moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"))
    return stamps


@dataclass
class History:
    farmers: list[dict[str, Any]] = field(default_factory=list)
    payments: list[dict[str, Any]] = field(default_factory=list)
    # (month, kecamatan) -> summed population deltas; (month, scope) -> summed counters.
    population: dict[tuple[str, str], Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    counters: dict[tuple[str, str, str | None], Counter[str]] = field(
        default_factory=lambda: defaultdict(Counter)
    )


# How farmers pay (shares in %): every month they owe (monthly), at each harvest for what they
# owe and two months ahead (quarterly), six months at a time (ahead), monthly for a while and
# then never again (stopper: arrears, then lapsed), or never.
PROFILES = {"monthly": 30, "quarterly": 35, "ahead": 12, "stopper": 13, "never": 10}
_EXTRA_MONTHS = {"monthly": 0, "stopper": 0, "quarterly": 2, "ahead": 5}
_KECAMATAN_WEIGHTS = (14, 10, 13, 15, 9, 12, 11, 16)


class Generator:
    """Synthetic farmers from the templates, living month by month by the domain's rules."""

    def __init__(self, farmer_template: dict[str, Any], payment_template: dict[str, Any]) -> None:
        from sutasoma.domain.nik import compose_nik
        from sutasoma.domain.periods import add_months
        from sutasoma.domain.places import kecamatan_codes, places
        from sutasoma.domain.population import population_delta
        from sutasoma.domain.privacy import mask_nik
        from sutasoma.domain.tariff import contribution_for

        self.farmer_template = {
            k: v
            for k, v in farmer_template.items()
            if k not in ("paid_through", "coverage_start", "kpj_number", "confirmed_at")
        }
        self.payment_template = payment_template
        self.mask_nik = mask_nik
        self.compose_nik = compose_nik
        self.population_delta = population_delta
        self.contribution_for = contribution_for
        self.kecamatan = kecamatan_codes()
        self.villages = {k: [v.code for v in places().kecamatan[k].villages] for k in self.kecamatan}
        # Months by index, 0 = the oldest of the history; paying ahead reaches past the last.
        self.months = [add_months(PERIOD, i - (MONTHS - 1)) for i in range(MONTHS + 12)]
        self.prices: dict[tuple[int, int], tuple[int, int, int]] = {}
        self.rng = random.Random("report-scale")
        self.stamps = [_stamps(month, self.rng) for month in self.months[:MONTHS]]

    def line(self, index: int, income: int) -> tuple[int, int, int]:
        """JKK, JKM and amount of month `index` at `income`, from the tariff schedule."""
        key = (index, income)
        if key not in self.prices:
            line = self.contribution_for(self.months[index], income)
            self.prices[key] = (line.jkk, line.jkm, line.amount)
        return self.prices[key]

    def farmer(self, n: int, history: History, with_payments: bool) -> None:
        rng = self.rng
        months = self.months
        delta = self.population_delta
        kecamatan = self.kecamatan[rng.choices(range(8), weights=_KECAMATAN_WEIGHTS)[0]]
        pop = history.population
        agent = f"agen.{kecamatan[-2:]}.{rng.randrange(AGENTS_PER_KECAMATAN)}"
        kec_scope, agent_scope, counters = (kecamatan, None), (kecamatan, agent), history.counters
        registered = min(int(rng.triangular(0, MONTHS, MONTHS * 0.7)), MONTHS - 1)
        registered_at = self.stamps[registered][rng.randrange(64)]
        farmer_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        birth_day, birth_month, birth_year = (
            rng.randint(1, 28),
            rng.randint(1, 12),
            1900 + rng.randint(60, 99),
        )
        birth = date(birth_year, birth_month, birth_day)
        nik = self.compose_nik(kecamatan.replace(".", ""), birth, "M", n % 9998 + 1)
        income = rng.choice((1_000_000, 1_000_000, 1_500_000, 2_000_000, 3_000_000))
        village = rng.choice(self.villages[kecamatan])
        farmer = {
            **self.farmer_template,
            **keys.farmer(farmer_id),
            **keys.farmer_list_position(kecamatan, village, farmer_id),
            "farmer_id": farmer_id,
            "nik": nik,
            "nik_masked": self.mask_nik(nik),
            "kecamatan_code": kecamatan,
            "village_code": village,
            "monthly_income": income,
            "registration_status": "PENDING",
            "registered_by": agent,
            "registered_at": registered_at,
            "consent_at": registered_at,
            "updated_at": registered_at,
            "version": 1,
        }
        history.farmers.append(farmer)
        # What population_delta reads of a farmer: status, paid-through month, income, and the
        # month they could start paying from (a never-payer's bucket).
        month = months[registered]
        state: dict[str, Any] = {
            "registration_status": "PENDING",
            "paid_through": None,
            "monthly_income": income,
            "since": month,
        }
        # Registration: its population delta and counters, in the month it happened.
        pop[(month, kecamatan)].update(delta(None, state))
        counters[(month, *kec_scope)]["new_registrations"] += 1
        counters[(month, *agent_scope)]["registrations"] += 1
        # BPJS's answer: confirmed (no population change) or, 1 in 100, rejected (out of the counts).
        if rng.random() < 0.01:
            after = {**state, "registration_status": "REJECTED"}
            pop[(month, kecamatan)].update(delta(state, after))
            farmer.update(registration_status="REJECTED", version=2)
            return
        state["registration_status"] = "CONFIRMED"
        farmer.update(
            registration_status="CONFIRMED",
            kpj_number=f"{rng.randrange(10**10, 10**11)}",
            confirmed_at=registered_at,
            version=2,
        )
        profile = rng.choices(list(PROFILES), weights=list(PROFILES.values()))[0]
        if profile == "never":
            return
        last = registered + rng.randint(0, 5) if profile == "stopper" else MONTHS - 1
        discipline = rng.uniform(0.6, 0.98)
        paid: int | None = None  # index of the paid-through month
        for index in range(registered, min(last, MONTHS - 1) + 1):
            unpaid = 1 if paid is None else index - paid
            if unpaid > 3:
                break  # lapsed: a payment is refused until the farmer is reactivated
            if unpaid <= 0:
                continue  # paid ahead
            if profile == "quarterly" and (index - registered) % 3 and unpaid < 3:
                continue  # waits for the harvest (or pays before lapsing)
            if rng.random() > discipline:
                continue
            # As the quote plans it: arrears first (a first payment starts with this month).
            first = index if paid is None else paid + 1
            count = min(unpaid + _EXTRA_MONTHS[profile], 12)
            periods = list(range(first, first + count))
            lines = [self.line(i, income) for i in periods]
            amount = sum(line[2] for line in lines)
            month = months[index]
            paid_at = self.stamps[index][rng.randrange(64)]
            after = {**state, "paid_through": months[periods[-1]]}
            pop[(month, kecamatan)].update(delta(state, after))
            state = after
            collected = counters[(month, *kec_scope)]
            collected["contributions_collected"] += amount
            collected["payments"] += 1
            collected["contribution_months"] += count
            for i, line in zip(periods, lines, strict=True):  # what months paid on time received
                if i < index:
                    continue  # paid late: owed at its end, counted so (app/payments.py)
                for_month = counters[(months[i], *kec_scope)]
                for_month["paid_for_month"] += line[2]
                for_month["paid_for_month_members"] += 1
            by_agent = counters[(month, *agent_scope)]
            by_agent["collections_amount"] += amount
            by_agent["payments"] += 1
            if paid is None:
                farmer["coverage_start"] = months[first]
            paid = periods[-1]
            farmer.update(paid_through=months[paid], updated_at=paid_at, version=farmer["version"] + 1)
            if with_payments:
                payment_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                history.payments.append(
                    {
                        **self.payment_template,
                        **keys.payment(farmer_id, payment_id),
                        "payment_id": payment_id,
                        "receipt_number": f"BPP{kecamatan[-2:]}-{month[:4]}-{len(history.payments) + 1:06d}",
                        "farmer_id": farmer_id,
                        "kecamatan_code": kecamatan,
                        "periods": [months[i] for i in periods],
                        "lines": [
                            {"period": months[i], "jkk": jkk, "jkm": jkm, "amount": total, "income": income}
                            for i, (jkk, jkm, total) in zip(periods, lines, strict=True)
                        ],
                        "amount": amount,
                        "paid_at": paid_at,
                        "recorded_at": paid_at,
                        "collected_by": agent,
                        "coverage_after": {"state": "ACTIVE", "paid_through": months[paid]},
                        "bpjs_status": "POSTED",
                    }
                )


# ---------------------------------------------------------------------------------- the stack


@dataclass
class Filled:
    farmers: int = 0
    payment_items: int = 0
    counter_updates: int = 0
    api_items: int = 0
    api_seconds: float = 0.0
    seconds: float = 0.0


class Bench:
    def __init__(self) -> None:
        from local.aws.moto_patches import item_level_moto_transactions

        item_level_moto_transactions()  # before start_stack: its lock wraps this (as in the tests)
        from tests.support.stack import start_stack

        self.server, self.stack = start_stack()
        self.table = self.stack.ref("DomainTable")
        self.client = self.stack.clients("dynamodb")
        self.meter = ReadMeter(self.client)
        from sutasoma.adapters.dynamo.scan import TableScanner
        from sutasoma.runtime.wiring import storage_on

        self.storage = storage_on(self.stack.table())
        self.scanner = TableScanner(self.stack.table())
        self.backend, _ = moto_table(self.table)

    def close(self) -> None:
        self.server.stop()

    # ------------------------------------------------------------------ templates
    def templates(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """One farmer registered and paid through the handlers: the items they wrote."""
        from tests.support.events import claims_for, http_event
        from tests.support.farmers import farmer_body
        from tests.support.stack import FunctionInvoker

        claims = claims_for("agent", "73.12.04", username="agen.04.0")
        register = FunctionInvoker(self.stack, "RegisterFunction")
        from sutasoma.runtime.observability import logger

        logger.setLevel(logging.WARNING)
        with contextlib.redirect_stdout(io.StringIO()):
            created = register(http_event("POST", "/farmers", body=farmer_body(), claims=claims))
            assert created.status == 201, created.body
            farmer_id = created.body["farmer_id"]
            pay = FunctionInvoker(self.stack, "PayFunction")
            quote = pay(
                http_event(
                    "GET", "/farmers/{farmer_id}/payments/quote", path_params={"farmer_id": farmer_id},
                    query={"months": "1"}, claims=claims,
                )
            )  # fmt: skip
            paid = pay(
                http_event(
                    "POST", "/farmers/{farmer_id}/payments", path_params={"farmer_id": farmer_id},
                    body={"months": 1, "amount": quote.body["amount"], "first_period": quote.body["first_period"]},
                    claims=claims,
                    headers={"Idempotency-Key": str(uuid.uuid4())},
                )
            )  # fmt: skip
            assert paid.status == 201, paid.body
        farmer = self.stack.item(keys.farmer(farmer_id))
        payment = self.stack.item(keys.payment(farmer_id, paid.body["payment_id"]))
        assert farmer is not None and payment is not None
        return farmer, payment

    # ------------------------------------------------------------------ fill
    def fill(self, history: History, api_sample: int) -> Filled:
        from sutasoma.adapters.dynamo.codec import to_dynamo
        from sutasoma.adapters.dynamo.unit_of_work import count_update
        from sutasoma.domain.counters import CounterIncrement, PopulationDelta

        started = time.perf_counter()
        filled = Filled(farmers=len(history.farmers), payment_items=len(history.payments))
        items = [to_dynamo(item) for item in [*history.farmers, *history.payments]]
        sample, rest = items[:api_sample], items[api_sample:]
        t = time.perf_counter()
        for first in range(0, len(sample), 25):
            request = {self.table: [{"PutRequest": {"Item": item}} for item in sample[first : first + 25]]}
            while request:
                request = self.client.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
        filled.api_items, filled.api_seconds = len(sample), time.perf_counter() - t
        largest = max((len(json.dumps(item)) for item in rest), default=0)
        if largest * 10 > ITEM_SIZE_LIMIT:
            raise RuntimeError(f"an item of {largest} bytes: too close to the limit to skip moto's check")
        with unmeasured_items():
            for item in rest:
                self.backend.put_item(self.table, item)  # what moto's BatchWriteItem does per PutRequest
        # One ADD per counter item, of the sums: the state one ADD per write would leave.
        updates: list[Count] = [
            PopulationDelta(kecamatan, month, {k: v for k, v in amounts.items() if v})
            for (month, kecamatan), amounts in history.population.items()
        ]
        updates += [
            CounterIncrement(month, kecamatan, {k: v for k, v in amounts.items() if v}, agent)
            for (month, kecamatan, agent), amounts in history.counters.items()
        ]
        for increment in updates:
            if increment.amounts:
                self.client.update_item(**count_update(self.table, increment))
                filled.counter_updates += 1
        filled.seconds = time.perf_counter() - started
        return filled

    # ------------------------------------------------------------------ measure
    def compute(self, runs: int) -> tuple[list[float], Reads, Any]:
        from sutasoma.app.reports import ReportDesk

        service = ReportDesk(self.storage.counters, self.storage.reports, None, NoDirectory(), 0.075, {})  # type: ignore[arg-type]
        now = datetime(2026, 11, 5, tzinfo=UTC)
        times = []
        reads = Reads()
        report = None
        for _ in range(runs):
            self.meter.reset()
            started = time.perf_counter()
            report = service.compute(PERIOD, now)
            times.append(time.perf_counter() - started)
            reads = self.meter.reset()
        return times, reads, report

    def reconcile_job(self, workers: int) -> JobRun:
        """The reconcile as deployed: POST through the handler (202), the segment tasks read from
        ReconcileQueue by `workers` threads playing the event source (as its MaximumConcurrency
        would), GET until the job is DONE. Every read and write is counted."""
        from sutasoma.adapters.dynamo.reconcile_jobs import ReconcileJobRepository
        from sutasoma.adapters.dynamo.scan import TableScanner
        from sutasoma.adapters.queue import ReconcileTasks
        from sutasoma.app.reconcile_jobs import ReconcileJobs, SegmentTask
        from tests.support.events import claims_for, http_event
        from tests.support.stack import FunctionInvoker

        fn = FunctionInvoker(self.stack, "ReconcileFunction")
        admin = claims_for("admin", username="admin.bench")
        queue_url = self.stack.ref("ReconcileQueue")
        sqs = self.stack.clients("sqs")
        table = self.stack.table()
        segments = int(self.stack.functions["ReconcileFunction"].environment["RECONCILE_SEGMENTS"])
        jobs = ReconcileJobs(
            ReconcileJobRepository(table), ReconcileTasks(queue_url, sqs), TableScanner(table), segments
        )
        self.meter.reset()
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            asked = fn(
                http_event(
                    "POST", "/reports/{period}/reconcile", path_params={"period": PERIOD}, claims=admin
                )
            )
        post_ms = (time.perf_counter() - started) * 1000
        assert asked.status == 202, asked.body
        job_id = asked.body["job_id"]
        pieces: list[int] = []

        def worker() -> None:  # one concurrency slot of the event source: a batch of 1 at a time
            while True:
                got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=1, WaitTimeSeconds=0)
                messages = got.get("Messages", [])
                if not messages:
                    if jobs.store.get(job_id).status.value in ("DONE", "FAILED"):  # type: ignore[union-attr]
                        return
                    time.sleep(0.05)
                    continue
                task = SegmentTask.from_json(json.loads(messages[0]["Body"]))
                jobs.work(task, lambda: 300_000)  # a worker's whole timeout ahead
                pieces.append(task.segment)
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=messages[0]["ReceiptHandle"])

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=3600)
        seconds = time.perf_counter() - started
        reads = self.meter.reset()
        t = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            done = fn(
                http_event(
                    "GET", "/reports/{period}/reconcile/{job_id}", path_params={"period": PERIOD, "job_id": job_id},
                    claims=admin,
                )
            )  # fmt: skip
        get_ms = (time.perf_counter() - t) * 1000
        assert done.status == 200, done.body
        return JobRun(done.body, seconds, post_ms, get_ms, reads, len(pieces), workers)


@dataclass
class JobRun:
    job: dict[str, Any]
    seconds: float  # POST to DONE
    post_ms: float
    get_ms: float
    reads: Reads
    pieces: int
    workers: int


# ---------------------------------------------------------------------------------- report


@dataclass
class Size:
    farmers: int
    filled: Filled
    times: list[float]
    reads: Reads
    registered: int
    shipped_time: float | None = None
    shipped_same: bool | None = None
    job: JobRun | None = None


def _ops(calls: Counter[str]) -> str:
    return ", ".join(f"{op} {n}" for op, n in sorted(calls.items()))


def report(sizes: list[Size], total: float) -> str:
    lines = [
        f"Report generation by scale: ReportDesk.compute({PERIOD!r}), {MONTHS} months of history,"
        f" median of {len(sizes[0].times)} runs",
        "",
        f"  {'farmers':>9} | {'median':>8} | {'min':>7} | {'max':>7} | calls | items read | table fill",
    ]
    for size in sizes:
        f = size.filled
        lines.append(
            f"  {size.farmers:>9,} | {statistics.median(size.times) * 1000:6.0f} ms | "
            f"{min(size.times) * 1000:4.0f} ms | {max(size.times) * 1000:4.0f} ms | "
            f"{sum(size.reads.calls.values()):5} | {size.reads.items:10} | "
            f"+{f.farmers:,} farmers, {f.payment_items:,} payments, {f.counter_updates} counter items in {f.seconds:.0f}s"
        )
    lines.append("")
    for size in sizes:
        lines.append(
            f"  {size.farmers:,}: {_ops(size.reads.calls)}; items returned {size.reads.returned};"
            f" report shows {size.registered:,} registered at the end of {PERIOD}"
        )
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        ratio = statistics.median(large.times) / statistics.median(small.times)
        verdict = "PASS" if ratio <= BOUND else "FAIL"
        lines.append(
            f"  time {large.farmers:,} / {small.farmers:,}: {ratio:.2f}x  (bound {BOUND}x: {verdict}, for"
            f" information); items read {large.reads.items} / {small.reads.items}"
            f" = {large.reads.items / max(small.reads.items, 1):.2f}x"
        )
    first = sizes[0]
    if first.shipped_time is not None:
        lines.append(
            f"  moto as shipped (every Query sorts the whole table) at {first.farmers:,}: "
            f"{first.shipped_time * 1000:.0f} ms for one report; partition queries "
            f"{statistics.median(first.times) * 1000:.0f} ms; same report: {first.shipped_same}"
        )
    if first.filled.api_items:
        rate = first.filled.api_items / first.filled.api_seconds
        lines.append(
            f"  batch_write_item over HTTP: {first.filled.api_items:,} items in {first.filled.api_seconds:.1f}s"
            f" ({rate:.0f} items/s); the other items straight into moto's table"
        )
    lines.append("")
    lines.append(
        "  reconcile job (POST /reports/{period}/reconcile -> 202, the segments read by queued workers, "
        "GET -> DONE; moto serves one call at a time, so the segments share one CPU here)"
    )
    lines.append(
        f"  {'farmers':>9} | {'POST':>7} | {'to DONE':>8} | segments | pieces | items scanned | Scan calls | "
        f"differences | GET"
    )
    for size in sizes:
        run = size.job
        if run is None:
            continue
        job = run.job
        lines.append(
            f"  {size.farmers:>9,} | {run.post_ms:5.0f}ms | {run.seconds:7.1f}s | {job['segments']:>8} | "
            f"{run.pieces:>6} | {job['items_scanned']:>13,} | {run.reads.calls.get('Scan', 0):>10} | "
            f"{job['differences_total']:>11} | {run.get_ms:.0f}ms  ({job['status']}, {run.workers} workers)"
        )
    first, *added = [size for size in sizes if size.job is not None]
    lines.append(
        f"  at {first.farmers:,} the fill is what the write paths leave: differences "
        f"{first.job.job['differences_total'] if first.job else '-'} (must be 0)"
    )
    for size in added:
        paid = {"contributions_collected", "payments", "contribution_months"}
        found = size.job.job["differences"] if size.job else []
        only_payments = all(d["counter"] == "monthly" and d["figure"] in paid for d in found)
        lines.append(
            f"  at {size.farmers:,} the added farmers' PAYMENT items are not written (their counters are): "
            f"every difference is a payment figure: {only_payments}"
        )
    lines.append(f"  ({total:.0f}s)")
    return "\n".join(lines)


def measure(sizes: tuple[int, ...] = SIZES, runs: int = RUNS, workers: int = WORKERS) -> str:
    from sutasoma.app.reports import ReportDesk

    started = time.perf_counter()
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    bench = Bench()
    plain = PlainJsonResponses(frozenset({"Query", "Scan"}))
    try:
        generator = Generator(*bench.templates())
        results: list[Size] = []
        made = 0
        for target in sorted(sizes):
            first = made == 0
            history = History()
            for n in range(made, target):
                generator.farmer(n, history, with_payments=first)
            made = target
            size = Size(target, bench.fill(history, API_SAMPLE if first else 0), [], Reads(), 0)
            if first:  # once, with moto as shipped: the same report, and what moto's Query costs
                t = time.perf_counter()
                desk = ReportDesk(
                    bench.storage.counters,
                    bench.storage.reports,
                    None,  # type: ignore[arg-type]
                    NoDirectory(),
                    0.075,
                    {},
                )
                with moto_as_shipped():
                    shipped = desk.compute(PERIOD, datetime(2026, 11, 5, tzinfo=UTC))
                size.shipped_time = time.perf_counter() - t
            with plain.active():
                size.times, size.reads, computed = bench.compute(runs)
                if first:
                    size.shipped_same = computed.model_dump() == shipped.model_dump()
                with sorted_once():
                    size.job = bench.reconcile_job(workers)
            size.registered = computed.totals.registered
            results.append(size)
        text = report(results, time.perf_counter() - started)
        return text.replace("\n  (", f"\n  {plain.summary()}\n  (", 1)
    finally:
        bench.close()


def run(sizes: tuple[int, ...] = SIZES, runs: int = RUNS, workers: int = WORKERS) -> str:
    """`measure` in a fresh interpreter: moto's backends are per process."""
    command = [sys.executable, "-m", "bench.report_scale", "--runs", str(runs), "--sizes", *map(str, sizes)]
    command += ["--workers", str(workers)]
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False)
    text = done.stdout.rstrip()
    if done.returncode != 0:
        text += f"\n  the benchmark failed (exit {done.returncode}); its errors are above"
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report_scale", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="numbers of farmers")
    parser.add_argument("--runs", type=int, default=RUNS, help="report computations per size")
    parser.add_argument("--workers", type=int, default=WORKERS, help="reconcile workers at once (threads)")
    args = parser.parse_args(argv)
    print(measure(tuple(args.sizes), args.runs, args.workers), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
