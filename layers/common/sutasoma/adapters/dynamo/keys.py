"""Every key of the single table (docs/data-model.md): the only module that knows them.

PK/SK and the index attributes of each kind of item, from the record they hold; nothing else
in the code writes `FARMER#…`, `KEC#…` or `AGENT#…`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sutasoma.domain.audit import AuditRecord
from sutasoma.domain.claim import ClaimKey, ClaimRecord, DeathClaimKey
from sutasoma.domain.farmer import FarmerRecord, KpjClaim, NikClaim, NikRelease
from sutasoma.domain.imports import ChunkOutcome, FailedChunk, ImportMismatch, ImportRecord
from sutasoma.domain.outbox import OutboxEntry
from sutasoma.domain.partner import CallbackReceipt
from sutasoma.domain.payment import PaymentRecord
from sutasoma.domain.records import Record
from sutasoma.domain.refund import RefundRecord

GSI_BY_KECAMATAN = "GSI1"  # a kecamatan's farmers (by village) and claims (newest last)
GSI_OUTBOX_PENDING = "GSI2"  # sparse: outbox entries not yet handed to the queue
OUTBOX_PENDING = "OUTBOX#PENDING"
# "~" sorts after every ULID character: `<stamp>#~` bounds every entry of that second.
AFTER_EVERY_ID = "~"

Key = dict[str, str]


@dataclass(frozen=True)
class Kind:
    """An item kind: its `type` attribute, and the prefix of its partition key."""

    type: str
    prefix: str


FARMER = Kind("FARMER", "FARMER#")
NIK = Kind("NIK_CLAIM", "NIK#")
NIK_RELEASE = Kind("NIK_RELEASE", "NIK#")
PAYMENT = Kind("PAYMENT", "FARMER#")
CLAIM = Kind("CLAIM", "CLAIM#")
CLAIM_KEY = Kind("CLAIMKEY", "CLAIMKEY#")
DEATH_CLAIM = Kind("DEATHCLAIM", "DEATHCLAIM#")
OUTBOX = Kind("OUTBOX", "FARMER#")
AUDIT = Kind("AUDIT", "AUDIT#")
CALLBACK = Kind("CALLBACK", "CALLBACK#")
REPORT = Kind("REPORT", "REPORT#")
REFUND = Kind("REFUND", "REFUND#")
RECONCILE_JOB = Kind("RECONCILE_JOB", "RECONCILE#")
RECONCILE_PIECE = Kind("RECONCILE_PIECE", "RECONCILE#")
# Member imports: the import's item, and under it its failed chunks, the rows a commit refused
# and the members BPJS did not confirm; the KPJ claims of imported members.
IMPORT = Kind("IMPORT", "IMPORT#")
IMPORT_FAILED_CHUNK = Kind("IMPORT_FAILED_CHUNK", "IMPORT#")
IMPORT_REFUSALS = Kind("IMPORT_REFUSALS", "IMPORT#")
IMPORT_MISMATCH = Kind("IMPORT_MISMATCH", "IMPORT#")
KPJ = Kind("KPJ_CLAIM", "KPJ#")
FAILED_CHUNK_PREFIX = "FAILED#"
REFUSALS_PREFIX = "REFUSED#"
MISMATCH_PREFIX = "MISMATCH#"
COUNTER_PREFIX = "COUNTER#"
POPULATION_PREFIX = "POP#"


def farmer(farmer_id: str) -> Key:
    return {"PK": f"FARMER#{farmer_id}", "SK": "PROFILE"}


def farmer_list_position(kecamatan_code: str, village_code: str, farmer_id: str) -> Key:
    # Village first, so one kecamatan's list narrows to a village with begins_with.
    return {"GSI1PK": f"KEC#{kecamatan_code}", "GSI1SK": f"FARMER#{village_code}#{farmer_id}"}


def farmers_of(kecamatan_code: str, village_code: str | None = None) -> tuple[str, str]:
    """(GSI1PK, GSI1SK prefix) of a kecamatan's (or a village's) farmers."""
    return f"KEC#{kecamatan_code}", f"FARMER#{village_code}#" if village_code else "FARMER#"


def nik_claim(nik_hash: str) -> Key:
    return {"PK": f"NIK#{nik_hash}", "SK": "NIK"}


def nik_release(nik_hash: str) -> Key:
    return {"PK": f"NIK#{nik_hash}", "SK": "RELEASE"}


def kpj_claim(kpj_number: str) -> Key:
    return {"PK": f"KPJ#{kpj_number}", "SK": "KPJ"}


def import_item(import_id: str) -> Key:
    return {"PK": import_of(import_id), "SK": "IMPORT"}


def import_of(import_id: str) -> str:
    """The partition of an import: its item and what hangs under it (SK prefixes above)."""
    return f"IMPORT#{import_id}"


def import_child(import_id: str, prefix: str, name: str) -> Key:
    return {"PK": import_of(import_id), "SK": f"{prefix}{name}"}


def chunk_name(chunk: int) -> str:
    return f"{chunk:06d}"


def payment(farmer_id: str, payment_id: str) -> Key:
    return {"PK": f"FARMER#{farmer_id}", "SK": f"PAYMENT#{payment_id}"}


def payments_of(farmer_id: str) -> tuple[str, str]:
    return f"FARMER#{farmer_id}", "PAYMENT#"


def claim(claim_id: str) -> Key:
    return {"PK": f"CLAIM#{claim_id}", "SK": "CLAIM"}


def claim_list_position(kecamatan_code: str, claim_id: str) -> Key:
    return {"GSI1PK": claims_of(kecamatan_code), "GSI1SK": claim_id}


def claims_of(kecamatan_code: str) -> str:
    return f"CLAIMS#{kecamatan_code}"


def claim_key(farmer_id: str, claim_type: str, incident_date: str) -> Key:
    return {"PK": f"CLAIMKEY#{farmer_id}#{claim_type}#{incident_date}", "SK": "CLAIMKEY"}


def death_claim(farmer_id: str) -> Key:
    return {"PK": f"DEATHCLAIM#{farmer_id}", "SK": "DEATHCLAIM"}


def outbox(farmer_id: str, op_id: str) -> Key:
    return {"PK": f"FARMER#{farmer_id}", "SK": f"OUTBOX#{op_id}"}


def outbox_pending(created_at: str, op_id: str) -> Key:
    return {"GSI2PK": OUTBOX_PENDING, "GSI2SK": f"{created_at}#{op_id}"}


def refund(refund_id: str) -> Key:
    return {"PK": f"REFUND#{refund_id}", "SK": "REFUND"}


def refunds_of(kecamatan_code: str) -> str:
    return f"REFUNDS#{kecamatan_code}"


def refund_list_position(kecamatan_code: str, refund_id: str) -> Key:
    return {"GSI1PK": refunds_of(kecamatan_code), "GSI1SK": refund_id}


def callback(event_id: str) -> Key:
    return {"PK": f"CALLBACK#{event_id}", "SK": "CALLBACK"}


def audit(subject_id: str, at: str, audit_id: str) -> Key:
    return {"PK": audit_trail(subject_id), "SK": f"{at}#{audit_id}"}


def audit_trail(subject_id: str) -> str:
    return f"AUDIT#{subject_id}"


def report_version(period: str, version: int) -> Key:
    return {"PK": f"REPORT#{period}", "SK": f"V#{version:06d}"}


def report_versions(period: str) -> tuple[str, str]:
    """(PK, SK prefix) of a month's report versions: newest first when read backwards."""
    return f"REPORT#{period}", "V#"


