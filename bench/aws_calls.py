"""AWS API calls per request of every HttpApi route of template.yaml, counted for real on moto.

The template's resources are created in an embedded moto server (tests.support.stack), the
handler is called in-process with the function's own environment (FunctionInvoker), and calls are
counted twice, independently:
- client side, with botocore's event system: every botocore client created from now on (ours
  from `sutasoma.adapters.aws.client()`, and the ones Powertools makes, e.g. for the secret) gets a
  `before-call` handler (one per API call) and a `before-send` handler (one per HTTP attempt,
  so retries show);
- server side, the HTTP requests moto receives, by operation.
"Cold" is the first request of a fresh execution environment (services, boto3 clients and the
Powertools parameter cache forgotten); "warm" the requests after it.

Every scenario names its route (`METHOD /path`, as template.yaml's HttpApi event says it) apart
from its display label; `unmeasured_routes()` compares them with the template's routes, so a
route added to the template without a scenario shows in the report (and fails
tests/unit/test_bench_routes.py) instead of going unmeasured.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import statistics
import sys
import threading
import time
import uuid
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from sutasoma.adapters.dynamo import keys
from sutasoma.domain.clock import period_of, today_wita
from sutasoma.domain.periods import add_months
from sutasoma.domain.tariff import contribution_for
from sutasoma.domain.uploads import document_key, ktp_key
from tests.support.events import claims_for, http_event
from tests.support.farmers import farmer_body, make_nik
from tests.support.uploads import PDF, landed_event

if TYPE_CHECKING:
    from tests.support.stack import FunctionInvoker, HttpResult, MotoStack

# 20 warm requests per scenario: p50 is steady; "p99" of 20 samples is the slowest of them
# (nearest rank), printed with its n. ~1 minute for all routes on 2 shared cores.
WARM_RUNS = 20
TEMPLATE = Path(__file__).resolve().parents[1] / "template.yaml"
HTTP_FUNCTIONS = (
    "RegisterFunction",
    "PayFunction",
    "ClaimFunction",
    "BpjsCallbackFunction",
    "ReportFunction",
    "ReconcileFunction",
    "ImportsFunction",
)


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
    import botocore.session
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

    from sutasoma.runtime import wiring

    wiring.reset()
    clear_caches()  # type: ignore[no-untyped-call]


# ------------------------------------------------------------------------------ routes


def template_routes(template: Path = TEMPLATE) -> dict[str, str]:
    """`METHOD /path` -> logical id of its function, for every HttpApi event of template.yaml."""
    from local.template.cfn_yaml import load_yaml

    routes: dict[str, str] = {}
    for logical_id, resource in (load_yaml(template).get("Resources") or {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        for event in ((resource.get("Properties") or {}).get("Events") or {}).values():
            if event.get("Type") == "HttpApi":
                props = event.get("Properties") or {}
                routes[f"{str(props.get('Method', 'ANY')).upper()} {props.get('Path', '$default')}"] = (
                    logical_id
                )
    return routes


def unmeasured_routes(scenarios: Iterable[Scenario] | None = None, template: Path = TEMPLATE) -> list[str]:
    """The template's routes without a scenario (Workload().scenarios() unless given): none, or
    the report says which. Builds the scenarios only; nothing is invoked."""
    routes = template_routes(template)
    measured = {s.route for s in (Workload().scenarios() if scenarios is None else scenarios)}
    return sorted(set(routes) - measured)


def scenario_mistakes(scenarios: Iterable[Scenario] | None = None, template: Path = TEMPLATE) -> list[str]:
    """Scenarios whose route is not the template's, or that call another function than the
    template routes it to; labels used twice."""
    routes = template_routes(template)
    mistakes: list[str] = []
    labels: Counter[str] = Counter()
    for s in Workload().scenarios() if scenarios is None else scenarios:
        labels[s.label] += 1
        if s.route not in routes:
            mistakes.append(f"{s.label}: {s.route} is not a route of template.yaml")
        elif routes[s.route] != s.function:
            mistakes.append(f"{s.label}: template.yaml routes it to {routes[s.route]}, not {s.function}")
    mistakes.extend(f"label used {n} times: {label}" for label, n in labels.items() if n > 1)
    return mistakes


def coverage_line(measured: Iterable[str]) -> str:
    """The report's line on coverage, from the measured routes (`METHOD /path`)."""
    routes = template_routes()
    missing = sorted(set(routes) - set(measured))
    if not missing:
        return f"  every route of template.yaml measured ({len(routes)} routes)"
    return f"  routes of template.yaml NOT measured ({len(missing)}): " + ", ".join(missing)


