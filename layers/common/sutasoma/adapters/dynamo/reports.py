"""Stored reports: a month's versions (never changed once written) and its latest preview, and
the receipt numbers of each BPP and year."""

from __future__ import annotations

from botocore.exceptions import ClientError

from sutasoma.adapters.dynamo import keys
from sutasoma.adapters.dynamo.codec import to_dynamo
from sutasoma.adapters.dynamo.table import Table
from sutasoma.app.ports import VersionTaken


class ReportRepository:
    def __init__(self, table: Table) -> None:
        self.table = table

    def put_version(self, period: str, version: int, report_json: str, generated_at: str) -> None:
        """Write version `version` once: another writer's version of that number wins (VersionTaken)."""
        item = {**keys.report_version(period, version), "type": keys.REPORT.type, "version": version,
                "report": report_json, "generated_at": generated_at}  # fmt: skip
        try:
            self.table.put(item, "attribute_not_exists(PK)")
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise VersionTaken(version) from None
            raise

    def latest(self, period: str) -> str | None:
        partition, prefix = keys.report_versions(period)
        page, _ = next(
            self.table.pages(
                KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
                ExpressionAttributeValues=to_dynamo({":pk": partition, ":prefix": prefix}),
                ScanIndexForward=False, Limit=1, ConsistentRead=True,
            )
        )  # fmt: skip
        return str(page[0]["report"]) if page else None

    def version(self, period: str, version: int) -> str | None:
        item = self.table.get(keys.report_version(period, version), consistent=True)
        return str(item["report"]) if item else None


class ReceiptSequence:
    def __init__(self, table: Table) -> None:
        self.table = table

    def next(self, kecamatan_code: str, year: int) -> int:
        """The next number of a BPP's receipts in a year (atomic; a failed payment leaves a gap)."""
        attributes = self.table.update(
            keys.receipt_sequence(kecamatan_code, year),
            "ADD #seq :one",
            {"#seq": "seq"},
            to_dynamo({":one": 1}),
            ReturnValues="UPDATED_NEW",
        )
        return int(attributes["seq"])
