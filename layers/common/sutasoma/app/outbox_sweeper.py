"""Re-send outbox entries that were committed but never handed to SQS (the function died, or
SQS failed, between the write and the enqueue). Duplicates are harmless: SQS deduplicates on
the operation id for 5 minutes and the consumer records each operation once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sutasoma.adapters.queue import OutboundQueue
from sutasoma.adapters.store import DomainStore
from sutasoma.app.outbox import dispatch
from sutasoma.domain.clock import iso_utc
from sutasoma.runtime.observability import logger

PAGE = 100


def sweep(store: DomainStore, queue: OutboundQueue, now: datetime, grace_seconds: int) -> dict[str, int]:
    # Entries younger than the grace period belong to a request that may still be sending them.
    cutoff = iso_utc(now - timedelta(seconds=grace_seconds))
    sent = failed = 0
    while True:
        pending = store.pending_outbox(created_up_to=cutoff, limit=PAGE)
        for entry in pending:
            if dispatch(store, queue, entry):
                sent += 1
            else:
                failed += 1
        if len(pending) < PAGE or failed:
            break
    if sent or failed:
        logger.info("outbox swept", extra={"sent": sent, "failed": failed})
    return {"sent": sent, "failed": failed}
