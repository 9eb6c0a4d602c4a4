"""Monthly AWS cost of SUTASOMA from counted calls, a usage model and list prices.

`estimate(per_request, farmers)` multiplies what one request of each kind costs (AWS calls and
request units counted on moto by bench/table.py, handler time measured there) by how often the
usage model says it happens in a month, and prices it with PRICES. Pure arithmetic: no AWS call.

PRICES are AWS's public on-demand list prices for Asia Pacific (Jakarta, ap-southeast-3) as we
know them (pricing pages as of 2025; they could not be re-checked from here, since nothing leaves
the machine). The ones marked `sure=False` are our best reading (Jakarta is often priced like
Singapore, sometimes higher): verify them in the AWS Pricing Calculator before quoting a figure.
Free tiers are left out on purpose (they flatter a small bill and change); so are taxes
(Indonesia's VAT on AWS services) and data transfer out, which is small here (JSON answers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

PRICE_DATE = "AWS list prices, ap-southeast-3, as known 2025 (not re-checked on 2026-11-29)"


@dataclass(frozen=True)
class Price:
    usd: float
    unit: str
    sure: bool = True


PRICES: dict[str, Price] = {
    "lambda_gb_s_arm64": Price(0.0000133334, "per GB-second, arm64", sure=False),
    "lambda_requests": Price(0.20, "per 1M requests"),
    "http_api_requests": Price(1.10, "per 1M requests (first 300M), HTTP API", sure=False),
    "dynamodb_wru": Price(0.7116, "per 1M write request units, on-demand", sure=False),
    "dynamodb_rru": Price(0.1423, "per 1M read request units, on-demand", sure=False),
    "dynamodb_storage": Price(0.285, "per GB-month", sure=False),
    "sqs_fifo_requests": Price(0.60, "per 1M FIFO requests (64 KB chunks)", sure=False),
    "s3_put": Price(0.0055, "per 1,000 PUT/LIST requests, S3 Standard", sure=False),
    "s3_get": Price(0.00044, "per 1,000 GET requests", sure=False),
    "s3_storage": Price(0.025, "per GB-month, S3 Standard", sure=False),
    "secret_month": Price(0.40, "per secret per month"),
    "secret_calls": Price(0.05, "per 10,000 API calls"),
    "logs_ingest": Price(0.67, "per GB ingested, CloudWatch Logs", sure=False),
    "logs_storage": Price(0.033, "per GB-month archived", sure=False),
    "alarm_metric": Price(0.10, "per standard-resolution alarm metric per month"),
    "custom_metric": Price(0.30, "per custom metric per month (first 10,000)"),
    "dashboard": Price(3.00, "per dashboard per month (beyond 3 free)"),
}


@dataclass
class RequestCost:
    """What one request of a kind consumes, all functions and downstream work included."""

    label: str
    lambda_ms: float  # billed duration, all invocations of this request together
    memory_mb: int = 512
    invocations: float = 1.0
    api_requests: float = 1.0  # through the HTTP API (0 for schedules and queue consumers)
    rru: float = 0.0
    wru: float = 0.0
    sqs: float = 0.0
    s3_put: float = 0.0
    s3_get: float = 0.0
    secret_calls: float = 0.0
    log_bytes: float = 1500.0  # Powertools JSON lines + Lambda's START/END/REPORT + access log
    measured: bool = True
    note: str = ""


@dataclass
class UsageModel:
    """Per farmer per month, unless named otherwise."""

    payments: float = 1.0
    list_reads: float = 0.2
    claims: float = 0.01
    reports_per_month: float = 8.0
    registrations: float = 0.0  # steady state: farmers registered once, shown apart
    ktp_kb: float = 300.0  # one KTP photo per farmer, kept
    claim_documents_kb: float = 1500.0  # per claim
    farmer_items_kb: float = 4.0  # farmer + NIK + payments + outbox history per farmer-year


@dataclass
class Estimate:
    farmers: int
    lines: dict[str, float] = field(default_factory=dict)  # service -> USD/month

    @property
    def total(self) -> float:
        return sum(self.lines.values())


# Fixed monthly costs, whatever the number of farmers (template.yaml today).
SECRETS = 3  # NikHashKey, BpjsCredentials, BpjsCallback
ALARM_METRICS = 8 + 1 + 2 + 1  # Errors per function, DLQ, BPJS rate (2 metrics), report watchdog
CUSTOM_METRICS = 14  # Powertools metrics (bpjs outcomes, report) + the two log metric filters
DASHBOARDS = 1


def _per_month(units: float, price: Price, per: float) -> float:
    return units * price.usd / per


def estimate(per_request: dict[str, RequestCost], farmers: int, usage: UsageModel | None = None) -> Estimate:
    """Monthly USD by service for `farmers`; per_request keys: payment, list, claim, report,
    registration (only used when usage.registrations > 0)."""
    usage = usage or UsageModel()
    counts = {
        "payment": usage.payments * farmers,
        "list": usage.list_reads * farmers,
        "claim": usage.claims * farmers,
        "report": usage.reports_per_month,
        "registration": usage.registrations * farmers,
    }
    lam_gb_s = lam_req = api = rru = wru = sqs = put = get = secret = log_b = 0.0
    for kind, n in counts.items():
        if n <= 0 or kind not in per_request:
            continue
        r = per_request[kind]
        lam_gb_s += n * r.lambda_ms / 1000 * r.memory_mb / 1024
        lam_req += n * r.invocations
        api += n * r.api_requests
        rru += n * r.rru
        wru += n * r.wru
        sqs += n * r.sqs
        put += n * r.s3_put
        get += n * r.s3_get
        secret += n * r.secret_calls
        log_b += n * r.log_bytes
    # Scheduled work independent of traffic: the outbox sweeper every 2 minutes (one Query on a
    # sparse index, nearly always empty) and the report watchdog once a month.
    sweeps = 30 * 24 * 30
    lam_gb_s += sweeps * 0.05 * 0.5
    lam_req += sweeps + 1
    rru += sweeps * 0.5
    gb = 1024**3
    storage_gb_s3 = (
        farmers * usage.ktp_kb / 1024**2 + counts["claim"] * 12 * usage.claim_documents_kb / 1024**2
    )
    storage_gb_ddb = farmers * usage.farmer_items_kb / 1024**2
    p = PRICES
    est = Estimate(farmers)
    est.lines["Lambda"] = lam_gb_s * p["lambda_gb_s_arm64"].usd + _per_month(
        lam_req, p["lambda_requests"], 1e6
    )
    est.lines["API Gateway"] = _per_month(api, p["http_api_requests"], 1e6)
    est.lines["DynamoDB"] = (
        _per_month(rru, p["dynamodb_rru"], 1e6)
        + _per_month(wru, p["dynamodb_wru"], 1e6)
        + storage_gb_ddb * 2 * p["dynamodb_storage"].usd  # x2: GSI1 projects ALL
    )
    est.lines["SQS FIFO"] = _per_month(sqs, p["sqs_fifo_requests"], 1e6)
    est.lines["S3"] = (
        _per_month(put, p["s3_put"], 1000)
        + _per_month(get, p["s3_get"], 1000)
        + storage_gb_s3 * p["s3_storage"].usd
    )
    est.lines["Secrets Manager"] = SECRETS * p["secret_month"].usd + _per_month(
        secret, p["secret_calls"], 1e4
    )
    log_gb = log_b / gb
    est.lines["CloudWatch"] = (
        log_gb * p["logs_ingest"].usd
        + log_gb * 6 * p["logs_storage"].usd  # ~6 months of logs kept on average (90-365 days)
        + ALARM_METRICS * p["alarm_metric"].usd
        + CUSTOM_METRICS * p["custom_metric"].usd
        + DASHBOARDS * p["dashboard"].usd
    )
    return est


def prices_text() -> str:
    lines = [f"Prices: {PRICE_DATE}; list prices, no free tier, no tax. * = verify (not sure for Jakarta)"]
    for key, price in PRICES.items():
        usd = f"{price.usd:.10f}".rstrip("0").rstrip(".")
        lines.append(f"  {key:<20} ${usd:<13} {price.unit}{'' if price.sure else '  *'}")
    return "\n".join(lines)


def ceil_units(size_bytes: int, unit_bytes: int) -> int:
    """DynamoDB rounds each item up to the next 1 KB (writes) or 4 KB (reads)."""
    return max(1, math.ceil(size_bytes / unit_bytes))
