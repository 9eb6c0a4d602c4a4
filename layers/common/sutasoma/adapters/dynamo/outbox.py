"""Outbox entries: under their farmer's partition, pending ones also in the sparse GSI2."""

from __future__ import annotations

from collections.abc import Sequence

from sutasoma.adapters.dynamo import keys
from sutasoma.adapters.dynamo.codec import to_dynamo
from sutasoma.adapters.dynamo.table import Table, without_keys
from sutasoma.domain.farmer import FarmerRecord
from sutasoma.domain.outbox import OutboxEntry


class OutboxRepository:
    def __init__(self, table: Table) -> None:
        self.table = table

    def get(self, farmer_id: str, op_id: str) -> OutboxEntry | None:
        item = self.table.get(keys.outbox(farmer_id, op_id), consistent=True)
        return OutboxEntry.model_validate(without_keys(item)) if item else None

    def with_farmers(
        self, operations: Sequence[tuple[str, str]], nik_hashes: Sequence[str] = ()
    ) -> tuple[dict[str, tuple[OutboxEntry | None, FarmerRecord | None]], set[str]]:
        """op id -> (its entry, its farmer) for (farmer id, op id) pairs, and which of `nik_hashes`
        a correction is still releasing: one consistent BatchGetItem for a whole batch of the
        BPJS consumer, instead of two or three reads a message."""
        farmer_ids = sorted({farmer_id for farmer_id, _ in operations})
        wanted = [keys.outbox(f, o) for f, o in operations] + [keys.farmer(f) for f in farmer_ids]
        wanted += [keys.nik_release(h) for h in sorted(set(nik_hashes))]
        entries: dict[str, OutboxEntry] = {}
        farmers: dict[str, FarmerRecord] = {}
        releasing: set[str] = set()
        for item in self.table.get_many(wanted, consistent=True):
            if item.get("type") == keys.OUTBOX.type:
                entry = OutboxEntry.model_validate(without_keys(item))
                entries[entry.op_id] = entry
            elif item.get("type") == keys.FARMER.type:
                farmer = FarmerRecord.model_validate(without_keys(item))
                farmers[farmer.farmer_id] = farmer
            elif item.get("type") == keys.NIK_RELEASE.type:
                releasing.add(str(item["nik_hash"]))
        loaded = {op_id: (entries.get(op_id), farmers.get(farmer_id)) for farmer_id, op_id in operations}
        return loaded, releasing

    def pending(self, created_up_to: str, limit: int = 100) -> list[OutboxEntry]:
        """Entries written at or before `created_up_to` and not yet handed over, oldest first."""
        page, _ = next(
            self.table.pages(
                IndexName=keys.GSI_OUTBOX_PENDING,
                KeyConditionExpression="GSI2PK = :pk AND GSI2SK <= :upto",
                ExpressionAttributeValues=to_dynamo(
                    {":pk": keys.OUTBOX_PENDING, ":upto": f"{created_up_to}#{keys.AFTER_EVERY_ID}"}
                ),
                Limit=limit,
            )
        )
        return [OutboxEntry.model_validate(without_keys(item)) for item in page]

    def mark_sent(self, entry: OutboxEntry, sent_at: str) -> None:
        """Handed to the queue: out of the pending index (the version stays: not a decision)."""
        self.table.update(
            keys.outbox(entry.farmer_id, entry.op_id),
            "SET #sent_at = :sent_at REMOVE #gsi2pk, #gsi2sk",
            {"#sent_at": "sent_at", "#gsi2pk": "GSI2PK", "#gsi2sk": "GSI2SK"},
            to_dynamo({":sent_at": sent_at}),
            ConditionExpression="attribute_exists(PK)",
        )
