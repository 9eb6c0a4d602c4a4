"""BPJS callback events already applied (the receipt is written with the change it made)."""

from __future__ import annotations

from sutasoma.adapters.dynamo import keys
from sutasoma.adapters.dynamo.table import Table


class CallbackLog:
    def __init__(self, table: Table) -> None:
        self.table = table

    def seen(self, event_id: str) -> bool:
        return self.table.get(keys.callback(event_id), consistent=True) is not None
