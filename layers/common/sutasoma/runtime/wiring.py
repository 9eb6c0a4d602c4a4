"""Builds the use cases from a function's settings, once per execution environment (never at
import): the only place that knows which adapter serves which port.

Each factory imports what it builds, so a function loads only what its routes use (the
register function never loads httpx, the BPJS client's library): cold-start time. boto3 itself
is imported here, at init, in every function: each one calls AWS in its first request, and an
import deferred to that request would only move the same cost out of the init phase (and out of
what bench/cold_start.py measures against its boto3 baseline).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from sutasoma.adapters import aws as _aws  # noqa: F401 - boto3 at init, as the baseline (above)
from sutasoma.runtime.settings import SettingsSource

if TYPE_CHECKING:  # the settings classes are annotations here: each function defines its own only
    from collections.abc import Callable

    from sutasoma.adapters.dynamo.table import Table
    from sutasoma.adapters.idempotency import IdempotentRunner
    from sutasoma.adapters.pacer import SlotPacer
    from sutasoma.adapters.queue import DeadLetters, OutboundQueue
    from sutasoma.app.audit_archive import AuditArchiver
    from sutasoma.app.bpjs_sync import BpjsSync
    from sutasoma.app.callbacks import CallbackDesk
    from sutasoma.app.claim_review import ClaimReview
    from sutasoma.app.claims import ClaimDesk
    from sutasoma.app.common import Writer
    from sutasoma.app.corrections import CorrectFarmer
    from sutasoma.app.deaths import RecordDeath
    from sutasoma.app.farmer_records import FarmerRecords
    from sutasoma.app.outbox import Dispatcher
    from sutasoma.app.payments import PaymentDesk
    from sutasoma.app.ports import Directory, Scanner, Storage
    from sutasoma.app.reconcile_jobs import ReconcileJobs
    from sutasoma.app.refunds import RefundDesk
    from sutasoma.app.registration import RegisterFarmer
    from sutasoma.app.reports import ReportDesk
    from sutasoma.app.staff_mfa import StaffMfa
    from sutasoma.app.uploads import UploadChecker
    from sutasoma.app.worklist import WorklistDesk
    from sutasoma.domain.identity import Caller
    from sutasoma.runtime.settings import ApiSettings, Settings
    from sutasoma.runtime.settings.bpjs import BpjsSyncSettings, CallbackSettings, RedriveSettings
    from sutasoma.runtime.settings.http import ClaimSettings, PaySettings, RegisterSettings
    from sutasoma.runtime.settings.platform import (
        AuditArchiveSettings,
        DocumentCheckSettings,
        TokenGateSettings,
    )
    from sutasoma.runtime.settings.reports import ReconcileSettings, ReportSettings


@cache
def table(name: str) -> Table:

    from sutasoma.adapters.dynamo.table import Table

    return Table(name)


@cache
def storage(settings: Settings) -> Storage:
    return storage_on(table(settings.table_name))


def storage_on(t: Table) -> Storage:
    """Every repository of the domain table on one Table (tests hand theirs in)."""
    from sutasoma.adapters.dynamo.audit import AuditRepository
    from sutasoma.adapters.dynamo.callbacks import CallbackLog
    from sutasoma.adapters.dynamo.claims import ClaimRepository
    from sutasoma.adapters.dynamo.counters import CounterRepository
    from sutasoma.adapters.dynamo.farmers import FarmerRepository
    from sutasoma.adapters.dynamo.outbox import OutboxRepository
    from sutasoma.adapters.dynamo.payments import PaymentRepository
    from sutasoma.adapters.dynamo.refunds import RefundRepository
    from sutasoma.adapters.dynamo.reports import ReceiptSequence, ReportRepository
    from sutasoma.adapters.dynamo.unit_of_work import DynamoUnitOfWork
    from sutasoma.app.ports import Storage

    return Storage(
        unit=DynamoUnitOfWork(t), farmers=FarmerRepository(t), payments=PaymentRepository(t),
        claims=ClaimRepository(t), counters=CounterRepository(t), outbox=OutboxRepository(t),
        audit=AuditRepository(t), reports=ReportRepository(t), receipts=ReceiptSequence(t), callbacks=CallbackLog(t), refunds=RefundRepository(t),
    )  # fmt: skip


@cache
def outbound_queue(queue_url: str) -> OutboundQueue:
    from sutasoma.adapters.queue import OutboundQueue

    return OutboundQueue(queue_url)


@cache
def dispatcher(settings: Settings, queue_url: str) -> Dispatcher:
    from sutasoma.app.outbox import Dispatcher

    return Dispatcher(storage(settings).outbox, outbound_queue(queue_url))


def writer(settings: Settings, queue_url: str) -> Writer:
    from sutasoma.app.common import Writer

    return Writer(storage(settings).unit, dispatcher(settings, queue_url))


@cache
def idempotency(settings: ApiSettings) -> IdempotentRunner:
    from sutasoma.adapters.idempotency import IdempotentRunner

    return IdempotentRunner(settings.idempotency_table_name, settings.idempotency_expires_seconds)


def _documents(bucket: str):  # type: ignore[no-untyped-def]
    from sutasoma.adapters.documents import DocumentBucket

    return DocumentBucket(bucket)


@cache
def register_farmer(settings: RegisterSettings) -> RegisterFarmer:
    from sutasoma.adapters.secrets import secret_text
    from sutasoma.app.registration import AgePolicy, RegisterFarmer

    return RegisterFarmer(
        writer(settings, settings.bpjs_queue_url), storage(settings).farmers, idempotency(settings),
        nik_key=lambda: secret_text(settings.nik_hash_secret_arn).encode(),
        ages=AgePolicy(settings.min_registration_age, settings.max_registration_age),
    )  # fmt: skip


@cache
def farmer_records(settings: RegisterSettings) -> FarmerRecords:
    from sutasoma.app.farmer_records import FarmerRecords

    store = storage(settings)
    return FarmerRecords(
        store.farmers, store.audit, writer(settings, settings.bpjs_queue_url), _documents(settings.ktp_bucket),
        settings.upload_url_expires_seconds, settings.download_url_expires_seconds,
    )  # fmt: skip


@cache
def record_death(settings: RegisterSettings) -> RecordDeath:
    from sutasoma.app.deaths import RecordDeath

    store = storage(settings)
    return RecordDeath(
        store.farmers, store.payments, writer(settings, settings.bpjs_queue_url), idempotency(settings)
    )


@cache
def correct_farmer(settings: RegisterSettings) -> CorrectFarmer:
    from sutasoma.adapters.secrets import secret_text
    from sutasoma.app.corrections import CorrectFarmer

    return CorrectFarmer(
        storage(settings).farmers, writer(settings, settings.bpjs_queue_url),
        nik_key=lambda: secret_text(settings.nik_hash_secret_arn).encode(),
    )  # fmt: skip


@cache
def refund_desk(settings: PaySettings) -> RefundDesk:
    from sutasoma.app.refunds import RefundDesk

    return RefundDesk(
        storage(settings).refunds, writer(settings, settings.bpjs_queue_url), idempotency(settings)
    )


@cache
def worklist(settings: Settings) -> WorklistDesk:
    from sutasoma.app.worklist import WorklistDesk

    store = storage(settings)
    return WorklistDesk(store.farmers, store.claims, store.refunds)


@cache
def resource_scope(settings: Settings) -> Callable[[Caller, dict[str, str]], None]:
    """Who may act on a path's farmer, claim or refund: asked before an invalid request's 422."""
    from sutasoma.app.scope import ResourceScope

    store = storage(settings)
    return ResourceScope(store.farmers, store.claims, store.refunds).check


@cache
def payment_desk(settings: PaySettings) -> PaymentDesk:
    from sutasoma.app.payments import PaymentDesk

    store = storage(settings)
    return PaymentDesk(
        store.farmers,
        store.payments,
        store.receipts,
        writer(settings, settings.bpjs_queue_url),
        idempotency(settings),
    )


@cache
def claim_desk(settings: ClaimSettings) -> ClaimDesk:
    from sutasoma.app.claims import ClaimDesk

    store = storage(settings)
    return ClaimDesk(
        store.farmers, store.payments, store.claims, store.audit, writer(settings, settings.bpjs_queue_url),
        idempotency(settings), settings.claim_deadline_years,
    )  # fmt: skip


@cache
def claim_review(settings: ClaimSettings) -> ClaimReview:
    from sutasoma.app.claim_review import ClaimReview

    return ClaimReview(
        claim_desk(settings), storage(settings).audit, writer(settings, settings.bpjs_queue_url),
        _documents(settings.claims_bucket), settings.upload_url_expires_seconds,
        settings.download_url_expires_seconds,
    )  # fmt: skip


@cache
def report_desk(settings: ReportSettings) -> ReportDesk:
    from sutasoma.app.reports import ReportDesk

    store = storage(settings)
    return ReportDesk(
        store.counters, store.reports, _documents(settings.reports_bucket), directory(settings.user_pool_id),
        settings.incentive_rate, settings.targets,
    )  # fmt: skip


def directory(user_pool_id: str) -> Directory:
    """The agents' names: the user pool's, or none (usernames shown) when no pool is configured."""
    from sutasoma.adapters.directory import NoDirectory, UserDirectory

    return UserDirectory(user_pool_id) if user_pool_id else NoDirectory()


@cache
def scanner(settings: Settings) -> Scanner:
    from sutasoma.adapters.dynamo.scan import TableScanner

    return TableScanner(table(settings.table_name))


@cache
def reconcile_jobs(settings: ReconcileSettings) -> ReconcileJobs:
    from sutasoma.adapters.dynamo.reconcile_jobs import ReconcileJobRepository
    from sutasoma.adapters.dynamo.scan import TableScanner
    from sutasoma.adapters.queue import ReconcileTasks
    from sutasoma.app.reconcile_jobs import ReconcileJobs

    store = table(settings.table_name)
    return ReconcileJobs(
        ReconcileJobRepository(store), ReconcileTasks(settings.reconcile_queue_url), TableScanner(store),
        settings.reconcile_segments,
    )  # fmt: skip


@cache
def bpjs_pacer(settings: BpjsSyncSettings) -> SlotPacer:
    """This execution environment's share of BPJS's rate limit (one per environment)."""
    from sutasoma.adapters.pacer import SlotPacer

    return SlotPacer(settings.bpjs_rate_limit, settings.bpjs_max_concurrency)


@cache
def bpjs_sync(settings: BpjsSyncSettings) -> BpjsSync:
    from sutasoma.adapters.bpjs_client import BpjsClient, Credentials
    from sutasoma.adapters.secrets import secret_json
    from sutasoma.app.bpjs_sync import BpjsSync

    def credentials() -> Credentials:
        secret = secret_json(settings.bpjs_credentials_secret_arn)
        return Credentials(cons_id=str(secret["cons_id"]), secret_key=str(secret["secret_key"]))

    store = storage(settings)
    return BpjsSync(
        store.farmers, store.payments, store.claims, store.outbox, writer(settings, settings.bpjs_queue_url),
        BpjsClient(settings.bpjs_base_url, credentials, pacer=bpjs_pacer(settings)),
    )  # fmt: skip


@cache
def callback_desk(settings: CallbackSettings) -> CallbackDesk:
    from sutasoma.adapters.secrets import secret_text
    from sutasoma.app.callbacks import CallbackDesk

    store = storage(settings)
    return CallbackDesk(
        store.farmers, store.payments, store.claims, store.callbacks, writer(settings, settings.bpjs_queue_url),
        secret=lambda: secret_text(settings.bpjs_callback_secret_arn).encode(),
        window_seconds=settings.bpjs_callback_window_seconds,
    )  # fmt: skip


@cache
def dead_letters(settings: RedriveSettings) -> DeadLetters:
    from sutasoma.adapters.queue import DeadLetters

    return DeadLetters(settings.bpjs_dlq_url, outbound_queue(settings.bpjs_queue_url))


@cache
def upload_checker(settings: DocumentCheckSettings) -> UploadChecker:
    from sutasoma.app.uploads import UploadChecker
    from sutasoma.domain.uploads import UploadKind

    store = storage(settings)
    buckets = {
        UploadKind.KTP: _documents(settings.ktp_bucket),
        UploadKind.CLAIM_DOCUMENT: _documents(settings.claims_bucket),
    }
    return UploadChecker(store.farmers, store.claims, writer(settings, settings.bpjs_queue_url), buckets)


@cache
def staff_mfa(settings: TokenGateSettings) -> StaffMfa:
    from sutasoma.adapters.directory import CognitoMfa
    from sutasoma.app.staff_mfa import StaffMfa

    return StaffMfa(CognitoMfa(), required=settings.staff_mfa == "required")


@cache
def audit_archiver(settings: AuditArchiveSettings) -> AuditArchiver:
    from sutasoma.adapters.audit_archive import AuditArchiveStore
    from sutasoma.app.audit_archive import AuditArchiver

    return AuditArchiver(AuditArchiveStore(settings.audit_archive_bucket, table(settings.table_name)))


def reset() -> None:
    """Forget built services and settings (tests change the environment between cases)."""
    from sutasoma.adapters import aws, secrets
    from sutasoma.runtime import import_wiring

    for built in (
        table, storage, outbound_queue, dispatcher, idempotency, register_farmer, farmer_records, worklist,
        record_death, correct_farmer, refund_desk,
        payment_desk, claim_desk, claim_review, report_desk, scanner, reconcile_jobs, bpjs_pacer, bpjs_sync, callback_desk,
        dead_letters, audit_archiver,
        upload_checker, staff_mfa,
    ):  # fmt: skip
        built.cache_clear()
    import_wiring.reset()
    SettingsSource.reset_all()
    aws.reset_clients()
    secrets.reset()