def receipt_sequence(kecamatan_code: str, year: int) -> Key:
    return {"PK": f"SEQ#RECEIPT#{kecamatan_code}#{year}", "SK": "SEQ"}


def reconcile_job(job_id: str) -> Key:
    return {"PK": f"{RECONCILE_JOB.prefix}{job_id}", "SK": "JOB"}


def reconcile_piece(job_id: str, segment: int, piece: int) -> Key:
    """What one worker read of one segment (a segment too long for one invocation has several)."""
    return {"PK": f"{RECONCILE_JOB.prefix}{job_id}", "SK": f"PIECE#{segment:05d}#{piece:06d}"}


def reconcile_pieces(job_id: str) -> tuple[str, str]:
    """(PK, SK prefix) of a job's pieces."""
    return f"{RECONCILE_JOB.prefix}{job_id}", "PIECE#"


def counters_of(period: str) -> str:
    return f"{COUNTER_PREFIX}{period}"


def counter(period: str, kecamatan_code: str, agent: str | None = None) -> Key:
    scope = f"AGENT#{kecamatan_code}#{agent}" if agent is not None else f"KEC#{kecamatan_code}"
    return {"PK": counters_of(period), "SK": scope}


def counter_scope(sk: str) -> tuple[str, str | None]:
    """(kecamatan code, agent username or None) of a counter item's sort key."""
    if sk.startswith("AGENT#"):
        _, kecamatan_code, username = sk.split("#", 2)
        return kecamatan_code, username
    return sk.removeprefix("KEC#"), None


