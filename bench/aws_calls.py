"""AWS API calls per request of the register function, counted for real on moto.

The template's resources are created in an embedded moto server (tests.support.stack), the
handler is called in-process with the function's own environment (FunctionInvoker), and calls are
counted twice, independently:
- client side, with botocore's event system: every botocore client created from now on (ours
  from `sutasoma.aws.client()`, and the ones Powertools makes, e.g. for the secret) gets a
  `before-call` handler (one per API call) and a `before-send` handler (one per HTTP attempt,
  so retries show);
- server side, the HTTP requests moto receives, by operation.
"Cold" is the first request of a fresh execution environment (services, boto3 clients and the
Powertools parameter cache forgotten); "warm" the requests after it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import parse_qs

import botocore.session

from sutasoma.clock import period_of, today_wita
from sutasoma.tariff import contribution_for
from tests.support.events import claims_for, http_event
from tests.support.farmers import farmer_body, make_nik
from tests.support.stack import FunctionInvoker, MotoStack, start_stack

WARM_RUNS = 5


# ------------------------------------------------------------------------------ counting


@dataclass
class CallLog:
    """What one request cost: API calls (client side), HTTP attempts, requests moto received."""

    calls: Counter[str] = field(default_factory=Counter)
    sends: Counter[str] = field(default_factory=Counter)
    received: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.calls.values())


class Counters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.current = CallLog()

    def reset(self) -> CallLog:
        with self._lock:
            done, self.current = self.current, CallLog()
        return done

    def on_call(self, event_name: str, **kwargs: Any) -> None:
        # "before-call.<service>.<Operation>"
        _, service, operation = event_name.split(".", 2)
        with self._lock:
            self.current.calls[f"{service}:{operation}"] += 1

    def on_send(self, event_name: str, **kwargs: Any) -> None:
        _, service, operation = event_name.split(".", 2)
        with self._lock:
            self.current.sends[f"{service}:{operation}"] += 1

    def on_received(self, label: str) -> None:
        with self._lock:
            self.current.received[label] += 1


def _moto_label(environ: dict[str, Any]) -> str:
    """`service:Operation` of a request as moto sees it (JSON target, query Action, or REST path)."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    auth = environ.get("HTTP_AUTHORIZATION", "")
    service = "?"
    if "Credential=" in auth:
        scope = auth.split("Credential=", 1)[1].split(",", 1)[0].split("/")
        if len(scope) >= 4:
            service = scope[3]
    if target:
        return f"{service}:{target.rsplit('.', 1)[-1]}"
    action = parse_qs(environ.get("QUERY_STRING", "")).get("Action")
    if action:
        return f"{service}:{action[0]}"
    return f"{service}:{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}"


