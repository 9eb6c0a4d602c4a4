"""What the use cases need from storage and partners, as interfaces (typing.Protocol).

The wiring (runtime/wiring.py) hands the use cases adapters that fit these; tests hand them
in-memory fakes (tests/support/fakes.py). Nothing here knows DynamoDB, SQS, S3 or HTTP.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # annotations only: a function loads the records its own use cases load
    from sutasoma.app.queries import ClaimQuery, FarmerQuery, RefundQuery
    from sutasoma.domain.audit import AuditRecord
    from sutasoma.domain.changes import ChangeSet
    from sutasoma.domain.claim import ClaimRecord
    from sutasoma.domain.counters import MonthCounters
    from sutasoma.domain.farmer import FarmerRecord, NikClaim
    from sutasoma.domain.import_plan import PlannedRow
    from sutasoma.domain.import_rows import AgentAccount
    from sutasoma.domain.imports import ChunkOutcome, FailedChunk, ImportMismatch, ImportRecord
    from sutasoma.domain.outbox import OutboxEntry
    from sutasoma.domain.payment import PaymentRecord
    from sutasoma.domain.reconcile_job import ReconcileJob, SegmentTask
    from sutasoma.domain.refund import RefundRecord


class UnitOfWork(Protocol):
    def commit(self, changes: ChangeSet) -> None:
        """All of it or nothing; a failed condition raises domain.changes.WriteConflict."""


class Farmers(Protocol):
    def get(self, farmer_id: str) -> FarmerRecord | None: ...
    def id_for_nik(self, nik_hash: str) -> str | None: ...
    def nik_claim(self, nik_hash: str) -> NikClaim | None: ...
    def nik_release_pending(self, nik_hash: str) -> bool: ...
    def page(self, query: FarmerQuery, limit: int) -> tuple[list[FarmerRecord], bool]: ...


class Payments(Protocol):
    def get(self, farmer_id: str, payment_id: str) -> PaymentRecord | None: ...
    def page(
        self, farmer_id: str, limit: int, before_payment_id: str | None = None
    ) -> tuple[list[PaymentRecord], bool]: ...
    def all_of(self, farmer_id: str) -> list[PaymentRecord]: ...


class Claims(Protocol):
    def get(self, claim_id: str) -> ClaimRecord | None: ...
    def page(self, query: ClaimQuery, limit: int) -> tuple[list[ClaimRecord], bool]: ...
    def death_benefit_claim(self, farmer_id: str) -> str | None:
        """The claim holding the farmer's one death benefit (DeathClaimKey), if any."""


class Refunds(Protocol):
    def get(self, refund_id: str) -> RefundRecord | None: ...
    def page(self, query: RefundQuery, limit: int) -> tuple[list[RefundRecord], bool]: ...


class Counters(Protocol):
    def month(self, period: str) -> MonthCounters: ...
    def population_deltas(self, kecamatan_code: str, up_to: str) -> dict[str, dict[str, int]]: ...


class Outbox(Protocol):
    def get(self, farmer_id: str, op_id: str) -> OutboxEntry | None: ...
    def with_farmers(
        self, operations: Sequence[tuple[str, str]], nik_hashes: Sequence[str] = ()
    ) -> tuple[dict[str, tuple[OutboxEntry | None, FarmerRecord | None]], set[str]]: ...
    def pending(self, created_up_to: str, limit: int = 100) -> list[OutboxEntry]: ...
    def mark_sent(self, entry: OutboxEntry, sent_at: str) -> None: ...


class AuditTrail(Protocol):
    def record(self, audit: AuditRecord) -> None: ...
    def trail(self, subject_id: str, limit: int = 100) -> list[AuditRecord]: ...


class VersionTaken(Exception):
    """Another generation wrote this version number first."""


class Reports(Protocol):
    """A month's report versions (each written once), as JSON."""

    def put_version(self, period: str, version: int, report_json: str, generated_at: str) -> None: ...
    def latest(self, period: str) -> str | None: ...
    def version(self, period: str, version: int) -> str | None: ...


class MfaFactors(Protocol):
    def totp_enabled(self, user_pool_id: str, username: str) -> bool:
        """Has the user an authenticator app (TOTP) set up and enabled as a second factor?"""


class Directory(Protocol):
    def names(self) -> dict[str, str]:
        """username -> full name of the users who have one."""


class Receipts(Protocol):
    def next(self, kecamatan_code: str, year: int) -> int: ...


class CallbackLog(Protocol):
    def seen(self, event_id: str) -> bool: ...


