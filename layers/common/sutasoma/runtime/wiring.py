"""Builds the services from settings, once per execution environment (never at import)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from sutasoma.runtime.settings import get_settings

# Each factory imports what it builds: a function imports only the services its routes use
# (the register function never loads httpx, the BPJS client's library), which is cold-start time.
if TYPE_CHECKING:
    from sutasoma.adapters.audit_archive import AuditArchive
    from sutasoma.adapters.bpjs_client import BpjsClient
    from sutasoma.adapters.claim_store import ClaimStore
    from sutasoma.adapters.idempotency import IdempotentRunner
    from sutasoma.adapters.queue import DeadLetters, OutboundQueue
    from sutasoma.app.bpjs_sync import BpjsSync
    from sutasoma.app.callbacks import CallbackService
    from sutasoma.app.claims import ClaimService
    from sutasoma.app.farmers import FarmerService
    from sutasoma.app.payments import PaymentService
    from sutasoma.app.worklist import WorklistService
    from sutasoma.reports.figures import ReportDesk


@cache
def idempotency_runner() -> IdempotentRunner:
    from sutasoma.adapters.idempotency import IdempotentRunner

    settings = get_settings()
    return IdempotentRunner(settings.idempotency_table_name, settings.idempotency_expires_seconds)


@cache
def farmer_service() -> FarmerService:
    from sutasoma.adapters.documents import DocumentBucket
    from sutasoma.adapters.secrets import nik_hash_key
    from sutasoma.app.farmers import FarmerService

    settings = get_settings()
    return FarmerService(
        settings=settings,
        store=domain_store(),
        queue=outbound_queue(),
        idempotency=idempotency_runner(),
        documents=DocumentBucket(settings.ktp_bucket),
        nik_key=lambda: nik_hash_key(settings),
    )


def reset() -> None:
    """Forget built services and settings (tests change the environment between cases)."""
    from sutasoma.adapters import aws, secrets
    from sutasoma.runtime.settings import get_settings as settings_cache

    for built in (
        farmer_service, payment_service, claim_service, report_desk, idempotency_runner, outbound_queue, domain_store, bpjs_client, bpjs_sync,
        callback_service, dead_letters, worklist_service, audit_archive,
    ):  # fmt: skip
        built.cache_clear()
    settings_cache.cache_clear()
    aws.reset_clients()
    secrets.reset()


@cache
def payment_service() -> PaymentService:
    from sutasoma.app.payments import PaymentService

    return PaymentService(domain_store(), outbound_queue(), idempotency_runner())


@cache
def report_desk() -> ReportDesk:
    from sutasoma.adapters.documents import DocumentBucket
    from sutasoma.reports.figures import ReportDesk, ReportService

    settings = get_settings()
    return ReportDesk(
        ReportService(domain_store(), settings.incentive_rate), DocumentBucket(settings.reports_bucket)
    )


@cache
def worklist_service() -> WorklistService:
    from sutasoma.app.worklist import WorklistService

    return WorklistService(domain_store())


@cache
def outbound_queue() -> OutboundQueue:
    from sutasoma.adapters.queue import OutboundQueue

    return OutboundQueue(get_settings().bpjs_queue_url)


@cache
def domain_store() -> ClaimStore:
    from sutasoma.adapters.claim_store import ClaimStore

    return ClaimStore(get_settings().table_name)


@cache
def claim_service() -> ClaimService:
    from sutasoma.adapters.documents import DocumentBucket
    from sutasoma.app.claims import ClaimService

    settings = get_settings()
    return ClaimService(
        domain_store(),
        outbound_queue(),
        idempotency_runner(),
        DocumentBucket(settings.claims_bucket),
        settings.upload_url_expires_seconds,
        settings.claim_deadline_years,
    )


@cache
def bpjs_client() -> BpjsClient:
    from sutasoma.adapters.bpjs_client import BpjsClient, Credentials
    from sutasoma.adapters.secrets import secret_json

    settings = get_settings()

    def credentials() -> Credentials:
        secret = secret_json(settings.bpjs_credentials_secret_arn)
        return Credentials(cons_id=str(secret["cons_id"]), secret_key=str(secret["secret_key"]))

    return BpjsClient(settings.bpjs_base_url, credentials)


@cache
def bpjs_sync() -> BpjsSync:
    from sutasoma.app.bpjs_sync import BpjsSync

    return BpjsSync(domain_store(), bpjs_client())


@cache
def callback_service() -> CallbackService:
    from sutasoma.adapters.secrets import secret_text
    from sutasoma.app.callbacks import CallbackService

    settings = get_settings()
    return CallbackService(
        domain_store(),
        secret=lambda: secret_text(settings.bpjs_callback_secret_arn).encode(),
        window_seconds=settings.bpjs_callback_window_seconds,
    )


@cache
def dead_letters() -> DeadLetters:
    from sutasoma.adapters.queue import DeadLetters

    return DeadLetters(get_settings().bpjs_dlq_url, outbound_queue())


@cache
def audit_archive() -> AuditArchive:
    from sutasoma.adapters.audit_archive import AuditArchive

    settings = get_settings()
    return AuditArchive(settings.audit_archive_bucket, settings.table_name)