# ------------------------------------------------------------------------------ scenarios


@dataclass
class Scenario:
    route: str  # "METHOD /path" exactly as template.yaml's HttpApi event (and the event's routeKey)
    expected_status: int
    event: Callable[[], dict[str, Any]]  # a new event each call (new NIKs, farmers, claims where needed)
    function: str = "RegisterFunction"
    variant: str = ""  # what sets this scenario apart from the route's others

    @property
    def label(self) -> str:
        return f"{self.route} ({self.variant})" if self.variant else self.route


@dataclass
class Result:
    scenario: Scenario
    cold: CallLog
    cold_ms: float
    warm: CallLog
    warm_ms: list[float]
    warm_varies: bool


class Workload:
    """Events for one agent of Lalabata; unique NIKs from one counter. The state the scenarios
    use (farmers, claims) is filled by `prepare`, before anything is counted."""

    def __init__(self) -> None:
        self.claims = claims_for("agent", "73.12.04", username="agent.bench")
        self.coordinator = claims_for("coordinator", "73.12.04", username="koordinator.bench")
        self.admin = claims_for("admin", username="admin.bench")
        self._serial = 0
        self.idempotent_body = self.body()
        self.idempotency_key = str(uuid.uuid4())
        self.existing_id = ""  # registered with the key above; read, listed, confirmed by callbacks
        self.patched_id = ""  # PATCHed again and again
        self.paid_id = ""  # confirmed and paid: its payment history
        self.unpaid: list[dict[str, Any]] = []  # never paid: one payment each
        self.covered: list[dict[str, Any]] = []  # confirmed and paid this month: one claim each
        self.lapsed: list[str] = []  # paid through 5 months ago: one reactivation each
        self.living: list[dict[str, Any]] = []  # confirmed, paid 3 months ahead: one death each
        self.refunds: list[str] = []  # open refund cases: one settlement each
        self.claim_id = ""  # SUBMITTED, no document uploaded
        self.documented: list[str] = []  # SUBMITTED claims with every required document in S3
        self.callback_secret = ""
        self.reconcile_job_id = ""  # a reconcile job, asked for before the count
        self._phone = 0
        self.import_id = ""  # an import checked and committed: read, its mismatches listed
        self.validated: list[str] = []  # checked imports of a few members: one commit each

    def body(self) -> dict[str, Any]:
        self._serial += 1
        birth = date(1975 + self._serial % 16, 1 + self._serial % 12, 1 + self._serial % 28)
        return farmer_body(birth=birth, sex="F", nik=make_nik(birth, "F", serial=self._serial))

    def register(self, body: dict[str, Any] | None = None, key: str | None = None) -> dict[str, Any]:
        headers = {"Idempotency-Key": key} if key else None
        return http_event("POST", "/farmers", body=body or self.body(), claims=self.claims, headers=headers)

    def _farmer(self, method: str, route: str, farmer_id: str, **kwargs: Any) -> dict[str, Any]:
        return http_event(method, route, path_params={"farmer_id": farmer_id}, claims=self.claims, **kwargs)

    def _claim(self, method: str, route: str, claim_id: str, **kwargs: Any) -> dict[str, Any]:
        return http_event(method, route, path_params={"claim_id": claim_id}, **kwargs)

    def _report(self, method: str, route: str, **params: str) -> dict[str, Any]:
        path = {"period": period_of(today_wita()), **params}
        return http_event(method, route, path_params=path, claims=self.admin)

    def scenarios(self) -> list[Scenario]:
        """One or more per route; the events read the workload's state when they are built."""
        farmer = "/farmers/{farmer_id}"
        claim = "/claims/{claim_id}"
        return [
            # RegisterFunction
            Scenario("POST /farmers", 201, lambda: self.register()),
            Scenario("POST /farmers", 201, lambda: self.register(key=str(uuid.uuid4())), variant="Idempotency-Key"),
            Scenario(
                "POST /farmers", 201, lambda: self.register(self.idempotent_body, self.idempotency_key),
                variant="same key + body: replay",
            ),
            Scenario("POST /farmers", 409, lambda: self.register(self.idempotent_body), variant="NIK taken"),
            Scenario(f"GET {farmer}", 200, lambda: self._farmer("GET", farmer, self.existing_id)),
            Scenario(
                "GET /farmers", 200, lambda: http_event("GET", "/farmers", query={"limit": "10"}, claims=self.claims),
                variant="limit=10",
            ),
            Scenario(f"PATCH {farmer}", 200, self.patch, variant="phone"),
            Scenario(
                f"POST {farmer}/ktp", 200,
                lambda: self._farmer("POST", f"{farmer}/ktp", self.existing_id, body={"content_type": "image/jpeg"}),
                variant="upload URL",
            ),
            Scenario(
                f"GET {farmer}/ktp", 200,
                lambda: http_event(
                    "GET", f"{farmer}/ktp", path_params={"farmer_id": self.existing_id}, claims=self.coordinator
                ),
                variant="download URL, coordinator, audited",
            ),
            Scenario(
                f"POST {farmer}/reactivate", 200,
                lambda: self._farmer("POST", f"{farmer}/reactivate", self.lapsed.pop()), variant="LAPSED farmer",
            ),
            Scenario(
                "GET /agents/me/worklist", 200, lambda: http_event("GET", "/agents/me/worklist", claims=self.claims)
            ),
            Scenario(
                f"POST {farmer}/death", 200,
                lambda: self._farmer(
                    "POST", f"{farmer}/death", self.living.pop()["farmer_id"],
                    body={"date_of_death": today_wita().isoformat()},
                ),
                variant="paid ahead: a refund opens",
            ),
            Scenario(
                f"POST {farmer}/corrections", 200, self.correction, variant="name, by a coordinator",
            ),
            Scenario("GET /health", 200, lambda: http_event("GET", "/health")),
            Scenario("GET /docs", 200, lambda: http_event("GET", "/docs")),
            Scenario("GET /openapi.json", 200, lambda: http_event("GET", "/openapi.json")),
            # PayFunction
            Scenario(
                f"GET {farmer}/payments/quote", 200,
                lambda: self._farmer("GET", f"{farmer}/payments/quote", self.existing_id, query={"months": "3"}),
                "PayFunction", "months=3",
            ),
            Scenario(f"POST {farmer}/payments", 201, self.payment, "PayFunction", "1 month"),
            Scenario(
                f"GET {farmer}/payments", 200, lambda: self._farmer("GET", f"{farmer}/payments", self.paid_id),
                "PayFunction", "history",
            ),
            Scenario(
                "GET /refunds", 200, lambda: http_event("GET", "/refunds", query={"status": "OPEN"}, claims=self.claims),
                "PayFunction", "open",
            ),
            Scenario(
                "POST /refunds/{refund_id}/settle", 200,
                lambda: http_event(
                    "POST", "/refunds/{refund_id}/settle", path_params={"refund_id": self.refunds.pop()},
                    body={"returned_to": "Ahli waris"}, claims=self.claims,
                ),
                "PayFunction",
            ),
            # ClaimFunction
            Scenario("POST /claims", 201, self.claim, "ClaimFunction"),
            Scenario(
                f"GET {claim}", 200, lambda: self._claim("GET", claim, self.claim_id, claims=self.claims),
                "ClaimFunction",
            ),
            Scenario(
                "GET /claims", 200, lambda: http_event("GET", "/claims", query={"limit": "10"}, claims=self.claims),
                "ClaimFunction", "limit=10",
            ),
            Scenario(
                f"POST {claim}/documents", 200,
                lambda: self._claim(
                    "POST", f"{claim}/documents", self.claim_id, body={"doc_type": "kpj_card"}, claims=self.claims
                ),
                "ClaimFunction", "upload URL",
            ),
            Scenario(
                f"GET {claim}/documents/{{doc_type}}", 200,
                lambda: http_event(
                    "GET", f"{claim}/documents/{{doc_type}}", claims=self.coordinator,
                    path_params={"claim_id": self.documented[0], "doc_type": "kpj_card"},
                ),
                "ClaimFunction", "download link",
            ),
            Scenario(
                f"POST {claim}/verify", 200,
                lambda: self._claim("POST", f"{claim}/verify", self.documented.pop(), claims=self.coordinator),
                "ClaimFunction", "documents present",
            ),
            Scenario(
                f"POST {claim}/verify", 409,
                lambda: self._claim("POST", f"{claim}/verify", self.claim_id, claims=self.coordinator),
                "ClaimFunction", "documents missing",
            ),
            # BpjsCallbackFunction
            Scenario("POST /bpjs/callbacks", 200, self.callback, "BpjsCallbackFunction", "PARTICIPANT_CONFIRMED"),
            # ReportFunction
            Scenario("POST /reports/{period}", 201, lambda: self._report("POST", "/reports/{period}"), "ReportFunction"),
            Scenario("GET /reports/{period}", 200, lambda: self._report("GET", "/reports/{period}"), "ReportFunction"),
            Scenario(
                "GET /reports/{period}/files/{file_type}", 200,
                lambda: self._report("GET", "/reports/{period}/files/{file_type}", file_type="html"),
                "ReportFunction", "html",
            ),
            # ReconcileFunction: the job is asked for (its tasks queued); reading it is one GetItem
            Scenario(
                "POST /reports/{period}/reconcile", 202,
                lambda: self._report("POST", "/reports/{period}/reconcile"), "ReconcileFunction",
            ),
            Scenario(
                "GET /reports/{period}/reconcile/{job_id}", 200,
                lambda: self._report("GET", "/reports/{period}/reconcile/{job_id}", job_id=self.reconcile_job_id),
                "ReconcileFunction",
            ),
            # ImportsFunction
            Scenario(
                "POST /imports", 201,
                lambda: http_event("POST", "/imports", body={"kind": "members", "filename": "anggota.xlsx"},
                                   claims=self.admin),
                "ImportsFunction", "presigned POST",
            ),
            Scenario(
                "GET /imports/template.xlsx", 200, lambda: http_event("GET", "/imports/template.xlsx", claims=self.admin),
                "ImportsFunction",
            ),
            Scenario("GET /imports/{import_id}", 200, lambda: self._import("GET", "/imports/{import_id}"),
                     "ImportsFunction", "committed"),
            Scenario(
                "POST /imports/{import_id}/commit", 202,
                lambda: self._import("POST", "/imports/{import_id}/commit", self.validated.pop()),
                "ImportsFunction", "5 rows: one chunk sent",
            ),
            Scenario(
                "GET /imports/{import_id}/mismatches", 200,
                lambda: self._import("GET", "/imports/{import_id}/mismatches"), "ImportsFunction",
            ),
            Scenario(
                "GET /farmers/export", 200,
                lambda: http_event("GET", "/farmers/export", query={"format": "xlsx"}, claims=self.coordinator),
                "ImportsFunction", "a kecamatan, xlsx",
            ),
        ]  # fmt: skip

    def _import(self, method: str, route: str, import_id: str | None = None) -> dict[str, Any]:
        return http_event(
            method, route, path_params={"import_id": import_id or self.import_id}, claims=self.admin
        )

    def correction(self) -> dict[str, Any]:
        self._phone += 1
        return http_event(
            "POST", "/farmers/{farmer_id}/corrections", path_params={"farmer_id": self.patched_id},
            body={"full_name": f"Nama Dikoreksi {self._phone}", "reason": "Salah ketik nama dari KTP."},
            claims=self.coordinator,
        )  # fmt: skip

    def patch(self) -> dict[str, Any]:
        self._phone += 1
        return self._farmer(
            "PATCH", "/farmers/{farmer_id}", self.patched_id, body={"phone": f"0812{self._phone:08d}"}
        )

    def payment(self) -> dict[str, Any]:
        """One month for a farmer who never paid (registered beforehand, outside the count)."""
        return self.pay_event(self.unpaid.pop())

    def pay_event(self, farmer: dict[str, Any]) -> dict[str, Any]:
        return self.pay_months_event(farmer, 1)

    def pay_months_event(self, farmer: dict[str, Any], months: int) -> dict[str, Any]:
        """`months` from this month, for a farmer who never paid."""
        periods = [add_months(period_of(today_wita()), i) for i in range(months)]
        amount = sum(contribution_for(period, farmer["monthly_income"]).amount for period in periods)
        return self._farmer(
            "POST", "/farmers/{farmer_id}/payments", farmer["farmer_id"],
            body={"months": months, "amount": amount, "first_period": periods[0]},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )  # fmt: skip

    def claim(self) -> dict[str, Any]:
        return self.claim_event(self.covered.pop())

    def claim_event(self, farmer: dict[str, Any]) -> dict[str, Any]:
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


