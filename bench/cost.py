"""Monthly AWS cost of SUTASOMA from counted calls, a usage model and list prices.

`estimate(per_request, farmers)` multiplies what one request of each kind costs (AWS calls and
request units counted on moto by bench/table.py, handler time measured there) by how often the
usage model says it happens in a month, and prices it with PRICES. Pure arithmetic: no AWS call.

PRICES are for Asia Pacific (Jakarta, ap-southeast-3), where the stack is deployed. Each carries
where it comes from (`source`) and `sure`: True only for a price found stated for ap-southeast-3
(looked up 2026-11-29; AWS's pricing pages render their regional tables in the browser, so the
Jakarta figures come from public repositories quoting the AWS Price List offer files for
ap-southeast-3). Not found for Jakarta: HTTP API requests, DynamoDB on-demand and SQS FIFO; there
`usd` is our Jakarta estimate (Singapore-like, not below US East) and `reference` the figure found
stated for US East: `estimate(..., prices=REFERENCE_PRICES)` prices the same usage with those, a
floor for the unverified lines.
Free tiers are left out on purpose (they flatter a small bill and change); so are taxes
(Indonesia's VAT on AWS services) and data transfer out, which is small here (JSON answers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path

PRICE_DATE = (
    "AWS Price List figures for ap-southeast-3 published Aug-Sep 2026, as quoted in public repositories "
    "(looked up 2026-11-29); HTTP API, DynamoDB and SQS FIFO not found for Jakarta: estimates"
)


@dataclass(frozen=True)
class Price:
    usd: float  # what the estimate uses for ap-southeast-3
    unit: str
    sure: bool  # True only when found stated for ap-southeast-3 (or for every region)
    source: str
    reference: float | None = None  # the figure found stated elsewhere, when usd is an estimate
    reference_region: str = ""


# Where the Jakarta figures were found. AWS's own pricing pages render their regional tables in the
# browser (their text carries US East examples only), so these are public repositories quoting the
# AWS Price List API's offer files for ap-southeast-3
# (pricing.us-east-1.amazonaws.com/offers/v1.0/aws/<service>/<version>/ap-southeast-3/index.json).
# The search index names a file's text, not always its repository: those are described by content.
OFFER_NOTE = (
    "a public ECS/RDS experiment's pricing note ('Public Jakarta unit rates', retrieved 2026-09-03) that "
    "quotes AWS Price List offer files with their SKUs"
)


def offer(service: str, version: str, sku: str, region: str = "ap-southeast-3") -> str:
    return f"{service} offer {version} for {region}, SKU {sku}, in {OFFER_NOTE}"


EDUTRACK = (
    "an Indonesian design document (EduTrack, section 8.2 'Perkiraan biaya', 'Diverifikasi 11 Agustus 2026 "
    "terhadap AWS Price List API untuk ap-southeast-3')"
)
S3_OFFER = (
    "AmazonS3 offer file for ap-southeast-3 published 2026-09-18, quoted in a public storage-provider "
    "comparison (section 2.1 'AWS S3 - Asia Pacific (Jakarta)')"
)
LAMBDA_TUNER = (
    "github.com/janritter/aws-lambda-live-tuner cost/cost.go (AWS Price List API, group "
    "AWS-Lambda-Duration-ARM, by its scripts/lambda-cost.py)"
)
DDB_CUT = (
    "US East after the Nov 2024 50 % on-demand cut: $0.625 per million WRU, $0.125 per million RRU "
    "(airbyte.com/data-engineering-resources/dynamodb-pricing); the cut applied in every region "
    "(jusdb.com DynamoDB cost guide)"
)

PRICES: dict[str, Price] = {
    "lambda_gb_s_arm64": Price(
        0.0000133334, "per GB-second, arm64 (first 7.5 billion GB-s)", sure=True,
        source=LAMBDA_TUNER + "; " + EDUTRACK,
    ),
    "lambda_requests": Price(0.20, "per 1M requests", sure=True, source=EDUTRACK + ": $2.0e-7 per request"),
    "http_api_requests": Price(
        1.20, "per 1M requests (first 300M), HTTP API", sure=False,
        source="not found for Jakarta. US East $1.00: docs.aws.amazon.com/whitepapers/latest/"
        "best-practices-api-gateway-private-apis-integration/cost-optimization.html; Seoul $1.23 in a "
        "public cost note read from the AWS Price List on 2026-10-06. Jakarta estimate $1.20",
        reference=1.00, reference_region="us-east-1",
    ),
    "dynamodb_wru": Price(
        0.7116, "per 1M write request units, on-demand", sure=False,
        source="not found for Jakarta. " + DDB_CUT + ". Jakarta estimate: Singapore's level as remembered, 1.14 x US East",
        reference=0.625, reference_region="us-east-1",
    ),
    "dynamodb_rru": Price(
        0.1423, "per 1M read request units, on-demand", sure=False,
        source="not found for Jakarta. " + DDB_CUT + ". Jakarta estimate: Singapore's level as remembered, 1.14 x US East",
        reference=0.125, reference_region="us-east-1",
    ),
    "dynamodb_storage": Price(
        0.285, "per GB-month, Standard table class", sure=False,
        source="not found stated for any region; Jakarta estimate (Singapore-like)",
    ),
    "sqs_fifo_requests": Price(
        0.50, "per 1M FIFO requests (64 KB chunks)", sure=False,
        source="FIFO not found for Jakarta. Jakarta standard queues $0.40 per million ("
        + offer("AWSQueueService", "20250828200713", "3FFU2JU83EB5H7UP") + "), "
        "the US East standard price; US East FIFO $0.50 (cloudburn.io/blog/amazon-sqs-pricing, "
        "factualminds.com SQS pricing post). Jakarta FIFO assumed $0.50 like US East",
        reference=0.50, reference_region="us-east-1",
    ),
    "s3_put": Price(
        0.005, "per 1,000 PUT/COPY/POST/LIST requests, S3 Standard", sure=True, source=S3_OFFER,
    ),
    "s3_get": Price(
        0.0004, "per 1,000 GET requests ($0.004 per 10,000)", sure=True, source=S3_OFFER,
    ),
    "s3_storage": Price(
        0.025, "per GB-month, S3 Standard (first 50 TB)", sure=True, source=S3_OFFER + "; " + EDUTRACK,
    ),
    "secret_month": Price(
        0.40, "per secret per month", sure=True,
        source=offer("AWSSecretsManager", "20260831092330", "MKY22FQCFQ3SBRFF") + "; " + EDUTRACK,
    ),
    "secret_calls": Price(
        0.05, "per 10,000 API calls", sure=True,
        source=offer("AWSSecretsManager", "20260831092330", "EQZPSKJUU2ZDYM5D") + "; " + EDUTRACK,
    ),
    "logs_ingest": Price(
        0.70, "per GB ingested, CloudWatch Logs (standard class)", sure=True,
        source=offer("AmazonCloudWatch", "20260831092148", "9S6BM6E4HCB59BFR"),
    ),
    "logs_storage": Price(
        0.03, "per GB-month archived", sure=True, source=offer("AmazonCloudWatch", "20260831092148", "RAZY9E76R9JUCNQK"),
    ),
    "alarm_metric": Price(
        0.10, "per standard-resolution alarm metric per month", sure=True,
        source=offer("AmazonCloudWatch", "20260831092148", "HNAU5YRN3PNFRYMT"),
    ),
    "custom_metric": Price(
        0.30, "per custom metric per month (first 10,000)", sure=True,
        source=offer("AmazonCloudWatch", "20260831092148", "25WHJB4GX3FRTNER"),
    ),
    "dashboard": Price(
        3.00, "per dashboard per month (beyond 3 free)", sure=True,
        source=offer("AmazonCloudWatch", "20260831092148", "8AWBXE5MPQY58BK4", "every region (global offer)"),
    ),
}  # fmt: skip

# The same prices with the US East figures found stated where Jakarta's were not: a floor.
REFERENCE_PRICES: dict[str, Price] = {
    key: replace(price, usd=price.reference) if price.reference is not None else price
    for key, price in PRICES.items()
}


def unverified_scaled(factor: float) -> dict[str, Price]:
    """PRICES with every price not found for Jakarta multiplied by `factor` (sensitivity)."""
    return {key: p if p.sure else replace(p, usd=p.usd * factor) for key, p in PRICES.items()}


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
    audit_records: float = 0.0  # each copied to the Object Lock archive: 1 S3 PUT, ~1 KB kept
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
TEMPLATE = Path(__file__).resolve().parents[1] / "template.yaml"


def alarm_metrics(template: Path = TEMPLATE) -> int:
    """Metrics CloudWatch bills for the template's alarms: one per alarm on a single metric, and
    one per `MetricStat` of a metric-math alarm (the BPJS failure rate: 2)."""
    from local.template.cfn_yaml import load_yaml

    count = 0
    for resource in (load_yaml(template).get("Resources") or {}).values():
        if resource.get("Type") != "AWS::CloudWatch::Alarm":
            continue
        metrics = (resource.get("Properties") or {}).get("Metrics")
        count += sum(1 for m in metrics if "MetricStat" in m) if metrics else 1
    return count


# Every AWS::CloudWatch::Alarm of template.yaml (25 alarms, 26 metrics on 2026-12-07).
ALARM_METRICS = alarm_metrics()
# Powertools metrics: FarmerRegistered, ContributionCollected, ClaimSubmittedJKK/JKM,
# ReportWatchdogFailed, AuditRecordsArchived/NotArchived, ~5 Bpjs<Outcome>; + 2 log metric filters.
CUSTOM_METRICS = 14
DASHBOARDS = 1


def _per_month(units: float, price: Price, per: float) -> float:
    return units * price.usd / per


def estimate(
    per_request: dict[str, RequestCost],
    farmers: int,
    usage: UsageModel | None = None,
    prices: dict[str, Price] | None = None,
) -> Estimate:
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
    lam_gb_s = lam_req = api = rru = wru = sqs = put = get = secret = log_b = audit = 0.0
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
        audit += n * r.audit_records
    # Scheduled work independent of traffic: the outbox sweeper every 2 minutes (one Query on a
    # sparse index, nearly always empty) and the report watchdog once a month.
    sweeps = 30 * 24 * 30
    lam_gb_s += sweeps * 0.05 * 0.5
    lam_req += sweeps + 1
    rru += sweeps * 0.5
    # The audit archive (audit_archive function on the table's stream; stream reads by Lambda are
    # free): one PUT per record, invocations of ~2 records at this traffic (a 2 s batching window),
    # ~60 ms at 256 MB each; objects of ~1 KB kept for the lock's 5 years (60 months of records).
    put += audit
    lam_req += audit / 2
    lam_gb_s += audit / 2 * 0.06 * 0.25
    log_b += audit / 2 * 1000
    gb = 1024**3
    storage_gb_s3 = (
        farmers * usage.ktp_kb / 1024**2
        + counts["claim"] * 12 * usage.claim_documents_kb / 1024**2
        + audit * 60 / 1024**2
    )
    storage_gb_ddb = farmers * usage.farmer_items_kb / 1024**2
    p = prices or PRICES
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
    lines = [
        f"Prices, ap-southeast-3 (Jakarta): {PRICE_DATE}. List prices, no free tier, no tax. "
        "* = not found stated for Jakarta: an estimate; [stated elsewhere]"
    ]
    for key, price in PRICES.items():
        usd = _usd(price.usd)
        reference = (
            f"  [${_usd(price.reference)} {price.reference_region}]"
            if price.reference is not None and not price.sure
            else ""
        )
        lines.append(f"  {key:<20} ${usd:<13} {price.unit}{'' if price.sure else '  *'}{reference}")
    return "\n".join(lines)


def sources_text() -> str:
    return "\n".join(f"  {key}: {price.source}" for key, price in PRICES.items())


def _usd(value: float) -> str:
    return f"{value:.10f}".rstrip("0").rstrip(".")


def ceil_units(size_bytes: int, unit_bytes: int) -> int:
    """DynamoDB rounds each item up to the next 1 KB (writes) or 4 KB (reads)."""
    return max(1, math.ceil(size_bytes / unit_bytes))
