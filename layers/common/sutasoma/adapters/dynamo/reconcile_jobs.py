"""Reconcile jobs and their pieces, in the domain table under `RECONCILE#<job_id>`.

A piece's tally and a job's differences are JSON, zlib-compressed (a tally holds a figure per
kecamatan and month: tens of kilobytes as JSON, a few once compressed; DynamoDB's item limit is
400 KB). A piece is written once; the last piece of a segment counts the segment done on the job
in the same transaction, so a segment is counted once however often its task is delivered.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from sutasoma.adapters.dynamo import keys
from sutasoma.adapters.dynamo.codec import to_dynamo
from sutasoma.adapters.dynamo.table import Table, TransactionCancelled
from sutasoma.domain.reconcile_job import JobStatus, ReconcileJob, SegmentTask

_OPEN = {":queued": JobStatus.QUEUED.value, ":running": JobStatus.RUNNING.value}


def _packed(value: Any) -> str:
    return base64.b64encode(zlib.compress(json.dumps(value, separators=(",", ":")).encode())).decode()


def _unpacked(text: str) -> Any:
    return json.loads(zlib.decompress(base64.b64decode(text)))


class ReconcileJobRepository:
    def __init__(self, table: Table) -> None:
        self.table = table

    def create(self, job: ReconcileJob) -> None:
        item = {
            **keys.reconcile_job(job.job_id), "type": keys.RECONCILE_JOB.type, "job_id": job.job_id,
            "period": job.period, "status": job.status.value, "segments": job.segments, "segments_done": 0,
            "requested_by": job.requested_by, "created_at": job.created_at,
        }  # fmt: skip
        self.table.put(item, condition="attribute_not_exists(PK)")

    def get(self, job_id: str) -> ReconcileJob | None:
        item = self.table.get(keys.reconcile_job(job_id), consistent=True)
        if item is None:
            return None
        packed = item.get("differences_z")
        return ReconcileJob(
            job_id=str(item["job_id"]), period=str(item["period"]), status=JobStatus(item["status"]),
            segments=int(item["segments"]), requested_by=str(item["requested_by"]),
            created_at=str(item["created_at"]), segments_done=int(item.get("segments_done", 0)),
            started_at=item.get("started_at"), finished_at=item.get("finished_at"),
            items_scanned=item.get("items_scanned"),
            differences=tuple(_unpacked(packed)) if packed else None,
            differences_total=item.get("differences_total"), failure=item.get("failure"),
        )  # fmt: skip

    def piece(self, task: SegmentTask) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
        item = self.table.get(keys.reconcile_piece(task.job_id, task.segment, task.piece), consistent=True)
        if item is None:
            return None
        next_key = item.get("next_key")
        return _unpacked(str(item["tally_z"])), json.loads(next_key) if next_key else None

    def save_piece(
        self, task: SegmentTask, tally: dict[str, Any], next_key: dict[str, Any] | None, at: str
    ) -> bool:
        """Store the piece (once) and mark the job RUNNING; the segment's last piece also counts
        the segment done. False if the piece was stored already, or the job is over."""
        piece = {
            **keys.reconcile_piece(task.job_id, task.segment, task.piece), "type": keys.RECONCILE_PIECE.type,
            "tally_z": _packed(tally), "next_key": json.dumps(next_key) if next_key else None,
        }  # fmt: skip
        counted = "" if next_key else " ADD segments_done :one"
        values = {
            **_OPEN,
            ":running_now": JobStatus.RUNNING.value,
            ":at": at,
            **({} if next_key else {":one": 1}),
        }
        try:
            self.table.transact(
                [
                    {"Put": {"TableName": self.table.name, "Item": to_dynamo(piece),
                             "ConditionExpression": "attribute_not_exists(PK)"}},
                    {"Update": {
                        "TableName": self.table.name, "Key": to_dynamo(keys.reconcile_job(task.job_id)),
                        "UpdateExpression": f"SET #status = :running_now, started_at = if_not_exists(started_at, :at){counted}",
                        "ConditionExpression": "#status IN (:queued, :running)",
                        "ExpressionAttributeNames": {"#status": "status"},
                        "ExpressionAttributeValues": to_dynamo(values),
                    }},
                ]
            )  # fmt: skip
        except TransactionCancelled:
            return False
        return True

    def pieces(self, job_id: str) -> list[dict[str, Any]]:
        pk, prefix = keys.reconcile_pieces(job_id)
        items = self.table.query_all(
            KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
            ExpressionAttributeValues=to_dynamo({":pk": pk, ":prefix": prefix}),
            ConsistentRead=True,
        )
        return [_unpacked(str(item["tally_z"])) for item in items]

    def finish(
        self, job_id: str, items_scanned: int, differences: Sequence[dict[str, Any]], total: int, at: str
    ) -> None:
        self._close(
            job_id,
            "SET #status = :done, finished_at = :at, items_scanned = :scanned, differences_z = :found, "
            "differences_total = :total",
            {":done": JobStatus.DONE.value, ":at": at, ":scanned": items_scanned, ":found": _packed(list(differences)),
             ":total": total},
        )  # fmt: skip

    def fail(self, job_id: str, failure: str, at: str) -> None:
        self._close(
            job_id,
            "SET #status = :failed, finished_at = :at, failure = :failure",
            {":failed": JobStatus.FAILED.value, ":at": at, ":failure": failure},
        )

    def _close(self, job_id: str, expression: str, values: dict[str, Any]) -> None:
        """DONE or FAILED, once: a job already over stays as it is."""
        try:
            self.table.update(
                keys.reconcile_job(job_id), expression, {"#status": "status"}, to_dynamo({**_OPEN, **values}),
                ConditionExpression="#status IN (:queued, :running)",
            )  # fmt: skip
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