@dataclass
class TableContents:
    """Everything the reconcile recounts, read by a full scan."""

    farmers: list[FarmerRecord] = field(default_factory=list)
    payments: list[PaymentRecord] = field(default_factory=list)
    claims: list[ClaimRecord] = field(default_factory=list)
    refunds: list[RefundRecord] = field(default_factory=list)
    population: dict[str, dict[str, int]] = field(default_factory=dict)  # kecamatan -> summed deltas
    counters: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)  # (period, kecamatan)
    items_scanned: int = 0


class Scanner(Protocol):
    def contents(self, segments: int = 4) -> TableContents: ...


@dataclass(frozen=True)
class Storage:
    """The domain table, as the use cases see it."""

    unit: UnitOfWork
    farmers: Farmers
    payments: Payments
    claims: Claims
    counters: Counters
    outbox: Outbox
    audit: AuditTrail
    reports: Reports
    receipts: Receipts
    callbacks: CallbackLog
    refunds: Refunds


class Queue(Protocol):
    def send(self, entry: OutboxEntry) -> None: ...


class BatchQueue(Protocol):
    def send_many(self, entries: Sequence[OutboxEntry]) -> None:
        """Every entry handed over (SendMessageBatch, 10 at a time), or an exception."""


@dataclass(frozen=True)
class PresignedPost:
    """Where and how a client uploads one file: POST `url` as multipart/form-data with `fields`
    (the signed policy among them), then the file."""

    url: str
    fields: dict[str, str]


@dataclass(frozen=True)
class StoredObject:
    """What storage says of an uploaded file."""

    size: int
    content_type: str | None
    version_id: str | None


class Documents(Protocol):
    """A private bucket of files: presigned uploads and downloads, and what the check needs."""

    def presign_post(
        self, object_key: str, content_type: str, min_bytes: int, max_bytes: int, expires_in: int
    ) -> PresignedPost: ...
    def presign_get(self, object_key: str, expires_in: int) -> str: ...
    def head(self, object_key: str) -> StoredObject | None: ...
    def read_head(self, object_key: str, length: int, version_id: str | None = None) -> bytes: ...
    def delete(self, object_key: str, version_id: str | None = None) -> None: ...
    def put(self, object_key: str, body: bytes, content_type: str) -> None: ...


