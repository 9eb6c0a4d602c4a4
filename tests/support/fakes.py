"""In-memory fakes of the app's ports (sutasoma/app/ports.py): use cases tested without AWS.

A commit is all or nothing and honours what the DynamoDB unit of work promises: a Created
record conflicts with one already there, an Updated record with a version that moved on.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from sutasoma.app.common import Writer
from sutasoma.app.outbox import Dispatcher
from sutasoma.app.ports import PresignedPost, Registration, Storage, StoredObject, VersionTaken
from sutasoma.app.queries import ClaimQuery, FarmerQuery, RefundQuery
from sutasoma.domain.audit import AuditRecord
from sutasoma.domain.changes import ChangeSet, Created, Deleted, Updated, WriteConflict
from sutasoma.domain.claim import ClaimKey, ClaimRecord, DeathClaimKey
from sutasoma.domain.counters import CounterIncrement, MonthCounters
from sutasoma.domain.farmer import FarmerRecord, KpjClaim, NikClaim, NikRelease
from sutasoma.domain.imports import ImportMismatch
from sutasoma.domain.outbox import OutboxEntry
from sutasoma.domain.partner import CallbackReceipt
from sutasoma.domain.payment import PaymentRecord
from sutasoma.domain.records import Record
from sutasoma.domain.refund import RefundRecord

Identity = tuple[str, ...]


def identity(record: Record) -> Identity:
    match record:
        case FarmerRecord():
            return ("farmer", record.farmer_id)
        case NikClaim():
            return ("nik", record.nik_hash)
        case NikRelease():
            return ("nik_release", record.nik_hash)
        case PaymentRecord():
            return ("payment", record.farmer_id, record.payment_id)
        case ClaimRecord():
            return ("claim", record.claim_id)
        case ClaimKey():
            return ("claimkey", record.farmer_id, record.claim_type, record.incident_date.isoformat())
        case DeathClaimKey():
            return ("deathclaim", record.farmer_id)
        case OutboxEntry():
            return ("outbox", record.farmer_id, record.op_id)
        case AuditRecord():
            return ("audit", record.subject_id, record.audit_id)
        case CallbackReceipt():
            return ("callback", record.event_id)
        case RefundRecord():
            return ("refund", record.refund_id)
        case KpjClaim():
            return ("kpj", record.kpj_number)
        case ImportMismatch():
            return ("mismatch", record.import_id, record.farmer_id)
    raise TypeError(type(record).__name__)


class MemoryTable:
    """Every record by identity, the counters, and what was committed."""

    def __init__(self) -> None:
        self.records: dict[Identity, Record] = {}
        self.counters: dict[tuple[str, str, str | None], Counter[str]] = defaultdict(Counter)
        self.population: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        self.commits: list[ChangeSet] = []
        self.lock = threading.Lock()

    def of(self, kind: type[Record]) -> list[Any]:
        return [r for r in self.records.values() if isinstance(r, kind)]


class MemoryUnitOfWork:
    def __init__(self, table: MemoryTable) -> None:
        self.table = table

    def commit(self, changes: ChangeSet) -> None:
        with self.table.lock:
            for write in changes.writes:
                self._check(write)
            for write in changes.writes:
                if isinstance(write, Deleted):
                    del self.table.records[identity(write.record)]
                    continue
                record = write.record if isinstance(write, Created) else write.after
                self.table.records[identity(record)] = record
            for record in (*changes.outbox, *changes.audit):
                self.table.records[identity(record)] = record
            for count in changes.counts:
                if isinstance(count, CounterIncrement):
                    self.table.counters[(count.period, count.kecamatan_code, count.agent)].update(
                        count.amounts
                    )
                else:
                    self.table.population[(count.kecamatan_code, count.period)].update(count.amounts)
            self.table.commits.append(changes)

    def _check(self, write: Created | Updated | Deleted) -> None:
        record = write.before if isinstance(write, Updated) else write.record
        current = self.table.records.get(identity(record))
        if isinstance(write, Created) and current is not None:
            raise WriteConflict(write, current)
        if isinstance(write, Deleted) and current != write.record:
            raise WriteConflict(write, current)
        if isinstance(write, Updated) and (
            current is None or getattr(current, "version", None) != write.before.version
        ):
            raise WriteConflict(write, current)


class MemoryFarmers:
    def __init__(self, table: MemoryTable) -> None:
        self.table = table

    def _get(self, *key: str) -> Any:
        return self.table.records.get(key)

    # Farmers
    def get(self, farmer_id: str) -> FarmerRecord | None:
        found = self._get("farmer", farmer_id)
        return found if isinstance(found, FarmerRecord) else None

    def id_for_nik(self, nik_hash: str) -> str | None:
        claim = self.nik_claim(nik_hash)
        return claim.farmer_id if claim else None

    def nik_claim(self, nik_hash: str) -> NikClaim | None:
        claim = self._get("nik", nik_hash)
        return claim if isinstance(claim, NikClaim) else None

    def nik_release_pending(self, nik_hash: str) -> bool:
        return self._get("nik_release", nik_hash) is not None

    def page(self, query: FarmerQuery, limit: int) -> tuple[list[FarmerRecord], bool]:
        farmers = sorted(
            (f for f in self.table.of(FarmerRecord) if f.kecamatan_code == query.kecamatan_code),
            key=lambda f: (f.village_code, f.farmer_id),
        )
        if query.village_code:
            farmers = [f for f in farmers if f.village_code == query.village_code]
        if query.start_after:
            farmers = [f for f in farmers if (f.village_code, f.farmer_id) > query.start_after]
        return farmers[:limit], len(farmers) > limit


class MemoryPayments:
    def __init__(self, table: MemoryTable) -> None:
        self.table = table

    def get(self, farmer_id: str, payment_id: str) -> PaymentRecord | None:
        return self.table.records.get(("payment", farmer_id, payment_id))  # type: ignore[return-value]

    def all_of(self, farmer_id: str) -> list[PaymentRecord]:
        found = [p for p in self.table.of(PaymentRecord) if p.farmer_id == farmer_id]
        return sorted(found, key=lambda p: p.payment_id, reverse=True)

    def page(
        self, farmer_id: str, limit: int, before_payment_id: str | None = None
    ) -> tuple[list[PaymentRecord], bool]:
        found = [
            p for p in self.all_of(farmer_id) if before_payment_id is None or p.payment_id < before_payment_id
        ]
        return found[:limit], len(found) > limit


class MemoryClaims:
    def __init__(self, table: MemoryTable) -> None:
        self.table = table

    def get(self, claim_id: str) -> ClaimRecord | None:
        return self.table.records.get(("claim", claim_id))  # type: ignore[return-value]

    def death_benefit_claim(self, farmer_id: str) -> str | None:
        held = self.table.records.get(("deathclaim", farmer_id))
        return held.claim_id if isinstance(held, DeathClaimKey) else None

    def page(self, query: ClaimQuery, limit: int) -> tuple[list[ClaimRecord], bool]:
        found = sorted(
            (c for c in self.table.of(ClaimRecord) if c.kecamatan_code == query.kecamatan_code
             and (query.status is None or c.status == query.status)
             and (query.farmer_id is None or c.farmer_id == query.farmer_id)
             and (query.start_after is None or c.claim_id < query.start_after)),
            key=lambda c: c.claim_id, reverse=True,
        )  # fmt: skip
        return found[:limit], len(found) > limit


class MemoryRefunds:
    def __init__(self, table: MemoryTable) -> None:
        self.table = table

    def get(self, refund_id: str) -> RefundRecord | None:
        return self.table.records.get(("refund", refund_id))  # type: ignore[return-value]

    def page(self, query: RefundQuery, limit: int) -> tuple[list[RefundRecord], bool]:
        found = sorted(
            (r for r in self.table.of(RefundRecord) if r.kecamatan_code == query.kecamatan_code
             and (query.status is None or r.status == query.status)
             and (query.farmer_id is None or r.farmer_id == query.farmer_id)
             and (query.start_after is None or r.refund_id < query.start_after)),
            key=lambda r: r.refund_id, reverse=True,
        )  # fmt: skip
        return found[:limit], len(found) > limit


class MemoryOutbox:
    def __init__(self, table: MemoryTable) -> None:
        self.table = table

    def get(self, farmer_id: str, op_id: str) -> OutboxEntry | None:
        return self.table.records.get(("outbox", farmer_id, op_id))  # type: ignore[return-value]

    def pending(self, created_up_to: str, limit: int = 100) -> list[OutboxEntry]:
        waiting = [e for e in self.table.of(OutboxEntry) if e.sent_at is None and e.delivered_at is None]
        return sorted((e for e in waiting if e.created_at <= created_up_to), key=lambda e: e.created_at)[
            :limit
        ]

    def mark_sent(self, entry: OutboxEntry, sent_at: str) -> None:
        current = self.get(entry.farmer_id, entry.op_id)
        if current is not None:
            self.table.records[identity(current)] = current.but(sent_at=sent_at)


class MemoryAudit:
    def __init__(self, table: MemoryTable) -> None:
        self.table = table

    def record(self, audit: AuditRecord) -> None:
        self.table.records[identity(audit)] = audit

    def trail(self, subject_id: str, limit: int = 100) -> list[AuditRecord]:
        return sorted(
            (a for a in self.table.of(AuditRecord) if a.subject_id == subject_id), key=lambda a: a.at
        )[:limit]


class MemoryCounters:
    def __init__(self, table: MemoryTable) -> None:
        self.table = table

    def month(self, period: str) -> MonthCounters:
        counters = MonthCounters()
        for (month, kecamatan, agent), amounts in self.table.counters.items():
            if month == period:
                target = counters.kecamatan if agent is None else counters.agents
                target[kecamatan if agent is None else (kecamatan, agent)] = dict(amounts)  # type: ignore[index]
        return counters

    def population_deltas(self, kecamatan_code: str, up_to: str) -> dict[str, dict[str, int]]:
        return {
            p: dict(a) for (k, p), a in self.table.population.items() if k == kecamatan_code and p <= up_to
        }


class MemoryMisc:
    def __init__(self, table: MemoryTable) -> None:
        self.table = table
        self.versions: dict[tuple[str, int], str] = {}
        self.sequences: Counter[tuple[str, int]] = Counter()

    def put_version(self, period: str, version: int, report_json: str, generated_at: str) -> None:
        if (period, version) in self.versions:
            raise VersionTaken(version)
        self.versions[(period, version)] = report_json

    def latest(self, period: str) -> str | None:
        numbers = [v for p, v in self.versions if p == period]
        return self.versions[(period, max(numbers))] if numbers else None

    def version(self, period: str, version: int) -> str | None:
        return self.versions.get((period, version))

    def next(self, kecamatan_code: str, year: int) -> int:
        self.sequences[(kecamatan_code, year)] += 1
        return self.sequences[(kecamatan_code, year)]

    def seen(self, event_id: str) -> bool:
        return ("callback", event_id) in self.table.records


def memory_storage(table: MemoryTable | None = None) -> Storage:
    table = table or MemoryTable()
    misc = MemoryMisc(table)
    return Storage(
        unit=MemoryUnitOfWork(table), farmers=MemoryFarmers(table), payments=MemoryPayments(table),
        claims=MemoryClaims(table), counters=MemoryCounters(table), outbox=MemoryOutbox(table),
        audit=MemoryAudit(table), reports=misc, receipts=misc, callbacks=misc, refunds=MemoryRefunds(table),
    )  # fmt: skip


class MemoryQueue:
    def __init__(self) -> None:
        self.sent: list[OutboxEntry] = []
        self.down = False

    def send(self, entry: OutboxEntry) -> None:
        if self.down:
            raise ConnectionError("queue unreachable")
        self.sent.append(entry)


class MemoryIdempotency:
    """Same (scope, caller, key) and body: the stored answer; another body: refused."""

    def __init__(self) -> None:
        self.answers: dict[tuple[str, str, str], tuple[dict[str, Any], dict[str, Any]]] = {}

    def run(
        self, scope: str, key: str, caller: str, body: dict[str, Any], operation: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        from sutasoma.domain.errors import IdempotencyKeyReused

        stored = self.answers.get((scope, caller, key))
        if stored is not None:
            if stored[0] != body:
                raise IdempotencyKeyReused(
                    "Idempotency-Key ini sudah dipakai untuk permintaan dengan isi yang berbeda."
                )
            return stored[1]
        answer = operation()
        self.answers[(scope, caller, key)] = (body, answer)
        return answer


class MemoryDocuments:
    """A bucket in memory: objects (bytes, content type, version), and what was presigned."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.types: dict[str, str] = {}
        self.posts: list[tuple[str, str, int, int]] = []  # (key, content type, min, max)
        self.deleted: list[tuple[str, str | None]] = []

    def presign_post(
        self, object_key: str, content_type: str, min_bytes: int, max_bytes: int, expires_in: int
    ) -> PresignedPost:
        self.posts.append((object_key, content_type, min_bytes, max_bytes))
        return PresignedPost(f"memory://{object_key}", {"key": object_key, "Content-Type": content_type})

    def presign_get(self, object_key: str, expires_in: int) -> str:
        return f"memory://{object_key}?expires={expires_in}"

    def head(self, object_key: str) -> StoredObject | None:
        if object_key not in self.objects:
            return None
        return StoredObject(len(self.objects[object_key]), self.types.get(object_key), "v1")

    def read_head(self, object_key: str, length: int, version_id: str | None = None) -> bytes:
        return self.objects[object_key][:length]

    def delete(self, object_key: str, version_id: str | None = None) -> None:
        self.deleted.append((object_key, version_id))
        self.objects.pop(object_key, None)

    def put(self, object_key: str, body: bytes, content_type: str) -> None:
        self.objects[object_key] = body
        self.types[object_key] = content_type


