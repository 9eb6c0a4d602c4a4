"""Member imports (CONTRACT "Imports and exports"): the import's record, its life cycle, the
file's limits, and what the BPJS participant look-up found (docs/imports.md).

An import is one uploaded file of existing BPJS participants. Its status moves
AWAITING_FILE → VALIDATING → VALIDATED → COMMITTING → COMMITTED, or to FAILED (a file that
cannot be read, or a chunk that kept failing); a FAILED commit may be committed again, and
only the chunks not done yet are sent. Progress of the commit (rows done, created, updated…)
is added by the chunks themselves, each once (adapters/dynamo/imports.py), never through a
version of this record: the version moves only with the status.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field

from sutasoma.domain.errors import Conflict
from sutasoma.domain.farmer import BpjsCheck
from sutasoma.domain.records import Record, Versioned

MAX_IMPORT_BYTES = 20 * 1024 * 1024  # what S3 accepts (presigned POST) and what is read
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}


# Object keys in the imports bucket: uploads/ is what the "object landed" trigger watches; what
# the functions write lives under work/ (never a trigger).
UPLOAD_PREFIX = "uploads/"


def upload_key(import_id: str, file_type: str) -> str:
    return f"{UPLOAD_PREFIX}{import_id}.{file_type}"


def import_id_of(object_key: str) -> str | None:
    """The import an uploaded object belongs to (None for any other key)."""
    if not object_key.startswith(UPLOAD_PREFIX):
        return None
    name = object_key.removeprefix(UPLOAD_PREFIX)
    import_id, dot, file_type = name.rpartition(".")
    return import_id if dot and file_type in CONTENT_TYPES and "/" not in import_id else None


def results_key(import_id: str, file_type: str) -> str:
    return f"work/{import_id}/hasil-pemeriksaan.{file_type}"


def file_type_of(filename: str) -> str | None:
    """`anggota.XLSX` -> `xlsx`; None unless XLSX or CSV."""
    _, dot, extension = filename.strip().rpartition(".")
    return extension.lower() if dot and extension.lower() in CONTENT_TYPES else None


class ImportStatus(StrEnum):
    AWAITING_FILE = "AWAITING_FILE"
    VALIDATING = "VALIDATING"
    VALIDATED = "VALIDATED"
    COMMITTING = "COMMITTING"
    COMMITTED = "COMMITTED"
    FAILED = "FAILED"


class ImportKind(StrEnum):
    MEMBERS = "members"


CHECK_NOTES = {
    BpjsCheck.NIK_MISMATCH: "Nomor KPJ terdaftar di BPJS dengan NIK lain.",
    BpjsCheck.KPJ_NOT_FOUND: "Nomor KPJ tidak terdaftar di BPJS.",
}


class ImportInvalidState(Conflict):
    code = "IMPORT_INVALID_STATE"
    title = "Status impor tidak sesuai"


class ImportRecord(Versioned):
    import_id: str
    kind: ImportKind = ImportKind.MEMBERS
    filename: str
    file_type: str  # "xlsx" | "csv"
    object_key: str
    status: ImportStatus = ImportStatus.AWAITING_FILE
    created_by: str
    created_by_sub: str
    created_at: str
    updated_at: str
    # Validation: what the file holds and what a commit will do.
    rows_total: int = 0
    rows_checked: int = 0
    valid: int = 0
    invalid: int = 0
    planned_create: int = 0
    planned_update: int = 0
    unchanged: int = 0
    results_key: str | None = None  # the uploaded file with a column per refused row
    chunks_total: int = 0
    validated_at: str | None = None
    failure: str | None = None  # why the import FAILED, in Bahasa Indonesia
    # Commit: who committed, and what the chunks added (each chunk once).
    committed_by: str | None = None
    committed_by_sub: str | None = None
    commit_request_id: str | None = None
    commit_started_at: str | None = None
    chunks_sent_at: str | None = None  # every chunk handed to the queue (a retried commit sends again)
    finished_at: str | None = None
    chunk_rows_done: int = 0
    created: int = 0
    updated: int = 0
    not_written: int = 0  # rows a commit refused (changed since validation)
    failed_rows: int = 0  # rows of chunks that kept failing, not written (reset by a new commit)
    commit_unchanged: int = 0  # rows found unchanged at commit (changed the same way since the check)
    chunks_done: frozenset[int] = Field(default_factory=frozenset)
    chunks_failed: frozenset[int] = Field(default_factory=frozenset)

    def stored(self) -> dict[str, Any]:
        """Without the progress the chunks add (adapters/dynamo/imports.py): a change of status
        never writes over what a chunk added meanwhile."""
        return {k: v for k, v in super().stored().items() if k not in PROGRESS}

    @property
    def chunks_accounted(self) -> int:
        return len(self.chunks_done | self.chunks_failed)

    @property
    def rows_done(self) -> int:
        """Rows a commit has dealt with: those found unchanged at validation, then each chunk's."""
        return (self.unchanged if self.commit_started_at else 0) + self.chunk_rows_done

    def pending_chunks(self) -> list[int]:
        """Chunks (1-based) not done yet: a first commit sends them all, a retry the rest."""
        return [n for n in range(1, self.chunks_total + 1) if n not in self.chunks_done]


# Fields only the chunks (and the validation's progress) write, by ADD or SET, never a version.
PROGRESS = frozenset(
    {"rows_checked", "chunk_rows_done", "created", "updated", "not_written", "failed_rows", "commit_unchanged",
     "chunks_done", "chunks_failed"}
)  # fmt: skip


class ChunkOutcome(Record):
    """What one chunk did, added to its import once (kept as an item when rows were refused)."""

    import_id: str
    chunk: int
    rows: int  # rows of the chunk, done (written, already there or found unchanged) or not
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    not_written: int = 0
    refused_rows: tuple[int, ...] = ()  # file row numbers not written, and why (below)
    reasons: tuple[str, ...] = ()


class FailedChunk(Record):
    """A chunk that kept failing (its SQS message reached the dead-letter queue): which of its
    rows were written before it gave up, which were not."""

    import_id: str
    chunk: int
    first_row: int
    last_row: int
    written: int
    rows_not_written: tuple[int, ...]
    failed_at: str


class ImportMismatch(Record):
    """An imported member whose KPJ and NIK BPJS does not confirm: on the admin's list."""

    import_id: str
    farmer_id: str
    kecamatan_code: str
    result: BpjsCheck
    checked_at: str


def failure_text(record: ImportRecord, failed: list[FailedChunk]) -> str:
    """What a FAILED commit wrote and did not write, in Bahasa Indonesia."""
    rows = ", ".join(
        f"{c.first_row}-{c.last_row}" if c.first_row != c.last_row else str(c.first_row) for c in failed
    )
    missing = sum(len(c.rows_not_written) for c in failed)
    written = record.created + record.updated + sum(c.written for c in failed)
    return (
        f"{len(failed)} bagian impor gagal berulang kali (baris {rows}). "
        f"{written} baris sudah tertulis, {missing} baris belum tertulis. "
        "Perbaiki penyebabnya lalu kirim ulang POST /imports/{import_id}/commit: "
        "hanya bagian yang belum selesai yang dikirim lagi, baris yang sudah tertulis tidak ditulis dua kali."
    ).replace("{import_id}", record.import_id)
