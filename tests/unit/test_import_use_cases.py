"""Imports and exports on in-memory fakes: who may, how big, and how a chunk's rows are packed
into transactions (DynamoDB takes at most 100 items in one)."""

from __future__ import annotations

from datetime import date

import pytest

from sutasoma.app.exports import FarmerExports
from sutasoma.app.imports import ImportDesk, NewImport
from sutasoma.app.packing import MAX_TRANSACTION_ITEMS, pack
from sutasoma.app.queries import FarmerFilters
from sutasoma.domain.changes import ChangeSet, Created
from sutasoma.domain.errors import ExportTooLarge, Forbidden
from sutasoma.domain.identity import Caller, Role
from sutasoma.domain.import_plan import PlannedRow, RowAction, created_changes
from sutasoma.domain.import_rows import MemberRow
from sutasoma.domain.imports import FailedChunk, ImportRecord, failure_text
from sutasoma.domain.nik import compose_nik
from tests.support.fakes import MemoryIdempotency, memory_storage
from tests.support.records import farmer_record

ADMIN = Caller("sub-a", "admin", Role.ADMIN, None)
COORDINATOR = Caller("sub-c", "koordinator.lalabata", Role.COORDINATOR, "73.12.04")
AGENT = Caller("sub-g", "agen.lalabata", Role.AGENT, "73.12.04")


def test_exports_are_for_coordinators_and_admins_and_have_a_limit() -> None:
    storage = memory_storage()
    for _ in range(1, 6):
        storage.unit.commit(ChangeSet(writes=(Created(farmer_record()),)))
    exports = FarmerExports(storage.farmers, storage.audit, max_rows=3)
    with pytest.raises(Forbidden):
        exports.export(AGENT, ["73.12.04"], FarmerFilters(), "csv")
    with pytest.raises(ExportTooLarge) as too_large:
        exports.export(COORDINATOR, ["73.12.04"], FarmerFilters(), "csv")
    assert too_large.value.code == "EXPORT_TOO_LARGE"
    done = FarmerExports(storage.farmers, storage.audit, max_rows=10).export(
        ADMIN, ["73.12.04"], FarmerFilters(), "xlsx"
    )
    assert len(done.farmers) == 5 and done.view.nik_whole
    assert [a.action.value for a in storage.audit.trail("farmer-exports")] == ["FARMERS_EXPORTED"]


def test_only_an_admin_opens_an_import() -> None:
    storage = memory_storage()
    desk = ImportDesk(None, storage.unit, None, None, MemoryIdempotency(), 900, 900)  # type: ignore[arg-type]
    with pytest.raises(Forbidden):
        desk.start(COORDINATOR, NewImport(filename="anggota.csv"))


def planned(n: int, registered: date) -> PlannedRow:
    member = MemberRow(
        row=n + 1, nik=compose_nik("731204", date(1980, 1, 1 + n % 28), "M", n + 1), full_name="La Tahang",
        birth_date=date(1980, 1, 1 + n % 28), sex="M", phone="081234567890", kecamatan_code="73.12.04",
        village_code="73.12.04.1001", address="Dusun Bulu", commodity="padi", monthly_income=1_000_000,
        kpj_number=f"11{n:09d}", registered_on=registered, paid_through="2026-10",
    )  # fmt: skip
    return PlannedRow(member=member, action=RowAction.CREATE, farmer_id=f"01M9{n:022d}", nik_hash=f"h{n}",
                      lookup_op_id=f"01M8{n:022d}")  # fmt: skip


@pytest.mark.parametrize("months", [1, 40])
def test_a_chunk_is_packed_into_transactions_of_at_most_100_items(months: int) -> None:
    rows = [planned(n, date(2016 + n % months // 12, 1 + n % months % 12, 5)) for n in range(250)]
    changes = [
        (r, created_changes(r, "01M9IMPORT0000000000000001", ADMIN, "2026-11-20T01:00:00Z")) for r in rows
    ]
    packed = pack(changes)
    assert sum(len(g) for g in packed) == 250
    for group in packed:
        writes = sum(len(c.writes) + len(c.outbox) + len(c.audit) for _, c in group)
        counters = {(type(k).__name__, k.period, k.kecamatan_code) for _, c in group for k in c.counts}
        assert writes + len(counters) <= MAX_TRANSACTION_ITEMS


def test_a_failed_import_says_what_was_and_was_not_written() -> None:
    record = ImportRecord(
        import_id="01M9IMPORT0000000000000001", filename="a.csv", file_type="csv", object_key="k", created_by="admin",
        created_by_sub="s", created_at="t", updated_at="t", created=480, updated=2,
    )  # fmt: skip
    failed = FailedChunk(import_id=record.import_id, chunk=3, first_row=12, last_row=900, written=100,
                         rows_not_written=tuple(range(500, 650)), failed_at="t")  # fmt: skip
    text = failure_text(record, [failed])
    assert text.startswith(
        "1 bagian impor gagal berulang kali (baris 12-900). 582 baris sudah tertulis, 150 baris"
    )
    assert "POST /imports/01M9IMPORT0000000000000001/commit" in text
