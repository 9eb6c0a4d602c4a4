"""Recording a farmer's death from the family's report (`POST /farmers/{id}/death`)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sutasoma.app.common import Writer, load_farmer, once, retry_on_conflict
from sutasoma.app.membership import death_recorded
from sutasoma.domain.audit import AuditAction, by_caller
from sutasoma.domain.changes import ChangeSet
from sutasoma.domain.clock import WITA, iso_utc, now_utc, period_of
from sutasoma.domain.farmer import FarmerRecord, check_date_of_death
from sutasoma.domain.records import Record
from sutasoma.runtime.observability import logger

if TYPE_CHECKING:
    from sutasoma.app.ports import Farmers, Idempotency, Payments
    from sutasoma.domain.identity import Caller


class DeathReport(Record):
    date_of_death: date
    note: str | None = None


class RecordDeath:
    def __init__(
        self, farmers: Farmers, payments: Payments, writer: Writer, idempotency: Idempotency
    ) -> None:
        self.farmers = farmers
        self.payments = payments
        self.writer = writer
        self.idempotency = idempotency

    def __call__(
        self, caller: Caller, farmer_id: str, report: DeathReport, idempotency_key: str | None
    ) -> FarmerRecord:
        load_farmer(self.farmers, caller, farmer_id)  # authorized before any replay
        return once(
            self.idempotency, "death", idempotency_key, f"{caller.sub}:{farmer_id}", report,
            lambda: retry_on_conflict(lambda: self._record(caller, farmer_id, report)), FarmerRecord,
        )  # fmt: skip

    def _record(self, caller: Caller, farmer_id: str, report: DeathReport) -> FarmerRecord:
        farmer = load_farmer(self.farmers, caller, farmer_id)
        now = now_utc()
        today, stamp = now.astimezone(WITA).date(), iso_utc(now)
        check_date_of_death(farmer, report.date_of_death, today)
        after, changes = death_recorded(
            farmer, self.payments.all_of(farmer_id), report.date_of_death, "REPORT", caller.username, stamp,
            period_of(today), report.note,
        )  # fmt: skip
        audit = by_caller(
            caller, AuditAction.DEATH_RECORDED, farmer_id, f"farmer/{farmer_id}", stamp, farmer_id=farmer_id,
            fields=("deceased_on",), detail={"source": "REPORT"},
        )  # fmt: skip
        self.writer.write(changes + ChangeSet(audit=(audit,)))
        logger.info("death recorded", extra={"farmer_id": farmer_id})
        return after
