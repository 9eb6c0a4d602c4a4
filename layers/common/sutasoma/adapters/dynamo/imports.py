"""Member imports in the domain table: the import's item (its status written by the unit of
work under a version, its progress added here by the chunks, each once), the items under it
(failed chunks, rows a commit refused, members BPJS did not confirm), and the bulk reads a
check needs (NIK and KPJ claims, farmers: BatchGetItem, 100 keys a request)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from sutasoma.adapters.dynamo import keys
from sutasoma.adapters.dynamo.codec import to_dynamo
from sutasoma.adapters.dynamo.table import Table, without_keys
from sutasoma.domain.farmer import FarmerRecord
from sutasoma.domain.imports import ChunkOutcome, FailedChunk, ImportMismatch, ImportRecord


def _condition_failed(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class ImportRepository:
    def __init__(self, table: Table) -> None:
        self.table = table

    def get(self, import_id: str) -> ImportRecord | None:
        item = self.table.get(keys.import_item(import_id), consistent=True)
        return ImportRecord.model_validate(without_keys(item)) if item else None

    def checked(self, import_id: str, rows_checked: int) -> None:
        self.table.update(
            keys.import_item(import_id),
            "SET #n = :n",
            {"#n": "rows_checked"},
            to_dynamo({":n": rows_checked}),
        )

    def add_chunk(self, import_id: str, outcome: ChunkOutcome, stamp: str) -> ImportRecord | None:
        """The chunk's counts added unless its number is in `chunks_done` already (None then);
        the rows it refused kept under the import first."""
        if outcome.refused_rows:
            _, key = keys.item_keys(outcome)
            self.table.put({**outcome.stored(), **key, "type": keys.IMPORT_REFUSALS.type})
        adds = {"chunk_rows_done": outcome.rows, "created": outcome.created, "updated": outcome.updated,
                "commit_unchanged": outcome.unchanged, "not_written": outcome.not_written}  # fmt: skip
        return self._add_once(import_id, outcome.chunk, "chunks_done", adds, stamp, guard=("chunks_done",))

    def add_failed_chunk(self, failed: FailedChunk) -> ImportRecord | None:
        _, key = keys.item_keys(failed)
        self.table.put({**failed.stored(), **key, "type": keys.IMPORT_FAILED_CHUNK.type})
        adds = {"failed_rows": len(failed.rows_not_written)}
        return self._add_once(
            failed.import_id, failed.chunk, "chunks_failed", adds, failed.failed_at,
            guard=("chunks_done", "chunks_failed"),
        )  # fmt: skip

    def _add_once(
        self, import_id: str, chunk: int, into: str, adds: dict[str, int], stamp: str, guard: tuple[str, ...]
    ) -> ImportRecord | None:
        names = {"#set": into, "#at": "updated_at", **{f"#a{i}": n for i, n in enumerate(adds)}}
        names.update({f"#g{i}": g for i, g in enumerate(guard)})
        values = to_dynamo(
            {":set": {chunk}, ":n": chunk, ":at": stamp, **{f":a{i}": v for i, v in enumerate(adds.values())}}
        )
        expression = (
            "ADD #set :set, " + ", ".join(f"#a{i} :a{i}" for i in range(len(adds))) + " SET #at = :at"
        )
        condition = " AND ".join(
            ["attribute_exists(PK)", *(f"NOT contains(#g{i}, :n)" for i in range(len(guard)))]
        )
        try:
            item = self.table.update(
                keys.import_item(import_id), expression, names, values,
                ConditionExpression=condition, ReturnValues="ALL_NEW",
            )  # fmt: skip
        except ClientError as error:
            if _condition_failed(error):
                return None
            raise
        return ImportRecord.model_validate(without_keys(item))

    def restart(self, import_id: str) -> None:
        self.table.update(
            keys.import_item(import_id), "REMOVE #f SET #r = :zero", {"#f": "chunks_failed", "#r": "failed_rows"},
            to_dynamo({":zero": 0}),
        )  # fmt: skip

    def _children(self, import_id: str, prefix: str, **params: Any) -> list[dict[str, Any]]:
        return self.table.query_all(
            KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
            ExpressionAttributeValues=to_dynamo({":pk": keys.import_of(import_id), ":prefix": prefix}),
            **params,
        )

    def failed_chunks(self, import_id: str) -> list[FailedChunk]:
        return [
            FailedChunk.model_validate(without_keys(i))
            for i in self._children(import_id, keys.FAILED_CHUNK_PREFIX)
        ]

    def refusals(self, import_id: str) -> list[ChunkOutcome]:
        return [
            ChunkOutcome.model_validate(without_keys(i))
            for i in self._children(import_id, keys.REFUSALS_PREFIX)
        ]

    def mismatches(
        self, import_id: str, limit: int, start_after: str | None
    ) -> tuple[list[ImportMismatch], bool]:
        params: dict[str, Any] = {
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": to_dynamo(
                {":pk": keys.import_of(import_id), ":prefix": keys.MISMATCH_PREFIX}
            ),
            "Limit": limit,
        }
        if start_after:
            params["ExclusiveStartKey"] = to_dynamo(
                keys.import_child(import_id, keys.MISMATCH_PREFIX, start_after)
            )
        items, more = next(self.table.pages(**params))
        return [ImportMismatch.model_validate(without_keys(i)) for i in items], more

    def mismatch_count(self, import_id: str) -> int:
        total = 0
        request: dict[str, Any] = {
            "TableName": self.table.name,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": to_dynamo(
                {":pk": keys.import_of(import_id), ":prefix": keys.MISMATCH_PREFIX}
            ),
            "Select": "COUNT",
        }
        while True:
            response = self.table.client.query(**request)
            total += int(response.get("Count", 0))
            if "LastEvaluatedKey" not in response:
                return total
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def nik_claims(self, nik_hashes: Sequence[str]) -> dict[str, str]:
        """NIK hash -> farmer id, for the hashes claimed (read consistently: a claim is the guard)."""
        items = self.table.get_many([keys.nik_claim(h) for h in nik_hashes], consistent=True)
        return {str(i["nik_hash"]): str(i["farmer_id"]) for i in items}

    def kpj_claims(self, kpj_numbers: Sequence[str]) -> dict[str, str]:
        items = self.table.get_many([keys.kpj_claim(k) for k in kpj_numbers], consistent=True)
        return {str(i["kpj_number"]): str(i["farmer_id"]) for i in items}

    def farmers(self, farmer_ids: Sequence[str]) -> dict[str, FarmerRecord]:
        items = self.table.get_many([keys.farmer(f) for f in farmer_ids], consistent=True)
        found = (FarmerRecord.model_validate(without_keys(i)) for i in items)
        return {f.farmer_id: f for f in found}
