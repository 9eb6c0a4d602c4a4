"""Queue throughput of the BPJS consumer: farmers registered, then the FIFO queue drained by
bpjs_sync against the BPJS simulator answering after a set latency (50 ms by default).

The template's resources live in an embedded moto server (tests.support.stack), in this process;
the BPJS simulator runs in a process of its own (`python -m local.bpjs`, as `make run` starts it:
BPJS is another host, and in this process it would share moto's GIL). N farmers are registered
through the register handler (each registration writes the farmer and its outbox entry and sends
one PARTICIPANT_REGISTRATION message). Then the queue is drained the way Lambda's SQS event
source does it: receive up to 10 messages -> one handler invocation with the SQS event
(local.pollers.sqs.build_sqs_event) -> DeleteMessageBatch of what `settle` says is done. As
Lambda's pollers do, the next batch is received while an invocation runs and a batch is deleted
after it, on threads of their own (`_EventSource`; `--inline-source`: one after another).

Each concurrent "execution environment" is its own child interpreter (`python -m
bench.queue_throughput --worker`): it imports functions/bpjs_sync/app.py like the Lambda runtime
and runs one poller loop. Not threads: in one interpreter the handlers would share the module-level
SqsFifoPartialProcessor, `sutasoma.runtime.wiring`'s services and os.environ (FunctionInvoker switches
it per call), which two concurrent invocations cannot. moto stays in this process and the
simulator in its own, shared by the children as DynamoDB, SQS and BPJS are.

Inside a child, botocore `before-call` hooks count every AWS call (split into the handler's own
calls and the event source's ReceiveMessage/DeleteMessageBatch), `before-call`/`after-call` time
them, and httpx's `Client.send` is timed for the BPJS calls. The children start, import and report
ready before the clock starts; each one's first batch is cold (clients, secret, connection).

Each scenario starts from an empty table (the stack is reset) and a fresh simulator. moto's
TransactWriteItems is patched in this process to back up the items a transaction touches instead
of deep-copying the whole table (`item_level_transaction_backup`): unpatched it costs ~100 ms per
transaction at 200 farmers and would be most of what is measured. moto's per-request work that
DynamoDB would not do on our CPU (answers serialized shape by shape, expressions parsed and
checked again for every item) is cut by bench/moto_fast.py, every answer unchanged; the report
gives each side's CPU per message during the drain.

At the end every registered farmer is read back: the run is only worth its figures if all of them
are CONFIRMED, BPJS registered each NIK once, and the queue and its DLQ are empty.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FUNCTION_ID = "BpjsSyncFunction"
# Messages per scenario: 20 batches per instance, so that each instance's first (cold) batch, ~2.5×
# a warm one, is a small part of the drain (with 200 it was ~15 % of it).
DEFAULT_FARMERS = 400
DEFAULT_LATENCY_MS = 50
# BPJS's limit in the first scenario: far enough above 150 msg/s that the consumer, not the limit,
# is what is measured (the template's default limit is the second scenario's).
DEFAULT_RATE_LIMIT = 400
REGION = "ap-southeast-3"


# ============================================================================== the child
# One execution environment of bpjs_sync plus its share of the event source's polling.


class _Context:
    """The attributes of Lambda's context object that Powertools reads."""

    def __init__(self, function_name: str, memory_mb: int, timeout_s: int, request_id: str) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:{function_name}"
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "bench"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class _Meter:
    """AWS calls by phase and operation (botocore events) and time spent in AWS and BPJS calls.
    The handler runs a batch's farmers in threads: times are summed over calls (so over threads),
    each call timed on its own thread."""

    def __init__(self) -> None:
        self.calls: dict[str, Counter[str]] = {"handler": Counter(), "source": Counter()}
        self.sends: Counter[str] = Counter()
        self.aws_s = 0.0
        self.aws_s_by_operation: defaultdict[str, float] = defaultdict(float)  # handler phase only
        self.bpjs_s = 0.0
        self.bpjs_calls = 0
        self._lock = threading.Lock()
        self._local = threading.local()

    @property
    def phase(self) -> str:
        """The event source's threads call `in_source` first; every other thread is the handler's."""
        return str(getattr(self._local, "phase", "handler"))

    def in_source(self) -> None:
        self._local.phase = "source"

    @contextlib.contextmanager
    def as_source(self) -> Iterator[None]:
        """The calls of this block are the event source's (the inline loop's receive and delete)."""
        self.in_source()
        try:
            yield
        finally:
            self._local.phase = "handler"

    def before_call(self, event_name: str, **kwargs: Any) -> None:
        operation = event_name.split(".", 2)[2]
        with self._lock:
            self.calls[self.phase][operation] += 1
        self._local.started = time.perf_counter()

    def after_call(self, event_name: str, **kwargs: Any) -> None:
        elapsed = time.perf_counter() - getattr(self._local, "started", time.perf_counter())
        if self.phase == "handler":
            with self._lock:
                self.aws_s += elapsed
                self.aws_s_by_operation[event_name.split(".", 2)[2]] += elapsed

    def before_send(self, event_name: str, **kwargs: Any) -> None:
        with self._lock:
            self.sends[event_name.split(".", 2)[2]] += 1

    def bpjs_call(self, seconds: float) -> None:
        with self._lock:
            self.bpjs_s += seconds
            self.bpjs_calls += 1


