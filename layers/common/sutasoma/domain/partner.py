"""What BPJS (the partner) tells us through its signed callbacks."""

from __future__ import annotations

from sutasoma.domain.records import Record


class CallbackReceipt(Record):
    """A callback event applied: each `event_id` is applied once."""

    event_id: str
    event_type: str
    farmer_id: str
    received_at: str