# ------------------------------------------------------------------------------ preparation


def _call(invoker: FunctionInvoker, event: dict[str, Any]) -> HttpResult:
    """Invoke, Powertools' metric set emptied first: with metrics disabled nothing flushes it, and
    on a metric's 100th value Powertools would print the whole set (EMF) amid the report."""
    from sutasoma.runtime.observability import metrics

    metrics.clear_metrics()
    return invoker(event)


def _expect(result: HttpResult, status: int, what: str) -> HttpResult:
    if result.status != status:
        raise RuntimeError(f"setup, {what}: {result.status} {result.body}")
    return result


def prepare(
    stack: MotoStack, workload: Workload, invokers: dict[str, FunctionInvoker], warm_runs: int
) -> None:
    """Everything the scenarios consume, before the count: one function after another here, since
    switching functions between measured invocations would rebuild every client each time."""
    from tests.support.stack import FunctionInvoker

    register, pay, claim = invokers["RegisterFunction"], invokers["PayFunction"], invokers["ClaimFunction"]
    runs = warm_runs + 1  # cold + warm
    dynamodb = stack.clients("dynamodb")
    table = stack.ref("DomainTable")
    workload.callback_secret = stack.clients("secretsmanager").get_secret_value(
        SecretId=stack.ref("BpjsCallbackSecret")
    )["SecretString"]

    def new_farmer() -> dict[str, Any]:
        body: dict[str, Any] = _expect(_call(register, workload.register()), 201, "registration").body
        return body

    def confirm(farmer_id: str, index: int, paid_through: str | None = None) -> None:
        """As BPJS's answer would leave the farmer (and, for the lapsed, the months since)."""
        values = {":c": {"S": "CONFIRMED"}, ":k": {"S": f"26{index:09d}"}}
        expression = "SET registration_status = :c, kpj_number = :k"
        if paid_through:
            values[":p"] = {"S": paid_through}
            expression += ", paid_through = :p"
        dynamodb.update_item(
            TableName=table,
            Key={name: {"S": value} for name, value in keys.farmer(farmer_id).items()},
            UpdateExpression=expression,
            ExpressionAttributeValues=values,
        )

    fresh_execution_environment()
    created = _call(register, workload.register(workload.idempotent_body, workload.idempotency_key))
    workload.existing_id = _expect(created, 201, "registration with a key").body["farmer_id"]
    for _ in range(10):  # a list of ten or more
        new_farmer()
    workload.patched_id = new_farmer()["farmer_id"]
    workload.unpaid = [new_farmer() for _ in range(runs)]
    # LAPSED: paid through 5 months ago (more than 3 unpaid months), as the tests arrange it.
    lapsed_through = add_months(period_of(today_wita()), -5)
    for index in range(runs):
        farmer_id = new_farmer()["farmer_id"]
        confirm(farmer_id, 100_000 + index, lapsed_through)
        workload.lapsed.append(farmer_id)
    # Covered (confirmed, paid this month): one per claim filed here and per POST /claims.
    covered = []
    for index in range(2 * runs + 1):
        farmer = new_farmer()
        confirm(farmer["farmer_id"], index)
        _expect(_call(pay, workload.pay_event(farmer)), 201, "payment")
        covered.append(farmer)
    workload.paid_id = covered[0]["farmer_id"]  # its payment history is read
    died: list[dict[str, Any]] = []
    workload.claim_id = _expect(_call(claim, workload.claim_event(covered[0])), 201, "claim").body["claim_id"]
    # SUBMITTED claims with their documents in the claims bucket, checked as the app's uploads
    # are (DocumentCheckFunction, from S3's event); and the KTP copy of the farmer read back.
    s3, check = stack.clients("s3"), FunctionInvoker(stack, "DocumentCheckFunction")

    def upload(bucket: str, key: str) -> None:
        s3.put_object(Bucket=bucket, Key=key, Body=PDF, ContentType="application/pdf")
        if check.raw(landed_event(s3, bucket, key)).get("status") != "ACCEPTED":
            raise RuntimeError("a prepared upload did not pass the check")

    upload(stack.ref("KtpBucket"), ktp_key(workload.existing_id, "application/pdf"))
    for farmer in covered[1 : runs + 1]:
        filed = _expect(_call(claim, workload.claim_event(farmer)), 201, "claim").body
        for doc in filed["required_documents"]:
            upload(stack.ref("ClaimsBucket"), document_key(filed["claim_id"], doc, "application/pdf"))
        workload.documented.append(filed["claim_id"])
    workload.covered = covered[runs + 1 :]  # for POST /claims
    # Paid three months ahead: one death recorded each (each opens a refund); and open refunds.
    for index in range(2 * runs):
        farmer = new_farmer()
        confirm(farmer["farmer_id"], 200_000 + index)
        _expect(_call(pay, workload.pay_months_event(farmer, 3)), 201, "payment ahead")
        (workload.living if index < runs else died).append(farmer)
    for farmer in died:
        body = {"date_of_death": today_wita().isoformat()}
        event = workload._farmer("POST", "/farmers/{farmer_id}/death", farmer["farmer_id"], body=body)
        _expect(_call(register, event), 200, "death")
    listed = _call(
        pay, http_event("GET", "/refunds", query={"status": "OPEN", "limit": "100"}, claims=workload.claims)
    )
    workload.refunds = [r["refund_id"] for r in _expect(listed, 200, "refunds").body["items"]][:runs]
    asked = _call(invokers["ReconcileFunction"], workload._report("POST", "/reports/{period}/reconcile"))
    workload.reconcile_job_id = _expect(asked, 202, "reconcile job").body["job_id"]
    prepare_imports(stack, workload, invokers["ImportsFunction"], runs)