class _EventSource:
    """One concurrency slot's share of Lambda's SQS event source. Lambda's pollers are not the
    function: they receive the next batch while an invocation runs and delete a batch's messages
    after it returns, off the invocation's path (a poller serves up to 10 invocations at once).
    So here too, on threads of their own: the next batch is received while the handler runs (one
    ahead, no more), and deletes run behind it. With `inline` (`--inline-source`) the loop
    receives, invokes and deletes one after another instead, as the benchmark did before
    2026-12-07. SQS keeps a FIFO group's next message back while one of it is in flight, so
    receiving ahead never breaks a farmer's order."""

    def __init__(self, sqs: Any, meter: _Meter, config: dict[str, Any]) -> None:
        import queue

        self._sqs, self._meter, self._config = sqs, meter, config
        self.inline = bool(config.get("inline_source"))
        self._received: queue.Queue[tuple[float, list[dict[str, Any]]]] = queue.Queue()
        self._deletes: queue.Queue[tuple[dict[str, Any], list[str]] | None] = queue.Queue()
        self._may_receive = threading.Semaphore(1)
        self._threads = [] if self.inline else [
            threading.Thread(target=self._poll, daemon=True), threading.Thread(target=self._delete_behind, daemon=True)
        ]  # fmt: skip
        for thread in self._threads:
            thread.start()

    def _receive(self) -> tuple[float, list[dict[str, Any]]]:
        at = time.monotonic()
        messages = self._sqs.receive_message(
            QueueUrl=self._config["queue_url"],
            MaxNumberOfMessages=self._config["batch_size"],
            AttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
            WaitTimeSeconds=0,
        ).get("Messages", [])
        return at, messages

    def _delete_now(self, batch: dict[str, Any], handles: list[str]) -> None:
        if handles:
            self._sqs.delete_message_batch(
                QueueUrl=self._config["queue_url"],
                Entries=[{"Id": str(n), "ReceiptHandle": h} for n, h in enumerate(handles)],
            )
        batch["finished_at"] = time.monotonic()

    def _poll(self) -> None:
        self._meter.in_source()
        while True:
            self._may_receive.acquire()  # the batch before was taken by the handler
            at, messages = self._receive()
            self._received.put((at, messages))
            if not messages:
                return

    def _delete_behind(self) -> None:
        self._meter.in_source()
        while (work := self._deletes.get()) is not None:
            self._delete_now(*work)

    def next_batch(self) -> tuple[float, list[dict[str, Any]]]:
        if self.inline:
            with self._meter.as_source():
                return self._receive()
        taken = self._received.get()
        self._may_receive.release()  # receive the next one while this one runs
        return taken

    def delete(self, batch: dict[str, Any], handles: list[str]) -> None:
        if self.inline:
            with self._meter.as_source():
                self._delete_now(batch, handles)
        else:
            self._deletes.put((batch, handles))

    def close(self) -> None:
        """Every delete done (the drain's clock stops at the last one)."""
        self._deletes.put(None)
        for thread in self._threads:
            thread.join()


