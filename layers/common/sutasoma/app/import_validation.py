"""Checking an uploaded member file without writing a farmer (docs/imports.md "What is checked").

Once the file lands in S3 the validating function reads it row by row (the file is never held
in memory: XLSX read-only, CSV line by line), checks every row (domain/import_rows.py), looks
the rows up in the table a hundred at a time (NIK already registered, KPJ already used), and
writes three things: the results file (the uploaded file with two columns: what will become of
the row and, for a refused row, what is wrong), the valid rows cut into chunks for the commit,
and the import's counts (status VALIDATED). A file that cannot be read ends FAILED with why.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import batched
from typing import TYPE_CHECKING, Any

from sutasoma.app.ports import AgentDirectory, ImportFileInvalid, ImportFiles, ImportStore, UnitOfWork
from sutasoma.domain.changes import ChangeSet, Updated
from sutasoma.domain.clock import iso_utc, now_utc, today_wita
from sutasoma.domain.ids import new_id
from sutasoma.domain.import_plan import PlannedRow, RowAction, plan_row
from sutasoma.domain.import_rows import COLUMNS, MemberRow, RowRules, cells_of, check_row, header_map, text_of
from sutasoma.domain.imports import MAX_IMPORT_BYTES, ImportRecord, ImportStatus, import_id_of, results_key
from sutasoma.domain.nik import nik_lookup_hash
from sutasoma.runtime.observability import logger

if TYPE_CHECKING:
    from sutasoma.app.registration import AgePolicy

LOOKUP_BATCH = 100  # rows looked up together (BatchGetItem reads 100 keys)
PROGRESS_EVERY = 1000  # rows between two progress writes
RESULT_COLUMNS = ["Hasil Pemeriksaan", "Keterangan"]
LABELS = {RowAction.CREATE: "baru", RowAction.UPDATE: "diperbarui", RowAction.UNCHANGED: "tidak berubah"}
REFUSED = "ditolak"


@dataclass(frozen=True)
class Verdict:
    planned: PlannedRow | None
    errors: tuple[str, ...] = ()

    def cells(self) -> list[str | None]:
        if self.planned is None:
            return [REFUSED, "; ".join(self.errors)]
        return [LABELS[self.planned.action], None]


class Chunks:
    """Rows to write, one buffer per kecamatan (a chunk touches one kecamatan's counters), each
    written out as a chunk of `size` rows when full."""

    def __init__(self, files: ImportFiles, import_id: str, size: int) -> None:
        self.files = files
        self.import_id = import_id
        self.size = size
        self.buffers: dict[str, list[PlannedRow]] = {}
        self.count = 0

    def add(self, row: PlannedRow) -> None:
        buffer = self.buffers.setdefault(row.member.kecamatan_code, [])
        buffer.append(row)
        if len(buffer) >= self.size:
            self._flush(row.member.kecamatan_code)

    def _flush(self, kecamatan: str) -> None:
        rows = self.buffers.pop(kecamatan, [])
        if rows:
            self.count += 1
            self.files.put_chunk(self.import_id, self.count, rows)

    def close(self) -> int:
        for kecamatan in sorted(self.buffers):
            self._flush(kecamatan)
        return self.count


class FileCheck:
    """Every row of one file: its own checks, then duplicates in the file, then the table."""

    def __init__(self, rules: RowRules, columns: dict[str, int], nik_key: bytes, store: ImportStore) -> None:
        self.rules = rules
        self.columns = columns
        self.nik_key = nik_key
        self.store = store
        self.first_nik: dict[str, int] = {}  # NIK -> the first row that has it
        self.first_kpj: dict[str, int] = {}
        self.tally: Counter[str] = Counter()

    def check(self, batch: Iterable[tuple[int, list[Any]]]) -> Iterator[tuple[list[Any], Verdict]]:
        rows: list[tuple[list[Any], MemberRow | None, list[str]]] = []
        for number, cells in batch:
            fields = cells_of(cells, self.columns)
            member, errors = check_row(number, fields, self.rules)
            errors += self._duplicates(number, fields)
            rows.append((cells, member if not errors else None, errors))
        members = [m for _, m, _ in rows if m is not None]
        hashes = {m.row: nik_lookup_hash(m.nik, self.nik_key) for m in members}
        claims = self.store.nik_claims(list(hashes.values())) if members else {}
        kpjs = self.store.kpj_claims([m.kpj_number for m in members]) if members else {}
        farmers = self.store.farmers(sorted(set(claims.values()))) if claims else {}
        for cells, member, errors in rows:
            verdict = Verdict(None, tuple(errors))
            if member is not None:
                holder = claims.get(hashes[member.row])
                plan = plan_row(
                    member, hashes[member.row], farmers.get(holder or ""), kpjs.get(member.kpj_number), new_id
                )
                verdict = Verdict(plan) if isinstance(plan, PlannedRow) else Verdict(None, (plan,))
            self.tally["rows"] += 1
            self.tally[verdict.planned.action.value if verdict.planned else "invalid"] += 1
            yield cells, verdict

    def _duplicates(self, number: int, fields: dict[str, Any]) -> list[str]:
        """A NIK or KPJ met earlier in the file: the first row keeps it, later ones are refused."""
        errors = []
        for name, seen, header in (
            ("nik", self.first_nik, "NIK"),
            ("kpj_number", self.first_kpj, "Nomor KPJ"),
        ):
            value = text_of(fields.get(name))
            if not value:
                continue
            first = seen.setdefault(value, number)
            if first != number:
                errors.append(f"{header}: sama dengan baris {first} di berkas ini")
        return errors


def _data_rows(rows: Iterator[tuple[int, list[Any]]]) -> Iterator[tuple[int, list[Any]]]:
    """Rows with something in them (spreadsheets keep formatted empty rows)."""
    return ((n, cells) for n, cells in rows if any(text_of(c) for c in cells))


class ValidateImport:
    def __init__(
        self,
        store: ImportStore,
        unit: UnitOfWork,
        files: ImportFiles,
        agents: AgentDirectory,
        nik_key: Callable[[], bytes],
        ages: AgePolicy,
        chunk_rows: int,
        max_bytes: int = MAX_IMPORT_BYTES,
    ) -> None:
        self.store = store
        self.unit = unit
        self.files = files
        self.agents = agents
        self._nik_key = nik_key
        self.ages = ages
        self.chunk_rows = chunk_rows
        self.max_bytes = max_bytes

    def __call__(self, import_id: str) -> ImportRecord | None:
        """Check the import's file (None: no such import). A file delivered twice, or an import
        past its check, is left as it is; a check cut short is started again."""
        record = self.store.get(import_id)
        if record is None or record.status not in (ImportStatus.AWAITING_FILE, ImportStatus.VALIDATING):
            return record
        stamp = iso_utc(now_utc())
        record = self._move(record, status=ImportStatus.VALIDATING, updated_at=stamp)
        try:
            tally, chunks = self._check_file(record)
        except ImportFileInvalid as invalid:
            logger.info("import file refused", extra={"import_id": import_id})
            return self._move(record, status=ImportStatus.FAILED, failure=invalid.message,
                              finished_at=iso_utc(now_utc()), updated_at=iso_utc(now_utc()))  # fmt: skip
        done = iso_utc(now_utc())
        logger.info("import file checked", extra={"import_id": import_id, **tally, "chunks": chunks})
        return self._move(
            record, status=ImportStatus.VALIDATED, rows_total=tally["rows"], invalid=tally["invalid"],
            valid=tally["rows"] - tally["invalid"], planned_create=tally[RowAction.CREATE.value],
            planned_update=tally[RowAction.UPDATE.value], unchanged=tally[RowAction.UNCHANGED.value],
            chunks_total=chunks, results_key=results_key(import_id, record.file_type), validated_at=done,
            updated_at=done,
        )  # fmt: skip

    def _move(self, record: ImportRecord, **changes: Any) -> ImportRecord:
        after = record.next(**changes)
        self.unit.commit(ChangeSet(writes=(Updated(record, after),)))
        return after

    def _check_size(self, record: ImportRecord) -> None:
        size = self.files.size(record.object_key)
        if size is None:
            raise ImportFileInvalid("Berkas impor tidak ditemukan; unggah lagi.")
        if size == 0:
            raise ImportFileInvalid("Berkas kosong.")
        if size > self.max_bytes:
            raise ImportFileInvalid(
                f"Berkas lebih dari {self.max_bytes // (1024 * 1024)} MB; bagi menjadi beberapa berkas."
            )

    def _check_file(self, record: ImportRecord) -> tuple[Counter[str], int]:
        self._check_size(record)
        rules = RowRules(today_wita(), self.ages.low, self.ages.high, self.agents.accounts())
        with (
            self.files.rows(record.object_key, record.file_type) as reader,
            self.files.results(results_key(record.import_id, record.file_type), record.file_type) as out,
        ):
            rows = iter(reader)
            header = next(rows, None)
            if header is None:
                raise ImportFileInvalid("Berkas kosong: tidak ada baris judul kolom.")
            columns, missing = header_map(header[1])
            if missing:
                raise ImportFileInvalid(_missing_columns(missing))
            out.write([*header[1], *RESULT_COLUMNS])
            check = FileCheck(rules, columns, self._nik_key(), self.store)
            chunks = Chunks(self.files, record.import_id, self.chunk_rows)
            reported = 0
            for batch in batched(_data_rows(rows), LOOKUP_BATCH, strict=False):
                for cells, verdict in check.check(batch):
                    out.write([*cells, *verdict.cells()])
                    if verdict.planned is not None and verdict.planned.action is not RowAction.UNCHANGED:
                        chunks.add(verdict.planned)
                if check.tally["rows"] - reported >= PROGRESS_EVERY:
                    reported = check.tally["rows"]
                    self.store.checked(record.import_id, reported)
            self.store.checked(record.import_id, check.tally["rows"])
            if not check.tally["rows"]:
                raise ImportFileInvalid("Berkas tidak berisi baris data di bawah baris judul kolom.")
            return check.tally, chunks.close()


def _missing_columns(missing: list[str]) -> str:
    expected = ", ".join(c.header for c in COLUMNS)
    return (
        f"Kolom wajib tidak ada: {', '.join(missing)}. Baris pertama harus berisi judul kolom: {expected} "
        "(unduh templatnya di GET /imports/template.xlsx). Berkas CSV dipisah koma dan disimpan sebagai UTF-8."
    )


def uploaded_imports(object_keys: Iterable[str]) -> list[str]:
    """The imports whose files these object keys are (other keys of the bucket ignored)."""
    found = (import_id_of(key) for key in object_keys)
    return list(dict.fromkeys(i for i in found if i is not None))
