"""What every use case shares: loading a farmer the caller may act on, writing a change-set
and handing its outbox to the queue, running an operation once per Idempotency-Key."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from sutasoma.domain.changes import ChangeSet, Created, WriteConflict
from sutasoma.domain.errors import ConcurrentUpdate, NotFound
from sutasoma.domain.ids import is_id
from sutasoma.domain.records import Record

if TYPE_CHECKING:
    from sutasoma.app.outbox import Dispatcher
    from sutasoma.app.ports import Claims, Farmers, Idempotency, Refunds, UnitOfWork
    from sutasoma.domain.claim import ClaimRecord
    from sutasoma.domain.farmer import FarmerRecord
    from sutasoma.domain.identity import Caller
    from sutasoma.domain.refund import RefundRecord

R = TypeVar("R", bound=Record)
T = TypeVar("T")


class Writer:
    """One commit per decision, then its outbox entries to the queue (best effort: the
    sweeper re-sends what is left)."""

    def __init__(self, unit: UnitOfWork, dispatcher: Dispatcher) -> None:
        self.unit = unit
        self.dispatcher = dispatcher

    def write(self, changes: ChangeSet) -> None:
        self.unit.commit(changes)
        self.dispatcher.send(changes.outbox)


CONFLICT_ATTEMPTS = 4


def retry_on_conflict[T](attempt: Callable[[], T], attempts: int = CONFLICT_ATTEMPTS) -> T:
    """Decide and write again when a record moved on between read and write: the new decision
    is made on what is there now (a system change never fails a person's request). A key
    already taken (a Created record) is the caller's to explain."""
    for remaining in range(attempts - 1, -1, -1):
        try:
            return attempt()
        except WriteConflict as conflict:
            if isinstance(conflict.write, Created):
                raise
            # No stored record met: a collision the unit of work already tried again; a version
            # that moved on is decided again on what is there now.
            if remaining == 0 or conflict.current is None:
                raise ConcurrentUpdate(
                    "Data ini sedang diubah bersamaan; muat ulang lalu coba lagi."
                ) from None
    raise AssertionError("unreachable")


def load_farmer(farmers: Farmers, caller: Caller, farmer_id: str) -> FarmerRecord:
    """The farmer, if it exists and the caller may act in its kecamatan (404 / 403)."""
    farmer = farmers.get(farmer_id) if is_id(farmer_id) else None
    if farmer is None:
        raise NotFound("Petani tidak ditemukan.")
    caller.require_kecamatan(farmer.kecamatan_code)
    return farmer


def load_claim(claims: Claims, caller: Caller, claim_id: str) -> ClaimRecord:
    """The claim, if it exists and the caller may act in its kecamatan (404 / 403)."""
    claim = claims.get(claim_id) if is_id(claim_id) else None
    if claim is None:
        raise NotFound("Klaim tidak ditemukan.")
    caller.require_kecamatan(claim.kecamatan_code)
    return claim


def load_refund(refunds: Refunds, caller: Caller, refund_id: str) -> RefundRecord:
    """The refund case, if it exists and the caller may act in its kecamatan (404 / 403)."""
    refund = refunds.get(refund_id) if is_id(refund_id) else None
    if refund is None:
        raise NotFound("Kasus pengembalian iuran tidak ditemukan.")
    caller.require_kecamatan(refund.kecamatan_code)
    return refund


def once[R: Record](
    idempotency: Idempotency,
    scope: str,
    key: str | None,
    owner: str,
    request: Record,
    operation: Callable[[], R],
    answer: type[R],
) -> R:
    """`operation` once per (scope, owner, key): a retry with the same request replays the
    first answer; without a key, just run it. Authorize before calling this."""
    if key is None:
        return operation()
    stored = idempotency.run(
        scope, key, owner, request.model_dump(mode="json"), lambda: operation().model_dump(mode="json")
    )
    return answer.model_validate(stored)