@contextmanager
def counting() -> Iterator[Counters]:
    """Count every botocore client created inside the block, and every request moto receives."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    counters = Counters()
    original_create = botocore.session.Session.create_client
    original_dispatch = DomainDispatcherApplication.__call__

    def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = original_create(self, *args, **kwargs)
        client.meta.events.register("before-call", counters.on_call)
        client.meta.events.register("before-send", counters.on_send)
        return client

    def dispatch(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        counters.on_received(_moto_label(environ))
        return original_dispatch(self, environ, start_response)

    botocore.session.Session.create_client = create_client  # type: ignore[method-assign]
    DomainDispatcherApplication.__call__ = dispatch  # type: ignore[method-assign]
    try:
        yield counters
    finally:
        botocore.session.Session.create_client = original_create  # type: ignore[method-assign]
        DomainDispatcherApplication.__call__ = original_dispatch  # type: ignore[method-assign]


def fresh_execution_environment() -> None:
    """What a new Lambda execution environment starts without (the module stays imported)."""
    from aws_lambda_powertools.utilities.parameters import clear_caches

    from sutasoma import wiring

    wiring.reset()
    clear_caches()  # type: ignore[no-untyped-call]


# ------------------------------------------------------------------------------ scenarios


@dataclass
class Scenario:
    label: str
    expected_status: int
    event: Callable[[], dict[str, Any]]  # a new event each call (new NIKs where needed)
    function: str = "RegisterFunction"


@dataclass
class Result:
    scenario: Scenario
    cold: CallLog
    cold_ms: float
    warm: CallLog
    warm_ms: list[float]
    warm_varies: bool


class Workload:
    """Events for one agent of Lalabata; unique NIKs from one counter."""

    def __init__(self) -> None:
        self.claims = claims_for("agent", "73.12.04", username="agent.bench")
        self._serial = 0
        self.idempotent_body = self.body()
        self.idempotency_key = str(uuid.uuid4())
        self.existing_id = ""
        self.unpaid: list[dict[str, Any]] = []
        self.covered: list[dict[str, Any]] = []  # confirmed and paid this month: claimable
        self.claim_id = ""
        self.coordinator = claims_for("coordinator", "73.12.04", username="koordinator.bench")
        self.admin = claims_for("admin", username="admin.bench")
        self.callback_secret = ""
        self._event = 0

    def body(self) -> dict[str, Any]:
        self._serial += 1
        birth = date(1975 + self._serial % 16, 1 + self._serial % 12, 1 + self._serial % 28)
        return farmer_body(birth=birth, sex="F", nik=make_nik(birth, "F", serial=self._serial))

    def register(self, body: dict[str, Any] | None = None, key: str | None = None) -> dict[str, Any]:
        headers = {"Idempotency-Key": key} if key else None
        return http_event("POST", "/farmers", body=body or self.body(), claims=self.claims, headers=headers)

    def scenarios(self) -> list[Scenario]:
        return [
            Scenario("POST /farmers", 201, lambda: self.register()),
            Scenario(
                "POST /farmers + Idempotency-Key",
                201,
                lambda: self.register(key=str(uuid.uuid4())),
            ),
            Scenario(
                "  same key + body again (replay)",
                201,
                lambda: self.register(self.idempotent_body, self.idempotency_key),
            ),
            Scenario(
                "POST /farmers, NIK taken (409)",
                409,
                lambda: self.register(self.idempotent_body),
            ),
            Scenario(
                "GET /farmers/{id}",
                200,
                lambda: http_event(
                    "GET",
                    "/farmers/{farmer_id}",
                    path_params={"farmer_id": self.existing_id},
                    claims=self.claims,
                ),
            ),
            Scenario(
                "GET /farmers?limit=10",
                200,
                lambda: http_event("GET", "/farmers", query={"limit": "10"}, claims=self.claims),
            ),
            Scenario("GET /health", 200, lambda: http_event("GET", "/health")),
            Scenario(
                "GET /farmers/{id}/payments/quote",
                200,
                lambda: http_event(
                    "GET",
                    "/farmers/{farmer_id}/payments/quote",
                    path_params={"farmer_id": self.existing_id},
                    query={"months": "3"},
                    claims=self.claims,
                ),
                "PayFunction",
            ),
            Scenario("POST /farmers/{id}/payments", 201, self.payment, "PayFunction"),
        ]

    def claim(self) -> dict[str, Any]:
        farmer = self.covered.pop()
        return http_event(
            "POST",
            "/claims",
            claims=self.claims,
            body={
                "farmer_id": farmer["farmer_id"],
                "type": "JKM",
                "incident_date": today_wita().isoformat(),
                "description": "Meninggal dunia karena sakit.",
                "claimant": {"full_name": "Ahli Waris", "relationship": "child", "phone": "081234567890"},
            },
        )

    def callback(self) -> dict[str, Any]:
        """A signed PARTICIPANT_CONFIRMED for the known farmer, a new event id each time."""
        self._event += 1
        raw = json.dumps(
            {
                "event_id": f"bench-{uuid.uuid4()}",
                "type": "PARTICIPANT_CONFIRMED",
                "data": {"farmer_id": self.existing_id, "kpj_number": "26000000001"},
            }
        )
        stamp = str(int(time.time()))
        signature = hmac.new(
            self.callback_secret.encode(), f"{stamp}.{raw}".encode(), hashlib.sha256
        ).hexdigest()
        headers = {"X-Bpjs-Timestamp": stamp, "X-Bpjs-Signature": signature}
        return http_event("POST", "/bpjs/callbacks", raw_body=raw, headers=headers)

    def more_scenarios(self) -> list[Scenario]:
        period = period_of(today_wita())
        claim_path = {"claim_id": self.claim_id}
        return [
            Scenario("POST /claims", 201, self.claim, "ClaimFunction"),
            Scenario(
                "GET /claims/{id}", 200,
                lambda: http_event("GET", "/claims/{claim_id}", path_params=claim_path, claims=self.claims),
                "ClaimFunction",
            ),
            Scenario(
                "GET /claims?limit=10", 200,
                lambda: http_event("GET", "/claims", query={"limit": "10"}, claims=self.claims), "ClaimFunction",
            ),
            Scenario(
                "POST /claims/{id}/documents", 200,
                lambda: http_event(
                    "POST", "/claims/{claim_id}/documents", path_params=claim_path, body={"doc_type": "kpj_card"},
                    claims=self.claims,
                ),
                "ClaimFunction",
            ),
            Scenario(
                "POST /claims/{id}/verify (docs missing)", 409,
                lambda: http_event(
                    "POST", "/claims/{claim_id}/verify", path_params=claim_path, claims=self.coordinator
                ),
                "ClaimFunction",
            ),
            Scenario(
                "GET /agents/me/worklist", 200,
                lambda: http_event("GET", "/agents/me/worklist", claims=self.claims),
            ),
            Scenario("POST /bpjs/callbacks", 200, self.callback, "BpjsCallbackFunction"),
            Scenario(
                "POST /reports/{period}", 201,
                lambda: http_event("POST", "/reports/{period}", path_params={"period": period}, claims=self.admin),
                "ReportFunction",
            ),
            Scenario(
                "GET /reports/{period}", 200,
                lambda: http_event("GET", "/reports/{period}", path_params={"period": period}, claims=self.admin),
                "ReportFunction",
            ),
            Scenario(
                "GET /reports/{period}/files/html", 200,
                lambda: http_event(
                    "GET", "/reports/{period}/files/{file_type}", path_params={"period": period, "file_type": "html"},
                    claims=self.admin,
                ),
                "ReportFunction",
            ),
        ]  # fmt: skip

    def payment(self) -> dict[str, Any]:
        """One month for a farmer who never paid (registered beforehand, outside the count)."""
        farmer = self.unpaid.pop()
        amount = contribution_for(period_of(today_wita()), farmer["monthly_income"]).amount
        return http_event(
            "POST",
            "/farmers/{farmer_id}/payments",
            path_params={"farmer_id": farmer["farmer_id"]},
            body={"months": 1, "amount": amount},
            headers={"Idempotency-Key": str(uuid.uuid4())},
            claims=self.claims,
        )


def _invoke(invoker: FunctionInvoker, counters: Counters, scenario: Scenario) -> tuple[CallLog, float]:
    event = scenario.event()
    counters.reset()
    started = time.perf_counter()
    result = invoker(event)
    elapsed = (time.perf_counter() - started) * 1000
    log = counters.reset()
    if result.status != scenario.expected_status:
        raise RuntimeError(f"{scenario.label}: {result.status} {result.body}")
    return log, elapsed


def measure(stack: MotoStack, warm_runs: int = WARM_RUNS) -> list[Result]:
    invoker = FunctionInvoker(stack, "RegisterFunction")
    invokers = {
        name: invoker if name == "RegisterFunction" else FunctionInvoker(stack, name)
        for name in (
            "RegisterFunction",
            "PayFunction",
            "ClaimFunction",
            "BpjsCallbackFunction",
            "ReportFunction",
        )
    }
    from sutasoma.observability import logger

    logger.setLevel(logging.WARNING)  # one JSON line per request would drown the table
    workload = Workload()
    with counting() as counters:
        # State the scenarios need: a farmer registered with a known key, ten or so in the list.
        fresh_execution_environment()
        created = invoker(workload.register(workload.idempotent_body, workload.idempotency_key))
        workload.existing_id = created.body["farmer_id"]
        for _ in range(10):
            invoker(workload.register())
        # Payments need farmers who never paid; registering them inside the measured loop would
        # switch functions between invocations and rebuild every client each time.
        workload.unpaid = [invoker(workload.register()).body for _ in range(warm_runs + 1)]
        prepare_claims(
            stack, workload, invoker, invokers["PayFunction"], invokers["ClaimFunction"], warm_runs
        )
        results = []
        for scenario in workload.scenarios() + workload.more_scenarios():
            fresh_execution_environment()
            target = invokers[scenario.function]
            cold, cold_ms = _invoke(target, counters, scenario)
            warm_logs, warm_ms = [], []
            for _ in range(warm_runs):
                log, elapsed = _invoke(target, counters, scenario)
                warm_logs.append(log)
                warm_ms.append(elapsed)
            varies = any(log.calls != warm_logs[0].calls for log in warm_logs)
            results.append(Result(scenario, cold, cold_ms, warm_logs[-1], warm_ms, varies))
    return results


def prepare_claims(
    stack: MotoStack, workload: Workload, register: FunctionInvoker, pay: FunctionInvoker,
    claim: FunctionInvoker, warm_runs: int,
) -> None:  # fmt: skip
    """Farmers confirmed (as BPJS's answer would leave them) and paid this month, one claim filed."""
    dynamodb = stack.clients("dynamodb")
    table = stack.ref("DomainTable")
    workload.callback_secret = stack.clients("secretsmanager").get_secret_value(
        SecretId=stack.ref("BpjsCallbackSecret")
    )["SecretString"]
    for index in range(warm_runs + 3):
        farmer = register(workload.register()).body
        dynamodb.update_item(
            TableName=table,
            Key={"PK": {"S": f"FARMER#{farmer['farmer_id']}"}, "SK": {"S": "PROFILE"}},
            UpdateExpression="SET registration_status = :c, kpj_number = :k",
            ExpressionAttributeValues={":c": {"S": "CONFIRMED"}, ":k": {"S": f"26{index:09d}"}},
        )
        amount = contribution_for(period_of(today_wita()), farmer["monthly_income"]).amount
        paid = pay(
            http_event(
                "POST", "/farmers/{farmer_id}/payments", path_params={"farmer_id": farmer["farmer_id"]},
                body={"months": 1, "amount": amount}, headers={"Idempotency-Key": str(uuid.uuid4())},
                claims=workload.claims,
            )
        )  # fmt: skip
        if paid.status != 201:
            raise RuntimeError(f"setup payment: {paid.status} {paid.body}")
        workload.covered.append(farmer)
    filed = claim(workload.claim())
    if filed.status != 201:
        raise RuntimeError(f"setup claim: {filed.status} {filed.body}")
    workload.claim_id = filed.body["claim_id"]


# ------------------------------------------------------------------------------ report


def _breakdown(log: CallLog) -> str:
    if not log.calls:
        return "-"
    return ", ".join(f"{op.split(':', 1)[1]} {n}" for op, n in sorted(log.calls.items()))


def _comparable(counts: Counter[str]) -> Counter[str]:
    """Operation names; moto labels S3 requests by method and path, so S3 compares by count."""
    result: Counter[str] = Counter()
    for label, n in counts.items():
        service, _, operation = label.partition(":")
        result["s3 requests" if service == "s3" else operation] += n
    return result


def report(results: list[Result], warm_runs: int) -> str:
    lines = [
        f"AWS API calls per request, every HTTP function on moto (cold = fresh execution environment; "
        f"warm = last of {warm_runs})"
    ]
    header = f"  {'request':<34} {'cold':>4} {'warm':>4}  warm calls by operation [cold extra]"
    lines.append(header)
    lines.append("  " + "-" * 100)
    mismatches: list[str] = []
    for r in results:
        extra = r.cold.calls - r.warm.calls
        extra_text = f"  [+ {_breakdown(CallLog(calls=extra))}]" if extra else ""
        varies = "  (warm counts vary!)" if r.warm_varies else ""
        lines.append(
            f"  {r.scenario.label:<34} {r.cold.total:>4} {r.warm.total:>4}  {_breakdown(r.warm)}{extra_text}{varies}"
        )
        for phase, log in (("cold", r.cold), ("warm", r.warm)):
            if log.sends != log.calls:
                mismatches.append(f"{r.scenario.label} ({phase}): HTTP attempts {dict(log.sends)}")
            received = _comparable(log.received)
            called = _comparable(log.calls)
            if received != called:
                mismatches.append(f"{r.scenario.label} ({phase}): moto received {dict(log.received)}")
    if mismatches:
        lines.append("  client calls differ from HTTP attempts or from what moto received (retries?):")
        lines.extend(f"    {m}" for m in mismatches)
    else:
        lines.append("  moto received exactly these requests (no retries, no call outside botocore's events)")
    lines.append("")
    lines.append(
        "  handler wall time in-process against moto on 127.0.0.1 (not DynamoDB latency; for comparison only)"
    )
    lines.append(f"  {'request':<34} {'cold':>8} {'warm p50':>9} {'warm p99':>9}")
    for r in results:
        ordered = sorted(r.warm_ms)
        p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
        lines.append(
            f"  {r.scenario.label:<34} {r.cold_ms:>6.1f}ms {statistics.median(r.warm_ms):>7.1f}ms {p99:>7.1f}ms"
        )
    return "\n".join(lines)


def run(warm_runs: int = WARM_RUNS) -> str:
    started = time.perf_counter()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's access log
    server, stack = start_stack()
    try:
        results = measure(stack, warm_runs)
    finally:
        server.stop()
    return f"{report(results, warm_runs)}\n  ({time.perf_counter() - started:.0f}s)"


if __name__ == "__main__":
    print(run(int(sys.argv[1]) if len(sys.argv) > 1 else WARM_RUNS))