def _install_meter(meter: _Meter) -> None:
    import botocore.session
    import httpx

    create_client = botocore.session.Session.create_client

    def counted_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = create_client(self, *args, **kwargs)
        client.meta.events.register("before-call", meter.before_call)
        client.meta.events.register("after-call", meter.after_call)
        client.meta.events.register("after-call-error", meter.after_call)
        client.meta.events.register("before-send", meter.before_send)
        return client

    send = httpx.Client.send

    def timed_send(self: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return send(self, *args, **kwargs)
        finally:
            meter.bpjs_call(time.perf_counter() - started)

    botocore.session.Session.create_client = counted_client  # type: ignore[method-assign]
    httpx.Client.send = timed_send  # type: ignore[method-assign]


def worker() -> int:
    """Read the config (one JSON line on stdin), import the handler, say `ready`, wait for `go`,
    drain until a receive comes back empty, print the result (one JSON line)."""
    import uuid

    from local.loader import load_function
    from local.template.specs import FunctionSpec

    config = json.loads(sys.stdin.readline())
    # The function's logs go to a file (Lambda's go to CloudWatch); stdout is the protocol.
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    log_file = open(config["log_path"], "a", encoding="utf-8")  # noqa: SIM115 - lives as long as the child
    os.dup2(log_file.fileno(), 1)

    warnings.filterwarnings("ignore", message="No application metrics to publish")
    meter = _Meter()
    _install_meter(meter)
    spec = FunctionSpec.from_json(config["function"])
    # The handler module, loaded as the local stack loads it; its environment (with the bench's
    # overrides) is this whole process's already.
    handler = getattr(load_function(spec, environment={}), spec.handler_name)

    import boto3

    from local.pollers.sqs import build_sqs_event, settle

    sqs = boto3.client("sqs", region_name=REGION)  # the event source's own client
    queue_arn = config["queue_arn"]

    protocol.write("ready\n")
    if sys.stdin.readline().strip() != "go":
        return 1
    cpu_before = time.process_time()  # every thread of this process: handler, its threads, event source
    source = _EventSource(sqs, meter, config)
    batches: list[dict[str, Any]] = []
    op_types: Counter[str] = Counter()
    message_ids: list[str] = []
    while True:
        received_at, messages = source.next_batch()
        if not messages:
            break
        ids = [m["MessageId"] for m in messages]
        message_ids.extend(ids)
        op_types.update(str(json.loads(m["Body"]).get("op_type")) for m in messages)
        event = build_sqs_event(messages, queue_arn, REGION)
        context = _Context(spec.function_name, spec.memory_mb, spec.timeout_s, str(uuid.uuid4()))
        aws_before, bpjs_before = meter.aws_s, meter.bpjs_s
        started = time.monotonic()
        error = None
        try:
            result: Any = handler(event, context)
        except Exception as raised:  # Lambda: the whole batch comes back after its visibility timeout
            result, error = None, f"{type(raised).__name__}: {raised}"
        handled = time.monotonic()
        batch = {
            "size": len(messages),
            "handler_s": handled - started,
            "aws_s": meter.aws_s - aws_before,
            "bpjs_s": meter.bpjs_s - bpjs_before,
            "error": error,
            "received_at": received_at,
        }
        if error is None:
            settlement = settle(result, ids, config["report_batch_item_failures"])
            done = [m["ReceiptHandle"] for m in messages if m["MessageId"] in settlement.delete]
            batch["deleted"], batch["failed"] = len(done), len(settlement.failed)
        else:
            done = []
            batch["deleted"], batch["failed"] = 0, len(messages)
        source.delete(batch, done)
        batches.append(batch)
    source.close()
    result_line = {
        "finished_at": time.monotonic(),
        "cpu_s": time.process_time() - cpu_before,
        "batches": batches,
        "message_ids": message_ids,
        "op_types": dict(op_types),
        "calls": {phase: dict(c) for phase, c in meter.calls.items()},
        "sends": dict(meter.sends),
        "aws_s_by_operation": dict(meter.aws_s_by_operation),
        "bpjs_calls": meter.bpjs_calls,
    }
    protocol.write(json.dumps(result_line) + "\n")
    log_file.flush()
    return 0


# ============================================================================== the parent


@dataclass
class Scenario:
    label: str
    instances: int
    latency_ms: int
    rate_limit: int  # BPJS's limit, calls/s across the instances: BPJS_RATE_LIMIT and the simulator's
    inline_source: bool = False  # receive, invoke, delete one after another (`_EventSource`)


@dataclass
class Outcome:
    scenario: Scenario
    farmers: int
    register_s: float
    drain_s: float
    children: list[dict[str, Any]]
    confirmed: int
    statuses: Counter[str]
    bpjs_registrations: int
    bpjs_replays: int
    queue_depth: int
    dlq_depth: int
    rate: dict[str, Any] = field(default_factory=dict)  # the simulator's count: busiest second, 429s
    cpu: dict[str, float | None] = field(default_factory=dict)  # CPU seconds during the drain, by process
    problems: list[str] = field(default_factory=list)

    @property
    def batches(self) -> list[dict[str, Any]]:
        return [b for child in self.children for b in child["batches"]]

    @property
    def warm_batches(self) -> list[dict[str, Any]]:
        return [b for child in self.children for b in child["batches"][1:]]

    @property
    def delivered(self) -> int:
        return sum(b["deleted"] for b in self.batches)

    @property
    def throughput(self) -> float:
        return self.delivered / self.drain_s if self.drain_s else 0.0

    @property
    def ceiling(self) -> float:
        """Calls/s the instances' shares of the limit allow at most (sutasoma.adapters.pacer)."""
        from sutasoma.adapters.pacer import ceiling_per_second

        return ceiling_per_second(self.scenario.rate_limit, self.scenario.instances)

    def calls(self, phase: str) -> Counter[str]:
        total: Counter[str] = Counter()
        for child in self.children:
            total.update(child["calls"][phase])
        return total

    @property
    def ok(self) -> bool:
        return not self.problems


def item_level_transaction_backup() -> bool:
    """moto's transactions back up only the items they touch (local.aws.moto_patches does it for the local
    stack and the tests too); True once in force."""
    from local.aws.moto_patches import item_level_moto_transactions

    item_level_moto_transactions()
    return True


def _quiet() -> None:
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's access logs


def _child_environment(stack: Any) -> dict[str, str]:
    """The function's environment as the tests resolve it (fake credentials, moto endpoint,
    BPJS_BASE_URL = the simulator), on top of this process's environment without AWS/Lambda
    variables."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "POWERTOOLS_", "LAMBDA_", "_X_AMZN", "PYTHON"))
    }
    return {**base, **stack.env_for(FUNCTION_ID), "PYTHONUNBUFFERED": "1"}


def _register(stack: Any, count: int, year: int) -> tuple[list[str], float]:
    """`count` farmers through the register handler (POST /farmers, 201), NIKs unique per run."""
    from tests.support.events import claims_for, http_event
    from tests.support.farmers import farmer_body, make_nik
    from tests.support.stack import FunctionInvoker

    register = FunctionInvoker(stack, "RegisterFunction")
    # Only now: sutasoma.runtime.observability must first be imported with the function's environment
    # (Powertools reads the metrics namespace once; without one, its flush at the 100th value fails).
    from sutasoma.runtime.observability import logger

    logger.setLevel(logging.WARNING)  # the register handler's line per request, in this process
    claims = claims_for("agent", "73.12.04", username="agen.bench")
    ids = []
    started = time.perf_counter()
    for serial in range(1, count + 1):
        birth = date(year, 1 + serial % 12, 1 + serial % 28)
        body = farmer_body(birth=birth, sex="M", nik=make_nik(birth, "M", serial=serial))
        # With POWERTOOLS_METRICS_DISABLED Powertools never clears its metric set, and prints
        # it every 100 values: stdout here is the report.
        with contextlib.redirect_stdout(io.StringIO()):
            result = register(http_event("POST", "/farmers", body=body, claims=claims))
        if result.status != 201:
            raise RuntimeError(f"registration {serial}: {result.status} {result.body}")
        ids.append(result.body["farmer_id"])
    return ids, time.perf_counter() - started


def _depth(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def _statuses(stack: Any, farmer_ids: list[str]) -> tuple[int, Counter[str]]:
    """How many of these farmers are CONFIRMED with an 11-digit KPJ number, and all statuses."""
    from sutasoma.adapters.dynamo import keys

    dynamodb = stack.clients("dynamodb")
    table = stack.ref("DomainTable")
    statuses: Counter[str] = Counter()
    confirmed = 0
    for start in range(0, len(farmer_ids), 100):
        wanted = [{n: {"S": v} for n, v in keys.farmer(i).items()} for i in farmer_ids[start : start + 100]]
        pending: dict[str, Any] = {table: {"Keys": wanted, "ConsistentRead": True}}
        while pending:
            answer = dynamodb.batch_get_item(RequestItems=pending)
            for item in answer["Responses"].get(table, []):
                status = item.get("registration_status", {}).get("S", "?")
                kpj = item.get("kpj_number", {}).get("S", "")
                statuses[status] += 1
                confirmed += status == "CONFIRMED" and len(kpj) == 11 and kpj.isdigit()
            pending = answer.get("UnprocessedKeys") or {}
    statuses["(missing)"] = len(farmer_ids) - sum(statuses.values())
    return confirmed, +statuses


def _process_cpu_s(pid: int) -> float | None:
    """CPU seconds (user + system) a process has used so far, from /proc (Linux); None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _drain(
    stack: Any, instances: int, log_path: Path, simulator_pid: int, inline_source: bool
) -> tuple[float, list[dict[str, Any]], dict[str, float | None]]:
    """Start `instances` children, let them import and get ready, then start the clock. Also the
    CPU each side used during the drain: this process (moto), the consumers, the simulator."""
    from local.pollers.sqs import sqs_event_sources

    spec = stack.functions[FUNCTION_ID]
    (source,) = sqs_event_sources([spec])
    config = {
        "function": spec.to_json(),
        "queue_url": stack.ref("BpjsOutboundQueue"),
        "queue_arn": source.queue_arn,
        "batch_size": source.batch_size,
        "report_batch_item_failures": source.report_batch_item_failures,
        "log_path": str(log_path),
        "inline_source": inline_source,
    }
    env = _child_environment(stack)
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.queue_throughput", "--worker"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(instances)
    ]
    try:
        for child in children:
            assert child.stdin and child.stdout
            child.stdin.write(json.dumps(config) + "\n")
            child.stdin.flush()
        for child in children:
            assert child.stdout
            if child.stdout.readline().strip() != "ready":
                raise RuntimeError(f"a worker did not start; see {log_path}")
        # moto's process holds the stack and the registration's objects: a full garbage collection
        # of them (~200 ms, once per drain, at a point set by allocation counts) is the emulator's
        # cost, not DynamoDB's. Collected now and frozen out of later collections until the end.
        gc.collect()
        gc.freeze()
        started = time.monotonic()
        moto_cpu, simulator_cpu = time.process_time(), _process_cpu_s(simulator_pid)
        for child in children:
            assert child.stdin
            child.stdin.write("go\n")
            child.stdin.flush()
        results = []
        for child in children:
            assert child.stdout
            line = child.stdout.readline()
            if not line:
                raise RuntimeError(f"a worker died; see {log_path}")
            results.append(json.loads(line))
        moto_cpu = time.process_time() - moto_cpu
        simulator_after = _process_cpu_s(simulator_pid)
        for child in children:
            child.wait(timeout=30)
    finally:
        gc.unfreeze()
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
    cpu = {
        "moto": moto_cpu,
        "consumers": sum(r["cpu_s"] for r in results),
        "simulator": None
        if simulator_cpu is None or simulator_after is None
        else simulator_after - simulator_cpu,
    }
    return max(r["finished_at"] for r in results) - started, results, cpu