def population_of(kecamatan_code: str) -> str:
    return f"{POPULATION_PREFIX}{kecamatan_code}"


def population(kecamatan_code: str, period: str) -> Key:
    return {"PK": population_of(kecamatan_code), "SK": period}


def item_keys(record: Record) -> tuple[Kind, Key]:
    """The kind and every key attribute (table and indexes) of the item holding `record`."""
    match record:
        case FarmerRecord():
            position = farmer_list_position(record.kecamatan_code, record.village_code, record.farmer_id)
            return FARMER, farmer(record.farmer_id) | position
        case NikClaim():
            return NIK, nik_claim(record.nik_hash)
        case NikRelease():
            return NIK_RELEASE, nik_release(record.nik_hash)
        case PaymentRecord():
            return PAYMENT, payment(record.farmer_id, record.payment_id)
        case ClaimRecord():
            return CLAIM, claim(record.claim_id) | claim_list_position(record.kecamatan_code, record.claim_id)
        case ClaimKey():
            return CLAIM_KEY, claim_key(record.farmer_id, record.claim_type, record.incident_date.isoformat())
        case DeathClaimKey():
            return DEATH_CLAIM, death_claim(record.farmer_id)
        case OutboxEntry():
            waiting = record.sent_at is None and record.delivered_at is None
            pending = outbox_pending(record.created_at, record.op_id) if waiting else {}
            return OUTBOX, outbox(record.farmer_id, record.op_id) | pending
        case AuditRecord():
            return AUDIT, audit(record.subject_id, record.at, record.audit_id)
        case CallbackReceipt():
            return CALLBACK, callback(record.event_id)
        case RefundRecord():
            return REFUND, refund(record.refund_id) | refund_list_position(
                record.kecamatan_code, record.refund_id
            )
        case KpjClaim():
            return KPJ, kpj_claim(record.kpj_number)
        case ImportRecord():
            return IMPORT, import_item(record.import_id)
        case FailedChunk():
            return IMPORT_FAILED_CHUNK, import_child(
                record.import_id, FAILED_CHUNK_PREFIX, chunk_name(record.chunk)
            )
        case ChunkOutcome():
            return IMPORT_REFUSALS, import_child(record.import_id, REFUSALS_PREFIX, chunk_name(record.chunk))
        case ImportMismatch():
            return IMPORT_MISMATCH, import_child(record.import_id, MISMATCH_PREFIX, record.farmer_id)
    raise TypeError(f"no item kind for {type(record).__name__}")


KEY_ATTRIBUTES = ("PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "type")