def prepare_imports(stack: MotoStack, workload: Workload, imports: FunctionInvoker, runs: int) -> None:
    """Checked imports of five members each (the file put where the presigned POST puts it, the
    validating function handed the bucket's event): one committed, the others for the commits."""
    from local.seed.members import SampleOptions, csv_bytes, sample_members
    from local.seed.users import create_demo_users, demo_users, soppeng_kecamatan
    from tests.support.imports import s3_created_event
    from tests.support.stack import FunctionInvoker

    create_demo_users(stack.clients("cognito-idp"), stack.ref("UserPool"), demo_users(soppeng_kecamatan()))
    validate = FunctionInvoker(stack, "ImportValidateFunction")
    bucket = stack.ref("ImportsBucket")
    for n in range(runs + 1):
        opened = _call(imports, http_event("POST", "/imports", body={"kind": "members", "filename": "a.csv"},
                                           claims=workload.admin))  # fmt: skip
        import_id = _expect(opened, 201, "import").body["import_id"]
        members = sample_members(SampleOptions(count=5, first_index=7_000_000 + n * 10))
        stack.clients("s3").put_object(Bucket=bucket, Key=f"uploads/{import_id}.csv", Body=csv_bytes(members))
        validate.raw(s3_created_event(bucket, f"uploads/{import_id}.csv"))
        workload.validated.append(import_id)
    workload.import_id = workload.validated.pop()
    _expect(_call(imports, workload._import("POST", "/imports/{import_id}/commit")), 202, "commit")