class SimulatorProcess:
    """The BPJS simulator in a process of its own (`python -m local.bpjs`, as `make run` starts it):
    BPJS is another host, so its CPU is not moto's (the two would otherwise share one GIL)."""

    def __init__(self, secrets: dict[str, str], state_path: Path) -> None:
        import httpx

        self._log = state_path.with_suffix(".log").open("w", encoding="utf-8")  # its line per request
        args = [sys.executable, "-m", "local.bpjs", "--port", "0", "--state-file", str(state_path),
                "--exit-with-parent"]  # fmt: skip
        env = {**os.environ, **secrets, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self._log, stderr=self._log)
        deadline = time.monotonic() + 20
        while not state_path.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the BPJS simulator did not start")
            time.sleep(0.05)
        self.url = str(json.loads(state_path.read_text(encoding="utf-8"))["url"])
        self._http = httpx.Client(base_url=self.url, timeout=10.0, trust_env=False)

    def configure(self, changes: dict[str, Any]) -> None:
        self._http.post("/_sim/config", json=changes).raise_for_status()

    def request_log(self) -> dict[str, Any]:
        answer = self._http.get("/_sim/requests")
        answer.raise_for_status()
        return dict(answer.json())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self._log.close()


def run_scenario(stack: Any, scenario: Scenario, farmers: int, year: int, log_path: Path) -> Outcome:
    # An empty table for each scenario: moto copies a whole table for every transaction, so its
    # cost grows with the table (real DynamoDB's does not); scenarios stay comparable.
    stack.reset()
    secrets = stack.clients("secretsmanager")
    credentials = json.loads(
        secrets.get_secret_value(SecretId=stack.ref("BpjsCredentialsSecret"))["SecretString"]
    )
    callback_secret = secrets.get_secret_value(SecretId=stack.ref("BpjsCallbackSecret"))["SecretString"]
    simulator = SimulatorProcess(
        {
            "BPJS_SIM_CONS_ID": credentials["cons_id"],
            "BPJS_SIM_SECRET_KEY": credentials["secret_key"],
            "BPJS_SIM_CALLBACK_SECRET": callback_secret,
        },
        log_path.with_suffix(".simulator.json"),
    )  # no callback URL: no callbacks in this run
    stack.env_overrides.update(
        BPJS_BASE_URL=simulator.url,
        BPJS_RATE_LIMIT=str(scenario.rate_limit),
        BPJS_MAX_CONCURRENCY=str(scenario.instances),
    )
    try:
        farmer_ids, register_s = _register(stack, farmers, year)
        sqs = stack.clients("sqs")
        queue_url, dlq_url = stack.ref("BpjsOutboundQueue"), stack.ref("BpjsOutboundDlq")
        queued = _depth(sqs, queue_url)
        simulator.configure({"latency_ms": scenario.latency_ms, "rate_limit": scenario.rate_limit})
        drain_s, children, cpu = _drain(
            stack, scenario.instances, log_path, simulator.process.pid, scenario.inline_source
        )
        confirmed, statuses = _statuses(stack, farmer_ids)
        requests = simulator.request_log()
        counts = requests["counts"]
        replays = sum(1 for r in requests["requests"] if r["replayed"])
        outcome = Outcome(
            scenario=scenario,
            farmers=farmers,
            register_s=register_s,
            drain_s=drain_s,
            children=children,
            confirmed=confirmed,
            statuses=statuses,
            bpjs_registrations=counts.get("POST /bpu/v1/participants 201", 0),
            bpjs_replays=replays,
            queue_depth=_depth(sqs, queue_url),
            dlq_depth=_depth(sqs, dlq_url),
            rate=requests["rate"],
            cpu=cpu,
        )
    finally:
        for name in ("BPJS_BASE_URL", "BPJS_RATE_LIMIT", "BPJS_MAX_CONCURRENCY"):
            stack.env_overrides.pop(name, None)
        simulator.stop()
    ids = [i for child in children for i in child["message_ids"]]
    registrations = sum(child["op_types"].get("PARTICIPANT_REGISTRATION", 0) for child in children)
    checks = [
        (queued == farmers, f"{queued} messages queued after {farmers} registrations"),
        (len(ids) == farmers, f"{len(ids)} deliveries for {farmers} messages"),
        (len(set(ids)) == len(ids), f"{len(ids) - len(set(ids))} messages delivered twice"),
        (registrations == farmers, f"{registrations} PARTICIPANT_REGISTRATION messages"),
        (outcome.delivered == farmers, f"{outcome.delivered} messages deleted as done"),
        (confirmed == farmers, f"{confirmed}/{farmers} farmers CONFIRMED ({dict(statuses)})"),
        (outcome.bpjs_registrations == farmers, f"BPJS registered {outcome.bpjs_registrations} participants"),
        (
            outcome.queue_depth == 0 and outcome.dlq_depth == 0,
            f"queue {outcome.queue_depth}, DLQ {outcome.dlq_depth}",
        ),
        (
            outcome.rate["max_in_any_second"] <= scenario.rate_limit and outcome.rate["refused"] == 0,
            f"BPJS's limit of {scenario.rate_limit}/s exceeded: {outcome.rate['max_in_any_second']} calls in "
            f"one second, {outcome.rate['refused']} answered 429",
        ),
    ]
    outcome.problems = [text for good, text in checks if not good]
    errors = [b["error"] for b in outcome.batches if b["error"]]
    outcome.problems += [f"a batch raised: {e}" for e in errors[:3]]
    return outcome


