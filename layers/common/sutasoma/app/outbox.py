"""Hand an outbox entry to SQS after its transaction committed.

If the send fails or the function dies first, the entry stays pending in the table and the
sweeper re-sends it; SQS deduplication and the consumer's idempotency make re-sends harmless.
"""

from __future__ import annotations

from sutasoma.adapters.queue import OutboundQueue
from sutasoma.adapters.store import DomainStore, OutboxEntry
from sutasoma.domain.clock import iso_utc, now_utc
from sutasoma.runtime.observability import logger


class OpType:
    PARTICIPANT_REGISTRATION = "PARTICIPANT_REGISTRATION"
    PARTICIPANT_UPDATE = "PARTICIPANT_UPDATE"
    CONTRIBUTION_POSTING = "CONTRIBUTION_POSTING"
    CLAIM_SUBMISSION = "CLAIM_SUBMISSION"


def dispatch(store: DomainStore, queue: OutboundQueue, entry: OutboxEntry) -> bool:
    try:
        queue.send(entry)
        store.mark_outbox_sent(entry, iso_utc(now_utc()))
    except Exception as error:  # the sweeper delivers it later: never fail the request for this
        logger.warning(
            "outbox entry left for the sweeper",
            extra={"op_id": entry.op_id, "op_type": entry.op_type, "error": type(error).__name__},
        )
        return False
    return True