class FakeBpjs:
    """BPJS answering every registration with a KPJ number (or a rejection, by NIK)."""

    def __init__(self, reject: set[str] | None = None) -> None:
        self.reject = reject or set()
        self.calls: list[tuple[str, str]] = []

    def register_participant(self, request_id: str, participant: dict[str, Any]) -> Registration:
        from sutasoma.app.ports import BpjsRejected

        self.calls.append(("register", request_id))
        if participant["nik"] in self.reject:
            raise BpjsRejected("NIK_NOT_FOUND", "NIK tidak ditemukan di Dukcapil")
        return Registration("CONFIRMED", f"{abs(hash(participant['nik'])) % 10**11:011d}")

    def update_participant(self, request_id: str, kpj_number: str, changes: dict[str, Any]) -> None:
        self.calls.append(("update", request_id))

    def post_contribution(self, request_id: str, contribution: dict[str, Any]) -> str:
        self.calls.append(("contribution", request_id))
        return f"POST-{request_id}"

    def submit_claim(self, request_id: str, claim: dict[str, Any]) -> str:
        self.calls.append(("claim", request_id))
        return f"CLM-{request_id}"

    def lookup_participant(self, request_id: str, kpj_number: str, nik: str) -> str:
        """KPJ numbers ending in 99 are another person's (as the simulator's rule)."""
        self.calls.append(("lookup", request_id))
        return "NIK_MISMATCH" if kpj_number.endswith("99") else "MATCH"


def memory_writer(storage: Storage, queue: MemoryQueue) -> Writer:
    return Writer(storage.unit, Dispatcher(storage.outbox, queue))