# ------------------------------------------------------------------------------ report


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _per_message(batches: list[dict[str, Any]], key: str) -> list[float]:
    return [b[key] / b["size"] for b in batches]


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.99 * len(ordered)) - 1))]


def _ops(calls: Counter[str], per: int) -> str:
    return ", ".join(f"{op} {n / per:.2f}" for op, n in sorted(calls.items())) or "-"


def _cpu(o: Outcome) -> str:
    """Each side's CPU per message, and how busy the machine's cores were while the queue drained."""
    known = {name: seconds for name, seconds in o.cpu.items() if seconds is not None}
    if not known or not o.drain_s:
        return "-"
    parts = ", ".join(f"{name} {_ms(seconds / o.farmers)} ms" for name, seconds in known.items())
    busy = sum(known.values()) / (o.drain_s * (os.cpu_count() or 1))
    return f"{parts}; {_ms(sum(known.values()) / o.farmers)} ms in all, the {os.cpu_count()} cores {busy:.0%} busy"


def report(outcomes: list[Outcome]) -> str:
    first = outcomes[0]
    width = max(30, *(len(o.scenario.label) for o in outcomes))
    lines = [
        f"BPJS queue throughput: {first.farmers} farmers registered, then the FIFO queue drained by "
        f"bpjs_sync (batches of 10, one invocation per batch, each instance its own interpreter; a batch's "
        f"farmers in threads, within each instance's share of BPJS's rate limit, their outcomes recorded "
        f"as they are decided, several per transaction)",
        f"  {'scenario':<{width}} {'msg/s':>6} {'limit':>6} {'ceiling':>7} {'busiest s':>9} {'429s':>4} "
        f"{'drain':>6} {'batches':>7} {'batch med':>9} {'p99':>6} {'cold batch':>11}",
        "  " + "-" * (width + 80),
    ]
    for o in outcomes:
        warm = [b["handler_s"] for b in o.warm_batches]
        median, p99 = (_ms(statistics.median(warm)), _ms(_p99(warm))) if warm else ("-", "-")
        cold = [child["batches"][0]["handler_s"] for child in o.children if child["batches"]]
        lines.append(
            f"  {o.scenario.label:<{width}} {o.throughput:>6.1f} {o.scenario.rate_limit:>6} {o.ceiling:>7.0f} "
            f"{o.rate.get('max_in_any_second', '-'):>9} {o.rate.get('refused', '-'):>4} {o.drain_s:>5.1f}s "
            f"{len(o.batches):>7} {median:>7}ms {p99:>4}ms {'/'.join(_ms(c) for c in cold):>9}ms"
        )
    lines.append(
        "  limit = BPJS_RATE_LIMIT and the simulator's rate_limit (calls/s); ceiling = what the instances' "
        "shares allow at most (sutasoma.adapters.pacer); busiest s = most requests the simulator received "
        "in any one second (sliding), 429s = requests it refused over the limit; batch = handler time of a "
        "warm batch (each instance's first is the cold column)"
    )
    lines.append("")
    lines.append("  where a warm batch's time goes (medians over warm batches; summed over its threads)")
    lines.append(
        f"  {'scenario':<{width}} {'batch':>7} {'msgs':>5} {'BPJS/call':>9} {'AWS/msg':>8} {'in flight':>9}"
    )
    for o in outcomes:
        warm_batches = o.warm_batches or o.batches
        batch_s = statistics.median(b["handler_s"] for b in warm_batches)
        size = statistics.median(b["size"] for b in warm_batches)
        bpjs_s = statistics.median(b["bpjs_s"] / b["size"] for b in warm_batches)
        aws_s = statistics.median(b["aws_s"] / b["size"] for b in warm_batches)
        # Work summed over the batch's threads / its wall time: how many messages were in flight.
        overlap = statistics.median((b["bpjs_s"] + b["aws_s"]) / b["handler_s"] for b in warm_batches)
        lines.append(
            f"  {o.scenario.label:<{width}} {_ms(batch_s):>5}ms {size:>5.0f} {_ms(bpjs_s):>7}ms "
            f"{_ms(aws_s):>6}ms {overlap:>9.1f}"
        )
    lines.append("  mean time per AWS call in the handler (all batches; moto on 127.0.0.1, not DynamoDB):")
    for o in outcomes:
        seconds: Counter[str] = Counter()
        for child in o.children:
            seconds.update(child["aws_s_by_operation"])
        calls = o.calls("handler")
        means = ", ".join(f"{op} {_ms(seconds[op] / calls[op])} ms" for op in sorted(seconds) if calls[op])
        lines.append(f"    {o.scenario.label}: {means}")
    lines.append("  CPU during the drain, per message (this machine's cores run all of it):")
    for o in outcomes:
        lines.append(f"    {o.scenario.label}: {_cpu(o)}")
    lines.append("")
    lines.append("  AWS calls per message (botocore before-call, summed over the instances)")
    for o in outcomes:
        handler, source = o.calls("handler"), o.calls("source")
        sends: Counter[str] = Counter()
        for child in o.children:
            sends.update(child["sends"])
        total = handler + source
        once = Counter({op: n for op, n in handler.items() if n <= o.scenario.instances})
        lines.append(
            f"  {o.scenario.label}: handler {sum((handler - once).values()) / o.farmers:.2f} "
            f"({_ops(handler - once, o.farmers)}) + per instance, cold: {_ops(once, o.scenario.instances)}; "
            f"event source {sum(source.values()) / o.farmers:.2f} ({_ops(source, o.farmers)})"
            + ("" if sends == total else f"  [HTTP attempts differ: {dict(sends - total)} retries]")
        )
        bpjs_calls = sum(child["bpjs_calls"] for child in o.children)
        lines.append(f"    BPJS HTTP calls {bpjs_calls} for {o.farmers} messages")
    lines.append("")
    lines.append(
        "  check (every farmer CONFIRMED, each NIK registered at BPJS once, every message delivered once, "
        "BPJS's limit never exceeded)"
    )
    for o in outcomes:
        verdict = "OK" if o.ok else "FAILED: " + "; ".join(o.problems)
        lines.append(
            f"  {o.scenario.label}: {o.confirmed}/{o.farmers} CONFIRMED, BPJS 201s {o.bpjs_registrations} "
            f"(replays {o.bpjs_replays}), queue {o.queue_depth}, DLQ {o.dlq_depth}, "
            f"{o.delivered} deleted, busiest second {o.rate.get('max_in_any_second')} <= {o.scenario.rate_limit}"
            f" -> {verdict}"
        )
    lines.append(
        "  registration (register handler in-process, before the clock): "
        + ", ".join(f"{o.farmers / o.register_s:.0f}/s" for o in outcomes)
    )
    return "\n".join(lines)


