"""The outbox: hand an operation to the queue once its transaction committed, and re-send
what a crash or a queue error left behind.

If the send fails or the function dies first, the entry stays pending in the table and the
sweeper re-sends it; the queue's deduplication and the consumer's idempotency make re-sends
harmless.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sutasoma.domain.clock import iso_utc, now_utc
from sutasoma.runtime.observability import logger

if TYPE_CHECKING:
    from sutasoma.app.ports import Outbox, Queue
    from sutasoma.domain.outbox import OutboxEntry

SWEEP_PAGE = 100


class Dispatcher:
    def __init__(self, outbox: Outbox, queue: Queue) -> None:
        self.outbox = outbox
        self.queue = queue

    def send(self, entries: tuple[OutboxEntry, ...]) -> int:
        return sum(self.send_one(entry) for entry in entries)

    def send_one(self, entry: OutboxEntry) -> bool:
        try:
            self.queue.send(entry)
            self.outbox.mark_sent(entry, iso_utc(now_utc()))
        except Exception as error:  # the sweeper delivers it later: never fail the request for this
            logger.warning(
                "outbox entry left for the sweeper",
                extra={"op_id": entry.op_id, "op_type": entry.op_type, "error": type(error).__name__},
            )
            return False
        return True

    def sweep(self, grace_seconds: int, now: datetime | None = None) -> dict[str, int]:
        """Send the entries older than the grace period that are still pending."""
        # Younger entries belong to a request that may still be sending them.
        cutoff = iso_utc((now or now_utc()) - timedelta(seconds=grace_seconds))
        sent = failed = 0
        while True:
            pending = self.outbox.pending(created_up_to=cutoff, limit=SWEEP_PAGE)
            for entry in pending:
                if self.send_one(entry):
                    sent += 1
                else:
                    failed += 1
            if len(pending) < SWEEP_PAGE or failed:
                break
        if sent or failed:
            logger.info("outbox swept", extra={"sent": sent, "failed": failed})
        return {"sent": sent, "failed": failed}
