"""Refund cases: a BPP's list, and settling one (the cash given back, to whom, when)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sutasoma.app.common import Writer, load_refund, once, retry_on_conflict
from sutasoma.app.membership import refund_settled
from sutasoma.app.paging import Page, across_kecamatan
from sutasoma.app.queries import RefundQuery
from sutasoma.domain.audit import AuditAction, by_caller
from sutasoma.domain.changes import ChangeSet
from sutasoma.domain.clock import WITA, iso_utc, now_utc, period_of
from sutasoma.domain.records import Record
from sutasoma.domain.refund import RefundRecord, RefundStatus
from sutasoma.runtime.observability import logger

if TYPE_CHECKING:
    from sutasoma.app.ports import Idempotency, Refunds
    from sutasoma.domain.identity import Caller


class Settlement(Record):
    returned_to: str
    returned_at: datetime | None = None


class RefundDesk:
    def __init__(self, refunds: Refunds, writer: Writer, idempotency: Idempotency) -> None:
        self.refunds = refunds
        self.writer = writer
        self.idempotency = idempotency

    def _load(self, caller: Caller, refund_id: str) -> RefundRecord:
        return load_refund(self.refunds, caller, refund_id)

    def search(
        self, scope: Sequence[str], status: RefundStatus | None, limit: int, start: tuple[str, str] | None
    ) -> Page[RefundRecord]:
        """Refund cases of the kecamatan in `scope` (already authorized), newest first."""

        def fetch(kecamatan: str, after: str | None, n: int) -> tuple[list[RefundRecord], bool]:
            return self.refunds.page(
                RefundQuery(kecamatan, status.value if status else None, start_after=after), n
            )

        return across_kecamatan(scope, limit, start, fetch)

    def settle(
        self, caller: Caller, refund_id: str, settlement: Settlement, idempotency_key: str | None
    ) -> RefundRecord:
        self._load(caller, refund_id)  # authorized before any replay
        return once(
            self.idempotency, "refund", idempotency_key, f"{caller.sub}:{refund_id}", settlement,
            lambda: retry_on_conflict(lambda: self._settle(caller, refund_id, settlement)), RefundRecord,
        )  # fmt: skip

    def _settle(self, caller: Caller, refund_id: str, settlement: Settlement) -> RefundRecord:
        refund = self._load(caller, refund_id)
        now = now_utc()
        after = refund.settle(settlement.returned_to, settlement.returned_at or now, caller.username, now)
        stamp = iso_utc(now)
        audit = by_caller(
            caller, AuditAction.REFUND_SETTLED, refund.farmer_id, f"refund/{refund_id}", stamp,
            farmer_id=refund.farmer_id, fields=("status", "returned_to", "returned_at"),
            detail={"refund_id": refund_id, "amount": str(refund.amount)},
        )  # fmt: skip
        period = period_of(now.astimezone(WITA).date())
        self.writer.write(refund_settled(refund, after, period) + ChangeSet(audit=(audit,)))
        logger.info("refund settled", extra={"refund_id": refund_id, "farmer_id": refund.farmer_id})
        return after