# ------------------------------------------------------------------------------ measuring


def _invoke(invoker: FunctionInvoker, counters: Counters, scenario: Scenario) -> tuple[CallLog, float]:
    event = scenario.event()
    if event["routeKey"] != scenario.route:
        raise RuntimeError(f"{scenario.label}: the event is for {event['routeKey']}")
    from sutasoma.runtime.observability import metrics

    metrics.clear_metrics()  # as _call does, outside the time
    counters.reset()
    started = time.perf_counter()
    result = invoker(event)
    elapsed = (time.perf_counter() - started) * 1000
    log = counters.reset()
    if result.status != scenario.expected_status:
        raise RuntimeError(f"{scenario.label}: {result.status} {result.body}")
    return log, elapsed


def measure(stack: MotoStack, warm_runs: int = WARM_RUNS) -> list[Result]:
    from sutasoma.runtime.observability import logger
    from tests.support.stack import FunctionInvoker

    invokers = {name: FunctionInvoker(stack, name) for name in HTTP_FUNCTIONS}
    logger.setLevel(logging.WARNING)  # one JSON line per request would drown the table
    # Powertools warns at every flush of an empty metric set (metrics are disabled here).
    warnings.filterwarnings("ignore", "No application metrics to publish", UserWarning)
    workload = Workload()
    scenarios = workload.scenarios()
    mistakes = scenario_mistakes(scenarios)
    if mistakes:
        raise RuntimeError("; ".join(mistakes))
    with counting() as counters:
        prepare(stack, workload, invokers, warm_runs)
        results = []
        for scenario in scenarios:
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