@dataclass
class Result:
    text: str
    ok: bool


def scenarios(
    latency_ms: int, instances: int, rate_limit: int, default_limit: int, inline_source: bool = False
) -> list[Scenario]:
    """At the default concurrency: a generous limit (what the consumer can do), the template's
    default limit (the limiter binding), and BPJS answering at once (what our side costs)."""
    chosen = [
        Scenario(
            f"{instances} instances, BPJS {latency_ms} ms, limit {rate_limit}/s",
            instances,
            latency_ms,
            rate_limit,
        )
    ]
    if default_limit != rate_limit:
        chosen.append(
            Scenario(
                f"{instances} instances, BPJS {latency_ms} ms, limit {default_limit}/s (default)",
                instances, latency_ms, default_limit,
            )
        )  # fmt: skip
    if latency_ms:
        chosen.append(
            Scenario(f"{instances} instances, BPJS 0 ms, limit {rate_limit}/s", instances, 0, rate_limit)
        )
    if inline_source:
        return [replace(s, label=f"{s.label}, source inline", inline_source=True) for s in chosen]
    return chosen


def measure(
    farmers: int = DEFAULT_FARMERS,
    latency_ms: int = DEFAULT_LATENCY_MS,
    instances: int | None = None,
    rate_limit: int = DEFAULT_RATE_LIMIT,
    inline_source: bool = False,
) -> Result:
    """Every scenario, moto in this process (the simulator and the consumers in children)."""
    started = time.perf_counter()
    patched = item_level_transaction_backup()  # before start_stack: its lock must wrap this
    from bench.moto_fast import PlainJsonRequests, PlainJsonResponses, faster_writes
    from local.pollers.sqs import sqs_event_sources
    from tests.support.stack import start_stack

    _quiet()
    plain, requests = PlainJsonResponses(), PlainJsonRequests()
    server, stack = start_stack()
    try:
        (source,) = sqs_event_sources([stack.functions[FUNCTION_ID]])
        concurrency = instances or source.maximum_concurrency  # the template's default: 2
        default_limit = int(float(stack.functions[FUNCTION_ID].environment["BPJS_RATE_LIMIT"]))
        outcomes = []
        with (
            tempfile.TemporaryDirectory(prefix="bench-queue-") as tmp,
            plain.active(),
            requests.active(),
            faster_writes(),
        ):
            chosen = scenarios(latency_ms, concurrency, rate_limit, default_limit, inline_source)
            for n, scenario in enumerate(chosen):
                log_path = Path(tmp) / f"scenario-{n}.log"
                outcomes.append(run_scenario(stack, scenario, farmers, 1975 + n, log_path))
    finally:
        server.stop()
    text = (
        report(outcomes)
        + f"\n  moto: {plain.summary()}; {requests.summary()}; writes without moto's repeated parses and"
        + " passes (bench/moto_fast.py)"
    )
    if not patched:
        text += "\n  (moto was started before: its TransactWriteItems copies whole tables, times inflated)"
    same = plain.same and requests.same  # moto's own answers, as the fast paths checked them
    return Result(f"{text}\n  ({time.perf_counter() - started:.0f}s)", same and all(o.ok for o in outcomes))


