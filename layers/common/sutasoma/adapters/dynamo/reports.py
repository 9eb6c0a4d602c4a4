"""Stored reports (their JSON) and the receipt numbers of each BPP and year."""

from __future__ import annotations

from sutasoma.adapters.dynamo import keys
from sutasoma.adapters.dynamo.codec import to_dynamo
from sutasoma.adapters.dynamo.table import Table


class ReportRepository:
    def __init__(self, table: Table) -> None:
        self.table = table

    def put(self, period: str, report_json: str, generated_at: str) -> None:
        self.table.put(
            {
                **keys.report(period),
                "type": keys.REPORT.type,
                "report": report_json,
                "generated_at": generated_at,
            }
        )

    def get(self, period: str) -> str | None:
        item = self.table.get(keys.report(period))
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