# ------------------------------------------------------------------------------ report


def percentile(values: list[float], q: float) -> float:
    """Nearest rank: of 20 samples, p50 is the 10th and p99 the 20th (the slowest)."""
    ordered = sorted(values)
    return ordered[min(len(ordered), max(1, math.ceil(q * len(ordered)))) - 1]


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
    width = max([len(r.scenario.label) for r in results] + [len("request")])
    lines = [
        f"AWS API calls per request, every HttpApi route on moto (cold = fresh execution environment; "
        f"warm = last of {warm_runs})",
        coverage_line(r.scenario.route for r in results),
        f"  {'request':<{width}} {'cold':>4} {'warm':>4}  warm calls by operation [cold extra]",
        "  " + "-" * (width + 60),
    ]
    mismatches: list[str] = []
    for r in results:
        extra = r.cold.calls - r.warm.calls
        extra_text = f"  [+ {_breakdown(CallLog(calls=extra))}]" if extra else ""
        varies = "  (warm counts vary!)" if r.warm_varies else ""
        lines.append(
            f"  {r.scenario.label:<{width}} {r.cold.total:>4} {r.warm.total:>4}  "
            f"{_breakdown(r.warm)}{extra_text}{varies}"
        )
        for phase, log in (("cold", r.cold), ("warm", r.warm)):
            if log.sends != log.calls:
                mismatches.append(f"{r.scenario.label} ({phase}): HTTP attempts {dict(log.sends)}")
            if _comparable(log.received) != _comparable(log.calls):
                mismatches.append(f"{r.scenario.label} ({phase}): moto received {dict(log.received)}")
    if mismatches:
        lines.append("  client calls differ from HTTP attempts or from what moto received (retries?):")
        lines.extend(f"    {m}" for m in mismatches)
    else:
        lines.append("  moto received exactly these requests (no retries, no call outside botocore's events)")
    lines.append("")
    lines.append(
        "  handler wall time in-process against moto on 127.0.0.1 (not DynamoDB latency; for comparison "
        f"only); p99 by nearest rank: of n={warm_runs} samples, the "
        + ("slowest" if warm_runs < 100 else f"{warm_runs - math.ceil(0.99 * warm_runs) + 1}th slowest")
    )
    lines.append(f"  {'request':<{width}} {'cold':>8} {'n':>4} {'warm p50':>9} {'warm p99':>9}")
    for r in results:
        lines.append(
            f"  {r.scenario.label:<{width}} {r.cold_ms:>6.1f}ms {len(r.warm_ms):>4} "
            f"{statistics.median(r.warm_ms):>7.1f}ms {percentile(r.warm_ms, 0.99):>7.1f}ms"
        )
    return "\n".join(lines)


def run(warm_runs: int = WARM_RUNS) -> str:
    from tests.support.stack import start_stack

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