def run(
    farmers: int = DEFAULT_FARMERS,
    latency_ms: int = DEFAULT_LATENCY_MS,
    instances: int | None = None,
    rate_limit: int = DEFAULT_RATE_LIMIT,
) -> Result:
    """`measure` in a fresh interpreter: moto's backends are per process (another benchmark's
    stack would collide with this one's) and the moto patch must come before any stack."""
    command = [sys.executable, "-m", "bench.queue_throughput", "--farmers", str(farmers)]
    command += ["--latency-ms", str(latency_ms), "--rate-limit", str(rate_limit)]
    if instances:
        command += ["--instances", str(instances)]
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False)
    text = done.stdout.rstrip()
    if done.returncode not in (0, 1):
        text += f"\n  the benchmark failed (exit {done.returncode}); its errors are above"
    return Result(text, done.returncode == 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.queue_throughput", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--farmers", type=int, default=DEFAULT_FARMERS, help="messages per scenario")
    parser.add_argument("--latency-ms", type=int, default=DEFAULT_LATENCY_MS, help="BPJS's simulated latency")
    parser.add_argument("--instances", type=int, help="concurrent invocations (default: the template's)")
    parser.add_argument(
        "--rate-limit",
        type=int,
        default=DEFAULT_RATE_LIMIT,
        help="BPJS's limit, calls/s, of the first scenario",
    )
    parser.add_argument(
        "--inline-source",
        action="store_true",
        help="receive, invoke and delete one after another (the event source on the invocation's path)",
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker()
    result = measure(args.farmers, args.latency_ms, args.instances, args.rate_limit, args.inline_source)
    print(result.text)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