class Idempotency(Protocol):
    def run(
        self, scope: str, key: str, caller: str, body: dict[str, Any], operation: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        """`operation` once per (scope, caller, key); the same key again replays its result."""


@dataclass(frozen=True)
class Registration:
    """BPJS's answer to a participant registration."""

    status: str  # "CONFIRMED" | "PENDING" (BPJS decides later and calls back)
    kpj_number: str | None


class BpjsError(Exception):
    def __init__(self, message: str, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class BpjsRetryable(BpjsError):
    """Network failure, timeout, 5xx, 429, or a credentials/clock problem: try again later."""


class BpjsRequestError(BpjsError):
    """BPJS says our request is malformed (400, 404, ...): retrying will not help."""


class BpjsRejected(BpjsError):
    """A final business answer, e.g. the NIK is unknown to Dukcapil."""

    def __init__(self, reason_code: str, reason: str) -> None:
        super().__init__(f"rejected: {reason_code}", 422, reason_code)
        self.reason_code = reason_code
        self.reason = reason


class BpjsGateway(Protocol):
    """BPJS's host-to-host API (docs/bpjs-h2h.md); `request_id` makes each call apply once."""

    def register_participant(self, request_id: str, participant: dict[str, Any]) -> Registration: ...
    def update_participant(self, request_id: str, kpj_number: str, changes: dict[str, Any]) -> None: ...
    def post_contribution(self, request_id: str, contribution: dict[str, Any]) -> str: ...
    def submit_claim(self, request_id: str, claim: dict[str, Any]) -> str: ...
    def lookup_participant(self, request_id: str, kpj_number: str, nik: str) -> str:
        """BpjsCheck value: MATCH, NIK_MISMATCH (the KPJ is another person's) or KPJ_NOT_FOUND."""


# ---------------------------------------------------------------------- the audit archive
class NotAnAuditRecord(ValueError):
    """A stream record that is not the INSERT of an audit item (the event filter lets none through)."""


@dataclass(frozen=True)
class StreamBatch:
    """A batch of the table's stream that the event source gave up on (its failure message)."""

    stream_arn: str
    shard_id: str
    start: int
    end: int


@dataclass(frozen=True)
class ArchivedVersion:
    """One stored version of an archived audit record (S3 object versions)."""

    version_id: str
    last_modified: Any
    is_latest: bool
    deleted: bool  # a delete marker


class AuditArchiveStore(Protocol):
    def audit_item(self, record: Mapping[str, Any]) -> dict[str, Any]: ...
    def batch_records(self, batch: StreamBatch, max_reads: int = 100) -> Iterator[Mapping[str, Any]]: ...
    def failed_batches(self, queue_url: str, max_messages: int) -> Iterator[tuple[StreamBatch, str]]: ...
    def batch_done(self, queue_url: str, receipt_handle: str) -> None: ...
    def expired(self, error: Exception) -> str | None: ...
    def put_once(self, item: Mapping[str, Any]) -> bool: ...
    def versions(self, subject_id: str) -> dict[str, list[ArchivedVersion]]: ...
    def archived_item(self, subject_id: str, sk: str, version: ArchivedVersion) -> dict[str, Any] | None: ...
    def trail_items(self, subject_id: str) -> dict[str, dict[str, Any]]: ...
    def check_subject(self, subject_id: str) -> None: ...


class SegmentScanner(Protocol):
    """One page of one segment of a parallel Scan: its records, and where the next page starts."""

    def page(
        self, segment: int, segments: int, start_key: dict[str, Any] | None
    ) -> tuple[TableContents, dict[str, Any] | None]: ...


class ReconcileJobStore(Protocol):
    """Reconcile jobs and the pieces their workers read (sutasoma.app.reconcile_jobs); a piece's
    tally is kept as `Tally.as_json()`."""

    def create(self, job: ReconcileJob) -> None: ...
    def get(self, job_id: str) -> ReconcileJob | None: ...
    def piece(self, task: SegmentTask) -> tuple[dict[str, Any], dict[str, Any] | None] | None: ...
    def save_piece(
        self, task: SegmentTask, tally: dict[str, Any], next_key: dict[str, Any] | None, at: str
    ) -> bool: ...
    def pieces(self, job_id: str) -> list[dict[str, Any]]: ...
    def finish(
        self, job_id: str, items_scanned: int, differences: Sequence[dict[str, Any]], total: int, at: str
    ) -> None: ...
    def fail(self, job_id: str, failure: str, at: str) -> None: ...


class ReconcileTaskQueue(Protocol):
    def send(self, tasks: Sequence[SegmentTask]) -> None: ...


# ---------------------------------------------------------------------- member imports
class ImportStore(Protocol):
    """The import's item and what hangs under it; the claims and farmers a check reads in bulk."""

    def get(self, import_id: str) -> ImportRecord | None: ...
    def checked(self, import_id: str, rows_checked: int) -> None: ...
    def add_chunk(self, import_id: str, outcome: ChunkOutcome, stamp: str) -> ImportRecord | None:
        """Counted once per chunk: None if it was counted already."""

    def add_failed_chunk(self, failed: FailedChunk) -> ImportRecord | None: ...
    def restart(self, import_id: str) -> None:
        """Forget the failed chunks before a new commit sends them again."""

    def failed_chunks(self, import_id: str) -> list[FailedChunk]: ...
    def refusals(self, import_id: str) -> list[ChunkOutcome]:
        """The chunks' rows a commit refused (changed since the validation), by chunk."""

    def mismatch_count(self, import_id: str) -> int: ...
    def mismatches(
        self, import_id: str, limit: int, start_after: str | None
    ) -> tuple[list[ImportMismatch], bool]: ...
    def nik_claims(self, nik_hashes: Sequence[str]) -> dict[str, str]: ...
    def kpj_claims(self, kpj_numbers: Sequence[str]) -> dict[str, str]: ...
    def farmers(self, farmer_ids: Sequence[str]) -> dict[str, FarmerRecord]: ...


class ImportFileInvalid(Exception):
    """The uploaded file cannot be read as a member list: `message` says why, in Bahasa Indonesia."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RowReader(Protocol):
    """The uploaded file's rows in order: the header first, then (row number, cells)."""

    def __iter__(self) -> Iterator[tuple[int, list[Any]]]: ...


class ResultWriter(Protocol):
    """The uploaded file again, with columns saying what became of each row."""

    def write(self, cells: list[Any]) -> None: ...


class ImportFiles(Protocol):
    def presign_post(
        self, object_key: str, content_type: str, max_bytes: int, expires_in: int
    ) -> PresignedPost: ...
    def presign_get(self, object_key: str, filename: str, expires_in: int) -> str: ...
    def size(self, object_key: str) -> int | None: ...
    def rows(self, object_key: str, file_type: str) -> AbstractContextManager[RowReader]: ...
    def results(self, object_key: str, file_type: str) -> AbstractContextManager[ResultWriter]: ...
    def put_chunk(self, import_id: str, chunk: int, rows: Sequence[PlannedRow]) -> None: ...
    def chunk(self, import_id: str, chunk: int) -> list[PlannedRow]: ...


class AgentDirectory(Protocol):
    def accounts(self) -> dict[str, AgentAccount]:
        """Agents and coordinators by casefolded username, with their kecamatan."""


class ChunkQueue(Protocol):
    def send_chunks(self, import_id: str, chunks: Sequence[int]) -> None: ...
